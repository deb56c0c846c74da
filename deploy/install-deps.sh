#!/bin/bash
# install-deps.sh - install the Debian 12 packages PacketSight builds, tests
# and runs with. Idempotent: asks dpkg what is present and only calls apt-get
# when something is missing. Run as root, or as a user who may sudo.
set -euo pipefail

PACKAGES=(
    build-essential cmake pkg-config git
    libpcap-dev libpq-dev libfcgi-dev libjansson-dev libssl-dev libcap-dev libcrypt-dev
    libmaxminddb-dev tor-geoipdb
    postgresql-15 postgresql-client-15
    nginx spawn-fcgi
    tshark softflowd
    python3 curl clang time
    nodejs chromium
    iproute2 libcap2-bin procps
    # deployment tests (tests/deploy): systemd-analyze and systemd-sysusers,
    # systemd-nspawn for booting the units, docker-compose for validating
    # docker-compose.yml, dpkg-dev for cpack's dpkg-shlibdeps, ping
    systemd systemd-container docker-compose python3-yaml dpkg-dev util-linux iputils-ping
)

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        exec sudo -- "$0" "$@"
    fi
    echo "install-deps: must run as root (and sudo is not installed)" >&2
    exit 1
fi

is_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "all dependencies present"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# tshark pulls in wireshark-common, which would otherwise ask whether
# non-root users may capture (a setuid dumpcap). We never want that.
echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections

echo "installing: ${missing[*]}"
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

still=()
for pkg in "${missing[@]}"; do
    is_installed "$pkg" || still+=("$pkg")
done
if [ ${#still[@]} -ne 0 ]; then
    echo "install-deps: still missing after apt-get: ${still[*]}" >&2
    exit 1
fi
echo "installed: ${missing[*]}"
