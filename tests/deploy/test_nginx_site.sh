#!/bin/bash
# test_nginx_site.sh - the production nginx site (deploy/nginx/packetsight.conf.in
# as installed): `nginx -t` on a wrapper configuration in a scratch directory
# that includes it (the system's /etc/nginx is only read, for mime.types and
# fastcgi_params); then a private nginx on 127.0.0.1 serving it: security
# headers, cache headers, gzip, dot files, and 429 + JSON once the upload
# and capture-control rate limits are exceeded. With the dev stack's
# database (PACKETSIGHT_WEB_DB), the API goes to a real webapi behind the
# installed webapi-prefork, started with the socket on fd 0 as systemd does.
# Also checks the dashboard for anything the CSP would block: statically,
# and, where chromium is installed, by loading every page of the dashboard
# through this site in headless Chromium and collecting CSP violations
# (with a deliberately violating page as a control that they are seen).
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib.sh"

need_cmd cmake nginx curl python3
make_scratch
P=$S/prefix
install_tree "$P" || { not_ok "cmake --install --prefix $P"; finish; exit; }
SITE=$P/share/packetsight/nginx/packetsight.conf
NG=$S/nginx
mkdir -p "$NG/tmp" "$NG/logs"

wrapper() { # wrapper SITE_FILE
    cat <<CONF
worker_processes 1;
pid $NG/nginx.pid;
error_log $NG/logs/error.log warn;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $NG/logs/access.log;
    client_body_temp_path $NG/tmp/body;
    fastcgi_temp_path $NG/tmp/fastcgi;
    proxy_temp_path $NG/tmp/proxy;
    uwsgi_temp_path $NG/tmp/uwsgi;
    scgi_temp_path $NG/tmp/scgi;
    include $1;
}
CONF
}

# --- nginx -t on the site exactly as installed ---------------------------------------
wrapper "$SITE" >"$NG/test.conf"
if out=$(nginx -t -p "$NG" -c "$NG/test.conf" -e "$NG/logs/error.log" 2>&1); then
    ok "nginx -t (installed site, via wrapper $NG/test.conf)"
else
    not_ok "nginx -t: $out"
fi
check "gzip covers JSON" grep -q "gzip_types application/json" "$SITE"
check "site passes /api/ to the FastCGI socket" grep -q "server unix:/run/packetsight/webapi.sock;" "$SITE"

# --- the dashboard against the CSP, statically ----------------------------------------
WWW=$P/share/packetsight/www
csp_problems=$(python3 - "$WWW" <<'PY'
import os, re, sys
root = sys.argv[1]
bad = []
for d, _, files in os.walk(root):
    for f in files:
        p = os.path.join(d, f)
        rel = os.path.relpath(p, root)
        text = open(p, encoding="utf-8", errors="replace").read()
        if f.endswith(".html"):
            for m in re.finditer(r"<script\b([^>]*)>(.*?)</script>", text, re.S | re.I):
                if "src=" not in m.group(1) or m.group(2).strip():
                    bad.append("%s: inline <script>" % rel)
            if re.search(r"<style\b", text, re.I):
                bad.append("%s: inline <style>" % rel)
            if re.search(r"\sstyle\s*=", text, re.I):
                bad.append("%s: style= attribute" % rel)
            if re.search(r"\son[a-z]+\s*=", text, re.I):
                bad.append("%s: inline event handler" % rel)
            for u in re.findall(r"(?:src|href)\s*=\s*[\"']([^\"']+)", text, re.I):
                if re.match(r"(?i)(https?:)?//|javascript:", u):
                    bad.append("%s: external or javascript: URL %s" % (rel, u))
        if f.endswith(".js"):
            for pat, what in [(r"\beval\s*\(", "eval()"), (r"new\s+Function\s*\(", "new Function()"),
                              (r"setAttribute\(\s*[\"']style", "style attribute set from script"),
                              (r"setAttribute\(\s*[\"']on", "event handler attribute"),
                              (r"(?:innerHTML|outerHTML|insertAdjacentHTML)[^;]*style\s*=", "style= in HTML string"),
                              (r"[\"'`](?:https?:)?//(?!www\.w3\.org/)[a-z0-9.-]+\.[a-z]{2,}", "absolute URL to another host"),
                              (r"set(?:Timeout|Interval)\s*\(\s*[\"'`]", "string passed to setTimeout/setInterval")]:
                if re.search(pat, text):
                    bad.append("%s: %s" % (rel, what))
        if f.endswith(".css"):
            if re.search(r"@import|url\(\s*[\"']?(?:https?:)?//", text, re.I):
                bad.append("%s: remote stylesheet or resource" % rel)
print("\n".join(bad))
PY
)
if [ -z "$csp_problems" ]; then
    ok "dashboard has no inline script/style, handler, eval or external URL (CSP-clean)"
else
    not_ok "dashboard content the CSP would block: $csp_problems"
fi

# --- a private nginx with the site ------------------------------------------------------
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SOCK=$S/webapi.sock
sed -e "s|^\( *\)listen 80;|\1listen 127.0.0.1:$PORT;|" -e '/listen \[::\]:80;/d' \
    -e "s|unix:/run/packetsight/webapi.sock|unix:$SOCK|" "$SITE" >"$NG/site.conf"
wrapper "$NG/site.conf" >"$NG/nginx.conf"
check "rendered test site listens on 127.0.0.1:$PORT only" \
    test "$(grep -c '^ *listen ' "$NG/site.conf")" = 1

WEBAPI=0
if [ -n "${PACKETSIGHT_WEB_DB:-}" ]; then
    install -m 0600 -o nobody /dev/null "$S/webapi.log"
    (cd / && PACKETSIGHT_WEB_WORKERS=2 exec setsid python3 "$HERE/fd0_socket.py" "$SOCK" 0666 -- \
        setpriv --reuid=nobody --regid=nogroup --clear-groups \
        "$P/libexec/packetsight/webapi-prefork" --log "$S/webapi.log") </dev/null >"$S/prefork.log" 2>&1 &
    PREFORK=$!
    at_exit "kill -TERM $PREFORK 2>/dev/null; sleep 0.3"
    WEBAPI=1
fi
nginx -p "$NG" -c "$NG/nginx.conf" -e "$NG/logs/error.log" -g 'daemon off;' </dev/null >>"$NG/logs/stderr.log" 2>&1 &
NGINX_PID=$!
at_exit "kill -QUIT $NGINX_PID 2>/dev/null; sleep 0.3"
BASE=http://127.0.0.1:$PORT
for _ in $(seq 50); do
    curl -s -o /dev/null --noproxy '*' "$BASE/" && break
    sleep 0.1
done

H=$S/h.txt
get() { curl -s --noproxy '*' --max-time 10 -D "$H" -o "$S/body" -w '%{http_code}' "$@"; }
header() { tr -d '\r' <"$H" | sed -n "s/^$1: //Ip" | head -1; }

equal "GET / status" "$(get "$BASE/")" 200
check "GET / is the dashboard" grep -q "<title>PacketSight</title>" "$S/body"
csp=$(header Content-Security-Policy)
for d in "default-src 'self'" "script-src 'self'" "style-src 'self'" "connect-src 'self'" \
    "object-src 'none'" "frame-ancestors 'none'" "base-uri 'none'"; do
    case $csp in *"$d"*) ok "CSP has $d" ;; *) not_ok "CSP lacks $d: $csp" ;; esac
done
case $csp in *unsafe-inline* | *unsafe-eval* | *"*"*) not_ok "CSP allows unsafe-* or wildcards: $csp" ;; *) ok "CSP has no unsafe-inline/unsafe-eval/wildcard" ;; esac
equal "X-Content-Type-Options" "$(header X-Content-Type-Options)" nosniff
equal "Referrer-Policy" "$(header Referrer-Policy)" no-referrer
equal "index revalidated (Cache-Control)" "$(header Cache-Control)" no-cache
check "no nginx version in Server header" test "$(header Server)" = nginx

equal "GET /js/app.js status" "$(get -H 'Accept-Encoding: gzip' "$BASE/js/app.js")" 200
equal "app.js cached for an hour" "$(header Cache-Control)" max-age=3600
equal "app.js gzip" "$(header Content-Encoding)" gzip
check "app.js has the CSP too" test -n "$(header Content-Security-Policy)"
equal "dot files are not served" "$(get "$BASE/.git/config")" 404
equal "404 carries the security headers" "$(header X-Content-Type-Options)" nosniff

# Rate limits: burst + 1 requests in a row must end in 429 with JSON.
limit_test() { # limit_test NAME PATH TRIES
    local name=$1 path=$2 tries=$3 i code n429=0 first429=0
    for ((i = 1; i <= tries; i++)); do
        code=$(curl -s --noproxy '*' --max-time 10 -D "$H" -o "$S/body" -w '%{http_code}' \
            -X POST -H 'Content-Type: application/json' --data '{}' "$BASE$path")
        if [ "$code" = 429 ]; then
            n429=$((n429 + 1))
            [ $first429 -eq 0 ] && first429=$i && cp "$S/body" "$S/body429" && cp "$H" "$S/h429"
        fi
    done
    if [ $n429 -gt 0 ]; then
        ok "$name: 429 after $((first429 - 1)) requests"
    else
        not_ok "$name: no 429 in $tries requests"
        return
    fi
    cp "$S/h429" "$H"
    case $(header Content-Type) in application/json*) ok "$name: 429 is JSON" ;; *) not_ok "$name: 429 Content-Type $(header Content-Type)" ;; esac
    check "$name: 429 body is the API error format" python3 -c \
        'import json,sys; d=json.load(open(sys.argv[1])); assert d["error"] and d["detail"]' "$S/body429"
    equal "$name: 429 has Retry-After" "$(header Retry-After)" 60
    equal "$name: 429 keeps nosniff" "$(header X-Content-Type-Options)" nosniff
}
limit_test "capture control" /api/start-capture 14
limit_test "uploads" /api/validate-pcap 8
limit_test "logins" /api/login 8
equal "a body over 1 MiB outside uploads is refused" \
    "$(head -c 1100000 /dev/zero | curl -s --noproxy '*' -o /dev/null -w '%{http_code}' -X POST --data-binary @- "$BASE/api/jobs")" 413

# --- the dashboard in a real browser, under the site's CSP header ------------------------
if command -v chromium >/dev/null 2>&1; then
    cat >"$WWW/csp-control.html" <<'HTML'
<!doctype html><html><head><title>control</title></head>
<body><p style="color: red">inline style</p><script>document.title = "ran";</script></body></html>
HTML
    browse() { # browse URL -> CSP messages on stdout
        timeout 60 chromium --headless=new --no-sandbox --disable-gpu --no-first-run \
            --user-data-dir="$S/chrome" --enable-logging=stderr --v=0 --virtual-time-budget=4000 \
            --dump-dom "$1" 2>&1 >/dev/null | grep -i 'Content Security Policy' | sed 's/^.*CONSOLE[^"]*//' || true
    }
    control=$(browse "$BASE/csp-control.html")
    case $control in
    *"script-src"*) ok "browser reports CSP violations (control page: inline script refused)" ;;
    *) not_ok "control page produced no CSP violation report; the browser check is blind" ;;
    esac
    rm -f "$WWW/csp-control.html"
    for page in "" "#/dashboard" "#/analytics" "#/flows" "#/hosts" "#/packets" "#/upload"; do
        v=$(browse "$BASE/$page")
        if [ -z "$v" ]; then
            ok "chromium: /$page loads without CSP violations"
        else
            not_ok "chromium: /$page violates the CSP: $(echo "$v" | head -3)"
        fi
    done
else
    echo "(chromium not installed: dashboard not loaded in a browser)"
fi

if [ $WEBAPI -eq 1 ]; then
    equal "GET /api/health through nginx and webapi-prefork" "$(get "$BASE/api/health")" 200
    check "health answer is JSON with status" grep -q '"status"' "$S/body"
    equal "API answers carry exactly one nosniff" "$(tr -d '\r' <"$H" | grep -ci '^X-Content-Type-Options:')" 1
    check "API answers carry the CSP" test -n "$(header Content-Security-Policy)"
    # Routed to webapi: its answers are JSON, also for paths it does not know.
    code=$(get "$BASE/capture-status")
    case $code:$(header Content-Type) in
    401:application/json*) ok "/capture-status goes to webapi ($code without credentials, JSON)" ;;
    *) not_ok "/capture-status: $code $(header Content-Type)" ;;
    esac
    equal "GET /api/captures without credentials" "$(get "$BASE/api/captures?limit=1")" 401
    tok=$("$P/bin/webapi" --db "$PACKETSIGHT_WEB_DB" --create-token "nginx-site-$$" --role viewer --expires-days 1 || true)
    code=$(get -H 'Accept-Encoding: gzip' -H "Authorization: Bearer $tok" "$BASE/api/captures?limit=200")
    len=$(stat -c %s "$S/body")
    if [ "$code" != 200 ]; then
        not_ok "GET /api/captures with a viewer token answered $code"
    elif [ "$(header Content-Encoding)" = gzip ]; then
        ok "JSON is gzipped ($len bytes on the wire)"
    elif [ "$len" -lt 1024 ]; then
        ok "JSON under gzip_min_length (1024) is sent plain ($len bytes)"
    else
        not_ok "JSON of $len bytes not gzipped"
    fi
    n=$(ps -o comm= --ppid "$PREFORK" | grep -c '^webapi$' || true)
    equal "webapi-prefork runs 2 workers on the inherited socket" "$n" 2
else
    echo "(PACKETSIGHT_WEB_DB unset: API answers through webapi not checked)"
fi

finish
