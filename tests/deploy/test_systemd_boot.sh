#!/bin/bash
# test_systemd_boot.sh - the units under a real systemd: boots a throwaway
# container (systemd-nspawn: this machine's /usr read-only, a copy of its
# /etc, a private network namespace with only lo) holding the install tree
# (DESTDIR install with prefix /opt/packetsight, bound at that path).
# Two database set-ups (PS_BOOT_MODE):
#   localpg  (default) PostgreSQL 15 inside the container, set up as
#            OPERATIONS.md says for one host: pg_createcluster, then
#            packetsight-pg-local-auth; the units and configuration exactly
#            as installed (migrate as OS user postgres, peer logins).
#   devdb    the dev stack's cluster (its socket directory bound in),
#            reached through the *.env files and a migrate User= drop-in,
#            the way a database on another host is configured.
# Inside, systemd starts packetsight-migrate, packetsight-captured (Type=notify),
# packetsight-webapi.socket and nginx with the PacketSight site; a check
# script then verifies, with the real sandboxing in force: READY, the
# daemon's user/capabilities/no_new_privs/seccomp, a live capture on the
# container's lo, reload, socket activation of webapi on the first request
# through nginx, webapi's user and (no) capabilities, the socket's owner and
# mode, and prints `systemd-analyze security` from the running manager.
# Nothing of the host's services or network is touched.
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib.sh"

MODE=${PS_BOOT_MODE:-localpg}
need_root
need_cmd systemd-nspawn unshare cmake psql
echo "mode: $MODE"
case $MODE in
localpg)
    need_cmd pg_createcluster
    [ -x /usr/lib/postgresql/15/bin/postgres ] || skip "postgresql-15 is not installed"
    ;;
devdb)
    need_stack
    PGSOCKDIR=${PGHOST:-}
    [ -S "$PGSOCKDIR/.s.PGSQL.${PGPORT:-5432}" ] ||
        skip "PGHOST/PGPORT do not name the dev stack's unix socket (eval \"\$(deploy/local.sh env)\")"
    ;;
*) echo "PS_BOOT_MODE must be localpg or devdb" >&2; exit 2 ;;
esac
make_scratch
PFX=/opt/packetsight
DEST=$S/destdir
R=$S/root
OUT=$S/out   # bound into the container at /srv/ps-test
ID=$$
SENSOR=ps-test-nspawn-$ID
PORT=$((23000 + ID % 20000))
[ "$MODE" = devdb ] && at_exit 'forget_sensors "$SENSOR"'

DESTDIR=$DEST cmake --install "$BUILD" --prefix "$PFX" >"$S/install.log" 2>&1 ||
    { not_ok "DESTDIR install: $(tail -5 "$S/install.log")"; finish; exit; }
ok "DESTDIR install with prefix $PFX"

# --- the container's root ---------------------------------------------------------
make_container_root "$R"
mkdir -p "$R/var/lib/nginx" "$R/var/log/nginx"
# The units and the sysusers file as a package would place them.
cp "$DEST$PFX"/lib/systemd/system/packetsight-* "$R/etc/systemd/system/"
systemd-sysusers --root="$R" "$DEST$PFX/lib/sysusers.d/packetsight.conf" >"$S/sysusers.log" 2>&1 ||
    not_ok "systemd-sysusers: $(cat "$S/sysusers.log")"
check "sysusers created packetsight-web in the container" grep -q '^packetsight-web:' "$R/etc/passwd"
# The site, enabled the way OPERATIONS.md says.
rm -f "$R"/etc/nginx/sites-enabled/*
ln -s "$PFX/etc/nginx/sites-available/packetsight" "$R/etc/nginx/sites-enabled/packetsight"
rm -f "$R"/etc/nginx/conf.d/*.conf

ETC=$DEST$PFX/etc/packetsight
if [ "$MODE" = devdb ]; then
    # Configuration for a database elsewhere: *.env files (OPERATIONS.md).
    DB="host=/run/ps-pg port=${PGPORT:-5432} dbname=packetsight"
    cat >"$ETC/migrate.env" <<ENV
PACKETSIGHT_ADMIN_DB=host=/run/ps-pg port=${PGPORT:-5432} dbname=postgres user=postgres
PACKETSIGHT_OWNER_DB=$DB user=packetsight_owner
ENV
    echo "PACKETSIGHT_DB=$DB user=packetsight_writer" >"$ETC/captured.env"
    printf 'PACKETSIGHT_WEB_DB=%s user=packetsight_web\nPACKETSIGHT_WEB_WORKERS=2\n' "$DB" >"$ETC/webapi.env"
    WORKERS=2
    # The dev cluster's superuser is reachable by the OS users root and
    # packetsight only (local.sh's pg_ident.conf): the migration runs as
    # packetsight here, as OPERATIONS.md shows for a database elsewhere.
    mkdir -p "$R/etc/systemd/system/packetsight-migrate.service.d"
    printf '[Service]\nUser=packetsight\nGroup=packetsight\n' \
        >"$R/etc/systemd/system/packetsight-migrate.service.d/dev-stack.conf"
    # What the check uses to look into the database.
    SQLCMD="psql -XAtq -d '$DB user=packetsight_writer'"
    BINDS=(--bind="$PGSOCKDIR:/run/ps-pg")
else
    # One host, as OPERATIONS.md: a Debian cluster, peer logins set up by
    # packetsight-pg-local-auth, everything else as installed.
    rm -rf "$R/etc/postgresql/15" "$R/var/lib/postgresql" "$R/var/log/postgresql"
    install -d -o postgres -g postgres "$R/var/lib/postgresql" "$R/var/log/postgresql"
    cat >"$S/pgsetup.sh" <<'SH'
set -e
pg_createcluster 15 main >/dev/null
# the sensor settings, as OPERATIONS.md says (shared_buffers made small)
sed 's/^shared_buffers = .*/shared_buffers = 192MB/' \
    /opt/packetsight/share/doc/packetsight/packetsight-sensor.conf \
    >/etc/postgresql/15/main/conf.d/packetsight-sensor.conf
pg_ctlcluster 15 main start
/opt/packetsight/sbin/packetsight-pg-local-auth
/opt/packetsight/sbin/packetsight-pg-local-auth | grep -qx 'nothing to change'
echo "idempotent"
runuser -u postgres -- psql -XAtq -c "SELECT current_setting('wal_compression') || ' ' ||
    current_setting('shared_buffers') || ' ' || current_setting('max_wal_size')" |
    grep -qx 'lz4 192MB 8GB'
echo "sensor settings in effect"
pg_ctlcluster 15 main stop
SH
    if NSPAWN_TIMEOUT=120 nspawn "$R" --bind-ro=/usr --bind="$DEST$PFX:$PFX" \
        --bind-ro="$S/pgsetup.sh:/srv/pgsetup.sh" /bin/bash /srv/pgsetup.sh >"$S/pgsetup.log" 2>&1; then
        ok "container: pg_createcluster 15 main + sensor settings + packetsight-pg-local-auth (twice: idempotent)"
        sed 's/^/# /' "$S/pgsetup.log"
    else
        not_ok "PostgreSQL set-up in the container: $(tail -5 "$S/pgsetup.log")"
    fi
    WORKERS=$(unit_value "$DEST$PFX/lib/systemd/system/packetsight-webapi.service" Environment |
        sed -n 's/^PACKETSIGHT_WEB_WORKERS=//p')
    SQLCMD="runuser -u postgres -- psql -XAtq -d packetsight"
    BINDS=()
fi
cat >>"$ETC/captured.conf" <<CONF
sensor = $SENSOR
capture = lo snaplen=512 filter=udp port $PORT
job-workers = 0
retention-packets-days = 0
retention-flows-days = 0
retention-traffic-days = 0
retention-alerts-days = 0
CONF
# The test target and the check that runs once everything is up.
mkdir -p "$OUT"
cat >"$R/etc/systemd/system/ps-test.target" <<'UNIT'
[Unit]
Description=PacketSight deployment test
Requires=ps-check.service
After=ps-check.service
# If the check cannot even start, stop the container instead of waiting.
OnFailure=poweroff.target
JobTimeoutSec=200
JobTimeoutAction=poweroff-force
UNIT
cat >"$R/etc/systemd/system/ps-check.service" <<'UNIT'
[Unit]
Description=PacketSight deployment test: checks
Wants=postgresql.service packetsight-migrate.service packetsight-captured.service packetsight-webapi.socket nginx.service
After=postgresql.service packetsight-migrate.service packetsight-captured.service packetsight-webapi.socket nginx.service
[Service]
Type=oneshot
ExecStart=/bin/bash /srv/ps-test/check.sh
StandardOutput=journal+console
# Whatever the outcome, power the container off (a plain poweroff: the
# emergency actions end in a halt that nspawn waits on).
ExecStopPost=/bin/systemctl --no-block poweroff
TimeoutStartSec=150
UNIT
cat >"$OUT/check.sh" <<CHECK
#!/bin/bash
# Runs inside the container as ps-check.service.
set -u
PORT=$PORT SENSOR=$SENSOR WORKERS=$WORKERS
sql() { $SQLCMD -c "\$1"; }
CHECK
cat >>"$OUT/check.sh" <<'CHECK'
R=/srv/ps-test/results.txt
: >"$R"
ok() { echo "ok - $*" >>"$R"; }
no() { echo "not ok - $*" >>"$R"; }
eq() { if [ "$2" = "$3" ]; then ok "$1"; else no "$1: got '$2', want '$3'"; fi; }
field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '\t ' ' '; }
prop() { systemctl show -P "$2" "$1"; }

eq "migrate: finished" "$(prop packetsight-migrate.service ActiveState)/$(prop packetsight-migrate.service Result)" "active/success"
journalctl -q -o cat -u packetsight-migrate.service | tail -3 | sed 's/^/# migrate: /' >>"$R"
eq "migrate: every table owned by packetsight_owner" \
    "$(sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner <> 'packetsight_owner'")" 0

# captured: Type=notify reached "running" only after READY=1.
eq "captured: active/running" "$(prop packetsight-captured.service ActiveState)/$(prop packetsight-captured.service SubState)" "active/running"
eq "captured: Type" "$(prop packetsight-captured.service Type)" notify
pid=$(prop packetsight-captured.service MainPID)
if [ "${pid:-0}" -gt 0 ]; then
    grep -E '^(Uid|Gid|Cap[A-Za-z]+|NoNewPrivs|Seccomp):' /proc/$pid/status | sed 's/^/# captured /' >>"$R"
    u=$(id -u packetsight)
    eq "captured: Uid" "$(field $pid Uid)" "$u $u $u $u"
    eq "captured: CapEff" "$(field $pid CapEff)" 0000000000002000
    eq "captured: CapPrm" "$(field $pid CapPrm)" 0000000000002000
    eq "captured: CapBnd" "$(field $pid CapBnd)" 0000000000002000
    eq "captured: CapAmb (cleared by the daemon)" "$(field $pid CapAmb)" 0000000000000000
    eq "captured: NoNewPrivs" "$(field $pid NoNewPrivs)" 1
    eq "captured: Seccomp filter" "$(field $pid Seccomp)" 2
fi
eq "captured: spool directory" "$(stat -c '%U %a' /var/lib/packetsight/spool 2>&1)" "packetsight 750"

n=0
for i in $(seq 50); do
    n=$(sql "SELECT count(*) FROM captures c JOIN sensors s ON s.id = c.sensor_id WHERE s.name = '$SENSOR' AND c.source = 'lo' AND c.status = 'running'")
    [ "$n" = 1 ] && break
    sleep 0.2
done
eq "captured: live capture on lo (CAP_NET_RAW works in the sandbox)" "$n" 1
eq "captured: interface list (pcap_findalldevs) in the sandbox" \
    "$(sql "SELECT string_agg(i.name, ',' ORDER BY i.name) FROM sensor_interfaces i JOIN sensors s ON s.id = i.sensor_id WHERE s.name = '$SENSOR' AND i.name = 'lo'")" lo
journalctl -q -o cat -u packetsight-captured.service | grep -qi 'warn\|error' &&
    no "captured logged warnings: $(journalctl -q -o cat -u packetsight-captured.service | grep -i 'warn\|error' | head -3)" ||
    ok "captured: no warning or error in its journal"
python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(25):
    s.sendto(b'nspawn %d' % i, ('127.0.0.1', $PORT)); time.sleep(0.01)
"
systemctl reload packetsight-captured.service
sleep 1
eq "captured: still running after reload (SIGHUP)" "$(prop packetsight-captured.service ActiveState)/$(prop packetsight-captured.service MainPID)" "active/$pid"
journalctl -q -o cat -u packetsight-captured.service | grep -q 'SIGHUP: configuration reloaded' &&
    ok "captured: reload re-read the configuration" || no "captured: no reload message"

# webapi: socket-activated, nothing runs before the first request.
eq "webapi socket: listening" "$(prop packetsight-webapi.socket ActiveState)" active
eq "webapi service: not started before the first request" "$(prop packetsight-webapi.service ActiveState)" inactive
eq "webapi socket: owner, group, mode" "$(stat -c '%U %G %a' /run/packetsight/webapi.sock)" "root www-data 660"
eq "nginx: running with the PacketSight site" "$(prop nginx.service ActiveState)" active
code=$(curl -s -o /srv/ps-test/health.json -D /srv/ps-test/health.h -w '%{http_code}' --max-time 20 http://127.0.0.1/api/health)
eq "GET /api/health through nginx -> socket -> webapi" "$code" 200
grep -q '"sensors":\[\],"sensor_count":[1-9]' /srv/ps-test/health.json &&
    ok "anonymous health counts the sensors without naming them" ||
    no "anonymous health: $(cat /srv/ps-test/health.json)"
# A viewer token made with the installed command line, as OPERATIONS.md shows.
webdb=$(sed -n 's/^PACKETSIGHT_WEB_DB=//p' /opt/packetsight/etc/packetsight/webapi.env 2>/dev/null)
tok=$(runuser -u packetsight-web -- /opt/packetsight/bin/webapi --db "${webdb:-dbname=packetsight user=packetsight_web}" \
    --create-token nspawn-check --role viewer --expires-days 1 2>>"$R")
curl -s -o /srv/ps-test/health-token.json --max-time 20 -H "Authorization: Bearer $tok" http://127.0.0.1/api/health
grep -q "\"$SENSOR\"" /srv/ps-test/health-token.json && ok "health with a viewer token lists the sensor $SENSOR" ||
    no "health with a token lacks $SENSOR: $(cat /srv/ps-test/health-token.json)"
grep -qi '^Content-Security-Policy:' /srv/ps-test/health.h && ok "CSP header on API answers" || no "no CSP header"
eq "webapi service: started by the request" "$(prop packetsight-webapi.service ActiveState)" active
wpid=$(prop packetsight-webapi.service MainPID)
workers=$(pgrep -P "$wpid" -x webapi | tr '\n' ' ')
eq "webapi: $WORKERS workers under webapi-prefork" "$(echo $workers | wc -w)" "$WORKERS"
for p in $wpid $workers; do
    w=$(id -u packetsight-web)
    eq "webapi pid $p ($(cat /proc/$p/comm)): Uid" "$(field $p Uid)" "$w $w $w $w"
    eq "webapi pid $p: CapEff" "$(field $p CapEff)" 0000000000000000
    eq "webapi pid $p: CapBnd" "$(field $p CapBnd)" 0000000000000000
    eq "webapi pid $p: NoNewPrivs" "$(field $p NoNewPrivs)" 1
    eq "webapi pid $p: Seccomp filter" "$(field $p Seccomp)" 2
done
code=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/)
eq "GET / (dashboard from the install tree)" "$code" 200

for u in packetsight-captured.service packetsight-webapi.service packetsight-migrate.service; do
    systemd-analyze security --no-pager "$u" 2>&1 | tail -1 | sed 's/^/# online: /' >>"$R"
done

# The documented drop-in for a local database: no network at all for webapi.
mkdir -p /etc/systemd/system/packetsight-webapi.service.d
cp /opt/packetsight/share/doc/packetsight/webapi-local-db-only.conf /etc/systemd/system/packetsight-webapi.service.d/
systemctl daemon-reload
systemctl restart packetsight-webapi.service
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 http://127.0.0.1/api/health)
eq "webapi with the local-db-only drop-in (PrivateNetwork=yes) answers" "$code" 200
wp=$(prop packetsight-webapi.service MainPID)
[ "$(readlink /proc/$wp/ns/net)" != "$(readlink /proc/1/ns/net)" ] &&
    ok "webapi runs in its own network namespace" || no "webapi shares the network namespace"
systemd-analyze security --no-pager packetsight-webapi.service 2>&1 | tail -1 | sed 's/^/# online, local-db-only drop-in: /' >>"$R"


# An extra sensor host does not migrate: the units only want the migration,
# so masking it leaves captured startable.
systemctl mask --now packetsight-migrate.service >/dev/null 2>&1
systemctl restart packetsight-captured.service
eq "captured restarts with packetsight-migrate masked" "$(prop packetsight-captured.service ActiveState)" active
pid=$(prop packetsight-captured.service MainPID)
udp_send() { python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(25):
    s.sendto(b'nspawn %d' % i, ('127.0.0.1', $PORT)); time.sleep(0.01)
"; }
for i in $(seq 50); do
    [ "$(sql "SELECT count(*) FROM captures c JOIN sensors s ON s.id = c.sensor_id WHERE s.name = '$SENSOR' AND c.status = 'running'")" = 1 ] && break
    sleep 0.2
done
udp_send
sleep 1

# Stop: the capture is closed with its packets.
systemctl stop packetsight-captured.service
eq "captured: stopped cleanly" "$(prop packetsight-captured.service Result)" success
eq "captured: capture closed with the 25 datagrams" \
    "$(sql "SELECT c.status || ' ' || (c.packets >= 25)::text FROM captures c JOIN sensors s ON s.id = c.sensor_id WHERE s.name = '$SENSOR' ORDER BY c.id DESC LIMIT 1")" "done true"
journalctl -q -o short-monotonic -u packetsight-captured.service -u packetsight-webapi.service | tail -12 | sed 's/^/# journal: /' >>"$R"
echo END >>"$R"
CHECK

# --- boot it ---------------------------------------------------------------------------
set +e
NSPAWN_TIMEOUT=240 nspawn "$R" --bind-ro=/usr --bind="$DEST$PFX:$PFX" "${BINDS[@]}" \
    --bind="$OUT:/srv/ps-test" --machine="ps-test-$ID" -b systemd.unit=ps-test.target \
    >"$S/console.log" 2>&1
rc=$?
set -e
echo "container exited with $rc"
if [ ! -s "$OUT/results.txt" ]; then
    not_ok "the check never ran; console:"
    tail -40 "$S/console.log"
    finish
    exit
fi
while IFS= read -r line; do
    case $line in
    "ok - "*) ok "${line#ok - }" ;;
    "not ok - "*) not_ok "${line#not ok - }" ;;
    END) ;;
    *) echo "$line" ;;
    esac
done <"$OUT/results.txt"
check "the check script ran to its end" grep -qx END "$OUT/results.txt"
if [ $T_FAILED -gt 0 ]; then
    echo "--- console (last 40 lines)"
    tail -40 "$S/console.log"
fi
finish
