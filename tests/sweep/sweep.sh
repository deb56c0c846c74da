#!/usr/bin/env bash
# sweep.sh [--captured PATH] [truncation|mutation|all] - runs captured over
# damaged copies of every shared capture libpcap can open.
#
#   truncation: each capture rewritten at snap lengths 1 14 20 34 54 64 96
#               128 (editcap -s N); captured --read F --no-db --json and
#               --tsv flows on each.
#   mutation:   editcap -E 0.02 --seed S, PS_SWEEP_PASSES passes (default 5)
#               per capture; captured --json and one --tsv view (flows,
#               packets, dns, http, tls in turn) on each.
#
# A failure is: an exit status other than 0 or 2 (2 = the file is bad), a
# signal or a hang (60 s), a sanitizer report on stderr, or a file whose
# mean time per frame (JSON elapsed_s / packets) exceeds 1 ms
# (PS_SWEEP_MAX_FRAME_MS; the best of five runs, so a busy machine does not
# fail it). On small files the mean is mostly fixed cost (opening the file,
# libcrypto's first use for TLS/QUIC), not per-frame work. Failing inputs are kept in PS_SWEEP_KEEP
# (default <repo>/build-asan/sweep-failures) with the command to replay.
#
# captured: --captured PATH or $CAPTURED; otherwise built here with
# AddressSanitizer and UBSan in <repo>/build-asan (-DPS_SANITIZE=ON).
# Captures: $PS_SHARED/pcaps (default ../shared beside the repository).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
captured=${CAPTURED:-}
mode=all
while [ $# -gt 0 ]; do
    case $1 in
    --captured) captured=$2; shift 2 ;;
    truncation|mutation|all) mode=$1; shift ;;
    *) echo "usage: sweep.sh [--captured PATH] [truncation|mutation|all]" >&2; exit 2 ;;
    esac
done
shared=${PS_SHARED:-$repo/../shared}
passes=${PS_SWEEP_PASSES:-5}
snaplens=${PS_SWEEP_SNAPLENS:-1 14 20 34 54 64 96 128}
max_frame_ms=${PS_SWEEP_MAX_FRAME_MS:-1}
keep=${PS_SWEEP_KEEP:-$repo/build-asan/sweep-failures}

for tool in editcap timeout awk; do
    command -v $tool >/dev/null || { echo "sweep.sh: $tool not found (editcap: wireshark-common)" >&2; exit 2; }
done
if [ -z "$captured" ]; then
    cmake -S "$repo" -B "$repo/build-asan" -DPS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null &&
        cmake --build "$repo/build-asan" -j"$(nproc)" --target captured >/dev/null ||
        { echo "sweep.sh: cannot build $repo/build-asan" >&2; exit 2; }
    captured=$repo/build-asan/bin/captured
fi
[ -x "$captured" ] || { echo "sweep.sh: $captured is not executable" >&2; exit 2; }

work=$(mktemp -d /tmp/ps-sweep.XXXXXX)
trap 'rm -rf "$work"' EXIT
# leaks count as sanitizer reports; UBSan findings are fatal (-fno-sanitize-recover)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

files=0 runs=0 crashes=0 sanitizer=0 slow=0 skipped=0
slowest_us=0 slowest_what=-
failures=()

# Keeps a failing input and how to replay it.
keep_input() { # file why args...
    local f=$1 why=$2
    shift 2
    mkdir -p "$keep"
    local name
    name=$(basename "$f")
    cp "$f" "$keep/$name"
    echo "$captured $* # $why" | sed "s#$f#$keep/$name#" >>"$keep/$name.cmd"
    failures+=("$why: $keep/$name")
}

# Microseconds per frame from captured's JSON summary ("-" without packets);
# top-level keys are indented by two spaces.
frame_us() {
    awk '/^  "packets": / {p = $2 + 0} /^  "elapsed_s": / {e = $2 + 0}
         END {if (p > 0) printf "%.3f", e * 1e6 / p; else print "-"}' "$1"
}

# run_one FILE LABEL ARGS... : one captured run, judged.
run_one() {
    local f=$1 label=$2
    shift 2
    local out=$work/out err=$work/err rc
    timeout 60 "$captured" --read "$f" --no-db "$@" >"$out" 2>"$err"
    rc=$?
    runs=$((runs + 1))
    if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$err"; then
        sanitizer=$((sanitizer + 1))
        keep_input "$f" "sanitizer report ($label $*)" --read "$f" --no-db "$@"
        head -20 "$err" >&2
        return
    fi
    if [ $rc -ne 0 ] && [ $rc -ne 2 ]; then
        crashes=$((crashes + 1))
        local what="exit $rc"
        [ $rc -eq 124 ] && what="hang (timeout 60 s)"
        [ $rc -gt 128 ] && what="signal $((rc - 128))"
        keep_input "$f" "$what ($label $*)" --read "$f" --no-db "$@"
        head -5 "$err" >&2
        return
    fi
    if [ "$1" = --json ] && [ $rc -eq 0 ]; then
        local us try
        us=$(frame_us "$out")
        # over the limit: a busy machine is not a slow decoder; the best of
        # five runs counts
        for try in 2 3 4 5; do
            awk -v a="$us" -v m="$max_frame_ms" 'BEGIN {exit !(a != "-" && a > m * 1000)}' || break
            sleep 0.2
            timeout 60 "$captured" --read "$f" --no-db "$@" >"$out" 2>/dev/null
            us=$(awk -v a="$us" -v b="$(frame_us "$out")" 'BEGIN {print (b != "-" && b < a) ? b : a}')
        done
        if [ "$us" != - ]; then
            if awk -v a="$us" -v b="$slowest_us" 'BEGIN {exit !(a > b)}'; then
                slowest_us=$us
                slowest_what="$label"
            fi
            if awk -v a="$us" -v m="$max_frame_ms" 'BEGIN {exit !(a > m * 1000)}'; then
                slow=$((slow + 1))
                keep_input "$f" "slow: $us us per frame ($label)" --read "$f" --no-db "$@"
            fi
        fi
    fi
}

# Writes F rewritten by editcap (same pcap/pcapng flavour); false if editcap
# produced nothing usable.
rewrite() { # in out editcap-args...
    local in=$1 out=$2
    shift 2
    local fmt
    case $(od -An -tx1 -N4 "$in" | tr -d ' ') in
    d4c3b2a1|a1b2c3d4) fmt=pcap ;;
    4d3cb2a1|a1b23c4d) fmt=nsecpcap ;;
    *) fmt=pcapng ;;
    esac
    rm -f "$out"
    editcap -F $fmt "$@" "$in" "$out" >/dev/null 2>&1
    [ -s "$out" ]
}

tsv_kinds=(flows packets dns http tls)
for f in "$shared"/pcaps/*.pcap "$shared"/pcaps/*.pcapng; do
    [ -f "$f" ] || continue
    base=$(basename "$f")
    # libpcap must at least open it: captured says so on stderr otherwise
    timeout 60 "$captured" --read "$f" --no-db >/dev/null 2>"$work/probe"
    if grep -qE 'not a pcap or pcapng capture|cannot read capture|empty file' "$work/probe"; then
        skipped=$((skipped + 1))
        continue
    fi
    files=$((files + 1))
    if [ $mode != mutation ]; then
        for n in $snaplens; do
            t=$work/$base.snap$n
            rewrite "$f" "$t" -s "$n" || { skipped=$((skipped + 1)); continue; }
            run_one "$t" "$base snaplen $n" --json
            run_one "$t" "$base snaplen $n" --tsv flows
            rm -f "$t"
        done
    fi
    if [ $mode != truncation ]; then
        for ((i = 1; i <= passes; i++)); do
            t=$work/$base.mut$i
            rewrite "$f" "$t" -E 0.02 --seed "$i" || { skipped=$((skipped + 1)); continue; }
            run_one "$t" "$base mutation seed $i" --json
            run_one "$t" "$base mutation seed $i" --tsv "${tsv_kinds[$((i % 5))]}"
            rm -f "$t"
        done
    fi
done

echo "sweep ($mode): files=$files runs=$runs crashes=$crashes sanitizer_reports=$sanitizer" \
     "slow_files=$slow skipped=$skipped"
echo "slowest per-frame time: ${slowest_us} us ($slowest_what); limit ${max_frame_ms} ms"
echo "captured: $captured"
if [ ${#failures[@]} -gt 0 ]; then
    printf 'FAIL %s\n' "${failures[@]}"
    exit 1
fi
echo OK
