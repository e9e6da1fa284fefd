"""The load generators: wrk on Linux sockets and sluice-load on the userspace stack (net_af_packet
on the client end of the veth, or net_memif). Each run is bounded by its own --duration and by a
timeout here; each returns one result dict with the same keys whatever the client.
"""
import json
import os
import re
import resource

import procs
import topology as topo

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return float(m.group(1)) * _UNITS[m.group(2)] if m else None


def wrk_cmd(url, mode, connections, duration_s):
    cmd = ["taskset", "-c", str(topo.CLIENT_CPU), "wrk", "-t1", f"-c{connections}", f"-d{duration_s}s", "--latency"]
    if mode == "close":
        cmd += ["-H", "Connection: close"]
    return topo.ns_cmd(topo.CLI_NS, cmd + [url])


def parse_wrk(text):
    r = {"rps": 0.0, "requests": 0, "errors": 0}
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", text)
    if m:
        r["requests"] = int(m.group(1))
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        r["rps"] = float(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        r["errors"] += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        r["errors"] += int(m.group(1))
    for pct, key in (("50", "p50_ms"), ("90", "p90_ms"), ("99", "p99_ms")):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", text, re.M)
        r[key] = _ms(m.group(1)) if m else None
    m = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", text, re.M)
    r["max_ms"] = _ms(m.group(1)) if m else None
    r["p999_ms"] = None
    return r


def sluice_load_cmd(binary, url, mode, connections, duration_s, transport="af_packet", memif_socket=None,
                    requests=None, warmup_s=0):
    if transport == "memif":
        vdev, addr, ns = topo.memif_vdev("client", memif_socket), topo.MEMIF_CLIENT_IP, topo.CLI_NS
    else:
        vdev, addr, ns = topo.af_packet_vdev(topo.CLI_DEV), topo.LOAD_CLIENT_IP, topo.CLI_NS
    eal = " ".join(topo.eal_args(topo.CLIENT_CPU, vdev))
    cmd = ["taskset", "-c", str(topo.CLIENT_CPU), binary, "--json", "--stack-stats", "--eal", eal,
           "--address", f"{addr}/{topo.PREFIX}", "-c", str(connections), "-d", f"{duration_s}s", "--mode", mode]
    if requests:
        cmd += ["-n", str(requests)]
    if warmup_s:
        cmd += ["--warmup", f"{warmup_s}s"]
    return topo.ns_cmd(ns, cmd + [url])


def parse_sluice_load(text):
    line = next((l for l in text.splitlines() if l.startswith("{")), None)
    if not line:
        return {"rps": 0.0, "requests": 0, "errors": 0, "p50_ms": None, "p90_ms": None, "p99_ms": None,
                "p999_ms": None, "max_ms": None}
    j = json.loads(line)
    lat = j["latency_us"]
    return {"rps": j["requests_per_s"], "cps": j["connections_per_s"], "requests": j["responses"],
            "elapsed_s": j.get("elapsed_s"),
            "errors": sum(j["errors"].values()), "error_kinds": {k: v for k, v in j["errors"].items() if v},
            "p50_ms": lat["p50"] / 1e3, "p90_ms": lat["p90"] / 1e3, "p99_ms": lat["p99"] / 1e3,
            "p999_ms": lat["p99.9"] / 1e3, "max_ms": lat["max"] / 1e3}


def client_counters(text):
    """The client stack's own counters (sluice-load --stack-stats), summed over its workers."""
    total = {}
    for line in text.splitlines():
        if " counters: " in line:
            for k, v in re.findall(r"([\w.]+)=(\d+)", line.split(" counters: ", 1)[1]):
                total[k] = total.get(k, 0) + int(v)
    return total


def cpu_seconds(before, after):
    """User + system CPU time between two getrusage() results."""
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_client(cmd, log_path, duration_s, parse):
    """Runs one load generator to completion (it stops itself after its duration). client_cpu: the
    CPU time it used over its duration (1.0: one core busy throughout; near it, the client may be
    what limits req/s). Only the client is reaped while it runs, so the children's usage is its."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = procs.start(cmd, log_path)
    procs.wait(p, timeout=duration_s + 60)
    used = cpu_seconds(before, resource.getrusage(resource.RUSAGE_CHILDREN))
    text = open(log_path).read()
    r = parse(text)
    r["client_cpu"] = used / duration_s if duration_s else None
    r["exit"] = p.returncode
    r["log"] = os.path.basename(log_path)
    return r, text
