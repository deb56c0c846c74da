#!/bin/bash
# api_bench.sh - load benchmark of the JSON API (issue 5; not a test).
#
# 1. Fills the database with generated traffic (ps-pcapgen, 5000 client hosts)
#    until it holds at least 5M packets and 500k flows, loading with
#    `captured --read` (skipped when files of this benchmark are loaded already).
# 2. Checks that /api/stats reports the exact totals (count(*) of flows and
#    packets, sum of captures.packets).
# 3. Runs wrk against the dashboard endpoints through nginx and prints
#    requests/s, p50 and p99 latency per endpoint (target: p99 < 100 ms for
#    the overview endpoints).
# 4. Uploads a ~1 GB capture through nginx while sampling the resident memory
#    of every webapi worker (target: flat, under 50 MB).
#
# Uses the stack that `eval "$(deploy/local.sh env)"` describes (default:
# this repository's). Settings (environment):
#   BENCH_DIR       where the generated captures live (/var/tmp/ps-api-bench)
#   BENCH_DURATION  seconds of wrk per endpoint (10)
#   BENCH_CONNS     wrk connections (8); BENCH_THREADS wrk threads (2)
#   BENCH_UPLOAD_MB size of the upload for the memory check (1000; 0 skips it)
#   PS_BIN          captured / ps-pcapgen (default: build/bin of this repository)
set -euo pipefail

REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd -P)
if [ -z "${PS_BASE_URL:-}" ] || [ -z "${PACKETSIGHT_DB:-}" ]; then
    eval "$("$REPO/deploy/local.sh" env)"
fi
BIN=${PS_BIN:-$REPO/build/bin}
DIR=${BENCH_DIR:-/var/tmp/ps-api-bench}
DURATION=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNS:-8}
THREADS=${BENCH_THREADS:-2}
UPLOAD_MB=${BENCH_UPLOAD_MB:-1000}
URL=${PS_BASE_URL%/}

say() { printf '==> %s\n' "$*" >&2; }
die() {
    printf 'api_bench: %s\n' "$*" >&2
    exit 1
}
sql() { psql -XAtq -v ON_ERROR_STOP=1 -d "$PACKETSIGHT_DB" -c "$1"; }

command -v wrk >/dev/null || die "wrk is not installed (apt-get install -y wrk)"
for b in captured ps-pcapgen; do [ -x "$BIN/$b" ] || die "$BIN/$b is missing (build first)"; done
curl --noproxy '*' -fsS -o /dev/null "$URL/api/health" || die "$URL/api/health does not answer"
# The API needs credentials: a viewer token valid for a day.
TOKEN=$("$BIN/webapi" --db "${PACKETSIGHT_WEB_DB:?run after eval \"\$(deploy/local.sh env)\"}" \
    --create-token "api-bench-$$" --role viewer --expires-days 1) || die "webapi --create-token failed"
mkdir -p "$DIR"

# --- 1. data ------------------------------------------------------------------

# name packets extra-options: a) long sessions (~240k flows), b) one- and
# two-packet flows (~360k flows), as ps-pcapgen --help describes.
gen() {
    local name=$1
    shift
    [ -s "$DIR/$name" ] && return 0
    say "generating $DIR/$name"
    "$BIN/ps-pcapgen" --out "$DIR/$name.tmp" --hosts 5000 "$@" >&2
    mv "$DIR/$name.tmp" "$DIR/$name"
}

load() {
    local name=$1 n
    n=$(sql "SELECT count(*) FROM captures WHERE source = '$name' AND status = 'done'")
    if [ "$n" != 0 ]; then
        say "$name already loaded"
        return 0
    fi
    say "loading $name with captured --read"
    local t0=$SECONDS
    PACKETSIGHT_DB=$PACKETSIGHT_DB "$BIN/captured" --read "$DIR/$name" >&2
    say "loaded $name in $((SECONDS - t0)) s"
}

gen bench-a.pcap --packets 5000000 --seed 7
gen bench-b.pcap --packets 600000 --concurrent-flows 1000000 --seed 8 --start 1764100000
load bench-b.pcap
load bench-a.pcap

# --- 2. exact totals -------------------------------------------------------------

packets=$(sql "SELECT count(*) FROM packets")
flows=$(sql "SELECT count(*) FROM flows")
cap_packets=$(sql "SELECT coalesce(sum(packets), 0) FROM captures")
say "database: $packets packet rows, $flows flows, captures.packets total $cap_packets"
[ "$packets" -ge 5000000 ] || die "fewer than 5M packets ($packets)"
[ "$flows" -ge 500000 ] || die "fewer than 500k flows ($flows)"
stats=$(curl --noproxy '*' -fsS -H "Authorization: Bearer $TOKEN" "$URL/api/stats")
api_flows=$(printf '%s' "$stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["flows"])')
api_packets=$(printf '%s' "$stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
exact=yes
[ "$api_flows" = "$flows" ] || exact=no
[ "$api_packets" = "$cap_packets" ] || exact=no
echo "/api/stats: flows=$api_flows (count(*) $flows), packets=$api_packets (sum(captures.packets) $cap_packets, packet rows $packets): exact=$exact"

# --- 3. wrk -------------------------------------------------------------------------

big=$(sql "SELECT id FROM captures WHERE source = 'bench-a.pcap' ORDER BY id DESC LIMIT 1")
ENDPOINTS=(
    "/api/health"
    "/api/stats"
    "/api/protocol-distribution"
    "/api/traffic-timeline"
    "/api/top-talkers"
    "/api/top-talkers?role=src&by=packets"
    "/api/port-analysis"
    "/api/geo-analysis"
    "/api/recent-activity"
    "/api/stats?capture=$big"
    "/api/traffic-timeline?capture=$big"
    "/api/top-talkers?capture=$big"
    "/api/flows?limit=100"
    "/api/flows?capture=$big&limit=100&sort=bytes"
    "/api/packets?capture=$big&limit=100"
    "/api/hosts?limit=100"
    "/api/dns?limit=100&q=example"
    "/api/capture-status"
)

# wrk's latency in ms: "1.23ms", "456.00us", "1.20s"
to_ms() {
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0;
                           else if (v ~ /s$/) n *= 1000; printf "%.1f", n }'
}

printf '\n%-52s %10s %9s %9s %7s\n' "endpoint (wrk -t$THREADS -c$CONNS -d${DURATION}s)" "req/s" "p50 ms" "p99 ms" "errors"
for ep in "${ENDPOINTS[@]}"; do
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -H "Authorization: Bearer $TOKEN" "$URL$ep" 2>&1)
    rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
    errs=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")
    printf '%-52s %10s %9s %9s %7s\n' "$ep" "${rps:-?}" "$(to_ms "${p50:-0}")" "$(to_ms "${p99:-0}")" "${errs:-0}"
done

# --- 4. memory of the workers during a 1 GB upload ------------------------------------

[ "$UPLOAD_MB" -gt 0 ] || exit 0
# local.sh env points PGHOST at the stack's run directory, which holds the
# pid file spawn-fcgi wrote for the workers.
pids=$(cat "${PGHOST:-$REPO/var/run}/webapi.pid" 2>/dev/null | tr '\n' ' ' || true)
[ -n "$pids" ] || pids=$(pgrep -x webapi | tr '\n' ' ' || true)
[ -n "$pids" ] || die "no webapi workers found"
up="$DIR/upload-${UPLOAD_MB}mb.pcap"
if [ ! -s "$up" ]; then
    # ps-pcapgen writes ~686 bytes per packet with its defaults
    say "generating $up"
    "$BIN/ps-pcapgen" --out "$up.tmp" --packets $((UPLOAD_MB * 1000000 / 686)) --hosts 5000 --seed 9 \
        --start 1764200000 >&2
    mv "$up.tmp" "$up"
fi
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
declare -A start_kb max_kb
for p in $pids; do
    start_kb[$p]=$(rss "$p")
    max_kb[$p]=${start_kb[$p]}
done
say "uploading $(stat -c %s "$up") bytes through nginx; sampling RSS of webapi $pids"
t0=$(date +%s.%N)
curl --noproxy '*' -sS -o "$DIR/upload-answer.json" -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
    -H "X-File-Name: $(basename "$up")" --data-binary "@$up" "$URL/api/upload-pcap" >"$DIR/upload-status" &
cpid=$!
while kill -0 "$cpid" 2>/dev/null; do
    for p in $pids; do
        kb=$(rss "$p")
        [ "$kb" -gt "${max_kb[$p]}" ] && max_kb[$p]=$kb
    done
    sleep 0.1
done
wait "$cpid" || true
t1=$(date +%s.%N)
echo
echo "upload of $(stat -c %s "$up") bytes: HTTP $(cat "$DIR/upload-status") in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s: $(cat "$DIR/upload-answer.json")"
# VmHWM is the kernel's own peak of the resident set since the worker started.
printf '%-10s %14s %14s %16s\n' "worker" "RSS before MB" "RSS max MB" "VmHWM after MB"
for p in $pids; do
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
    printf '%-10s %14.1f %14.1f %16.1f\n' "$p" "$(awk -v k="${start_kb[$p]}" 'BEGIN { print k / 1024 }')" \
        "$(awk -v k="${max_kb[$p]}" 'BEGIN { print k / 1024 }')" "$(awk -v k="$hwm" 'BEGIN { print k / 1024 }')"
done
