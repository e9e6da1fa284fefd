"""What every scenario of bench/run is made of: the plan, one measurement (a fresh server, one
client run against it, the server stopped), a group of configurations measured in interleaved
runs, the ratios between them, and a report section for a scenario group.
"""
import dataclasses
import os
import re
import shlex
import shutil

import clients
import procs
import report
import topology as topo
from servers import Options, Server

PATH = "/small.bin"


@dataclasses.dataclass
class Plan:
    name: str
    quick: bool
    runs: int
    duration_s: int
    connections: int
    sluice: str
    sluice_load: str
    tmpdir: str
    www: str
    results_dir: str
    only: set
    servers: list
    linkemu: str = None        # sluice-linkemu (the lossy group)
    sluice_source: str = None  # what plan.sluice was built from, when known before measuring


def frames_per_request(counters, client_result, mode):
    """Frames the server moved per request (received + sent), from sluice's own counters."""
    rx, tx = counters.get("link.rx_frames"), counters.get("link.tx_frames")
    if rx is None or tx is None:
        return None
    if mode == "close":
        n = counters.get("conn_passive") or 0
    else:
        n = client_result.get("requests") or 0
    return (rx + tx) / n if n else None


def busy_share(counters, elapsed_s):
    """The share of the load's elapsed time a userspace-stack worker spent after polls that
    received frames (its poll.busy_us counter): how much of its busy-polling core was work. Over the
    client's elapsed time, not the worker's life (which includes waiting before and after the
    load). None without the counter (wrk, kernel servers) or the time."""
    if counters.get("poll.us") is None or not elapsed_s:
        return None
    return min(1.0, counters.get("poll.busy_us", 0) / (elapsed_s * 1e6))


def probe(server, path):
    """One GET from the client namespace (curl) before the load: a server that answers anything
    but 200 stops the run with its status and error log, rather than measuring error pages."""
    cmd = topo.ns_cmd(topo.CLI_NS, ["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10",
                                    server.url(path)])
    p = procs.run(cmd, check=False, timeout=30)
    if p.stdout.strip() != "200":
        log = server.error_log() or open(server.proc.log_path).read()
        raise RuntimeError(f"{server.name}{server.opts.suffix}: {server.url(path)} answered "
                           f"{p.stdout.strip() or p.stderr.strip()!r}, not 200\n{log[-2000:]}")


def keep_log(server, path):
    """A copy of the server's log for this run (the next run of the same server reuses its directory)."""
    for name in ("error.log", "nginx-error.log"):
        src = os.path.join(server.prefix, name)
        if os.path.exists(src):
            shutil.copyfile(src, path)
            return


def one_run(plan, server_name, client, mode, rep, memif_socket=None, opts=None, path=PATH, tag=None,
            check=False):
    """A fresh server, one client run against it, the server stopped; returns the result dict."""
    server = Server(server_name, plan.sluice, plan.tmpdir, plan.www, memif_socket, opts=opts)
    tag = tag or f"{client}-{server_name}-{mode}-{rep}"
    if client == "wrk":
        cmd, parse = clients.wrk_cmd(server.url(path), mode, plan.connections, plan.duration_s), clients.parse_wrk
    else:
        transport = "memif" if server_name == "sluice-memif" else "af_packet"
        cmd = clients.sluice_load_cmd(plan.sluice_load, server.url(path), mode, plan.connections, plan.duration_s,
                                      transport, memif_socket)
        parse = clients.parse_sluice_load
    server.start()
    try:
        if check:
            probe(server, path)
        r, text = clients.run_client(cmd, os.path.join(plan.tmpdir, tag + ".log"), plan.duration_s, parse)
    finally:
        counters = server.stop()
        keep_log(server, os.path.join(plan.tmpdir, tag + "-server.log"))
    r["counters"] = counters
    r["frames_per_request"] = frames_per_request(counters, r, mode)
    r["server_busy"] = busy_share(counters, r.get("elapsed_s"))
    r["client_busy"] = busy_share(clients.client_counters(text), r.get("elapsed_s"))
    r["command"] = shlex.join(cmd)
    r["server_command"] = server.command_line()
    with open(server.conf) as f:
        r["server_conf"] = f.read()
    print(f"  {tag}: {r['rps']:,.0f} req/s, p99 {r.get('p99_ms') or 0:.3f} ms, errors {r['errors']}"
          + (f", frames/req {r['frames_per_request']:.2f}" if r["frames_per_request"] else "")
          + (f", busy server {r['server_busy']:.0%}" if r["server_busy"] is not None else "")
          + (f" client {r['client_busy']:.0%}" if r["client_busy"] is not None else ""), flush=True)
    return r


@dataclasses.dataclass(frozen=True)
class Case:
    """One configuration of a scenario group, measured with wrk from the client namespace."""
    case: str              # what is asked for: "600 B", "64 KB", "https", ...
    server: str            # sluice-dpdk, sluice-kernel or nginx
    label: str             # the server as the report names it ("sluice-dpdk, cache off")
    mode: str              # close or keepalive
    path: str = PATH
    opts: Options = Options()


def slug(text):
    return re.sub(r"[^\w.]+", "-", text).strip("-")


def sum_counters(dicts):
    total = {}
    for d in dicts:
        for k, v in d.items():
            total[k] = total.get(k, 0) + v
    return total


def run_cases(plan, scenario, cases):
    """Every case once per run, interleaved (drift in the machine's load hits all of them alike);
    one summary row per case, with its case and its runs' sluice counters summed. The first run
    of each case checks with one GET that the server answers 200."""
    results = {c: [] for c in cases}
    for rep in range(plan.runs):
        for c in cases:
            topo.server_linux(c.server != "sluice-dpdk")
            tag = slug(f"{scenario}-{c.case}-{c.label}-{c.mode}-{rep}")
            results[c].append(one_run(plan, c.server, "wrk", c.mode, rep, opts=c.opts, path=c.path, tag=tag,
                                      check=rep == 0))
    rows = []
    for c in cases:
        row = report.summarize(scenario, "wrk", c.label, c.mode, results[c])
        row["case"] = c.case
        row["counters"] = sum_counters(r["counters"] for r in results[c])
        rows.append(row)
    return rows


def retransmit_note(row):
    """The userspace stack's retransmissions over a configuration's runs (sluice's counters), if any:
    timeouts undone as spurious mean the ACKs came late, not that frames were lost."""
    c = row.get("counters") or {}
    if not c.get("tcp.retransmitted_segments"):
        return None
    return (f"{row['server']}, {row['case']} {row['mode']}: the userspace stack retransmitted "
            f"{c['tcp.retransmitted_segments']:,} segments over the runs ({c.get('tcp.timeouts', 0):,} "
            f"retransmission timeouts, {c.get('tcp.spurious_undos', 0):,} of them undone as spurious)")


def pair_ratios(rows, pairs):
    """req/s of one server over another's, per case and mode where both were measured: one
    {what, case, mode, value} per (numerator label, denominator label, what) in `pairs`."""
    out = []
    for case, mode in dict.fromkeys((r.get("case"), r["mode"]) for r in rows):
        by = {r["server"]: r for r in rows if r.get("case") == case and r["mode"] == mode}
        for num, den, what in pairs:
            a, b = by.get(num), by.get(den)
            if a and b and a["rps_median"] and b["rps_median"]:
                out.append({"what": what, "case": case, "mode": mode, "value": a["rps_median"] / b["rps_median"]})
    return out


@dataclasses.dataclass
class Section:
    """A scenario group's part of the report: its table, ratios, notes, plot and extra configs."""
    key: str               # --only name; its plot is <name>-<key>.png
    title: str
    intro: str
    rows: list
    ratios: list
    notes: list = dataclasses.field(default_factory=list)
    commands: list = dataclasses.field(default_factory=list)   # beyond the rows' own
    configs: dict = dataclasses.field(default_factory=dict)    # beyond the rows' own
    plot: str = None                                           # the PNG's file name, once drawn
    # A group whose rows are not req/s (lossy: goodput per condition) brings its own markdown table,
    # CSV columns and plot function (tmpdir, results_dir, name, section) -> (file name, error).
    table: list = None
    columns: list = None
    draw: object = None
    failed: bool = False       # measured and reported, but something it checks went wrong
