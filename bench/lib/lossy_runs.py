"""One condition of the lossy scenarios: the emulator set to it, then per run both servers started
fresh and one curl download from each in turn (who goes first alternates, so drift hits both
alike), every download checked byte-exact; the counters of the servers and the emulator summed.
"""
import dataclasses
import os
import shlex
import statistics
import time

import lossy_net
import procs
from lossy_servers import FILE, Servers
from runs import sum_counters

SERVERS = {"sluice": lossy_net.SLUICE_IP, "linux": lossy_net.LINUX_IP}
# Linux's TCP counters in the nginx namespace (only nginx's connections are there): nstat name -> ours.
LINUX_COUNTERS = {"TcpRetransSegs": "retransmitted_segments", "TcpExtTCPFastRetrans": "fast_retransmits",
                  "TcpExtTCPTimeouts": "timeouts", "TcpExtTCPLossProbes": "tail_loss_probes",
                  "TcpExtTCPFullUndo": "undos", "TcpExtTCPPartialUndo": "undos", "TcpExtTCPDSACKUndo": "undos",
                  "TcpExtTCPLossUndo": "undos"}


@dataclasses.dataclass
class Setup:
    """What every condition of one run shares."""
    net: lossy_net.Net
    servers: Servers
    linkemu: str
    src: str              # the served file
    runs: int             # downloads per server
    limit_s: int          # seconds per download at most
    logdir: str

    def __post_init__(self):
        self.size = os.path.getsize(self.src)
        self.sha = procs.sha256_file(self.src)


@dataclasses.dataclass
class Result:
    """One condition: Mbit/s per completed download, failures, and the counters over its downloads."""
    condition: str
    spec: str
    mbit: dict            # "sluice" / "linux" -> [Mbit/s of each download that arrived intact]
    failures: list
    sluice_counters: dict
    linux_counters: dict
    emulator: dict

    def median(self, who):
        return statistics.median(self.mbit[who]) if self.mbit[who] else None

    def ratio(self):
        s, n = self.median("sluice"), self.median("linux")
        return s / n if s and n else None


def curl_cmd(url, out, limit_s):
    return ["curl", "-sS", "--max-time", str(limit_s), "-o", out, "-w", "%{size_download} %{time_total}", url]


def download(setup, who):
    """One GET of the file from `who`; returns (Mbit/s, None) or (None, what went wrong). The time is
    curl's own (connect to last byte), so starting curl in the namespace does not count."""
    out = os.path.join(setup.logdir, "download.bin")
    url = f"http://{SERVERS[who]}/{FILE}"
    p = setup.net.run("cli", curl_cmd(url, out, setup.limit_s), check=False, timeout=setup.limit_s + 30)
    try:
        if p.returncode != 0:
            return None, f"curl exited {p.returncode}: {p.stderr.strip()}"
        if procs.sha256_file(out) != setup.sha:
            return None, f"bytes differ ({os.path.getsize(out):,} of {setup.size:,} bytes received)"
        seconds = float(p.stdout.split()[1])
        return setup.size * 8 / seconds / 1e6, None
    finally:
        if os.path.exists(out):
            os.unlink(out)


def linux_counters(net):
    """Linux's TCP counters in the nginx namespace since it was made (nstat -a, history untouched)."""
    out = net.run("ng", ["nstat", "-asz"] + sorted(LINUX_COUNTERS)).stdout
    total = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 2 and f[0] in LINUX_COUNTERS:
            total[LINUX_COUNTERS[f[0]]] = total.get(LINUX_COUNTERS[f[0]], 0) + int(f[1])
    return total


def _difference(after, before):
    return {k: v - before.get(k, 0) for k, v in after.items()}


def _run(setup, condition, rep, mbit, failures):
    """One download from each server, both started fresh for it; returns sluice's exit counters."""
    try:
        setup.servers.start()
        for who in ("sluice", "linux") if rep % 2 == 0 else ("linux", "sluice"):
            v, err = download(setup, who)
            if err:
                failures.append(f"{condition} {who} run {rep + 1}: {err}")
            else:
                mbit[who].append(v)
            print(f"  {condition} {who} {rep + 1}/{setup.runs}: " + (f"{v:,.1f} Mbit/s" if v else err), flush=True)
    finally:
        counters = setup.servers.stop()
        with open(os.path.join(setup.logdir, f"sluice-{condition}-{rep}.log"), "w") as f:
            f.write(setup.servers.error_log())  # the next run's sluice starts a new one
    return counters


def measure(setup, condition):
    """Every download of one condition; returns a Result."""
    spec = lossy_net.CONDITIONS[condition]
    emu = lossy_net.start_emulator(setup.net, setup.linkemu, spec, setup.limit_s * setup.runs * 2 + 120,
                                   os.path.join(setup.logdir, f"linkemu-{condition}.log"))
    mbit, failures, sluice = {"sluice": [], "linux": []}, [], []
    try:
        before = linux_counters(setup.net)
        for rep in range(setup.runs):
            sluice.append(_run(setup, condition, rep, mbit, failures))
        linux = _difference(linux_counters(setup.net), before)
    finally:
        emulator = lossy_net.stop_emulator(emu)
    return Result(condition, spec, mbit, failures, sum_counters(sluice), linux, emulator)


def commands(setup):
    """The command lines behind the numbers (for a report)."""
    return ["sluice: " + shlex.join(setup.servers.sluice_cmd), "nginx: " + shlex.join(setup.servers.nginx_cmd),
            "emulator: " + shlex.join(lossy_net.emulator_cmd(setup.net, setup.linkemu, "SPEC", "SECONDS")),
            "client: " + shlex.join(setup.net.cmd("cli", curl_cmd(f"http://SERVER/{FILE}", "OUT", setup.limit_s)))]
