#!/bin/bash
# test_two_sensors.sh - two captured daemons with different sensor names on
# one database (the dev stack's): sensor A captures on lo, sensor B on one
# end of a veth pair inside a network namespace this test creates, with
# traffic only between that namespace and a second one holding the peer.
# Their data is found apart (captures.sensor_id, flows per sensor) and
# together (one query over both sensors, /api/health listing both), then
# Both also run an upload-job worker: jobs put in the one queue are each
# analysed exactly once, by whichever sensor's worker claims them.
# Then the daemons, namespaces and rows are removed.
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib.sh"

need_root
need_cmd ip python3 psql
need_stack
BIN=${PS_BIN:-$BUILD/bin}
[ -x "$BIN/captured" ] || skip "$BIN/captured not built"
case ${PGHOST:-/}${PACKETSIGHT_DB} in
*host=/* | /*) ;;
*) skip "PACKETSIGHT_DB must use a unix socket (the namespaced daemon has no route to TCP)" ;;
esac
make_scratch

ID=$$
A=ps-test-lo-$ID
B=ps-test-ns-$ID
NS_CAP=psA$ID   # sensor B's namespace: capture interface vcap
NS_PEER=psB$ID  # the traffic source: vpeer
ADDR_CAP=198.18.77.1
ADDR_PEER=198.18.77.2
PORT_A=$((21000 + ID % 20000))
PORT_B=$((PORT_A + 1))
PIDS=()
at_exit 'forget_sensors "$A" "$B"'
at_exit 'ip netns del "$NS_CAP" 2>/dev/null; ip netns del "$NS_PEER" 2>/dev/null'

# --- the namespaces (RFC 2544 benchmarking addresses, never routed) ----------------
ip netns add "$NS_CAP"
ip netns add "$NS_PEER"
ip link add vcap netns "$NS_CAP" type veth peer name vpeer netns "$NS_PEER"
ip -n "$NS_CAP" addr add "$ADDR_CAP/24" dev vcap
ip -n "$NS_PEER" addr add "$ADDR_PEER/24" dev vpeer
for ns in "$NS_CAP" "$NS_PEER"; do ip -n "$ns" link set lo up; done
ip -n "$NS_CAP" link set vcap up
ip -n "$NS_PEER" link set vpeer up
check "veth pair up between $NS_CAP and $NS_PEER" \
    wait_for 10 bash -c "ip -n $NS_CAP link show vcap | grep -q 'state UP'"

conf() { # conf SENSOR CAPTURE-LINE
    cat <<CONF
sensor = $1
capture = $2
job-workers = 1
heartbeat = 1
retention-packets-days = 0
retention-flows-days = 0
retention-traffic-days = 0
retention-alerts-days = 0
CONF
}
conf "$A" "lo filter=udp port $PORT_A" >"$S/a.conf"
conf "$B" "vcap promisc=0 filter=host $ADDR_CAP" >"$S/b.conf"

PID_a=
PID_b=
start() { # start NAME [NETNS] -> PID_NAME
    local name=$1 ns=${2:-}
    local wrap=()
    [ -n "$ns" ] && wrap=(ip netns exec "$ns")
    rm -f "$S/$name.sock"
    python3 "$HERE/notify_listen.py" "$S/$name.sock" "$S/$name.notify" 120 &
    PIDS+=($!)
    wait_for 5 test -S "$S/$name.sock"
    # As root: each daemon drops to packetsight with CAP_NET_RAW.
    (cd / && exec env NOTIFY_SOCKET="$S/$name.sock" PACKETSIGHT_DB="$PACKETSIGHT_DB" \
        "${wrap[@]}" "$BIN/captured" -c "$S/$name.conf") </dev/null >"$S/$name.log" 2>&1 &
    eval "PID_$name=$!"
}
start a
start b "$NS_CAP"
at_exit 'kill -KILL $PID_a $PID_b ${PIDS[*]} 2>/dev/null'
check "sensor A ready" wait_for 20 grep -qx READY=1 "$S/a.notify"
check "sensor B ready (in netns $NS_CAP)" wait_for 20 grep -qx READY=1 "$S/b.notify"

live() { echo "SELECT count(*) FROM captures c JOIN sensors s ON s.id = c.sensor_id
               WHERE s.name = '$1' AND c.source = '$2' AND c.status = 'running'"; }
check "sensor A captures on lo" wait_sql 10 1 "$(live "$A" lo)"
check "sensor B captures on vcap" wait_sql 10 1 "$(live "$B" vcap)"

# Together, while both run: the API lists both sensors.
if [ -n "${PS_BASE_URL:-}" ]; then
    # The API needs credentials: a viewer token for this run (webapi --create-token).
    tok=$("$BIN/webapi" --db "${PACKETSIGHT_WEB_DB:-}" --create-token "two-sensors-$$" --role viewer --expires-days 1 || true)
    health=$(curl -s --noproxy '*' --max-time 5 -H "Authorization: Bearer $tok" "$PS_BASE_URL/api/health" || true)
    for n in "$A" "$B"; do
        case $health in *"\"$n\""*) ok "/api/health lists sensor $n" ;; *) not_ok "/api/health lacks $n: $health" ;; esac
    done
fi

# --- traffic: lo for A; namespace to namespace for B ------------------------------
udp_burst "$PORT_A" 30 127.0.0.1
ip netns exec "$NS_PEER" python3 - "$ADDR_CAP" "$PORT_B" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(30):
    s.sendto(b"sensor B %d" % i, (sys.argv[1], int(sys.argv[2])))
    time.sleep(0.01)
PY
if command -v ping >/dev/null; then
    ip netns exec "$NS_PEER" ping -q -c 3 -i 0.2 -W 1 "$ADDR_CAP" >/dev/null 2>&1 || true
fi
sleep 1.5

# --- upload jobs: one queue for every sensor's workers -----------------------------
JOBS=()
if [ -x "$BIN/ps-pcapgen" ] && [ -n "${PACKETSIGHT_WEB_DB:-}" ]; then
    for i in 1 2 3 4; do
        "$BIN/ps-pcapgen" --out "$S/job$i.pcap" --packets 3000 --seed "$((ID + i))" >/dev/null 2>&1
        chmod 0644 "$S/job$i.pcap"
        jid=$(psql -XAtq -v ON_ERROR_STOP=1 -d "$PACKETSIGHT_WEB_DB" <<SQL | grep -E '^[0-9]+$' | tail -1
BEGIN;
\lo_import $S/job$i.pcap
SELECT :LASTOID AS oid \gset
INSERT INTO jobs (file_name, size, sha256, blob_oid, options)
  VALUES ('ps-test-two-sensors-$ID-$i.pcap', $(stat -c %s "$S/job$i.pcap"), '', :oid, '{}') RETURNING id;
SELECT format('GRANT SELECT ON LARGE OBJECT %s TO packetsight_writer', :oid) \gexec
NOTIFY packetsight_jobs;
COMMIT;
SQL
)
        JOBS+=("$jid")
    done
    ids=$(IFS=,; echo "${JOBS[*]}")
    # Any sensor's worker (the dev stack's too) may take them: clean by job.
    at_exit "forget_captures 'job_id IN ($ids)'; psql -XAtq -d \"\${PACKETSIGHT_OWNER_DB:-\$PACKETSIGHT_DB}\" -c 'DELETE FROM jobs WHERE id IN ($ids)' >/dev/null"
    check "4 upload jobs queued (ids $ids)" test ${#JOBS[@]} -eq 4
    wait_sql 120 4 "SELECT count(*) FROM jobs WHERE id IN ($ids) AND state IN ('done', 'failed')" || true
    equal "every job done" "$(sql -c "SELECT string_agg(state, ',' ORDER BY id) FROM jobs WHERE id IN ($ids)")" "done,done,done,done"
    equal "each job analysed exactly once (one capture per job)" \
        "$(sql -c "SELECT count(*) || '/' || count(DISTINCT job_id) FROM captures WHERE job_id IN ($ids)")" "4/4"
    echo "# jobs per sensor: $(sql -c "SELECT string_agg(coalesce(s.name, '?') || '=' || n, ' ') FROM (
        SELECT c.sensor_id, count(*) AS n FROM captures c WHERE c.job_id IN ($ids) GROUP BY 1) x
        LEFT JOIN sensors s ON s.id = x.sensor_id")"
else
    echo "(ps-pcapgen or PACKETSIGHT_WEB_DB missing: upload jobs not tried)"
fi

rc=0
stop_pid "$PID_a" 20 || rc=$?
equal "sensor A stops cleanly" "$rc" 0
rc=0
stop_pid "$PID_b" 20 || rc=$?
equal "sensor B stops cleanly" "$rc" 0

# --- apart ---------------------------------------------------------------------------
IDA=$(sql -c "SELECT id FROM sensors WHERE name = '$A'")
IDB=$(sql -c "SELECT id FROM sensors WHERE name = '$B'")
check "both sensors registered with their own ids ($IDA, $IDB)" \
    test -n "$IDA" -a -n "$IDB" -a "$IDA" != "$IDB"
equal "A: its captures (by captures.sensor_id)" \
    "$(sql -c "SELECT string_agg(source || ':' || status, ',') FROM captures WHERE sensor_id = '$IDA' AND kind = 'live'")" "lo:done"
equal "B: its captures (by captures.sensor_id)" \
    "$(sql -c "SELECT string_agg(source || ':' || status, ',') FROM captures WHERE sensor_id = '$IDB' AND kind = 'live'")" "vcap:done"
check "A: >= 30 packets live" test "$(sql -c "SELECT sum(packets) FROM captures WHERE sensor_id = '$IDA' AND kind = 'live'")" -ge 30
check "B: >= 30 packets live" test "$(sql -c "SELECT sum(packets) FROM captures WHERE sensor_id = '$IDB' AND kind = 'live'")" -ge 30
flows() { # flows SENSOR_ID WHERE -> count (live captures)
    sql -c "SELECT count(*) FROM flows f JOIN captures c ON c.id = f.capture_id
            WHERE c.sensor_id = '$1' AND c.kind = 'live' AND ($2)"
}
check "A: UDP flow 127.0.0.1 -> :$PORT_A" test "$(flows "$IDA" "f.resp_h = '127.0.0.1' AND f.resp_p = $PORT_A AND f.proto = 'udp'")" -ge 1
check "A: nothing of B's network" test "$(flows "$IDA" "f.orig_h <<= '198.18.0.0/15' OR f.resp_h <<= '198.18.0.0/15'")" = 0
check "B: UDP flow $ADDR_PEER -> $ADDR_CAP:$PORT_B" \
    test "$(flows "$IDB" "f.orig_h = '$ADDR_PEER' AND f.resp_h = '$ADDR_CAP' AND f.resp_p = $PORT_B AND f.proto = 'udp'")" -ge 1
check "B: nothing of loopback" test "$(flows "$IDB" "f.orig_h <<= '127.0.0.0/8' OR f.resp_h <<= '127.0.0.0/8'")" = 0

# --- together ----------------------------------------------------------------------------
equal "one query over both sensors: flows per sensor" \
    "$(sql -c "SELECT string_agg(name || '=' || (n > 0)::text, ',' ORDER BY name) FROM (
                 SELECT s.name, count(f.*) AS n FROM sensors s JOIN captures c ON c.sensor_id = s.id
                   JOIN flows f ON f.capture_id = c.id WHERE s.name IN ('$A', '$B') AND c.kind = 'live' GROUP BY s.name) x")" \
    "$A=true,$B=true"
equal "one query over both sensors: the two traffic sources" \
    "$(sql -c "SELECT string_agg(DISTINCT host(f.orig_h), ',') FROM flows f JOIN captures c ON c.id = f.capture_id
               WHERE c.sensor_id IN ('$IDA', '$IDB') AND f.proto = 'udp' AND f.resp_p IN ($PORT_A, $PORT_B)")" \
    "127.0.0.1,$ADDR_PEER"
if [ -n "${PS_BASE_URL:-}" ]; then
    code=$(curl -s --noproxy '*' --max-time 10 -H "Authorization: Bearer $tok" -o "$S/captures.json" -w '%{http_code}' "$PS_BASE_URL/api/captures?limit=500" || true)
    if [ "$code" = 200 ]; then
        got=$(python3 - "$S/captures.json" "$A" "$B" <<'PY'
import json, sys
items = json.load(open(sys.argv[1])).get("items", [])
print(",".join(sorted({"%s:%s" % (i.get("sensor"), i.get("source")) for i in items
                       if i.get("sensor") in sys.argv[2:] and i.get("kind") == "live"})))
PY
)
        equal "/api/captures shows both sensors' captures" "$got" "$A:lo,$B:vcap"
    else
        not_ok "GET /api/captures with a viewer token answered $code"
    fi
fi

finish
