#!/bin/bash
# test_install_tree.sh - `cmake --install` into a temporary prefix: the
# layout, every file a unit references exists in the tree, units point into
# the prefix (never the build tree), configuration is never overwritten,
# and captured.conf.example documents every key captured accepts (and
# captured parses the example with every key switched on).
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib.sh"

need_cmd cmake
make_scratch
P=$S/prefix
install_tree "$P" || { not_ok "cmake --install --prefix $P"; finish; exit; }
ok "cmake --install --prefix $P"

# --- layout ---------------------------------------------------------------------
for f in sbin/captured bin/webapi sbin/packetsight-migrate libexec/packetsight/webapi-prefork; do
    check "executable $f" test -x "$P/$f"
done
for f in share/packetsight/www/index.html share/packetsight/sql/roles.sql \
    share/packetsight/nginx/packetsight.conf etc/packetsight/captured.conf \
    etc/nginx/sites-available/packetsight lib/sysusers.d/packetsight.conf \
    share/doc/packetsight/OPERATIONS.md share/doc/packetsight/captured.conf.example \
    share/doc/packetsight/packetsight-sensor.conf \
    lib/systemd/system/packetsight-migrate.service lib/systemd/system/packetsight-captured.service \
    lib/systemd/system/packetsight-webapi.socket lib/systemd/system/packetsight-webapi.service; do
    check "file $f" test -s "$P/$f"
done
n_www=$(cd "$REPO/www" && find . -type f | wc -l)
n_inst=$(cd "$P/share/packetsight/www" && find . -type f | wc -l)
equal "all of www/ installed" "$n_inst" "$n_www"
n_sql=$(cd "$REPO/sql" && find . -type f | wc -l)
equal "all of sql/ installed" "$(cd "$P/share/packetsight/sql" && find . -type f | wc -l)" "$n_sql"
equal "config directory follows a non-system prefix" \
    "$(sed -n 's/^PS_SYSCONFDIR=//p' "$P/share/packetsight/layout.env")" "$P/etc/packetsight"
cp "$BUILD/install_manifest.txt" "$S/manifest.txt"
equal "files outside the prefix in install_manifest.txt" "$(grep -v "^$P/" "$S/manifest.txt" | wc -l)" 0

# --- every path a unit references exists ------------------------------------------
UNITS=("$P"/lib/systemd/system/packetsight-*)
equal "four units installed" "${#UNITS[@]}" 4
for u in "${UNITS[@]}"; do
    name=${u##*/}
    # Exec lines: the program (after systemd's prefixes -@:+!) and every
    # absolute path among the arguments.
    while read -r line; do
        [ -n "$line" ] || continue
        read -r -a words <<<"$line"
        prog=${words[0]##[-@:+!]}
        prog=${prog##[-@:+!]}
        check "$name: program $prog is executable" test -x "$prog"
        for w in "${words[@]:1}"; do
            case $w in
            "$P"/*) check "$name: argument $w exists" test -e "$w" ;;
            esac
        done
    done < <(grep -E '^Exec[A-Za-z]*=' "$u" | sed 's/^[^=]*=//')
    while read -r ef; do
        case $ef in
        -*) ;; # optional
        *) check "$name: EnvironmentFile $ef exists" test -r "$ef" ;;
        esac
    done < <(unit_value "$u" EnvironmentFile)
    while read -r env; do
        env=${env#\"}
        v=${env#*=}
        v=${v%\"}
        case $v in "$P"/*) check "$name: ${env%%=*} -> $v exists" test -e "$v" ;; esac
    done < <(unit_value "$u" Environment)
    while read -r doc; do
        case $doc in file:*) check "$name: Documentation ${doc#file:} exists" test -r "${doc#file:}" ;; esac
    done < <(unit_value "$u" Documentation)
    check "$name: no path into the source or build tree" \
        bash -c "! grep -q -e '$REPO' -e '$BUILD' '$u'"
    check "$name: no /usr/local path (prefix is $P)" bash -c "! grep -q /usr/local '$u'"
done
equal "webapi service runs the installed webapi" \
    "$(unit_value "$P/lib/systemd/system/packetsight-webapi.service" Environment | sed -n 's/^PACKETSIGHT_WEBAPI=//p')" \
    "$P/bin/webapi"
check "nginx site serves the installed www" grep -q "root $P/share/packetsight/www;" "$P/share/packetsight/nginx/packetsight.conf"
check "webapi-prefork finds webapi relative to itself" \
    test "$(readlink -f "$P/libexec/packetsight/../../bin/webapi")" = "$(readlink -f "$P/bin/webapi")"

# --- configuration is never overwritten ---------------------------------------------
echo "# edited by the operator" >>"$P/etc/packetsight/captured.conf"
echo "# edited by the operator" >>"$P/etc/nginx/sites-available/packetsight"
install_tree "$P" || not_ok "second cmake --install"
check "re-install keeps an edited captured.conf" grep -q "edited by the operator" "$P/etc/packetsight/captured.conf"
check "re-install keeps an edited nginx site" grep -q "edited by the operator" "$P/etc/nginx/sites-available/packetsight"

# --- captured.conf.example: every key, and it parses ----------------------------------
EXAMPLE=$P/share/doc/packetsight/captured.conf.example
# The keys: the strings compared with `key` in captured/options.c (apply,
# apply_daemon, retention names) and the detect-* table of common/detect.c.
keys=$( (awk '/^static int apply_daemon/,/^static char \*trim/' "$REPO/captured/options.c" |
    grep -oE 'strcmp\(key, "[a-z0-9-]+"\)|"retention-[a-z]+-days"' | grep -oE '"[a-z0-9-]+"'
    [ -f "$REPO/common/detect.c" ] && grep -oE '^ *O\("[a-z0-9-]+"' "$REPO/common/detect.c" | grep -oE '"[a-z0-9-]+"') |
    tr -d '"' | sort -u)
echo "keys in the code: $(echo $keys | wc -w)"
[ -n "$keys" ] || not_ok "no keys found in captured/options.c"
for k in $keys; do
    check "example documents key '$k'" grep -qE "^#? ?$k = " "$EXAMPLE"
done
sed -E 's/^#([a-z][a-z-]*) = /\1 = /' "$EXAMPLE" >"$S/all-keys.conf"
rc=0
"$P/sbin/captured" -c "$S/all-keys.conf" --db "host=$S/no-such-dir dbname=none connect_timeout=1" \
    --check-schema >"$S/parse.out" 2>&1 || rc=$?
# 2 = bad configuration; 1 = the (deliberately missing) database.
if [ $rc -eq 1 ]; then
    ok "captured parses the example with every key set"
else
    not_ok "captured -c (example with every key set) exited $rc: $(head -3 "$S/parse.out")"
fi
rc=0
"$P/sbin/captured" -c "$P/etc/packetsight/captured.conf" --db "host=$S/no-such-dir dbname=none" \
    --check-schema >"$S/parse2.out" 2>&1 || rc=$?
equal "captured parses the installed default captured.conf (exit 1 = no database)" "$rc" 1

finish
