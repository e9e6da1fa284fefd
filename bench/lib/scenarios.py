"""The scenarios of bench/run, the ratios between them, and the report."""
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import time

import callgrind
import group_filecache
import group_lossy
import group_proxy
import group_tls
import limit
import procs
import report
import runs
import topology as topo
from runs import Plan, frames_per_request, one_run  # noqa: F401 (bench/run and the tests use them from here)

SERVERS = ["sluice-dpdk", "sluice-kernel", "nginx"]
MODES = ["close", "keepalive"]
# The scenario groups beyond the 600-byte GET, each in its own module.
GROUPS = {"filecache": group_filecache, "tls": group_tls, "proxy": group_proxy, "lossy": group_lossy}
ALL = ["wrk", "load", "memif", "limit", "callgrind"] + list(GROUPS)
OWN_NETWORK = {"lossy"}  # groups that make their own namespaces (not the server/client veth)


def needs_veth(only):
    return bool(set(only) - OWN_NETWORK)


def veth_scenario(plan, client, after_each_run=None):
    """Scenarios 1 (wrk) and 2 (sluice-load): each server and mode, runs interleaved;
    `after_each_run(rep)`, if given, measures something else in the same period (the limit)."""
    topo.client_linux(client == "wrk")
    runs = {(s, m): [] for s in plan.servers for m in MODES}
    for rep in range(plan.runs):
        for s in plan.servers:
            topo.server_linux(s != "sluice-dpdk")
            for m in MODES:
                runs[(s, m)].append(one_run(plan, s, client, m, rep))
        if after_each_run:
            after_each_run(rep)
    scenario = "1-wrk" if client == "wrk" else "2-sluice-load"
    return [report.summarize(scenario, client, s, m, runs[(s, m)]) for s in plan.servers for m in MODES]


def memif_scenario(plan):
    sock = os.path.join(plan.tmpdir, "memif.sock")
    runs = {m: [] for m in MODES}
    for rep in range(plan.runs):
        for m in MODES:
            if os.path.exists(sock):
                os.unlink(sock)
            runs[m].append(one_run(plan, "sluice-memif", "sluice-load-memif", m, rep, sock))
    return [report.summarize("3-memif", "sluice-load-memif", "sluice-memif", m, runs[m]) for m in MODES]


def limit_run(plan, samples, rep):
    """One testpmd measurement of the veth path, appended to `samples`."""
    topo.client_linux(False)
    topo.server_linux(False)
    s = limit.measure(plan.tmpdir, plan.duration_s, rep)
    print(f"  testpmd-{rep}: server rx+tx {s['server_pps']:,.0f} pps (client tx {s['client_tx_pps']:,.0f})",
          flush=True)
    samples.append(s)


def limit_summary(samples, interleaved):
    server_cmd, client_cmd = limit.commands()
    return {"server_pps": statistics.median(s["server_pps"] for s in samples),
            "client_tx_pps": statistics.median(s["client_tx_pps"] for s in samples),
            "runs": len(samples), "interleaved": interleaved,
            "server_pps_range": (min(s["server_pps"] for s in samples), max(s["server_pps"] for s in samples)),
            "server_command": shlex.join(server_cmd), "client_command": shlex.join(client_cmd)}


def limit_scenario(plan):
    samples = []
    for rep in range(plan.runs):
        limit_run(plan, samples, rep)
    return limit_summary(samples, False)


def find(rows, client, server, mode):
    """The row of scenario 1 (wrk) or 2 (sluice-load) for this server and mode."""
    return next((r for r in rows if r["client"] == client and r["server"] == server and r["mode"] == mode
                 and not r.get("case")), None)


def ratios(rows, lim):
    out = []
    for client in ("wrk", "sluice-load"):
        for mode in MODES:
            d = find(rows, client, "sluice-dpdk", mode)
            if not d or not d["rps_median"]:
                continue
            for other, what in (("nginx", "sluice-dpdk / nginx"), ("sluice-kernel", "sluice-dpdk / sluice-kernel")):
                o = find(rows, client, other, mode)
                if o and o["rps_median"]:
                    out.append({"what": what, "mode": mode, "client": client, "value": d["rps_median"] / o["rps_median"]})
            per = (lim or {}).get("per_request", {}).get(limit_key(client, mode))
            if per:
                out.append({"what": "sluice-dpdk / limit", "mode": mode, "client": client,
                            "value": d["rps_median"] / per["rps"]})
    return out


def limit_key(client, mode):
    return f"{client} {mode}"


def apply_limit(lim, rows):
    """Requests/s the path allows per client and mode: server packets/s over the frames a request
    of that client needs (counted; Linux's TCP under wrk and sluice-load's differ)."""
    lim.setdefault("per_request", {})
    for client in ("wrk", "sluice-load"):
        for mode in MODES:
            fpr = [r["frames_per_request"] for r in rows
                   if r["client"] == client and r["server"] == "sluice-dpdk" and r["mode"] == mode
                   and r["frames_per_request"] and not r.get("case")]
            if fpr:
                f = statistics.median(fpr)
                lim["per_request"][limit_key(client, mode)] = {"frames": f, "rps": lim["server_pps"] / f}


def _version(cmd, pattern=None):
    try:
        p = procs.run(cmd, check=False, timeout=30)
        text = (p.stdout + p.stderr).strip()
    except (OSError, RuntimeError):
        return "?"
    if pattern:
        m = re.search(pattern, text)
        return m.group(1) if m else "?"
    return text.splitlines()[0] if text else "?"


def source_of(binary):
    """The source tree `binary` was built from (its CMake cache says) and the commit it holds."""
    cache = os.path.join(os.path.dirname(binary), "CMakeCache.txt")
    src = None
    if os.path.exists(cache):
        m = re.search(r"^CMAKE_HOME_DIRECTORY:INTERNAL=(.*)$", open(cache).read(), re.M)
        src = m.group(1) if m else None
    if not src:
        return "unknown"
    if os.path.exists(os.path.join(src, "COMMIT")):  # a clean export (git archive) of that commit
        return open(os.path.join(src, "COMMIT")).read().strip() + f" (clean export in {src})"
    commit = _version(["git", "-C", src, "rev-parse", "HEAD"])
    dirty = procs.run(["git", "-C", src, "status", "--porcelain", "--untracked-files=no"], check=False).stdout.strip()
    return commit + (" with uncommitted changes" if dirty else "")


def metadata(plan, load_before, load_after):
    model = _version(["lscpu"], r"Model name:\s+(.*)")
    wrk = _version(["wrk", "-v"], r"(wrk \S+)")
    return {
        "command": shlex.join(["bench/run"] + sys.argv[1:]),
        "machine": f"{model}, {os.cpu_count()} CPUs, Linux {platform.release()}",
        "sluice commit measured": plan.sluice_source or source_of(plan.sluice),
        "sluice binary": f"{plan.sluice} (sha256 {procs.sha256_file(plan.sluice)[:16]})",
        "versions": f"{_version(['nginx', '-v'])}; DPDK {_version(['pkg-config', '--modversion', 'libdpdk'])}; "
                    f"{wrk}; {_version(['valgrind', '--version'])}",
        "setup": (f"{'quick' if plan.quick else 'full'}: {plan.runs} runs x {plan.duration_s}s per figure, "
                  f"{plan.connections} connections, 1 server worker on CPU {topo.SERVER_CPU}, client on CPU "
                  f"{topo.CLIENT_CPU}, veth with offloads off" if needs_veth(plan.only) else
                  f"{'quick' if plan.quick else 'full'}: {plan.runs} runs per condition (the group says the rest)"),
        "load average (start / end)": f"{load_before} / {load_after} (other work on the machine makes req/s noisy; "
                                      "callgrind's instruction counts are not affected)",
    }


def _loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run_all(plan):
    started = time.monotonic()
    load_before = _loadavg()
    rows, lim, cg = [], None, []
    if "wrk" in plan.only:
        print("scenario 1: wrk (Linux client)", flush=True)
        rows += veth_scenario(plan, "wrk")
    limit_samples = []
    if "load" in plan.only:
        # With the limit asked for too, each round of sluice-load runs is followed by one testpmd run:
        # the host's speed drifts by 2x over minutes here, and testpmd's rate with it, so the ratio
        # sluice-dpdk / limit compares figures of the same period (as the servers' runs are interleaved).
        print("scenario 2: sluice-load (userspace client on net_af_packet)"
              + (", each round followed by the limit's testpmd run (scenario 4)" if "limit" in plan.only else ""),
              flush=True)
        after = (lambda rep: limit_run(plan, limit_samples, rep)) if "limit" in plan.only else None
        rows += veth_scenario(plan, "sluice-load", after)
    if "memif" in plan.only:
        print("scenario 3: sluice-load <-> sluice over net_memif", flush=True)
        rows += memif_scenario(plan)
    if "limit" in plan.only:
        if limit_samples:
            lim = limit_summary(limit_samples, True)
        else:
            print("scenario 4: dpdk-testpmd packet rate on the veth path", flush=True)
            lim = limit_scenario(plan)
        apply_limit(lim, rows)
    if "callgrind" in plan.only:
        print("callgrind: instructions per request", flush=True)
        topo.client_linux(False)
        topo.server_linux(False)
        n = 500 if plan.quick else 2000
        for mode in MODES:
            c = callgrind.measure(plan.sluice, plan.sluice_load, plan.tmpdir, plan.www, mode, n)
            print(f"  {mode}: {c['ir_per_request']:,.0f} instructions/request "
                  f"(marginal {c['marginal_ir_per_request']:,.0f})", flush=True)
            cg.append(c)
    sections, failed = [], []
    for key, group in GROUPS.items():
        if key not in plan.only:
            continue
        print(f"{key}: {group.TITLE}", flush=True)
        try:
            sections.append(group.run(plan))
            if sections[-1].failed:
                print(f"  {key} FAILED (see its notes in the report)", flush=True)
                failed.append(key)
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            # The other groups still run and the report says what failed; bench/run exits 1.
            print(f"  {key} FAILED: {e}", flush=True)
            failed.append(key)
            first = (str(e).splitlines() or [type(e).__name__])[0]
            sections.append(runs.Section(key, group.TITLE, "", [], [], notes=[
                f"FAILED: {first} (the whole message is in bench/run's output; logs in bench/results/tmp/"
                f"{plan.name}/)"]))
    meta = metadata(plan, load_before, _loadavg())
    meta["measuring took"] = f"{time.monotonic() - started:.0f} s"
    write_results(plan, rows, lim, cg, meta, sections)
    return failed


def _commands(r):
    label = f"{r['case']}, " if r.get("case") else ""
    return [f"# {label}{r['client']} {r['mode']} -> {r['server']}", "server: " + r["server_command"],
            "client: " + r["command"]]


def csv_columns(rows, sections):
    """report.COLUMNS for req/s rows, then the columns of any group that brings its own."""
    cols = list(report.COLUMNS) if rows or any(s.rows and not s.columns for s in sections) else []
    for s in sections:
        if s.rows and s.columns:
            cols += [c for c in s.columns if c not in cols]
    return cols or list(report.COLUMNS)


def write_results(plan, rows, lim, cg, meta, sections=()):
    base = os.path.join(plan.results_dir, plan.name)
    every_row = rows + [r for s in sections for r in s.rows]
    report.write_csv(base + ".csv", every_row, csv_columns(rows, sections))
    plots, err = report.write_plots(plan.tmpdir, plan.results_dir, plan.name, rows) if rows else ([], "")
    for s in sections:
        if s.rows:
            s.plot, e = (s.draw or report.write_section_plot)(plan.tmpdir, plan.results_dir, plan.name, s)
            err += e
    if err:
        print("gnuplot failed: " + err, flush=True)
    commands = [c for r in rows for c in _commands(r)]
    if lim:
        commands += ["# limit", "server: " + lim["server_command"], "client: " + lim["client_command"]]
    for c in cg:
        commands += [f"# callgrind {c['mode']}", "server: " + c["command"], "client: " + c["client"]]
    configs = {r["server"]: r["server_conf"] for r in rows if r.get("server_conf")}
    for s in sections:
        commands += s.commands + [c for r in s.rows if r.get("command") for c in _commands(r)]
        for r in s.rows:
            if r.get("server_conf"):
                configs.setdefault(f"{r['server']} ({s.key})", r["server_conf"])
        configs.update(s.configs)
    report.write_markdown(base + ".md", plan.name, meta, rows, ratios(rows, lim), lim, cg, plots, commands, configs,
                          sections)
