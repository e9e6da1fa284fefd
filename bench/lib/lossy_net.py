"""The impaired path of the lossy scenarios (issue 8), shared by bench/run's `lossy` group and the
integration test tests/integration/lossy_path.py:

    cli ns [c0 198.18.0.1] <-> [e0] emu ns: sluice-linkemu [e1] <-> [b0] sw ns: bridge br0
                                                                     [b1] <-> [s0] sl ns: sluice on DPDK net_af_packet, 198.18.0.2
                                                                     [b2] <-> [n0] ng ns: nginx on Linux, 198.18.0.3

Both servers sit behind the same emulator and bridge, so every condition applies to both alike.
Linux in the nginx namespace uses CUBIC (this kernel defaults to BBR; sluice implements CUBIC),
without its per-destination metrics cache (tcp_no_metrics_save), and every veth has segmentation
and checksum offloads off so both sides see MTU-sized frames.

The namespace names carry the process id, so two runs at once (a ctest beside a bench/run) never
delete each other's namespaces; each run deletes only its own.
"""
import json
import os
import signal

import procs

# name -> sluice-linkemu spec, applied to each direction (--both)
CONDITIONS = {
    "clean": "",
    "loss-0.5%": "loss=0.5%",
    "loss-2%": "loss=2%",
    "loss-5%": "loss=5%",
    "delay-50ms-jitter-reorder": "delay=25ms,jitter=5ms,order=jitter",
    "dup-1%": "dup=1%",
    "20mbit-50ms": "rate=20mbit,delay=25ms,queue=200",
}
CLIENT_IP, SLUICE_IP, LINUX_IP = "198.18.0.1", "198.18.0.2", "198.18.0.3"
PREFIX = 24
# (namespace, device) <-> (namespace, device): the veth pairs
PAIRS = [("cli", "c0", "emu", "e0"), ("emu", "e1", "sw", "b0"), ("sw", "b1", "sl", "s0"), ("sw", "b2", "ng", "n0")]
SLUICE_DEV = "s0"


class Net:
    """The five namespaces of one run, named sl8<role>-<tag> (tag: the process id by default)."""

    def __init__(self, tag=None):
        tag = tag or str(os.getpid())
        self.ns = {k: f"sl8{k}-{tag}" for k in ("cli", "emu", "sw", "sl", "ng")}
        self.linux_cc = None

    def cmd(self, role, cmd):
        return ["ip", "netns", "exec", self.ns[role]] + list(cmd)

    def run(self, role, cmd, check=True, timeout=60):
        return procs.run(self.cmd(role, cmd), check=check, timeout=timeout)

    def create(self):
        for name in self.ns.values():
            procs.add_netns(name)
        self._links()
        self._bridge()
        self._addresses()
        self.linux_cc = self._cubic()
        # Linux would start each connection to the client from the ssthresh and RTT its previous one
        # left in its per-destination metrics cache; sluice keeps none. Every download starts afresh.
        self.run("ng", ["sysctl", "-qw", "net.ipv4.tcp_no_metrics_save=1"])

    def delete(self):
        for name in self.ns.values():
            procs.del_netns(name)

    def _links(self):
        for a, da, b, db in PAIRS:
            procs.run(["ip", "link", "add", da, "netns", self.ns[a], "type", "veth", "peer", "name", db,
                       "netns", self.ns[b]])
            for role, dev in ((a, da), (b, db)):
                self.run(role, ["ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off", "tx", "off",
                                "rx", "off"], check=False)
                self.run(role, ["ip", "link", "set", dev, "up"])

    def _bridge(self):
        self.run("sw", ["ip", "link", "add", "br0", "type", "bridge"])
        for dev in ("b0", "b1", "b2"):
            self.run("sw", ["ip", "link", "set", dev, "master", "br0"])
        self.run("sw", ["ip", "link", "set", "br0", "up"])

    def _addresses(self):
        self.run("cli", ["ip", "addr", "add", f"{CLIENT_IP}/{PREFIX}", "dev", "c0"])
        self.run("ng", ["ip", "addr", "add", f"{LINUX_IP}/{PREFIX}", "dev", "n0"])
        for role in ("cli", "ng"):
            self.run(role, ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"], check=False)

    def _cubic(self):
        """CUBIC for Linux's TCP in the nginx and client namespaces; returns what nginx's got.
        Namespaces may only pick from the host's allowed list: cubic is added to it (a widening only)."""
        allowed = procs.run(["sysctl", "-n", "net.ipv4.tcp_allowed_congestion_control"], check=False).stdout.split()
        if allowed and "cubic" not in allowed:
            procs.run(["sysctl", "-qw", "net.ipv4.tcp_allowed_congestion_control=" + " ".join(allowed + ["cubic"])],
                      check=False)
        for role in ("ng", "cli"):
            self.run(role, ["sysctl", "-qw", "net.ipv4.tcp_congestion_control=cubic"], check=False)
        return self.run("ng", ["sysctl", "-n", "net.ipv4.tcp_congestion_control"]).stdout.strip()


def emulator_cmd(net, linkemu, spec, duration_s, seed=8):
    cmd = [os.path.abspath(linkemu), "--a", "e0", "--b", "e1", "--duration", str(duration_s), "--seed", str(seed),
           "--disable-offloads"]
    return net.cmd("emu", cmd + (["--both", spec] if spec else []))


def start_emulator(net, linkemu, spec, duration_s, log_path):
    """sluice-linkemu between the client and the bridge, impairing both directions with `spec`."""
    p = procs.start(emulator_cmd(net, linkemu, spec, duration_s), log_path)
    procs.wait_until(lambda: _emulator_ready(p), 10, "sluice-linkemu to start")
    return p


def _emulator_ready(p):
    if p.poll() is not None:
        raise RuntimeError(f"sluice-linkemu exited: {open(p.log_path).read()[-2000:]}")
    return "ready" in open(p.log_path).read()


def stop_emulator(p):
    """Stops it (SIGTERM); returns its counters: the JSON line it prints on the way out ({} if none)."""
    procs.stop(p, signal.SIGTERM, grace=10)
    for line in reversed(open(p.log_path).read().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {}
