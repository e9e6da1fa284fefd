#!/usr/bin/env bash
# Installs what is needed, builds sluice, and serves a demo site through the userspace TCP/IP stack:
#   netns sluice-demo-srv: sluice on DPDK net_af_packet over veth "sdemo-s", address 198.18.0.2
#   netns sluice-demo-cli: Linux, veth "sdemo-c", address 198.18.0.1
# It prints the command that reaches the site and serves until Ctrl-C, then removes the namespaces.
# --check: fetch the site once, print the result and stop (what the tests run).
set -euo pipefail
cd "$(dirname "$0")/.."
check_only=0
[ "${1:-}" = "--check" ] && check_only=1

./deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target sluice >/dev/null

SRV=sluice-demo-srv CLI=sluice-demo-cli
demo=$(pwd)/build/demo
cleanup() {
  [ -n "${pid:-}" ] && kill -QUIT "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  ip netns del "$SRV" 2>/dev/null || true
  ip netns del "$CLI" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 0' INT TERM
cleanup

ip netns add "$SRV"
ip netns add "$CLI"
ip link add sdemo-s netns "$SRV" type veth peer name sdemo-c netns "$CLI"
for ns_dev in "$SRV sdemo-s" "$CLI sdemo-c"; do
  set -- $ns_dev
  # Both sides must see MTU-sized frames with real checksums.
  ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
  ip netns exec "$1" ip link set "$2" up
  ip netns exec "$1" ip link set lo up
done
ip netns exec "$CLI" ip addr add 198.18.0.1/24 dev sdemo-c

rm -rf "$demo" && mkdir -p "$demo/www/docs" "$demo/logs" "$demo/run"
cat > "$demo/www/index.html" <<'HTML'
<!doctype html>
<html><head><meta charset="utf-8"><title>sluice demo</title></head>
<body>
<h1>Served by sluice through its own TCP/IP stack</h1>
<p>This page crossed a veth pair into a network namespace where no Linux TCP was involved on the
server side: DPDK's net_af_packet hands frames to sluice's userspace Ethernet, ARP, IPv4 and TCP.</p>
<p><a href="/docs/">docs</a></p>
</body></html>
HTML
echo "sluice demo file" > "$demo/www/docs/index.html"
head -c 1048576 /dev/urandom > "$demo/www/docs/1m.bin"
cat > "$demo/sluice.toml" <<TOML
[process]
workers = 1
pid_file = "run/sluice.pid"
error_log = "logs/error.log"

[network]
backend = "dpdk"

[dpdk]
eal_args = ["--no-huge", "--no-shconf", "--no-pci", "-m", "512", "--vdev=net_af_packet0,iface=sdemo-s", "--log-level=warning", "--no-telemetry"]
address = "198.18.0.2/24"
gateway = "198.18.0.1"
idle_sleep_us = 50

[[server]]
listen = ["198.18.0.2:80"]
server_name = ["demo.test"]
access_log = "logs/access.log"

  [[server.location]]
  path = "/"
  root = "www"
  index = ["index.html"]
TOML

build/sluice -t -c "$demo/sluice.toml"
ip netns exec "$SRV" build/sluice -c "$demo/sluice.toml" &
pid=$!
for _ in $(seq 100); do
  ip netns exec "$CLI" curl -s -o /dev/null --max-time 1 http://198.18.0.2/ && break
  kill -0 "$pid" 2>/dev/null || { echo "sluice exited; see $demo/logs/error.log" >&2; cat "$demo/logs/error.log" >&2; exit 1; }
  sleep 0.2
done
echo
echo "== ping through the userspace stack"
ip netns exec "$CLI" ping -c 2 -W 1 198.18.0.2 | tail -n 2
echo "== curl through the userspace stack"
ip netns exec "$CLI" curl -sS -i --max-time 5 http://198.18.0.2/
echo
if [ "$check_only" = 1 ]; then
  exit 0
fi
echo "sluice is serving the demo site (logs in $demo/logs). Reach it with:"
echo "    sudo ip netns exec $CLI curl http://198.18.0.2/"
echo "Stop with Ctrl-C."
wait "$pid"
