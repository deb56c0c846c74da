#!/bin/bash
# local.sh - run the whole PacketSight stack on this machine for development
# and CI: a private PostgreSQL 15 cluster, captured, webapi (spawn-fcgi) and
# a private nginx, all with their state under var/ in the repository.
#
#   deploy/local.sh up       install deps, build, start everything (idempotent)
#   deploy/local.sh down     stop everything started by `up`
#   deploy/local.sh status   one line per service, then GET /api/health
#   deploy/local.sh env      shell exports for psql, tests and tools:
#                              eval "$(deploy/local.sh env)"; psql
#   deploy/local.sh test     up, ctest (all tests), ASan+UBSan build + unit tests
#   deploy/local.sh user NAME ROLE
#                            create or reset a dashboard account (role viewer,
#                            analyst, operator or admin); prints a new random
#                            password once, or takes it from stdin when stdin
#                            is not a terminal
#
# Settings (environment): PS_PGPORT (default 5499), PS_HTTP_PORT (8080),
# PS_WEBAPI_WORKERS (2), PS_SENSOR (local). Ports chosen at `up` are
# remembered in var/ports and reused by later commands.
#
# Security note: this is a private development cluster. It listens on a unix
# socket only (no TCP), and pg_hba.conf trusts the four packetsight_* roles on
# that socket without a password, so any local user who can reach var/run can
# connect as any project role. The superuser `postgres` is reachable only by
# the OS users root and packetsight (peer authentication). Do not use this
# set-up for anything but development and CI.
#
# If the repository sits where the unprivileged users (packetsight, the nginx
# workers) cannot reach it, e.g. under /root, or its path is too long for a
# unix socket, the state lives in /var/lib/packetsight-local/<hash> and var
# is a symlink to it. The system nginx and PostgreSQL are never touched.
set -euo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
REPO=$(cd "$(dirname "$SELF")/.." && pwd -P)
SHARED=$(readlink -m "$REPO/../shared")
BIN=$REPO/build/bin
ASAN_BUILD=$REPO/build-asan
PGBIN=/usr/lib/postgresql/15/bin
SVC_USER=packetsight
RELOCATE_ROOT=/var/lib/packetsight-local
STATE_LINK=$REPO/var
DBNAME=packetsight
NGINX_TEMPLATE=$REPO/deploy/nginx/local.conf.in

say() { printf '==> %s\n' "$*"; }
warn() { printf 'local.sh: warning: %s\n' "$*" >&2; }
die() {
    printf 'local.sh: error: %s\n' "$*" >&2
    exit 1
}

usage() {
    echo "usage: $0 {up|down|status|env|test} | $0 user NAME ROLE" >&2
    exit 2
}

# --- state location, ports, connection strings ------------------------------

# Absolute path of the state directory (following the var symlink), or the
# would-be path when `up` has not run yet.
state_dir() {
    if [ -e "$STATE_LINK" ]; then
        readlink -f "$STATE_LINK"
    else
        printf '%s\n' "$STATE_LINK"
    fi
}

load_settings() {
    STATE=$(state_dir)
    local saved_pg="" saved_http="" key value
    if [ -r "$STATE/ports" ]; then
        while IFS='=' read -r key value; do
            case $key in
            pg) saved_pg=$value ;;
            http) saved_http=$value ;;
            esac
        done <"$STATE/ports"
    fi
    PGPORT_=${PS_PGPORT:-${saved_pg:-5499}}
    HTTP_PORT=${PS_HTTP_PORT:-${saved_http:-8080}}
    case $PGPORT_$HTTP_PORT in *[!0-9]*) die "ports must be numbers (PS_PGPORT=$PGPORT_ PS_HTTP_PORT=$HTTP_PORT)" ;; esac
    RUN=$STATE/run
    LOGDIR=$STATE/log
    PGDATA=$STATE/pg
    BASE_URL=http://127.0.0.1:$HTTP_PORT
    local common="host=$RUN port=$PGPORT_ dbname=$DBNAME"
    OWNER_DB="$common user=packetsight_owner"
    WRITER_DB="$common user=packetsight_writer"
    WEB_DB="$common user=packetsight_web"
    ANALYST_DB="$common user=packetsight_analyst"
}

cmd_env() {
    load_settings
    local q
    printf 'export PGHOST=%q PGPORT=%q PGDATABASE=%q PGUSER=packetsight_analyst\n' "$RUN" "$PGPORT_" "$DBNAME"
    for q in "PACKETSIGHT_DB=$WRITER_DB" "PACKETSIGHT_WEB_DB=$WEB_DB" \
        "PACKETSIGHT_OWNER_DB=$OWNER_DB" "PACKETSIGHT_ANALYST_DB=$ANALYST_DB" \
        "PS_BASE_URL=$BASE_URL" "PS_REPO=$REPO" "PS_SHARED=$SHARED"; do
        printf "export %s='%s'\n" "${q%%=*}" "${q#*=}"
    done
}

# --- process helpers ----------------------------------------------------------

# Closes every descriptor above 2 in the current (sub)shell, so daemons
# started from it do not keep pipes of whoever ran us open (a CI runner
# waits for its output pipe to close).
close_extra_fds() {
    local path fd
    for path in /proc/"$BASHPID"/fd/*; do
        fd=${path##*/}
        [ "$fd" -gt 2 ] 2>/dev/null && exec {fd}>&-
    done
    return 0
}

# Runs a command with only stdin/stdout/stderr inherited.
run_clean() { (close_extra_fds && exec "$@"); }

# Runs a command as the service user from a directory it can always enter.
as_svc() { (cd / && close_extra_fds && exec runuser -u "$SVC_USER" -- "$@"); }

# Prints the live pids listed in pidfile $1 whose command name is $2.
# Reads /proc/PID/comm, so it works unprivileged and ignores recycled pids.
live_pids() {
    local pidfile=$1 comm=$2 pid
    [ -r "$pidfile" ] || return 0
    while read -r pid || [ -n "$pid" ]; do
        case $pid in '' | *[!0-9]*) continue ;; esac
        [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "$comm" ] && echo "$pid"
    done <"$pidfile"
    return 0
}

# Sends TERM to the pids, waits up to $1 seconds, then KILLs what is left.
stop_pids() {
    local timeout=$1 pid i
    shift
    [ $# -gt 0 ] || return 0
    kill -TERM "$@" 2>/dev/null || true
    for ((i = 0; i < timeout * 10; i++)); do
        local alive=0
        for pid in "$@"; do
            [ -d "/proc/$pid" ] && alive=1
        done
        [ $alive -eq 0 ] && return 0
        sleep 0.1
    done
    warn "pids $* did not stop in ${timeout}s; sending KILL"
    kill -KILL "$@" 2>/dev/null || true
}

file_sum() { sha256sum "$1" | cut -c1-64; }

show_log_tail() {
    [ -r "$1" ] || return 0
    echo "---- last lines of $1 ----" >&2
    tail -n 20 "$1" >&2
}

nginx_worker_user() {
    local u
    u=$(awk '$1 == "user" { sub(";", "", $2); print $2; exit }' /etc/nginx/nginx.conf 2>/dev/null || true)
    [ -n "$u" ] && id -u "$u" >/dev/null 2>&1 || u=www-data
    id -u "$u" >/dev/null 2>&1 || u=nobody
    echo "$u"
}

require_root() {
    [ "$(id -u)" -eq 0 ] && return 0
    command -v sudo >/dev/null 2>&1 || die "'$1' needs root (and sudo is not installed)"
    exec sudo -E -- "$SELF" "$@"
}

# --- up: the pieces -----------------------------------------------------------

ensure_user() {
    if ! id -u "$SVC_USER" >/dev/null 2>&1; then
        say "creating system user $SVC_USER"
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$SVC_USER"
    fi
}

# True when the state cannot live in $REPO/var: an unprivileged user cannot
# reach the repository, the path does not fit a unix socket address
# (108 bytes), or it holds characters that would need quoting in conninfo.
needs_relocation() {
    local www_user=$1
    runuser -u "$SVC_USER" -- test -x "$REPO" || return 0
    runuser -u "$www_user" -- test -x "$REPO" || return 0
    [ ${#REPO} -gt 70 ] && return 0
    case $REPO in *[!A-Za-z0-9._/+-]*) return 0 ;; esac
    return 1
}

setup_state() {
    local www_user=$1
    if [ -L "$STATE_LINK" ]; then
        mkdir -p "$(readlink -m "$STATE_LINK")"
    elif [ -d "$STATE_LINK" ]; then
        if needs_relocation "$www_user"; then
            die "$STATE_LINK is a directory that $SVC_USER/$www_user cannot use (path unreachable or too long); stop the stack and remove it so local.sh can relocate the state"
        fi
    else
        if needs_relocation "$www_user"; then
            local target
            target=$RELOCATE_ROOT/$(printf '%s' "$REPO" | sha256sum | cut -c1-12)
            say "repository not reachable for $SVC_USER/$www_user (or path too long): state in $target"
            install -d -m 0755 "$RELOCATE_ROOT" "$target"
            printf '%s\n' "$REPO" >"$target/REPO"
            ln -s "$target" "$STATE_LINK"
        else
            mkdir -p "$STATE_LINK"
        fi
    fi
    load_settings
    chmod 0755 "$STATE"
    install -d -m 0755 "$LOGDIR" "$STATE/nginx" "$STATE/bin"
    install -d -m 0755 -o "$SVC_USER" -g "$SVC_USER" "$RUN"
    install -d -m 0700 -o "$www_user" -g "$(id -gn "$www_user")" "$STATE/nginx/tmp"
    printf 'pg=%s\nhttp=%s\n' "$PGPORT_" "$HTTP_PORT" >"$STATE/ports"
}

build_tree() {
    local dir=$1
    shift
    local args=()
    # Only the first configure chooses the build type; later runs keep
    # whatever the developer set in the cache.
    [ -f "$dir/CMakeCache.txt" ] || args=("$@")
    mkdir -p "$dir"
    cmake -S "$REPO" -B "$dir" "${args[@]}" >"$dir/configure.log" 2>&1 ||
        {
            cat "$dir/configure.log" >&2
            die "cmake configure of $dir failed"
        }
    cmake --build "$dir" -j"$(nproc)" || die "build in $dir failed"
}

# shared_buffers for the local stack: an eighth of RAM (it shares the machine
# with captured, webapi and the tests), between 128 MB and 2 GB.
pg_shared_buffers() {
    local kb
    kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo 2>/dev/null)
    kb=$(( ${kb:-0} / 8 / 1024 ))
    [ "$kb" -lt 128 ] && kb=128
    [ "$kb" -gt 2048 ] && kb=2048
    echo "${kb}MB"
}

pg_write_config() {
    local conf=$PGDATA/packetsight.conf new
    new=$(
        echo "# Written by deploy/local.sh on every up; edit that script, not this file."
        # the sensor settings (deploy/postgresql), sized for this machine
        grep -v '^[[:space:]]*\(#\|$\)' "$REPO/deploy/postgresql/packetsight-sensor.conf" |
            sed "s/^shared_buffers = .*/shared_buffers = $(pg_shared_buffers)/"
        cat <<EOF
port = $PGPORT_
listen_addresses = ''
unix_socket_directories = '$RUN'
unix_socket_permissions = 0777
synchronous_commit = off
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_min_messages = warning
log_min_error_statement = error
EOF
    )
    if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$new" ]; then
        printf '%s\n' "$new" >"$conf"
        chown "$SVC_USER:$SVC_USER" "$conf"
        return 0 # changed
    fi
    return 1
}

pg_init() {
    [ -f "$PGDATA/PG_VERSION" ] && return 0
    say "initdb $PGDATA"
    install -d -m 0700 -o "$SVC_USER" -g "$SVC_USER" "$PGDATA"
    as_svc "$PGBIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=peer --auth-host=reject >"$LOGDIR/initdb.log" 2>&1 ||
        {
            cat "$LOGDIR/initdb.log" >&2
            die "initdb failed"
        }
    cat >"$PGDATA/pg_hba.conf" <<'EOF'
# PacketSight private development cluster (deploy/local.sh): unix socket only.
# The superuser is for root and the packetsight OS user (peer, see pg_ident.conf).
# The project roles are trusted without a password: any local user who can
# reach the socket directory may connect as them. Development and CI only.
# TYPE  DATABASE  USER                                                                     METHOD
local   all       postgres                                                                 peer map=superuser
local   all       packetsight_owner,packetsight_writer,packetsight_web,packetsight_analyst trust
EOF
    cat >"$PGDATA/pg_ident.conf" <<'EOF'
# MAPNAME    SYSTEM-USERNAME  PG-USERNAME
superuser    root             postgres
superuser    packetsight      postgres
EOF
    echo "include_if_exists = 'packetsight.conf'" >>"$PGDATA/postgresql.conf"
    chown "$SVC_USER:$SVC_USER" "$PGDATA/pg_hba.conf" "$PGDATA/pg_ident.conf" "$PGDATA/postgresql.conf"
}

pg_running() { as_svc "$PGBIN/pg_ctl" status -D "$PGDATA" >/dev/null 2>&1; }

pg_start() {
    pg_init
    local changed=0
    pg_write_config && changed=1
    touch "$LOGDIR/postgres.log"
    chown "$SVC_USER:$SVC_USER" "$LOGDIR/postgres.log"
    if pg_running; then
        if [ $changed -eq 1 ]; then
            say "postgres: configuration changed, restarting"
            as_svc "$PGBIN/pg_ctl" restart -D "$PGDATA" -m fast -w -t 60 -s \
                -l "$LOGDIR/postgres.log" || die "postgres restart failed (see $LOGDIR/postgres.log)"
        else
            say "postgres already running"
        fi
    else
        say "starting postgres (port $PGPORT_, socket $RUN)"
        as_svc "$PGBIN/pg_ctl" start -D "$PGDATA" -w -t 60 -s -l "$LOGDIR/postgres.log" ||
            {
                show_log_tail "$LOGDIR/postgres.log"
                die "postgres did not start"
            }
    fi
    local i
    for ((i = 0; i < 60; i++)); do
        "$PGBIN/pg_isready" -q -h "$RUN" -p "$PGPORT_" && return 0
        sleep 0.5
    done
    die "postgres is not accepting connections on $RUN:$PGPORT_"
}

psql_super() { psql -X -q -v ON_ERROR_STOP=1 -h "$RUN" -p "$PGPORT_" -U postgres "$@"; }

db_setup() {
    psql_super -d postgres -f "$REPO/sql/roles.sql" || die "sql/roles.sql failed"
    if [ "$(psql_super -d postgres -At -c "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'")" != 1 ]; then
        say "creating database $DBNAME"
        psql_super -d postgres -c "CREATE DATABASE $DBNAME OWNER packetsight_owner"
    fi
    say "migrating"
    "$BIN/captured" --migrate --db "$OWNER_DB" || die "captured --migrate failed"
}

captured_start() {
    local pidfile=$RUN/captured.pid sumfile=$RUN/captured.sum pids
    pids=$(live_pids "$pidfile" captured)
    if [ -n "$pids" ]; then
        if [ "$(cat "$sumfile" 2>/dev/null)" = "$(file_sum "$BIN/captured")" ]; then
            say "captured already running (pid $pids)"
            return 0
        fi
        say "captured binary changed: restarting"
        # shellcheck disable=SC2086
        stop_pids 15 $pids
    fi
    say "starting captured daemon (sensor ${PS_SENSOR:-local})"
    # setsid: the daemon must not die with this shell's session. The subshell
    # is not a process group leader, so setsid execs in place and $! is the
    # daemon's pid.
    (cd "$STATE" && close_extra_fds && PACKETSIGHT_DB=$WRITER_DB exec setsid "$BIN/captured" \
        --db "$WRITER_DB" --sensor "${PS_SENSOR:-local}" \
        </dev/null >>"$LOGDIR/captured.log" 2>&1) &
    echo $! >"$pidfile"
    file_sum "$BIN/captured" >"$sumfile"
    sleep 1
    if [ -z "$(live_pids "$pidfile" captured)" ]; then
        show_log_tail "$LOGDIR/captured.log"
        die "captured exited right after start"
    fi
}

webapi_start() {
    local www_user=$1 pidfile=$RUN/webapi.pid pids
    local workers=${PS_WEBAPI_WORKERS:-2}
    pids=$(live_pids "$pidfile" webapi)
    if [ -n "$pids" ]; then
        if cmp -s "$BIN/webapi" "$STATE/bin/webapi"; then
            say "webapi already running (pids ${pids//$'\n'/ })"
            return 0
        fi
        say "webapi binary changed: restarting"
        # shellcheck disable=SC2086
        stop_pids 10 $pids
    fi
    # The service user may not be able to reach build/ (repo under /root),
    # so webapi runs from a copy in the state directory.
    install -m 0755 "$BIN/webapi" "$STATE/bin/webapi.new"
    mv -f "$STATE/bin/webapi.new" "$STATE/bin/webapi"
    PACKETSIGHT_WEB_DB=$WEB_DB "$STATE/bin/webapi" --check >/dev/null ||
        die "webapi --check failed against $WEB_DB"
    touch "$LOGDIR/webapi.log"
    chown "$SVC_USER:$SVC_USER" "$LOGDIR/webapi.log"
    chmod 0640 "$LOGDIR/webapi.log"
    rm -f "$RUN/webapi.sock"
    say "starting webapi x$workers via spawn-fcgi"
    # spawn-fcgi points the children's stdout/stderr at /dev/null; the sh
    # wrapper (exec'd away) sends webapi's log to var/log/webapi.log instead.
    # spawn-fcgi passes its environment on, so PACKETSIGHT_WEB_DB arrives.
    # shellcheck disable=SC2016 # $0/$1 belong to the inner sh
    PACKETSIGHT_WEB_DB=$WEB_DB run_clean spawn-fcgi -s "$RUN/webapi.sock" \
        -u "$SVC_USER" -g "$SVC_USER" -M 0660 -U "$www_user" -G "$(id -gn "$www_user")" \
        -F "$workers" -P "$pidfile" -d "$STATE" -- \
        /bin/sh -c 'exec "$0" >>"$1" 2>&1' "$STATE/bin/webapi" "$LOGDIR/webapi.log" \
        >>"$LOGDIR/spawn-fcgi.log" 2>&1 ||
        {
            show_log_tail "$LOGDIR/spawn-fcgi.log"
            die "spawn-fcgi failed"
        }
    sleep 0.5
    if [ -z "$(live_pids "$pidfile" webapi)" ]; then
        show_log_tail "$LOGDIR/webapi.log"
        die "webapi exited right after start"
    fi
}

www_refresh() {
    local www_user=$1
    rm -rf "$STATE/www.new"
    if [ -d "$REPO/www" ]; then
        cp -a "$REPO/www" "$STATE/www.new"
    else
        mkdir "$STATE/www.new"
    fi
    chown -R root:root "$STATE/www.new"
    chmod -R u=rwX,go=rX "$STATE/www.new"
    rm -rf "$STATE/www"
    mv "$STATE/www.new" "$STATE/www"
}

nginx_cmd() { nginx -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" -e "$LOGDIR/nginx-error.log" "$@"; }

nginx_start() {
    local www_user=$1 conf=$STATE/nginx/nginx.conf
    sed -e "s|@STATE@|$STATE|g" -e "s|@HTTP_PORT@|$HTTP_PORT|g" -e "s|@LISTEN@|127.0.0.1|g" \
        -e "s|@WORKER_USER@|$www_user|g" -e "s|@WORKER_GROUP@|$(id -gn "$www_user")|g" \
        "$NGINX_TEMPLATE" >"$conf.new"
    mv -f "$conf.new" "$conf"
    nginx_cmd -t -q || die "nginx configuration test failed ($conf)"
    local pids
    pids=$(live_pids "$RUN/nginx.pid" nginx)
    if [ -n "$pids" ]; then
        say "nginx already running (pid $pids): reloading configuration"
        nginx_cmd -s reload
    else
        say "starting nginx on 127.0.0.1:$HTTP_PORT"
        # shellcheck disable=SC2094 # -e and the redirect share the log on purpose
        run_clean nginx -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" -e "$LOGDIR/nginx-error.log" \
            </dev/null >>"$LOGDIR/nginx-error.log" 2>&1 ||
            {
                show_log_tail "$LOGDIR/nginx-error.log"
                die "nginx did not start (is port $HTTP_PORT taken?)"
            }
    fi
}

wait_health() {
    local i code=""
    for ((i = 0; i < 40; i++)); do
        code=$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE_URL/api/health" || true)
        [ "$code" = 200 ] && return 0
        sleep 0.25
    done
    show_log_tail "$LOGDIR/nginx-error.log"
    show_log_tail "$LOGDIR/webapi.log"
    die "$BASE_URL/api/health answers HTTP ${code:-nothing}, not 200"
}

sample_capture() {
    local sample=$STATE/sample.pcap
    if [ ! -s "$sample" ]; then
        say "generating $sample"
        "$BIN/ps-pcapgen" --out "$sample.tmp" --packets 5000 --seed 1 >/dev/null ||
            die "ps-pcapgen failed"
        mv -f "$sample.tmp" "$sample"
    fi
    local sum n
    sum=$(file_sum "$sample")
    n=$(psql -XAtq -d "$WRITER_DB" -v sum="$sum" -v path="$sample" <<'EOF'
SELECT count(*) FROM captures
 WHERE kind = 'file' AND status <> 'failed'
   AND (sha256 = :'sum' OR source = :'path' OR source = 'sample.pcap'
        OR source LIKE '%/sample.pcap');
EOF
    ) || die "cannot query captures"
    if [ "$n" != 0 ]; then
        say "sample capture already loaded"
        return 0
    fi
    say "loading sample capture"
    PACKETSIGHT_DB=$WRITER_DB "$BIN/captured" --read "$sample" || die "captured --read $sample failed"
}

# The first admin account: created with a random password printed once; an
# existing admin is left alone (reset it with `deploy/local.sh user admin admin`).
admin_account() {
    local out
    out=$("$BIN/webapi" --db "$WEB_DB" --set-user admin --role admin --if-absent) ||
        die "could not create the admin account"
    case $out in
    *"password: "*)
        ADMIN_NOTE="login: admin / ${out##*password: }  (shown once; reset: deploy/local.sh user admin admin)"
        ;;
    *) ADMIN_NOTE="login: existing accounts (reset one: deploy/local.sh user NAME ROLE)" ;;
    esac
}

cmd_user() {
    local name=$1 role=$2
    load_settings
    if [ -t 0 ]; then
        "$BIN/webapi" --db "$WEB_DB" --set-user "$name" --role "$role"
    else
        "$BIN/webapi" --db "$WEB_DB" --set-user "$name" --role "$role" --password-stdin
    fi
}

cmd_up() {
    local t0=$SECONDS www_user ADMIN_NOTE=
    "$REPO/deploy/install-deps.sh"
    say "building in $REPO/build"
    build_tree "$REPO/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
    local b
    for b in captured webapi ps-pcapgen; do
        [ -x "$BIN/$b" ] || die "$BIN/$b was not built"
    done
    ensure_user
    www_user=$(nginx_worker_user)
    setup_state "$www_user"
    pg_start
    db_setup
    captured_start
    webapi_start "$www_user"
    www_refresh "$www_user"
    nginx_start "$www_user"
    wait_health
    sample_capture
    admin_account
    echo
    echo "PacketSight is up ($((SECONDS - t0))s). State: $STATE"
    echo "  dashboard: $BASE_URL/"
    echo "  $ADMIN_NOTE"
    echo "  psql:      eval \"\$(deploy/local.sh env)\"; psql"
    echo "  logs:      $LOGDIR/"
}

# --- down / status ------------------------------------------------------------

cmd_down() {
    load_settings
    if [ ! -d "$STATE" ]; then
        echo "nothing to stop ($STATE_LINK does not exist)"
        return 0
    fi
    local pids
    pids=$(live_pids "$RUN/nginx.pid" nginx)
    if [ -n "$pids" ]; then
        say "stopping nginx"
        # shellcheck disable=SC2086
        nginx_cmd -s quit 2>/dev/null || kill -QUIT $pids 2>/dev/null || true
        # shellcheck disable=SC2086
        stop_pids 10 $pids
    fi
    pids=$(live_pids "$RUN/webapi.pid" webapi)
    if [ -n "$pids" ]; then
        say "stopping webapi"
        # shellcheck disable=SC2086
        stop_pids 10 $pids
    fi
    rm -f "$RUN/webapi.pid" "$RUN/webapi.sock"
    pids=$(live_pids "$RUN/captured.pid" captured)
    if [ -n "$pids" ]; then
        say "stopping captured"
        # shellcheck disable=SC2086
        stop_pids 15 $pids
    fi
    rm -f "$RUN/captured.pid"
    if [ -f "$PGDATA/PG_VERSION" ] && pg_running; then
        say "stopping postgres"
        as_svc "$PGBIN/pg_ctl" stop -D "$PGDATA" -m fast -w -t 60 -s
    fi
    echo "stack stopped"
}

status_line() {
    local name=$1 pids=$2 extra=${3:-}
    if [ -n "$pids" ]; then
        printf '%-9s running  pid %s%s\n' "$name" "${pids//$'\n'/ }" "$extra"
    else
        printf '%-9s stopped\n' "$name"
        STATUS_RC=3
    fi
}

cmd_status() {
    load_settings
    STATUS_RC=0
    local pgpid=""
    if "$PGBIN/pg_isready" -q -h "$RUN" -p "$PGPORT_" 2>/dev/null; then
        pgpid=$(head -n1 "$PGDATA/postmaster.pid" 2>/dev/null || echo '?')
    fi
    status_line postgres "$pgpid" " (socket $RUN port $PGPORT_)"
    status_line captured "$(live_pids "$RUN/captured.pid" captured)"
    status_line webapi "$(live_pids "$RUN/webapi.pid" webapi)" " (socket $RUN/webapi.sock)"
    status_line nginx "$(live_pids "$RUN/nginx.pid" nginx)" " ($BASE_URL/)"
    local body
    body=$(curl --noproxy '*' -s --max-time 3 "$BASE_URL/api/health" || true)
    echo "health:   ${body:-no answer from $BASE_URL/api/health}"
    return $STATUS_RC
}

# --- test -----------------------------------------------------------------------

TEST_PASSED=0
TEST_FAILED=0
TEST_SKIPPED=0
TEST_SUMMARY_DONE=0

print_summary() {
    [ $TEST_SUMMARY_DONE -eq 1 ] && return 0
    TEST_SUMMARY_DONE=1
    echo
    [ $TEST_SKIPPED -gt 0 ] && echo "($TEST_SKIPPED skipped)"
    echo "$TEST_PASSED passed, $TEST_FAILED failed"
}

# Prints "passed failed skipped" counted in a ctest JUnit file.
junit_counts() {
    python3 - "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
passed = failed = skipped = 0
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print("0 0 0"); sys.exit(0)
for tc in root.iter("testcase"):
    st = tc.get("status", "")
    if st == "fail" or tc.find("failure") is not None or tc.find("error") is not None:
        failed += 1
    elif st == "run":
        passed += 1
    else:
        skipped += 1
print(passed, failed, skipped)
EOF
}

# Runs ctest in build dir $1 with extra args; a ctest failure that is not
# reflected in the JUnit counts (e.g. no tests found) counts as one failure.
run_ctest() {
    local dir=$1 junit=$1/ctest-junit.xml rc=0 counts p f s
    shift
    rm -f "$junit"
    ctest --test-dir "$dir" --output-on-failure --no-tests=error -j"$(nproc)" \
        --timeout 600 --output-junit "$junit" "$@" || rc=$?
    counts=$(junit_counts "$junit")
    read -r p f s <<<"$counts"
    TEST_PASSED=$((TEST_PASSED + p))
    TEST_FAILED=$((TEST_FAILED + f))
    TEST_SKIPPED=$((TEST_SKIPPED + s))
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "local.sh: ctest in $dir exited $rc without a failed test (no tests matched?)" >&2
        TEST_FAILED=$((TEST_FAILED + 1))
    fi
    return 0
}

cmd_test() {
    local t0=$SECONDS
    # Whatever happens below, end with the summary line; an abort counts as a
    # failure.
    trap 'rc=$?; if [ $TEST_SUMMARY_DONE -eq 0 ]; then [ $rc -ne 0 ] && TEST_FAILED=$((TEST_FAILED + 1)); print_summary; fi; exit $rc' EXIT
    cmd_up
    eval "$(cmd_env)"
    # PS_BIN only here, not in `env`: an exported PS_BIN would point tests
    # of another build tree (build-asan) at these binaries.
    export PS_BIN=$BIN

    say "ctest: all tests in $REPO/build"
    run_ctest "$REPO/build"

    say "building with AddressSanitizer + UndefinedBehaviorSanitizer in $ASAN_BUILD"
    if (build_tree "$ASAN_BUILD" -DPS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug); then
        say "ctest -L unit in $ASAN_BUILD"
        export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
        export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
        run_ctest "$ASAN_BUILD" -L unit
    else
        echo "local.sh: the sanitizer build failed" >&2
        TEST_FAILED=$((TEST_FAILED + 1))
    fi

    if [ "${CI:-}" = true ] && [ -z "${PS_KEEP_STACK:-}" ]; then
        cmd_down >/dev/null || true
    fi
    echo "test run took $((SECONDS - t0))s"
    print_summary
    trap - EXIT
    [ $TEST_FAILED -eq 0 ]
}

main() {
    if [ $# -eq 3 ] && [ "$1" = user ]; then
        cmd_user "$2" "$3"
        return
    fi
    [ $# -eq 1 ] || usage
    case $1 in
    up | down | test) require_root "$1" ;;
    status | env) ;;
    *) usage ;;
    esac
    case $1 in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    test) cmd_test ;;
    esac
}

main "$@"
