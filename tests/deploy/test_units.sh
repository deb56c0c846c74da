#!/bin/bash
# test_units.sh - the systemd units as installed (cmake --install into a
# temporary prefix, so every ExecStart points at a real file):
# `systemd-analyze verify` on each, the sysusers file applied to a scratch
# root, the units' key settings, and `systemd-analyze security` printed for
# each service with its exposure held under a ceiling.
# Works without systemd as PID 1 (offline analysis of unit files).
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib.sh"

need_cmd cmake systemd-analyze
make_scratch
P=$S/prefix
install_tree "$P" || { not_ok "cmake --install --prefix $P"; finish; exit; }
U=$P/lib/systemd/system

# Ceilings for the overall exposure (lower is better; see OPERATIONS.md for
# the numbers and what is left exposed and why).
declare -A CEILING=([packetsight-captured.service]=1.7 [packetsight-webapi.service]=1.1
    [packetsight-migrate.service]=1.1)

for u in "$U"/packetsight-*; do
    name=${u##*/}
    out=$(cd "$U" && systemd-analyze verify --man=no "./$name" 2>&1) && rc=0 || rc=$?
    if [ $rc -eq 0 ] && [ -z "$out" ]; then
        ok "systemd-analyze verify $name"
    else
        not_ok "systemd-analyze verify $name (exit $rc): $out"
    fi
done

# A broken unit must fail verification (the check above is not vacuous).
sed "s|^ExecStart=.*|ExecStart=$P/sbin/no-such-program|" "$U/packetsight-captured.service" \
    >"$S/packetsight-captured.service"
check "verify rejects a unit whose program is missing" \
    bash -c "! systemd-analyze verify --man=no '$S/packetsight-captured.service' >/dev/null 2>&1"

# Unit settings the deployment relies on.
C=$U/packetsight-captured.service
W=$U/packetsight-webapi.service
K=$U/packetsight-webapi.socket
equal "captured: Type" "$(unit_value "$C" Type)" notify
equal "captured: User" "$(unit_value "$C" User)" packetsight
equal "captured: AmbientCapabilities" "$(unit_value "$C" AmbientCapabilities)" CAP_NET_RAW
equal "captured: CapabilityBoundingSet" "$(unit_value "$C" CapabilityBoundingSet)" CAP_NET_RAW
equal "captured: NoNewPrivileges" "$(unit_value "$C" NoNewPrivileges)" yes
equal "captured: ProtectSystem" "$(unit_value "$C" ProtectSystem)" strict
equal "captured: Restart" "$(unit_value "$C" Restart)" on-failure
equal "captured: StateDirectory" "$(unit_value "$C" StateDirectory)" "packetsight packetsight/spool"
equal "captured: RestrictAddressFamilies" "$(unit_value "$C" RestrictAddressFamilies)" \
    "AF_UNIX AF_INET AF_INET6 AF_PACKET AF_NETLINK"
check "captured: spool-dir of the default config is inside the StateDirectory" \
    grep -qx "spool-dir = /var/lib/packetsight/spool" "$P/etc/packetsight/captured.conf"
equal "webapi: StandardInput" "$(unit_value "$W" StandardInput)" socket
equal "webapi: User" "$(unit_value "$W" User)" packetsight-web
equal "webapi: CapabilityBoundingSet (none)" "$(unit_value "$W" CapabilityBoundingSet)" ""
equal "webapi socket: Accept" "$(unit_value "$K" Accept)" no
equal "webapi socket: ListenStream" "$(unit_value "$K" ListenStream)" /run/packetsight/webapi.sock
check "captured and webapi start after the migration" \
    bash -c "grep -q '^After=.*packetsight-migrate.service' '$C' && grep -q '^After=.*packetsight-migrate.service' '$W'"

# sysusers.d: both users, created in a scratch root.
mkdir -p "$S/sysroot/etc"
if systemd-sysusers --root="$S/sysroot" "$P/lib/sysusers.d/packetsight.conf" >"$S/sysusers.log" 2>&1 &&
    grep -q '^packetsight:' "$S/sysroot/etc/passwd" && grep -q '^packetsight-web:' "$S/sysroot/etc/passwd"; then
    ok "systemd-sysusers creates packetsight and packetsight-web"
else
    not_ok "systemd-sysusers: $(cat "$S/sysusers.log")"
fi

# systemd-analyze security, printed in full for the record.
for u in "$U"/packetsight-*.service; do
    name=${u##*/}
    echo
    echo "=== systemd-analyze security $name"
    (cd "$U" && systemd-analyze security --offline=true --no-pager "./$name") >"$S/sec.txt" 2>&1 || true
    cat "$S/sec.txt"
    level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$S/sec.txt")
    if [ -z "$level" ]; then
        not_ok "$name: no exposure level in systemd-analyze security output"
    elif awk -v a="$level" -v b="${CEILING[$name]}" 'BEGIN { exit !(a <= b) }'; then
        ok "$name: exposure $level <= ${CEILING[$name]}"
    else
        not_ok "$name: exposure $level > ${CEILING[$name]}"
    fi
done
echo
finish
