#!/usr/bin/env python3
"""End-to-end test of sluice-linkemu through three network namespaces (run as root).

  client netns [c0 198.19.77.1/24] <-> [e0] emulator netns [e1] <-> [s0 198.19.77.2/24] server netns

1. a2b "loss=5%,delay=20ms", b2a "delay=20ms": `ping -c 200 -i 0.01` sees about 5 % loss and an
   RTT of about 40 ms; the emulator's JSON counters agree.
2. both "loss=2%,delay=5ms": curl downloads 5 MB from python -m http.server byte-exact.
3. both "rate=20mbit,delay=10ms,queue=50": a 2 MB download runs at the bottleneck rate.

Addresses are from 198.18.0.0/15 and exist only in the namespaces created here, which are deleted
at the end, also on failure. Every process is bounded in time (the whole test takes < 60 s).
Exit 77 means skipped (not root, or a tool is missing).
"""
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
CLIENT_IP, SERVER_IP = "198.19.77.1", "198.19.77.2"
CLIENT_MAC, SERVER_MAC = "02:00:c6:13:4d:01", "02:00:c6:13:4d:02"
PORT = 8080
FILE_SIZE = 5 * 1024 * 1024


def sh(cmd, timeout=20, check=True):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout}{p.stderr}")
    return p


class Topology:
    def __init__(self, tag):
        self.cli, self.emu, self.srv = (f"le{tag}-{x}" for x in "ces")

    def ns(self, name, *cmd):
        return ["ip", "netns", "exec", name, *cmd]

    def create(self):
        self.delete()
        for ns in (self.cli, self.emu, self.srv):
            sh(["ip", "netns", "add", ns])
            # No IPv6 autoconfiguration chatter on the link under test.
            sh(self.ns(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                       "net.ipv6.conf.default.disable_ipv6=1"))
            sh(self.ns(ns, "ip", "link", "set", "lo", "up"))
        sh(["ip", "link", "add", "c0", "netns", self.cli, "address", CLIENT_MAC, "type", "veth",
            "peer", "name", "e0", "netns", self.emu])
        sh(["ip", "link", "add", "s0", "netns", self.srv, "address", SERVER_MAC, "type", "veth",
            "peer", "name", "e1", "netns", self.emu])
        self.endpoint(self.cli, "c0", CLIENT_IP, SERVER_IP, SERVER_MAC)
        self.endpoint(self.srv, "s0", SERVER_IP, CLIENT_IP, CLIENT_MAC)
        for dev in ("e0", "e1"):  # offloads: left to the emulator's --disable-offloads
            sh(self.ns(self.emu, "ip", "link", "set", dev, "up"))

    def endpoint(self, ns, dev, ip, peer_ip, peer_mac):
        sh(self.ns(ns, "ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off", "tx", "off", "rx", "off"))
        sh(self.ns(ns, "ip", "addr", "add", ip + "/24", "dev", dev))
        sh(self.ns(ns, "ip", "link", "set", dev, "up"))
        # A static neighbour: no ARP exchange through the lossy link skews the measurements.
        sh(self.ns(ns, "ip", "neigh", "replace", peer_ip, "lladdr", peer_mac, "dev", dev, "nud", "permanent"))

    def delete(self):
        for ns in (self.cli, self.emu, self.srv):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)


class Emulator:
    """sluice-linkemu in the emulator namespace; stop() returns its JSON counters."""

    def __init__(self, binary, topo, args, duration):
        cmd = topo.ns(topo.emu, binary, "--a", "e0", "--b", "e1", "--seed", "1",
                      "--duration", str(duration), "--disable-offloads", *args)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = self.proc.stderr.readline()  # bounded: the emulator exits after `duration`
        if "ready" not in first:
            self.proc.kill()
            raise AssertionError(f"emulator did not start: {first}{self.proc.stderr.read()}")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=10)
        if self.proc.returncode != 0:
            raise AssertionError(f"emulator exited {self.proc.returncode}: {err}")
        return json.loads(out.strip().splitlines()[-1])

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print(f"  ok: {what}")


def ping_test(binary, topo):
    emu = Emulator(binary, topo, ["--a2b", "loss=5%,delay=20ms", "--b2a", "delay=20ms"], duration=15)
    try:
        p = sh(topo.ns(topo.cli, "ping", "-n", "-q", "-c", "200", "-i", "0.01", "-W", "1", SERVER_IP),
               timeout=15, check=False)
        stats = emu.stop()
    finally:
        emu.kill()
    sent, received = map(int, re.search(r"(\d+) packets transmitted, (\d+) received", p.stdout).groups())
    rtt = re.search(r"= ([\d.]+)/([\d.]+)/([\d.]+)/", p.stdout)
    loss = 1 - received / sent
    print(f"ping: sent={sent} received={received} loss={loss:.3f} rtt min/avg/max={rtt.groups()} ms")
    print(f"emulator: {json.dumps(stats)}")
    a2b, b2a = stats["a2b"], stats["b2a"]
    check(sent == 200, "200 echo requests sent")
    check(0.01 <= loss <= 0.12, f"ping loss {loss:.3f} is about 5 %")
    check(39.5 <= float(rtt.group(1)) and float(rtt.group(2)) <= 47, "RTT is about 40 ms")
    check(a2b["in"] >= 200 and 0.01 <= a2b["lost"] / a2b["in"] <= 0.12, "a2b lost about 5 % of its frames")
    check(b2a["lost"] == 0 and b2a["dropped"] == 0, "b2a lost nothing")
    check(b2a["out"] == received, "every reply the emulator passed reached ping")
    check(stats["stopped_by"] == "signal", "SIGTERM stops it cleanly")


def wait_listening(topo, deadline):
    probe = topo.ns(topo.srv, "bash", "-c", f"exec 3<>/dev/tcp/{SERVER_IP}/{PORT}")
    while time.monotonic() < deadline:
        if subprocess.run(probe, capture_output=True, timeout=5).returncode == 0:
            return
        time.sleep(0.1)
    raise AssertionError("http.server did not start")


def serve(topo, workdir):
    return subprocess.Popen(topo.ns(topo.srv, sys.executable, "-m", "http.server", str(PORT),
                                    "--bind", SERVER_IP, "--directory", workdir),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def fetch(binary, topo, workdir, spec, size):
    """Downloads `size` random bytes through the emulator; returns (seconds, bytes/s, counters)."""
    blob = os.path.join(workdir, "blob.bin")
    with open(blob, "wb") as f:
        f.write(os.urandom(size))
    out = os.path.join(workdir, "got.bin")
    emu = Emulator(binary, topo, ["--both", spec], duration=30)
    try:
        p = sh(topo.ns(topo.cli, "curl", "-sS", "--max-time", "25", "-o", out, "-w", "%{time_total} %{speed_download}",
                       f"http://{SERVER_IP}:{PORT}/blob.bin"), timeout=30, check=False)
        stats = emu.stop()
    finally:
        emu.kill()
    print(f"curl through {spec}: rc={p.returncode} {p.stdout} {p.stderr.strip()}")
    print(f"emulator: {json.dumps(stats)}")
    check(p.returncode == 0, "curl completed")
    check(sha256(out) == sha256(blob), f"{size} bytes arrived byte-exact")
    seconds, speed = map(float, p.stdout.split())
    print(f"  {size / 1e6:.1f} MB in {seconds:.2f} s = {speed * 8 / 1e6:.1f} Mbit/s")
    return seconds, speed, stats


def download_tests(binary, topo, workdir):
    server = serve(topo, workdir)
    try:
        wait_listening(topo, time.monotonic() + 10)
        _, _, stats = fetch(binary, topo, workdir, "loss=2%,delay=5ms", FILE_SIZE)
        check(stats["a2b"]["lost"] > 0 and stats["b2a"]["lost"] > 0, "both directions lost frames")
        _, speed, stats = fetch(binary, topo, workdir, "rate=20mbit,delay=10ms,queue=50", 2 * 1024 * 1024)
        # Goodput counts TCP payload only: 1448 of 1514 bytes per frame at most.
        check(14e6 <= speed * 8 <= 20e6 * 1448 / 1514, "goodput is close to the 20 Mbit/s bottleneck")
    finally:
        server.kill()
        server.wait(timeout=10)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    if len(sys.argv) != 2:
        print("usage: e2e_test.py PATH/TO/sluice-linkemu")
        return 2
    if os.geteuid() != 0:
        print("skipped: needs root")
        return SKIP
    missing = [t for t in ("ip", "ethtool", "ping", "curl") if not shutil.which(t)]
    if missing:
        print(f"skipped: missing {missing}")
        return SKIP
    binary = os.path.abspath(sys.argv[1])
    topo = Topology(os.getpid() % 100000)
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory() as workdir:
            topo.create()
            ping_test(binary, topo)
            download_tests(binary, topo, workdir)
    finally:
        topo.delete()
    print(f"passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
