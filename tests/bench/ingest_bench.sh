#!/bin/bash
# ingest_bench.sh - end-to-end ingest of a generated capture into PostgreSQL,
# beside the database's own ceiling measured in the same run: a plain COPY of
# the very same rows into the same tables.
#
#   eval "$(deploy/local.sh env)"; tests/bench/ingest_bench.sh [--packets N] [--build DIR]
#
# Prints packets/s for `captured --read` with every packet summary stored and
# with packet storage off (with the CPU time captured and the whole machine
# spent on each), the plain COPY rate of the packet rows (indexed
# table and an unindexed copy), the ratios against the targets (>= 70% of
# the plain COPY rate with packets stored; >= 1,000,000 packets/s with packet
# storage off) and captured's peak memory. It adds two captures to the
# database and deletes them at the end.
set -euo pipefail

PACKETS=500000
BUILD=
while [ $# -gt 0 ]; do
    case $1 in
        --packets) PACKETS=$2; shift 2 ;;
        --build) BUILD=$2; shift 2 ;;
        *) echo "usage: $0 [--packets N] [--build DIR]" >&2; exit 2 ;;
    esac
done
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BUILD:-$REPO/build}/bin
: "${PACKETSIGHT_DB:?run eval \"\$(deploy/local.sh env)\" first}"
OWNER_DB=${PACKETSIGHT_OWNER_DB:-$PACKETSIGHT_DB}
TMP=$(mktemp -d)
chmod 755 "$TMP"
IDS=()
cleanup() {
    for id in "${IDS[@]}"; do
        for t in flows packets traffic dns http tls alerts; do
            psql -XAtq -d "$PACKETSIGHT_DB" -c "DELETE FROM $t WHERE capture_id = $id" >/dev/null 2>&1 || true
        done
        psql -XAtq -d "$PACKETSIGHT_DB" -c "DELETE FROM captures WHERE id = $id" >/dev/null 2>&1 || true
    done
    psql -XAtq -d "$OWNER_DB" -c "DROP TABLE IF EXISTS bench_packets_plain" >/dev/null 2>&1 || true
    rm -rf "$TMP"
}
trap cleanup EXIT

now() { date +%s.%N; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

FILE=$TMP/ingest.pcap
"$BIN/ps-pcapgen" --out "$FILE" --packets "$PACKETS" --hosts 5000 --seed 11 >/dev/null
echo "capture: $PACKETS packets, $(du -m "$FILE" | cut -f1) MB"

# CPU time of the whole machine so far, in seconds (every process: captured,
# PostgreSQL, anything else running).
machine_cpu() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%.2f", ($2 + $3 + $4 + $7 + $8) / hz }' /proc/stat; }

run_ingest() { # label, extra args...
    local label=$1; shift
    local t0 t1 c0 out
    c0=$(machine_cpu)
    t0=$(now)
    out=$(/usr/bin/time -f "%M %U %S" -o "$TMP/rss" "$BIN/captured" --read "$FILE" "$@")
    t1=$(now)
    MACHINE_CPU=$(awk -v a="$c0" -v b="$(machine_cpu)" 'BEGIN { printf "%.2f", b - a }')
    IDS+=("$(sed -n 's/.*capture_id=\([0-9]*\).*/\1/p' <<<"$out")")
    SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    read -r rss_kb user sys <"$TMP/rss"
    CAPTURED_CPU=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    printf '%-34s %8s s %12s packets/s  peak %s MiB  CPU: captured %s s, machine %s s\n' \
        "$label" "$SECS" "$(rate "$PACKETS" "$SECS")" "$((rss_kb / 1024))" "$CAPTURED_CPU" "$MACHINE_CPU"
}

run_ingest "captured --read (packets stored)"
ALL_SECS=$SECS
CID=${IDS[0]}
run_ingest "captured --read --packets none" --packets none
NONE_SECS=$SECS
NONE_MACHINE_CPU=$MACHINE_CPU
NID=${IDS[1]}

# The database's ceiling with packet storage off: the rows that run wrote
# (flows, dns, http, tls, traffic) COPYed by psql into the same tables, in
# one transaction, for a capture of their own that is still loading (as
# captured's are until their commit).
CEIL=$(psql -XAtq -d "$PACKETSIGHT_DB" -c \
    "INSERT INTO captures (kind, source, status) VALUES ('file', 'ingest-bench ceiling', 'running') RETURNING id" |
    head -1)
IDS+=("$CEIL")
NONE_ROWS=0
{
    echo "BEGIN;"
    for t in flows dns http tls traffic; do
        psql -XAtq -d "$PACKETSIGHT_DB" -c "\\copy (SELECT (jsonb_populate_record(x, jsonb_build_object('capture_id', $CEIL))).* FROM $t x WHERE capture_id = $NID) TO '$TMP/none.$t'"
        NONE_ROWS=$((NONE_ROWS + $(wc -l <"$TMP/none.$t")))
        echo "\\copy $t FROM '$TMP/none.$t'"
    done
    echo "COMMIT;"
} >"$TMP/none.sql"
t0=$(now)
psql -XAtq -v ON_ERROR_STOP=1 -d "$PACKETSIGHT_DB" -f "$TMP/none.sql" >/dev/null
NONE_PLAIN_SECS=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')

# The database's ceiling: the same packet rows, COPYed back in.
psql -XAtq -d "$PACKETSIGHT_DB" -c "\\copy (SELECT * FROM packets WHERE capture_id = $CID) TO '$TMP/packets.copy'"
ROWS=$(wc -l <"$TMP/packets.copy")
psql -XAtq -d "$OWNER_DB" -c "CREATE TABLE bench_packets_plain (LIKE packets)" >/dev/null
t0=$(now)
psql -XAtq -d "$OWNER_DB" -c "\\copy bench_packets_plain FROM '$TMP/packets.copy'"
PLAIN_SECS=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
psql -XAtq -d "$PACKETSIGHT_DB" -c "DELETE FROM packets WHERE capture_id = $CID" >/dev/null
t0=$(now)
psql -XAtq -d "$OWNER_DB" -c "\\copy packets FROM '$TMP/packets.copy'"
INDEXED_SECS=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
printf '%-34s %8s s %12s rows/s\n' "plain COPY, unindexed table" "$PLAIN_SECS" "$(rate "$ROWS" "$PLAIN_SECS")"
printf '%-34s %8s s %12s rows/s\n' "plain COPY, packets (its indexes)" "$INDEXED_SECS" "$(rate "$ROWS" "$INDEXED_SECS")"
printf '%-34s %8s s %12s rows/s = %s packets/s\n' "plain COPY, rows of --packets none" "$NONE_PLAIN_SECS" \
    "$(rate "$NONE_ROWS" "$NONE_PLAIN_SECS")" "$(rate "$PACKETS" "$NONE_PLAIN_SECS")"

ours=$(rate "$PACKETS" "$ALL_SECS")
ceiling=$(rate "$ROWS" "$INDEXED_SECS")
pct=$(awk -v a="$ours" -v b="$ceiling" 'BEGIN { printf "%.0f", 100 * a / b }')
none=$(rate "$PACKETS" "$NONE_SECS")
verdict() { if [ "$1" -ge "$2" ]; then echo PASS; else echo MISS; fi; }
echo
printf '%-46s %10s %10s %s\n' "ratio" "value" "target" "result"
printf '%-46s %9s%% %9s%% %s\n' "ingest vs plain COPY of its packet rows" "$pct" 70 "$(verdict "$pct" 70)"
printf '%-46s %10s %10s %s\n' "packets/s with packet storage off" "$none" 1000000 "$(verdict "$none" 1000000)"
none_ceiling=$(rate "$PACKETS" "$NONE_PLAIN_SECS")
printf '%-46s %9s%% %10s %s\n' "  the same vs plain COPY of its rows" \
    "$(awk -v a="$none" -v b="$none_ceiling" 'BEGIN { printf "%.0f", 100 * a / b }')" "-" \
    "(the database alone: $none_ceiling packets/s)"
# The machine's CPU time for that run spread perfectly over every core: no
# arrangement of the same work finishes sooner.
floor=$(awk -v c="$NONE_MACHINE_CPU" -v n="$(nproc)" 'BEGIN { printf "%.3f", c / n }')
printf '%-46s %10s %10s %s\n' "  CPU bound: $NONE_MACHINE_CPU CPU-s / $(nproc) cores" \
    "$(rate "$PACKETS" "$floor")" "-" "(packets/s if every core were busy all the time)"
