#!/bin/bash
# geo_bench.sh BUILD_BIN [WORKDIR] - what geolocation costs at ingest:
# `captured --read FILE --no-db` with geo on (tor-geoipdb) and off
# (-o geo=off: range labels only), alternating, 7 runs each; the minimum
# (the least disturbed run on a shared machine) of captured's own elapsed
# (dissection, flows, detectors, sinks, file reading; not process start and
# database load) and of the process CPU time (user+sys, includes loading
# the ~660k ranges). Files: ps-pcapgen 1M packets /
# 5000 hosts (private + documentation addresses), the same rewritten into
# public space (geo_public.py), and a flow-heavy public variant (~1M flows).
set -euo pipefail
BIN=${1:?usage: geo_bench.sh BUILD_BIN [WORKDIR]}
WORK=${2:-/tmp/ps-geo-bench}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK"
cd "$WORK"
[ -s gen.pcap ] || "$BIN/ps-pcapgen" --out gen.pcap --packets 1000000 --hosts 5000 >/dev/null
[ -s pub.pcap ] || python3 "$HERE/geo_public.py" gen.pcap pub.pcap
[ -s flows.pcap ] || "$BIN/ps-pcapgen" --out flows-priv.pcap --packets 1850000 --hosts 200000 \
    --concurrent-flows 1000000 >/dev/null
[ -s flows.pcap ] || { python3 "$HERE/geo_public.py" flows-priv.pcap flows.pcap && rm -f flows-priv.pcap; }

median() { sort -n | head -1; }  # the minimum

for f in gen.pcap pub.pcap flows.pcap; do
    : >on.el; : >off.el; : >on.wall; : >off.wall
    for i in 1 2 3 4 5 6 7; do
        for mode in off on; do
            opt=(); [ $mode = off ] && opt=(-o geo=off)
            out=$(/usr/bin/time -f "cpu=%U+%S" "$BIN/captured" --read "$f" --no-db \
                  --max-flows 2000000 "${opt[@]}" 2>&1)
            echo "$out" | sed -n 's/.*elapsed=\([0-9.]*\)s.*/\1/p' >>$mode.el
            echo "$out" | sed -n 's/^cpu=//p' | bc >>$mode.wall
            flows=$(echo "$out" | sed -n 's/.* flows=\([0-9]*\) .*/\1/p')
            cc=$(echo "$out" | sed -n 's/.*countries=\([0-9]*\).*/\1/p')
        done
    done
    on=$(median <on.el); off=$(median <off.el); won=$(median <on.wall); woff=$(median <off.wall)
    printf '%-10s flows=%-8s countries=%-3s elapsed off=%.3fs on=%.3fs (%+.1f%%)  cpu off=%.3fs on=%.3fs (%+.1f%%)\n' \
        "$f" "$flows" "$cc" "$off" "$on" "$(echo "($on - $off) * 100 / $off" | bc -l)" \
        "$woff" "$won" "$(echo "($won - $woff) * 100 / $woff" | bc -l)"
done
