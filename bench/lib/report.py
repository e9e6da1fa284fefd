"""bench/results/<name>.md, .csv and PNG plots (gnuplot) from the measured rows."""
import csv
import os
import statistics
import subprocess

COLUMNS = ["scenario", "client", "server", "mode", "runs", "rps_median", "rps_min", "rps_max", "p50_ms", "p90_ms",
           "p99_ms", "p999_ms", "max_ms", "errors", "frames_per_request"]


def _med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(scenario, client, server, mode, runs):
    """One row from the runs of one configuration: medians of each figure over the runs."""
    rps = [r["rps"] for r in runs]
    return {"scenario": scenario, "client": client, "server": server, "mode": mode, "runs": len(runs),
            "rps_median": _med(rps), "rps_min": min(rps) if rps else None, "rps_max": max(rps) if rps else None,
            "p50_ms": _med([r.get("p50_ms") for r in runs]), "p90_ms": _med([r.get("p90_ms") for r in runs]),
            "p99_ms": _med([r.get("p99_ms") for r in runs]), "p999_ms": _med([r.get("p999_ms") for r in runs]),
            "max_ms": _med([r.get("max_ms") for r in runs]), "errors": sum(r.get("errors", 0) for r in runs),
            "frames_per_request": _med([r.get("frames_per_request") for r in runs]),
            "command": runs[0].get("command", "") if runs else "",
            "server_command": runs[0].get("server_command", "") if runs else "",
            "server_conf": runs[0].get("server_conf", "") if runs else ""}


def _fmt(v, digits=0):
    if v is None:
        return "-"
    return f"{v:,.{digits}f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow(["" if r.get(c) is None else (f"{r[c]:.3f}" if isinstance(r[c], float) else r[c])
                        for c in COLUMNS])


SERIES = [("sluice on the userspace stack", ("sluice-dpdk", "sluice-memif")), ("sluice on Linux sockets",
          ("sluice-kernel",)), ("nginx", ("nginx",))]


def _clusters(rows):
    """[(label, {series index: row})] in the order the rows came: one cluster per client and mode."""
    out = {}
    for r in rows:
        client = "memif" if r["client"] == "sluice-load-memif" else r["client"]
        by_series = out.setdefault(f"{client} {r['mode']}", {})
        for i, (_, names) in enumerate(SERIES):
            if r["server"] in names:
                by_series[i] = r
    return list(out.items())


def _data_file(path, clusters, key):
    with open(path, "w") as f:
        for label, by_series in clusters:
            vals = []
            for i in range(len(SERIES)):
                v = by_series.get(i, {}).get(key)
                vals.append(f"{v:.4f}" if v else "-")
            f.write(f"\"{label}\" " + " ".join(vals) + "\n")


def write_plots(tmpdir, results_dir, name, rows):
    """Clustered bar charts per client and mode, one bar per server: req/s, and p50 / p99 latency."""
    clusters = _clusters(rows)
    files = {}
    for key in ("rps_median", "p50_ms", "p99_ms"):
        files[key] = os.path.join(tmpdir, f"plot-{key}.dat")
        _data_file(files[key], clusters, key)
    rps_png = os.path.join(results_dir, f"{name}-rps.png")
    lat_png = os.path.join(results_dir, f"{name}-latency.png")
    colors = ["#3366aa", "#cc5533", "#55aa55"]

    def plot(datafile):
        return ", ".join(f'"{datafile}" using {i + 2}{":xtic(1)" if i == 0 else ""} title "{t}" lc rgb "{colors[i]}"'
                         for i, (t, _) in enumerate(SERIES))
    script = f"""
set terminal pngcairo size 1200,{600} noenhanced font ",10"
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key top left
set output "{rps_png}"
set title "{name}: requests/s (median of runs), 600-byte GET, 1 server worker"
set ylabel "requests/s"
set yrange [0:*]
plot {plot(files["rps_median"])}
set terminal pngcairo size 1200,900 noenhanced font ",10"
set output "{lat_png}"
set multiplot layout 2,1
set logscale y
set yrange [*:*]
set title "{name}: p50 latency (median of runs), ms"
set ylabel "ms"
plot {plot(files["p50_ms"])}
set title "{name}: p99 latency (median of runs), ms"
plot {plot(files["p99_ms"])}
unset multiplot
"""
    sp = os.path.join(tmpdir, "plot.gp")
    with open(sp, "w") as f:
        f.write(script)
    p = subprocess.run(["gnuplot", sp], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        return [], p.stderr
    return [os.path.basename(rps_png), os.path.basename(lat_png)], ""


def _table(rows):
    out = ["| client | server | mode | req/s (median) | min..max | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |"
           " errors | frames/req |",
           "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['client']} | {r['server']} | {r['mode']} | {_fmt(r['rps_median'])} | "
                   f"{_fmt(r['rps_min'])}..{_fmt(r['rps_max'])} | {_fmt(r['p50_ms'], 3)} | {_fmt(r['p90_ms'], 3)} | "
                   f"{_fmt(r['p99_ms'], 3)} | {_fmt(r['p999_ms'], 3)} | {_fmt(r['max_ms'], 3)} | {r['errors']} | "
                   f"{_fmt(r['frames_per_request'], 2)} |")
    return out


def write_markdown(path, name, meta, rows, ratios, limit, callgrind, plots, commands, configs):
    L = [f"# sluice benchmark: {name}", ""]
    L += [f"- {k}: {v}" for k, v in meta.items()]
    L += ["", "Figures are medians over the runs of each configuration; a fresh server is started for every run.",
          "Latency columns for wrk are wrk's own (it reports no p99.9); sluice-load's come from its HDR-style "
          "histogram.", ""]
    L += ["## Results", ""] + _table(rows) + [""]
    L += ["## Ratios (same run)", "", "| ratio | mode | client | value |", "|---|---|---|---:|"]
    L += [f"| {r['what']} | {r['mode']} | {r['client']} | {_fmt(r['value'], 2)} |" for r in ratios] + [""]
    if limit:
        L += ["## The packet-rate limit (dpdk-testpmd on the same veth + net_af_packet path)", "",
              "testpmd in the client namespace sends 64-byte frames (txonly); testpmd in the server namespace "
              "forwards each one back out of the same port (io, loop topology), on the benchmark's CPUs. The "
              "server side's received + sent frames per second, over the frames sluice moved per request "
              "(received + sent, from its own counters in the runs above), is the request rate the path allows.",
              "", f"- server frames/s (rx + tx, median of {limit['runs']} runs): {limit['server_pps']:,.0f} "
              f"(the client sent {limit['client_tx_pps']:,.0f}/s)"]
        for mode in ("close", "keepalive"):
            if limit.get(f"limit_{mode}_rps"):
                L.append(f"- {mode}: {limit[f'frames_per_request_{mode}']:.2f} frames per request, so at most "
                         f"{limit[f'limit_{mode}_rps']:,.0f} requests/s")
        L.append("")
    if callgrind:
        L += ["## Instructions per request (callgrind, sluice worker thread)", "",
              "Ir/request: the worker thread's whole instruction count over the requests of the larger run "
              "(setup, teardown and idle polls included); marginal: the difference between a run of 3N and "
              "one of N requests, over 2N.", "",
              "| mode | requests | worker Ir | Ir/request | marginal Ir/request |", "|---|---:|---:|---:|---:|"]
        L += [f"| {c['mode']} | {c['requests']:,} | {c['worker_ir']:,} | {c['ir_per_request']:,.0f} | "
              f"{c['marginal_ir_per_request']:,.0f} |" for c in callgrind] + [""]
    if plots:
        L += ["## Plots", ""] + [f"![{p}]({p})" for p in plots] + [""]
    L += ["## Command lines", ""] + [f"    {c}" for c in commands] + [""]
    L += ["## Server configurations (paths are under bench/results/tmp/)", ""]
    for server, text in configs.items():
        L += [f"{server}:", ""] + [f"    {line}" for line in text.strip().splitlines()] + [""]
    with open(path, "w") as f:
        f.write("\n".join(L))
