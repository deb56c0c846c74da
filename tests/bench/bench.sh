#!/usr/bin/env bash
# bench.sh - offline throughput and flow-table memory of captured, against a
# bare libpcap read loop, softflowd and tshark, on one generated capture.
#
# usage: tests/bench/bench.sh [--packets N] [--flows N] [--build DIR] [--runs N]
#
#   --packets N  packets in the throughput capture (default 1000000, 5000 hosts)
#   --flows N    concurrent flows in the memory capture (default 1000000)
#   --build DIR  CMake build directory holding bin/ (default: <repo>/build)
#   --runs N     timed runs per tool, best one kept (default 3)
#
# Needs ps-pcapgen and ps-pcap-loop built (cmake --build DIR --target
# ps-pcapgen ps-pcap-loop), tshark, softflowd and /usr/bin/time (package
# "time"). captured is optional: if it is not built the rest still runs.
# Captures go to a temporary directory (about 700 MB per million packets)
# that is removed on exit. Nothing is sent off this host: softflowd exports
# NetFlow to 127.0.0.1:9 (discard), loopback only.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
packets=1000000
flows=1000000
build="$repo/build"
runs=3
hosts=5000
limit=900 # seconds any single run may take before it is killed

die() { echo "bench.sh: $*" >&2; exit 2; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --packets) packets=${2:?--packets needs a number}; shift 2 ;;
    --flows) flows=${2:?--flows needs a number}; shift 2 ;;
    --build) build=${2:?--build needs a directory}; shift 2 ;;
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
for n in "$packets" "$flows" "$runs"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "'$n' is not a positive number"
done
build=$(cd "$build" 2>/dev/null && pwd) || die "build directory '$build' not found"

pcapgen="$build/bin/ps-pcapgen"
loop="$build/bin/ps-pcap-loop"
captured="$build/bin/captured"
for b in "$pcapgen" "$loop"; do
  [[ -x $b ]] || die "$b not built (cmake --build $build --target ps-pcapgen ps-pcap-loop)"
done
for t in tshark softflowd; do
  command -v "$t" >/dev/null || die "$t not installed"
done
have_captured=1
[[ -x $captured ]] || have_captured=0

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ps-bench.XXXXXX")
# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() { rm -rf -- "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
# fmul/fdiv and friends: floating point through awk (bash has integers only).
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }

# time_best LABEL CMD...: runs CMD $runs times (stdout to /dev/null, stderr
# to a log), sets best to the fastest wall time in seconds, or to "" if any
# run failed (the log's tail is printed).
best=""
time_best() {
  local label=$1; shift
  local log="$tmp/$label.log" t0 t1 dt i
  best=""
  for ((i = 1; i <= runs; i++)); do
    t0=$(now)
    if timeout -k 5 "$limit" "$@" >/dev/null 2>"$log"; then :; else
      echo "  $label: run $i failed (exit $?): $*" >&2
      tail -n 5 "$log" | sed 's/^/    /' >&2
      best=""
      return 0
    fi
    t1=$(now)
    dt=$(calc "$t1 - $t0")
    if [[ -z $best ]] || awk "BEGIN { exit !($dt < $best) }"; then best=$dt; fi
  done
}

# peak_rss_kib CMD...: prints the command's maximum resident set size in KiB
# (from /usr/bin/time -v), or nothing if it failed.
peak_rss_kib() {
  local log="$tmp/rss.log"
  if ! timeout -k 5 "$limit" /usr/bin/time -v -o "$log" "$@" >/dev/null 2>"$tmp/rss.err"; then
    echo "  run failed: $*" >&2
    tail -n 5 "$tmp/rss.err" | sed 's/^/    /' >&2
    return 0
  fi
  awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$log"
}

echo "== PacketSight offline benchmark"
echo "host: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
echo "tools: $(tshark --version 2>/dev/null | head -n 1 | cut -d' ' -f1-3); softflowd $(softflowd -h 2>&1 | sed -n 's/.*version \([0-9.]*[0-9]\).*/\1/p')"

# ---- part 1: throughput --------------------------------------------------
file="$tmp/traffic.pcap"
t0=$(now)
"$pcapgen" --out "$file" --packets "$packets" --hosts "$hosts" 2>"$tmp/gen.log" \
  || { cat "$tmp/gen.log" >&2; die "ps-pcapgen failed"; }
t1=$(now)
size=$(stat -c %s "$file")
printf 'capture: %s packets, %s hosts, %.1f MB, generated in %.2f s\n' \
  "$packets" "$hosts" "$(calc "$size / 1e6")" "$(calc "$t1 - $t0")"
sed 's/^ps-pcapgen: [^:]*: /  /' "$tmp/gen.log"
cat "$file" >/dev/null # warm the page cache so the first tool pays no disk read

echo
echo "timing: best of $runs runs, wall clock"
declare -A secs
if ((have_captured)); then
  time_best captured "$captured" --read "$file" --no-db --json
  secs[captured]=$best
else
  echo "  captured: not built ($captured)"
  secs[captured]=""
fi
time_best tshark tshark -q -n -r "$file" -z conv,tcp
secs[tshark]=$best
# softflowd: -r reads the file and exits (no -c with -r: it hangs); -d stays
# in the foreground; -n exports NetFlow v5 to the local discard port only.
time_best softflowd softflowd -r "$file" -n 127.0.0.1:9 -d
secs[softflowd]=$best
time_best bare-loop "$loop" "$file"
secs[bare-loop]=$best

echo
printf '%-12s %12s %14s\n' tool seconds packets/s
for t in captured bare-loop softflowd tshark; do
  s=${secs[$t]}
  if [[ -z $s ]]; then
    printf '%-12s %12s %14s\n' "$t" "-" "-"
  else
    printf '%-12s %12.3f %14.0f\n' "$t" "$s" "$(calc "$packets / $s")"
  fi
done

echo
printf '%-34s %10s %10s %6s\n' ratio value target result
ratio_line() { # LABEL OTHER-TOOL UNIT TARGET
  local label=$1 unit=$3 target=$4 c=${secs[captured]} o=${secs[$2]} v
  if [[ -z $c || -z $o ]]; then
    printf '%-34s %10s %10s %6s\n' "$label" "n/a" ">= $target$unit" "-"
    return
  fi
  if [[ $unit == % ]]; then v=$(calc "100 * $o / $c"); else v=$(calc "$o / $c"); fi
  local verdict=MISS
  awk "BEGIN { exit !($v >= $target) }" && verdict=PASS
  printf '%-34s %9.1f%s %10s %6s\n' "$label" "$v" "$unit" ">= $target$unit" "$verdict"
}
ratio_line "captured vs bare loop (speed)" bare-loop % 60
ratio_line "captured vs softflowd (speedup)" softflowd x 2
ratio_line "captured vs tshark (speedup)" tshark x 25
rm -f -- "$file"

# ---- part 2: flow-table memory --------------------------------------------
echo
echo "== flow-table memory: $flows concurrent flows"
if [[ ! -x /usr/bin/time ]]; then
  echo "  /usr/bin/time missing (apt-get install -y time); skipped"
  exit 0
fi
# One- and two-packet flows average 1.85 packets, so this many packets opens
# about $flows flows, every one before any closes (see ps-pcapgen --help).
cpackets=$(((flows * 37 + 19) / 20))
cfile="$tmp/flows.pcap"
"$pcapgen" --out "$cfile" --packets "$cpackets" --hosts "$hosts" \
  --concurrent-flows "$flows" 2>"$tmp/gen.log" \
  || { cat "$tmp/gen.log" >&2; die "ps-pcapgen failed"; }
nflows=$(sed -n 's/.* \([0-9]*\) sessions.*/\1/p' "$tmp/gen.log")
printf 'capture: %s packets, %s flows, %.1f MB\n' "$cpackets" "${nflows:-?}" \
  "$(calc "$(stat -c %s "$cfile") / 1e6")"

mib() { calc "$1 / 1024"; }
if ((flows % 1000000 == 0)); then label="$((flows / 1000000))M"; else label=$flows; fi
if ((have_captured)); then
  kib=$(peak_rss_kib "$captured" --read "$cfile" --no-db --json)
  if [[ -n $kib ]]; then
    printf 'peak memory for %s concurrent flows: %.0f MiB (%.0f bytes per flow, all included)\n' \
      "$label" "$(mib "$kib")" "$(calc "$kib * 1024 / ${nflows:-$flows}")"
  else
    echo "peak memory for $label concurrent flows: captured failed"
  fi
else
  echo "captured: not built"
fi
kib=$(peak_rss_kib tshark -q -n -r "$cfile" -z conv,tcp)
if [[ -n $kib ]]; then
  printf 'tshark peak memory, same file (-z conv,tcp): %.0f MiB\n' "$(mib "$kib")"
fi
kib=$(peak_rss_kib "$loop" "$cfile")
if [[ -n $kib ]]; then
  printf 'bare loop peak memory, same file: %.0f MiB\n' "$(mib "$kib")"
fi
exit 0
