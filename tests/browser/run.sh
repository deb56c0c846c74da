#!/bin/bash
# run.sh - runs one browser test file (node's test runner, playwright-core,
# Debian's /usr/bin/chromium) against the stack of deploy/local.sh.
#
#   run.sh [--bin DIR] [--shared DIR] [--repo DIR] [--artifacts DIR] FILE.test.mjs
#
# Exit 77 (skipped) when PS_BASE_URL is unset, i.e. no stack to test
# against (eval "$(deploy/local.sh env)" sets it). PS_BIN, PS_SHARED,
# PS_REPO and PS_ARTIFACTS in the environment win over the options.
# playwright-core comes from the npm registry with the lockfile: when
# node_modules lacks it, `npm ci` installs it (never a browser download).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd -P)
opt_bin="" opt_shared="" opt_repo="" opt_artifacts="" needs_stack=1
while [ $# -gt 1 ]; do
    case $1 in
    --bin) opt_bin=$2; shift 2 ;;
    --shared) opt_shared=$2; shift 2 ;;
    --repo) opt_repo=$2; shift 2 ;;
    --artifacts) opt_artifacts=$2; shift 2 ;;
    --no-stack) needs_stack=0; shift ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ $# -eq 1 ] || { echo "usage: run.sh [options] FILE.test.mjs" >&2; exit 2; }
TEST=$HERE/$1

export PS_REPO=${PS_REPO:-${opt_repo:-$(cd "$HERE/../.." && pwd -P)}}
export PS_BIN=${PS_BIN:-${opt_bin:-$PS_REPO/build/bin}}
export PS_SHARED=${PS_SHARED:-${opt_shared:-$PS_REPO/../shared}}
if [ -n "${PS_ARTIFACTS:-$opt_artifacts}" ]; then
    export PS_ARTIFACTS=${PS_ARTIFACTS:-$opt_artifacts}
fi

if [ $needs_stack -eq 1 ] && [ -z "${PS_BASE_URL:-}" ]; then
    echo "SKIP: PS_BASE_URL is unset (run eval \"\$(deploy/local.sh env)\" with the stack up)"
    exit 77
fi
command -v node >/dev/null || { echo "run.sh: node is not installed (deploy/install-deps.sh)" >&2; exit 1; }

# playwright-core and the front-end packages, exactly as locked. Tests may
# run side by side: the check is repeated under the lock, so only the first
# one installs and nobody runs while node_modules is being replaced.
need_install() {
    [ ! -f "$PS_REPO/node_modules/playwright-core/package.json" ] ||
        [ "$PS_REPO/package-lock.json" -nt "$PS_REPO/node_modules/.package-lock.json" ]
}
if need_install; then
    (
        flock 9
        if need_install; then
            command -v npm >/dev/null || { echo "run.sh: npm is not installed; cannot install playwright-core" >&2; exit 1; }
            echo "run.sh: npm ci in $PS_REPO"
            cd "$PS_REPO" && npm ci --no-audit --no-fund --loglevel=error
        fi
    ) 9>"${TMPDIR:-/tmp}/packetsight-npm-ci.lock"
fi
exec 9>"${TMPDIR:-/tmp}/packetsight-npm-ci.lock"
flock -s 9 # shared while the test runs: an install waits for us

# Local traffic only: never let a proxy setting send requests elsewhere.
export NO_PROXY='*' no_proxy='*'
unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy
cd "$PS_REPO"
exec node --test --test-reporter=spec --test-concurrency=1 "$TEST"
