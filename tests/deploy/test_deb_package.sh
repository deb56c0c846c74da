#!/bin/bash
# test_deb_package.sh - `cpack -G DEB`: the package's control data (Depends
# from dpkg-shlibdeps plus the programs the scripts call, conffiles,
# maintainer scripts), its file list with /usr paths inside the units; then
# dpkg -i / dpkg -P in a throwaway container (this machine's /usr under a
# temporary overlay, a copy of /etc and the dpkg database): postinst creates
# the users and restricts captured.conf, the installed units verify, purge
# removes everything.
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib.sh"

need_cmd cpack dpkg-deb dpkg-shlibdeps
make_scratch
if ! (cd "$BUILD" && cpack -G DEB -B "$S/pkg") >"$S/cpack.log" 2>&1; then
    not_ok "cpack -G DEB: $(tail -5 "$S/cpack.log")"
    finish
    exit
fi
DEB=$(ls "$S"/pkg/packetsight_*.deb 2>/dev/null | head -1)
check "cpack -G DEB built ${DEB##*/}" test -s "$DEB"
[ -s "$DEB" ] || { finish; exit; }

dpkg-deb -f "$DEB" Depends >"$S/depends"
echo "Depends: $(cat "$S/depends")"
for lib in libpcap0.8 libpq5 libjansson4 libfcgi0ldbl libssl3 libcap2 postgresql-client-15 systemd; do
    check "Depends names $lib" grep -q "\b$lib\b" "$S/depends"
done
equal "Package" "$(dpkg-deb -f "$DEB" Package)" packetsight
dpkg-deb -e "$DEB" "$S/control"
equal "conffiles" "$(sort "$S/control/conffiles" | tr '\n' ' ')" \
    "/etc/nginx/sites-available/packetsight /etc/packetsight/captured.conf "
for f in postinst prerm postrm; do check "maintainer script $f is executable" test -x "$S/control/$f"; done
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' >"$S/files"
for f in /usr/sbin/captured /usr/bin/webapi /usr/sbin/packetsight-migrate \
    /usr/libexec/packetsight/webapi-prefork /usr/share/packetsight/www/index.html \
    /usr/share/packetsight/sql/roles.sql /usr/lib/sysusers.d/packetsight.conf \
    /usr/lib/systemd/system/packetsight-captured.service /usr/lib/systemd/system/packetsight-webapi.socket \
    /etc/packetsight/captured.conf /usr/share/doc/packetsight/OPERATIONS.md; do
    check "package holds $f" grep -qx "$f" "$S/files"
done
check "nothing under /usr/local" bash -c "! grep -q '^/usr/local' '$S/files'"
dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./usr/lib/systemd/system/packetsight-captured.service >"$S/unit"
check "unit runs /usr/sbin/captured -c /etc/packetsight/captured.conf" \
    grep -qx 'ExecStart=/usr/sbin/captured -c /etc/packetsight/captured.conf' "$S/unit"

# Install and purge in a container.
if [ "$(id -u)" -ne 0 ] || ! command -v systemd-nspawn >/dev/null; then
    echo "(not root or no systemd-nspawn: dpkg -i not tried)"
    finish
    exit
fi
R=$S/root
make_container_root "$R"
cp -a /var/lib/dpkg "$R/var/lib/"
cp "$DEB" "$S/pkg.deb"
cat >"$S/inside.sh" <<'SH'
set -u
say() { echo "RESULT $*"; }
dpkg -i /srv/pkg/pkg.deb >/dev/null 2>&1 && say "ok - dpkg -i" || say "not ok - dpkg -i: $(dpkg -i /srv/pkg/pkg.deb 2>&1 | tail -3)"
getent passwd packetsight-web >/dev/null && say "ok - postinst created packetsight-web" || say "not ok - no packetsight-web"
getent passwd packetsight >/dev/null && say "ok - user packetsight exists" || say "not ok - no packetsight"
m=$(stat -c '%U:%G %a' /etc/packetsight/captured.conf)
[ "$m" = "root:packetsight 640" ] && say "ok - captured.conf root:packetsight 640" || say "not ok - captured.conf is $m"
out=$(systemd-analyze verify --man=no /usr/lib/systemd/system/packetsight-* 2>&1) && [ -z "$out" ] &&
    say "ok - installed units verify" || say "not ok - verify: $out"
/usr/sbin/captured --version >/dev/null && say "ok - captured runs from /usr/sbin" || say "not ok - captured --version"
dpkg -P packetsight >/dev/null 2>&1 && say "ok - dpkg -P" || say "not ok - dpkg -P"
[ ! -e /usr/sbin/captured ] && [ ! -e /etc/packetsight/captured.conf ] &&
    say "ok - purge removed the files and the config" || say "not ok - files left after purge"
SH
nspawn "$R" --overlay=/usr::/usr --bind-ro="$S/pkg.deb:/srv/pkg/pkg.deb" \
    --bind-ro="$S/inside.sh:/srv/inside.sh" /bin/bash /srv/inside.sh >"$S/inside.log" 2>&1 || true
n=0
while read -r _ line; do
    n=$((n + 1))
    case $line in "ok - "*) ok "container: ${line#ok - }" ;; *) not_ok "container: ${line#not ok - }" ;; esac
done < <(grep '^RESULT ' "$S/inside.log")
[ $n -gt 0 ] || not_ok "container run produced nothing: $(tail -5 "$S/inside.log")"
check "the host's /usr was not touched" test ! -e /usr/sbin/packetsight-migrate
finish
