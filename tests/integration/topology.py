"""Network namespaces for end-to-end tests of the userspace stack.

  server netns: runs sluice on a DPDK virtual PMD (net_af_packet on a veth end, or net_tap)
  client netns: Linux with 198.18.0.1/24, the real peer (curl, wrk, ping)

Addresses are from 198.18.0.0/15 and exist only inside namespaces created and deleted here.
"""
import os
import subprocess

from harness import run

SERVER_IP = "198.18.0.2"
CLIENT_IP = "198.18.0.1"


def _ethtool_plain(ns, dev):
    # Both ends must see MTU-sized frames carrying real checksums (no TSO/GSO/GRO, no offload).
    run(["ip", "netns", "exec", ns, "ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off",
         "tx", "off", "rx", "off"], check=False)


class Topology:
    def __init__(self, tag, pmd="af_packet", queues=1):
        assert pmd in ("af_packet", "tap")
        self.tag = tag
        self.pmd = pmd
        self.queues = queues
        self.srv = f"sl{tag}-s"
        self.cli = f"sl{tag}-c"
        self.srv_dev = f"sl{tag}s"
        self.cli_dev = f"sl{tag}c"
        self.delete()
        run(["ip", "netns", "add", self.srv])
        run(["ip", "netns", "add", self.cli])
        for ns in (self.srv, self.cli):
            run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"])
        if pmd == "af_packet":
            run(["ip", "link", "add", self.srv_dev, "netns", self.srv, "type", "veth",
                 "peer", "name", self.cli_dev, "netns", self.cli])
            _ethtool_plain(self.srv, self.srv_dev)
            run(["ip", "netns", "exec", self.srv, "ip", "link", "set", self.srv_dev, "up"])
            self._client_addr()

    def _client_addr(self):
        _ethtool_plain(self.cli, self.cli_dev)
        run(["ip", "netns", "exec", self.cli, "ip", "addr", "add", CLIENT_IP + "/24", "dev", self.cli_dev])
        run(["ip", "netns", "exec", self.cli, "ip", "link", "set", self.cli_dev, "up"])

    def vdev(self):
        if self.pmd == "af_packet":
            return f"--vdev=net_af_packet0,iface={self.srv_dev},qpairs={self.queues}"
        return f"--vdev=net_tap0,iface={self.cli_dev}"

    def after_start(self):
        """net_tap creates its kernel device in the server netns: move it to the client side."""
        if self.pmd != "tap":
            return
        run(["ip", "netns", "exec", self.srv, "ip", "link", "set", self.cli_dev, "netns", self.cli])
        self._client_addr()

    def client(self, cmd, timeout=60, check=True):
        if isinstance(cmd, str):
            cmd = ["bash", "-c", cmd]
        return run(["ip", "netns", "exec", self.cli] + cmd, timeout=timeout, check=check)

    def client_popen(self, cmd, **kw):
        return subprocess.Popen(["ip", "netns", "exec", self.cli] + cmd, **kw)

    def delete(self):
        for ns in (f"sl{self.tag}-s", f"sl{self.tag}-c"):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def dpdk_conf(topo, root, workers=1, port=80, extra=""):
    eal = ["--no-huge", "--no-shconf", "--no-pci", "-m", str(256 + 256 * workers), topo.vdev(),
           "--log-level=warning", "--no-telemetry"]
    eal_toml = ", ".join(f'"{a}"' for a in eal)
    return f"""
[process]
workers = {workers}
pid_file = "run/sluice.pid"
error_log = "logs/error.log"
error_log_level = "info"
shutdown_timeout = "5s"

[network]
backend = "dpdk"

[dpdk]
eal_args = [{eal_toml}]
address = "{SERVER_IP}/24"
gateway = "{CLIENT_IP}"
idle_sleep_us = 20
{extra}
[[server]]
listen = ["{SERVER_IP}:{port}"]
access_log = "logs/access.log"

  [[server.location]]
  path = "/"
  root = "{root}"
"""
