# shellcheck shell=bash
# lib.sh - helpers shared by the deployment tests (sourced, bash).
#
# Every test takes --repo DIR --build DIR (ctest passes both), prints one
# "ok - ..." or "not ok - ..." line per check, and ends with
# "N passed, M failed". Exit: 0 all passed, 1 a check failed, 77 skipped.
set -euo pipefail

SKIP=77
REPO=${PS_REPO:-}
BUILD=
while [ $# -gt 0 ]; do
    case $1 in
    --repo) REPO=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
REPO=$(cd "${REPO:?--repo missing}" && pwd -P)
BUILD=$(cd "${BUILD:-$REPO/build}" && pwd -P)

T_PASSED=0
T_FAILED=0
T_CLEANUPS=()

ok() {
    T_PASSED=$((T_PASSED + 1))
    echo "ok - $*"
}
not_ok() {
    T_FAILED=$((T_FAILED + 1))
    echo "not ok - $*"
}
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# equal DESCRIPTION GOT WANT
equal() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: got '$2', want '$3'"; fi
}
skip() {
    echo "SKIP: $*"
    exit $SKIP
}
finish() {
    echo
    echo "$T_PASSED passed, $T_FAILED failed"
    [ $T_FAILED -eq 0 ]
}

# Cleanups run in reverse order at exit, whatever happened.
at_exit() { T_CLEANUPS+=("$1"); }
run_cleanups() {
    local i
    for ((i = ${#T_CLEANUPS[@]} - 1; i >= 0; i--)); do
        eval "${T_CLEANUPS[$i]}" || true
    done
}
trap run_cleanups EXIT

need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root"; }
need_cmd() {
    local c
    for c; do command -v "$c" >/dev/null 2>&1 || skip "$c is not installed (deploy/install-deps.sh)"; done
}

# make_scratch: sets S to a new scratch directory, removed at exit, that
# every service user can enter (not under /tmp, which systemd units and
# containers replace with their own).
make_scratch() {
    S=$(mktemp -d /var/tmp/ps-deploy.XXXXXX)
    chmod 0755 "$S"
    at_exit "rm -rf '$S'"
}

# install_tree PREFIX: cmake --install of the build tree into PREFIX.
install_tree() {
    cmake --install "$BUILD" --prefix "$1" >"$1.install.log" 2>&1 || {
        cat "$1.install.log" >&2
        return 1
    }
}

# unit_value FILE KEY: every value of KEY= in a unit file, one per line.
unit_value() {
    sed -n "s/^$2=//p" "$1"
}

# --- the dev stack's database (deploy/local.sh env) ------------------------------

need_stack() {
    [ -n "${PACKETSIGHT_DB:-}" ] || skip "PACKETSIGHT_DB is unset (eval \"\$(deploy/local.sh env)\")"
    psql -XAtq -d "$PACKETSIGHT_DB" -c 'SELECT 1' >/dev/null 2>&1 ||
        skip "cannot connect to PACKETSIGHT_DB"
}
sql() { psql -XAtq -v ON_ERROR_STOP=1 -d "$PACKETSIGHT_DB" "$@"; }

# forget_captures WHERE: removes the captures matching WHERE (SQL on table
# captures, as the owner role) and every row of theirs in any table with a
# capture_id column.
forget_captures() {
    local db=${PACKETSIGHT_OWNER_DB:-$PACKETSIGHT_DB}
    psql -XAtq -v ON_ERROR_STOP=1 -d "$db" -v cond="$1" >/dev/null <<'SQL'
SELECT set_config('ps.cond', :'cond', false);
DO $$
DECLARE
  ids bigint[];
  r record;
BEGIN
  EXECUTE 'SELECT coalesce(array_agg(id), ''{}'') FROM captures WHERE ' || current_setting('ps.cond') INTO ids;
  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
            WHERE a.attname = 'capture_id' AND NOT a.attisdropped AND c.relkind IN ('r', 'p')
              AND NOT c.relispartition AND c.relnamespace = 'public'::regnamespace
              AND c.relname <> 'captures' LOOP
    EXECUTE format('DELETE FROM %I WHERE capture_id = ANY ($1)', r.relname) USING ids;
  END LOOP;
  DELETE FROM captures WHERE id = ANY (ids);
END
$$;
SQL
}

# forget_sensors NAME...: removes test sensors, their captures and all the
# captures' rows.
forget_sensors() {
    local n list=""
    for n; do
        case $n in *[!A-Za-z0-9_.-]*) echo "forget_sensors: odd name $n" >&2; return 1 ;; esac
        list+="${list:+,}'$n'"
    done
    forget_captures "sensor_id IN (SELECT id FROM sensors WHERE name IN ($list))"
    psql -XAtq -d "${PACKETSIGHT_OWNER_DB:-$PACKETSIGHT_DB}" -c "DELETE FROM sensors WHERE name IN ($list)" >/dev/null
}

# udp_burst PORT COUNT [ADDR]: COUNT datagrams to ADDR:PORT (default 127.0.0.1).
udp_burst() {
    python3 - "$1" "$2" "${3:-127.0.0.1}" <<'PY'
import socket, sys, time
port, n, addr = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    s.sendto(b"packetsight deploy test %d" % i, (addr, port))
    time.sleep(0.01)
PY
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_for() {
    local t=$1 i
    shift
    for ((i = 0; i < t * 5; i++)); do
        "$@" && return 0
        sleep 0.2
    done
    return 1
}

# stop_pid PID [SECONDS]: TERM, wait, KILL; returns the exit status when it
# was our child, else 0.
stop_pid() {
    local pid=$1 t=${2:-20} i rc=0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < t * 10; i++)); do
        [ -d /proc/$pid ] || break
        [ "$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)" = Z ] && break
        sleep 0.1
    done
    if [ -d /proc/$pid ] && [ "$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)" != Z ]; then
        kill -KILL "$pid" 2>/dev/null || true
        echo "stop_pid: $pid needed SIGKILL" >&2
    fi
    wait "$pid" 2>/dev/null || rc=$?
    return $rc
}

# status_field PID FIELD: a field of /proc/PID/status (tabs squeezed).
status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '\t ' ' '; }

# --- throwaway containers (systemd-nspawn) --------------------------------------------

# make_container_root DIR: an OS tree for systemd-nspawn made of this
# machine's /usr (bound read-only, or overlaid, by the caller) and a copy of
# its /etc with a new machine id; /var starts empty.
make_container_root() {
    local r=$1 l
    mkdir -p "$r"/{usr/lib,dev,proc,sys,run,tmp,var/lib,var/log,var/tmp,var/cache,home,root,opt,srv,mnt}
    for l in bin lib lib64 sbin; do [ -e "/$l" ] && ln -s "usr/$l" "$r/$l"; done
    ln -s ../run "$r/var/run"
    ln -s ../run/lock "$r/var/lock"
    cp /usr/lib/os-release "$r/usr/lib/os-release" # nspawn looks before /usr is bound
    cp -a /etc "$r/"
    rm -f "$r/etc/machine-id"
    systemd-id128 new >"$r/etc/machine-id"
}

# nspawn ROOT ARGS...: systemd-nspawn on ROOT with a private network, not
# registered anywhere. nspawn clears its propagation directory under
# /run/systemd/nspawn and insists on that being a tmpfs (it is not where
# systemd is not PID 1): it gets one in a private mount namespace.
# Killed after NSPAWN_TIMEOUT seconds (default 240).
nspawn() {
    local r=$1
    shift
    timeout "${NSPAWN_TIMEOUT:-240}" unshare -m --propagation private sh -c '
        mkdir -p /run/systemd/nspawn && mount -t tmpfs tmpfs /run/systemd/nspawn &&
        exec systemd-nspawn -q -D "$@"' sh "$r" --private-network --keep-unit --register=no \
        --link-journal=no "$@"
}

# wait_sql SECONDS WANT QUERY: polls QUERY (sql) until it returns WANT.
wait_sql() {
    local t=$1 want=$2 q=$3 i
    for ((i = 0; i < t * 5; i++)); do
        [ "$(sql -c "$q" 2>/dev/null)" = "$want" ] && return 0
        sleep 0.2
    done
    return 1
}
