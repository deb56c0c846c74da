#!/bin/bash
# test_compose.sh - docker-compose.yml and deploy/docker/Dockerfile, as far
# as a machine without a Docker engine can check them: `docker-compose
# config` validates the file (and refuses to run without the passwords);
# the services have the settings the deployment promises (captured on the
# host network with only NET_RAW, health checks, start order, named
# volumes, no capabilities elsewhere); every build target exists in the
# Dockerfile and runs as a non-root USER; every file the runtime stages copy
# out of the build stage is produced by `cmake --install --prefix /usr`.
# Building and running the images needs a Docker engine: not done here.
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib.sh"

if command -v docker-compose >/dev/null 2>&1; then
    COMPOSE=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
    COMPOSE=(docker compose)
else
    skip "neither docker-compose nor the docker compose plugin is installed (deploy/install-deps.sh)"
fi
need_cmd python3 cmake
make_scratch
FILE=$REPO/docker-compose.yml
DOCKERFILE=$REPO/deploy/docker/Dockerfile
echo "using: ${COMPOSE[*]} ($("${COMPOSE[@]}" version --short 2>/dev/null || true))"

export PACKETSIGHT_PG_PASSWORD=pg-test PACKETSIGHT_WRITER_PASSWORD=w-test PACKETSIGHT_WEB_PASSWORD=web-test
# --project-directory: the file's own directory, whatever the cwd.
if "${COMPOSE[@]}" -f "$FILE" --project-directory "$REPO" config >"$S/config.yml" 2>"$S/config.err"; then
    ok "${COMPOSE[*]} config validates docker-compose.yml"
else
    not_ok "${COMPOSE[*]} config: $(cat "$S/config.err")"
    finish
    exit
fi
if env -u PACKETSIGHT_PG_PASSWORD "${COMPOSE[@]}" -f "$FILE" --project-directory "$REPO" config -q >/dev/null 2>"$S/nopw.err"; then
    not_ok "config without PACKETSIGHT_PG_PASSWORD should fail"
else
    check "config without the passwords fails and says which" grep -q PACKETSIGHT_PG_PASSWORD "$S/nopw.err"
fi

python3 - "$S/config.yml" "$DOCKERFILE" "$REPO/deploy/postgresql/packetsight-sensor.conf" \
    >"$S/checks.txt" <<'PY' || true
import re, sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
dockerfile = open(sys.argv[2]).read()
svc = cfg["services"]
def out(ok, what):
    print(("ok" if ok else "not ok") + " - " + what)
out(set(svc) == {"postgres", "migrate", "captured", "webapi", "nginx"}, "services: %s" % sorted(svc))
c = svc["captured"]
out(c.get("network_mode") == "host", "captured: network_mode host")
out(c.get("cap_drop") == ["ALL"], "captured: cap_drop [ALL]")
out(c.get("cap_add") == ["NET_RAW"], "captured: cap_add [NET_RAW] only")
for name in ("migrate", "webapi", "nginx"):
    s = svc[name]
    out(s.get("cap_drop") == ["ALL"] and not s.get("cap_add"), "%s: no capabilities" % name)
    out("no-new-privileges:true" in (s.get("security_opt") or []), "%s: no-new-privileges" % name)
for name in ("captured", "webapi", "nginx", "migrate"):
    out(svc[name].get("read_only") is True, "%s: read-only root file system" % name)
for name in ("postgres", "captured", "webapi", "nginx"):
    hc = svc[name].get("healthcheck") or {}
    out(bool(hc.get("test")), "%s: health check" % name)
dep = lambda a, b: (svc[a].get("depends_on") or {}).get(b, {}).get("condition")
out(dep("migrate", "postgres") == "service_healthy", "migrate waits for a healthy postgres")
out(dep("captured", "migrate") == "service_completed_successfully", "captured starts after migrate succeeded")
out(dep("webapi", "migrate") == "service_completed_successfully", "webapi starts after migrate succeeded")
out(dep("nginx", "webapi") == "service_healthy", "nginx waits for a healthy webapi")
out(svc["migrate"].get("restart") in ("no", None), "migrate is one-shot")
vols = set(cfg.get("volumes") or {})
out({"pgdata", "spool", "webapi-socket"} <= vols, "named volumes: %s" % sorted(vols))
def uses(name, vol):
    for v in svc[name].get("volumes") or []:
        src = v.get("source") if isinstance(v, dict) else v.split(":")[0]
        if src == vol:
            return True
    return False
out(uses("postgres", "pgdata"), "postgres data on the pgdata volume")
out(uses("webapi", "webapi-socket") and uses("nginx", "webapi-socket"), "webapi and nginx share the socket volume")
for p in svc["postgres"].get("ports") or []:
    ip = p.get("host_ip") if isinstance(p, dict) else p.split(":")[0]
    out(ip == "127.0.0.1", "postgres published on loopback only (%s)" % ip)
# Dockerfile: each target exists, is built from Debian 12, and runs as non-root.
stages = {}
cur = None
for line in dockerfile.splitlines():
    m = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, re.I)
    if m:
        cur = m.group(2)
        stages[cur] = {"from": m.group(1), "user": None}
    m = re.match(r"USER\s+(\S+)", line)
    if m and cur:
        stages[cur]["user"] = m.group(1)
out(re.search(r"ARG DEBIAN_IMAGE=debian:12", dockerfile) is not None, "images are based on Debian 12")
for name in ("migrate", "captured", "webapi", "nginx"):
    target = svc[name]["build"].get("target")
    st = stages.get(target)
    out(st is not None, "%s: build target %s exists in the Dockerfile" % (name, target))
    if st:
        out(st["user"] not in (None, "root", "0"), "%s: runs as non-root USER %s" % (name, st["user"]))
out(svc["postgres"]["image"].startswith("postgres:15"), "postgres image is PostgreSQL 15")
# The sensor settings of deploy/postgresql/packetsight-sensor.conf.
cmd = svc["postgres"].get("command") or []
cmd = cmd.split() if isinstance(cmd, str) else cmd
given = {cmd[i + 1].split("=")[0]: cmd[i + 1].split("=", 1)[1]
         for i in range(len(cmd) - 1) if cmd[i] == "-c" and "=" in cmd[i + 1]}
sensor = {}
for line in open(sys.argv[3]):
    m = re.match(r"\s*(\w+)\s*=\s*(\S+)", line)
    if m:
        sensor[m.group(1)] = m.group(2)
for key in ("shared_buffers", "max_wal_size", "checkpoint_timeout", "wal_compression"):
    out(key in given and (key == "shared_buffers" or given[key] == sensor.get(key)),
        "postgres: %s as the sensor settings (%s)" % (key, given.get(key)))
PY
while read -r line; do
    case $line in "ok - "*) ok "${line#ok - }" ;; *) not_ok "${line#not ok - }" ;; esac
done <"$S/checks.txt"
[ -s "$S/checks.txt" ] || not_ok "compose checks produced no result"

# Files the runtime stages copy from the build stage (/stage = DESTDIR of
# `cmake --install --prefix /usr`) and from the context.
if DESTDIR=$S/stage cmake --install "$BUILD" --prefix /usr >"$S/install.log" 2>&1; then
    ok "DESTDIR install with prefix /usr (as in the build stage)"
    while read -r src; do
        check "Dockerfile COPY --from=build $src exists" test -e "$S/stage${src#/stage}"
    done < <(sed -n 's/^COPY --from=build \(\/stage[^ ]*\) .*/\1/p' "$DOCKERFILE")
    check "stage: units point to /usr/sbin/captured" \
        grep -q '^ExecStart=/usr/sbin/captured -c /etc/packetsight/captured.conf$' \
        "$S/stage/usr/lib/systemd/system/packetsight-captured.service"
else
    not_ok "DESTDIR install: $(tail -5 "$S/install.log")"
fi
while read -r src; do
    check "Dockerfile COPY $src exists in the context" test -e "$REPO/$src"
done < <(grep -E '^COPY ' "$DOCKERFILE" | grep -v -- '--from=' | awk '{print $2}' | grep -v '^\.$')
# The nginx image's configuration: its nginx.conf with the site as the
# Dockerfile edits it (port 8080), paths moved into the scratch directory.
if command -v nginx >/dev/null && [ -f "$S/stage/usr/share/packetsight/nginx/packetsight.conf" ]; then
    mkdir -p "$S/ng/lib" "$S/ng/run"
    sed -e 's/listen 80;/listen 8080;/' -e 's/listen \[::\]:80;/listen [::]:8080;/' \
        "$S/stage/usr/share/packetsight/nginx/packetsight.conf" >"$S/ng/site.conf"
    check "Dockerfile moves the site to port 8080 (the sed this test repeats)" \
        grep -q "s/listen 80;/listen 8080;/" "$DOCKERFILE"
    sed -e "s|include /etc/nginx/sites-enabled/\*;|include $S/ng/site.conf;|" -e "s|/run/nginx|$S/ng/run|" \
        -e "s|/var/lib/nginx|$S/ng/lib|g" -e "s|/dev/stderr|$S/ng/error.log|" -e "s|/dev/stdout|$S/ng/access.log|" \
        "$REPO/deploy/docker/nginx.conf" >"$S/ng/nginx.conf"
    if out=$(nginx -t -p "$S/ng" -c "$S/ng/nginx.conf" -e "$S/ng/error.log" 2>&1); then
        ok "nginx -t: the nginx image's nginx.conf with the site on 8080"
    else
        not_ok "nginx -t (docker nginx.conf): $out"
    fi
    check "the image's site listens on 8080" grep -q "listen 8080;" "$S/ng/site.conf"
fi
check "a dockerignore keeps build trees and var/ out of the context" \
    grep -qx 'build' "$REPO/deploy/docker/Dockerfile.dockerignore"

echo "(no Docker engine here: the images were not built and the stack was not started)"
finish
