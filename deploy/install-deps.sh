#!/usr/bin/env bash
# Installs every Debian 12 package sluice's build, tests, demo and benchmarks need.
# Idempotent and quiet on success; says what failed otherwise. Run as root.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config g++
  libdpdk-dev dpdk node-llhttp libssl-dev libtomlplusplus-dev googletest libgtest-dev
  libnuma-dev libpcap-dev libbsd-dev
  # tests: real peers and tools
  curl wrk nginx-light openssl iproute2 iputils-ping ethtool nftables netcat-openbsd procps psmisc
  hping3 python3 testssl.sh
  # benchmarks
  gnuplot-nox valgrind
  dpdk-dev  # dpdk-testpmd: bench/run measures the packet-rate limit with it
)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root (e.g. sudo $0)" >&2
  exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

log=$(mktemp)
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -qq >"$log" 2>&1 || ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
  echo "install-deps: failed to install: ${missing[*]}" >&2
  tail -n 30 "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
# nginx-light's package starts a service on :80; sluice's tests run their own nginx instances.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
  systemctl stop nginx >/dev/null 2>&1 || true
  systemctl disable nginx >/dev/null 2>&1 || true
fi
pkill -x nginx 2>/dev/null || true
exit 0
