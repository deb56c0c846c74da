#!/usr/bin/env bash
# run.sh [SECONDS] - build the libFuzzer targets, seed them from the shared
# captures and run each for SECONDS (default 20). Prints per target: runs,
# corpus size, crashes and the slowest input; exits 1 on any crash, timeout,
# leak or out-of-memory (kept under build-fuzz/fuzz-artifacts/).
#
# Environment:
#   PS_FUZZ_BUILD     build tree (default <repo>/build-fuzz)
#   PS_FUZZ_NO_BUILD  1: use the targets already built there (ctest does)
#   PS_FUZZ_TARGETS   targets to run (default: frame dns http tls quic dhcp)
#   PS_FUZZ_JOBS      parallel fuzzing processes per target (default 1)
#   PS_SHARED         shared test data (default <repo>/../shared)
# Every input must finish within 1 s (-timeout=1). libFuzzer's own
# -report_slow_units counts whole seconds, so the targets time each input
# themselves (fuzz_common.h); inputs over 1 ms are kept as slow-unit-<target>.
set -uo pipefail

secs=${1:-20}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${PS_FUZZ_BUILD:-$repo/build-fuzz}
targets=${PS_FUZZ_TARGETS:-frame dns http tls quic dhcp}
export PS_SHARED=${PS_SHARED:-$repo/../shared}

if [ "${PS_FUZZ_NO_BUILD:-0}" != 1 ]; then
    cmake -S "$repo" -B "$build" -DCMAKE_C_COMPILER=clang -DPS_FUZZ=ON -DPS_SANITIZE=ON \
          -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 2
    cmake --build "$build" -j"$(nproc)" --target $(printf 'fuzz_%s ' $targets) >/dev/null ||
        { echo "run.sh: build failed (cmake --build $build)" >&2; exit 2; }
fi

seeds=$(mktemp -d /tmp/ps-fuzz-seeds.XXXXXX)
trap 'rm -rf "$seeds"' EXIT
"$here/seed.sh" "$seeds" >/dev/null || exit 2

artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"
export PS_FUZZ_SLOW_DIR=$artifacts
# ASan: report leaks; UBSan: every finding is fatal and printed with a stack
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

fail=0
slow_units=
printf '%-7s %10s %8s %8s %10s %10s  %s\n' target runs corpus crashes slowest_ms replay_ms log
for t in $targets; do
    bin=$build/fuzz/fuzz_$t
    if [ ! -x "$bin" ]; then
        echo "run.sh: $bin missing" >&2
        fail=1
        continue
    fi
    corpus=$build/fuzz-corpus/$t
    mkdir -p "$corpus"
    log=$artifacts/fuzz_$t.log
    rm -f "$artifacts/slow-unit-$t"
    before=$(ls "$artifacts" | grep -cE "^$t-(crash|leak|timeout|oom)-" || true)
    par=()
    jobs=${PS_FUZZ_JOBS:-1}
    [ "$jobs" -le 1 ] || par=(-jobs="$jobs" -workers="$jobs")
    # from the artifacts directory: with -jobs libFuzzer writes fuzz-N.log to the cwd
    (cd "$artifacts" &&
     "$bin" -max_total_time="$secs" -timeout=1 -rss_limit_mb=2048 -print_final_stats=1 \
            "${par[@]}" -artifact_prefix="$artifacts/$t-" "$corpus" "$seeds/$t" >"$log" 2>&1)
    rc=$?
    [ "$jobs" -le 1 ] || cat "$artifacts"/fuzz-*.log >>"$log" 2>/dev/null
    after=$(ls "$artifacts" | grep -cE "^$t-(crash|leak|timeout|oom)-" || true)
    crashes=$((after - before))
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s+=$2} END {print s+0}')
    slow=$(grep -o 'PS_FUZZ slowest: [0-9.]*' "$log" | awk '{if ($3>m) m=$3} END {printf "%.3f", m+0}')
    size=$(ls "$corpus" | wc -l)
    # the slowest time seen includes scheduling noise: replay that input
    # 100 times and keep its fastest run as its cost
    replay=-
    if [ -f "$artifacts/slow-unit-$t" ]; then
        replay=$("$bin" -runs=101 "$artifacts/slow-unit-$t" 2>&1 |
                 grep -o 'fastest: [0-9.]*' | awk '{printf "%.3f", $2}')
        [ -n "$replay" ] || replay=-
        awk -v r="$replay" 'BEGIN {exit !(r != "-" && r > 1.0)}' &&
            slow_units="$slow_units $t"
    fi
    if [ $rc -ne 0 ] || [ "$crashes" -gt 0 ]; then
        fail=1
        [ "$crashes" -gt 0 ] || crashes="rc=$rc"
    fi
    printf '%-7s %10s %8s %8s %10s %10s  %s\n' "$t" "$runs" "$size" "$crashes" "$slow" "$replay" "$log"
done
[ -z "$slow_units" ] || echo "NOTE: inputs over 1 ms on replay:$slow_units (slow-unit-<target> in $artifacts)"
if [ $fail -ne 0 ]; then
    echo "FAIL: see the logs and $artifacts (replay: $build/fuzz/fuzz_<target> <file>)"
    exit 1
fi
echo "OK: no crash, timeout, leak or sanitizer report"
