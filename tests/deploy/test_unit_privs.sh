#!/bin/bash
# test_unit_privs.sh - captured's privileges when started the ways it is
# deployed, each time from the installed tree with the unit's own ExecStart
# line and config file, against the dev stack's database:
#   root       as root, as after `systemctl edit` to User=root or by hand
#              outside systemd: the daemon switches to user packetsight
#              itself, keeping only CAP_NET_RAW
#   unit       what packetsight-captured.service does: User=packetsight,
#              AmbientCapabilities= and CapabilityBoundingSet=CAP_NET_RAW,
#              NoNewPrivileges, SecureBits (reproduced with setpriv, so
#              this runs without systemd as PID 1)
#   container  the Docker image's way: non-root with the file capability
#              cap_net_raw+ep, bounding set NET_RAW (cap_drop ALL + cap_add)
# Each must send READY=1 to $NOTIFY_SOCKET, run as packetsight with
# CapEff = CAP_NET_RAW only (0000000000002000), no inheritable or ambient
# capabilities, NoNewPrivs 1, capture on lo (so CAP_NET_RAW really works),
# and stop cleanly on SIGTERM. test_systemd_boot.sh does the same under a
# real systemd.
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib.sh"

need_root
need_cmd setpriv setcap python3 psql cmake
need_stack
id -u packetsight >/dev/null 2>&1 || skip "user packetsight missing (deploy/local.sh up creates it)"
make_scratch
P=$S/prefix
install_tree "$P" || { not_ok "cmake --install --prefix $P"; finish; exit; }
UNIT=$P/lib/systemd/system/packetsight-captured.service
read -r -a EXEC <<<"$(unit_value "$UNIT" ExecStart)"
CONF=${EXEC[2]}
equal "ExecStart is captured -c CONFIG" "${EXEC[0]##*/} ${EXEC[1]}" "captured -c"
cp "$CONF" "$S/captured.conf.orig"
install -d -o packetsight -g packetsight -m 0750 "$S/spool"
PUID=$(id -u packetsight)
PGID=$(id -g packetsight)
PORT=$((20000 + $$ % 20000))
SENSORS=()
at_exit 'forget_sensors "${SENSORS[@]}"'

run_mode() { # run_mode NAME BINARY PREFIX...
    local mode=$1 bin=$2 sensor=ps-test-privs-$1-$$ pid rc
    shift 2
    SENSORS+=("$sensor")
    # The installed config plus what keeps the test to itself.
    {
        cat "$S/captured.conf.orig"
        echo "sensor = $sensor"
        echo "job-workers = 0"
        echo "heartbeat = 1"
        echo "spool-dir = $S/spool"
        echo "capture = lo snaplen=256 filter=udp port $PORT"
        for k in packets flows traffic alerts; do echo "retention-$k-days = 0"; done
    } >"$CONF"
    rm -f "$S/notify.log" "$S/notify.sock"
    python3 "$HERE/notify_listen.py" "$S/notify.sock" "$S/notify.log" 120 &
    local listener=$!
    wait_for 5 test -S "$S/notify.sock"
    (cd / && exec env NOTIFY_SOCKET="$S/notify.sock" PACKETSIGHT_DB="$PACKETSIGHT_DB" \
        "$@" "$bin" "${EXEC[@]:1}") </dev/null >"$S/$mode.log" 2>&1 &
    pid=$!
    if wait_for 20 grep -qx READY=1 "$S/notify.log"; then
        ok "$mode: READY=1 on \$NOTIFY_SOCKET"
    else
        not_ok "$mode: no READY=1 (log: $(tail -3 "$S/$mode.log"))"
    fi
    if [ -d /proc/$pid ]; then
        echo "--- $mode: /proc/$pid/status"
        grep -E '^(Uid|Gid|Groups|Cap[A-Za-z]+|NoNewPrivs|Seccomp):' /proc/$pid/status
        equal "$mode: Uid" "$(status_field $pid Uid)" "$PUID $PUID $PUID $PUID"
        equal "$mode: Gid" "$(status_field $pid Gid)" "$PGID $PGID $PGID $PGID"
        equal "$mode: CapEff = CAP_NET_RAW only" "$(status_field $pid CapEff)" 0000000000002000
        equal "$mode: CapPrm = CAP_NET_RAW only" "$(status_field $pid CapPrm)" 0000000000002000
        equal "$mode: CapInh empty" "$(status_field $pid CapInh)" 0000000000000000
        equal "$mode: CapAmb empty" "$(status_field $pid CapAmb)" 0000000000000000
        equal "$mode: NoNewPrivs" "$(status_field $pid NoNewPrivs)" 1
        if [ "$mode" != root ]; then
            equal "$mode: CapBnd = CAP_NET_RAW only" "$(status_field $pid CapBnd)" 0000000000002000
        fi
        local tid bad=0
        for tid in /proc/$pid/task/*; do
            [ "$(sed -n 's/^CapEff:[[:space:]]*//p' "$tid/status")" = 0000000000002000 ] || bad=1
        done
        equal "$mode: every thread has CapEff = CAP_NET_RAW only" "$bad" 0
    else
        not_ok "$mode: daemon exited: $(tail -5 "$S/$mode.log")"
    fi
    # The capture on lo is running and sees traffic: CAP_NET_RAW works.
    q="SELECT count(*) FROM captures c JOIN sensors s ON s.id = c.sensor_id
        WHERE s.name = '$sensor' AND c.kind = 'live' AND c.source = 'lo'"
    if wait_sql 10 1 "$q AND c.status = 'running'"; then
        ok "$mode: live capture on lo running"
    else
        not_ok "$mode: no running capture on lo (log: $(tail -3 "$S/$mode.log"))"
    fi
    udp_burst "$PORT" 20
    sleep 1.5
    rc=0
    stop_pid "$pid" 20 || rc=$?
    equal "$mode: exit status after SIGTERM" "$rc" 0
    check "$mode: STOPPING=1 sent" grep -qx STOPPING=1 "$S/notify.log"
    kill "$listener" 2>/dev/null || true
    wait "$listener" 2>/dev/null || true
    equal "$mode: capture closed with the 20 datagrams" \
        "$(sql -c "SELECT c.status || ' ' || (c.packets >= 20)::text FROM captures c JOIN sensors s ON s.id = c.sensor_id
                    WHERE s.name = '$sensor' AND c.source = 'lo' ORDER BY c.id DESC LIMIT 1")" "done true"
}

# 1. root, the daemon drops by itself.
run_mode root "${EXEC[0]}"

# 2. as packetsight-captured.service: the unit's own settings, read from it.
equal "unit: User" "$(unit_value "$UNIT" User)" packetsight
amb=$(unit_value "$UNIT" AmbientCapabilities | tr 'A-Z' 'a-z')
bnd=$(unit_value "$UNIT" CapabilityBoundingSet | tr 'A-Z' 'a-z')
equal "unit: NoNewPrivileges" "$(unit_value "$UNIT" NoNewPrivileges)" yes
run_mode unit "${EXEC[0]}" setpriv --reuid=packetsight --regid=packetsight --init-groups \
    --bounding-set=-all,+"${bnd#cap_}" --inh-caps=+"${amb#cap_}" --ambient-caps=+"${amb#cap_}" \
    --securebits=+noroot,+noroot_locked --no-new-privs

# 3. as the container image: file capability, no ambient, no no_new_privs.
cp "${EXEC[0]}" "$S/captured-fcap"
chmod 0755 "$S/captured-fcap"
if setcap cap_net_raw+ep "$S/captured-fcap" 2>"$S/setcap.err"; then
    run_mode container "$S/captured-fcap" setpriv --reuid=packetsight --regid=packetsight --init-groups \
        --bounding-set=-all,+net_raw
else
    not_ok "setcap on $S (nosuid or no xattrs?): $(cat "$S/setcap.err")"
fi

finish
