"""bench/results/<name>.md, .csv and PNG plots (gnuplot) from the measured rows."""
import csv
import os
import statistics
import subprocess

COLUMNS = ["scenario", "case", "client", "server", "mode", "runs", "rps_median", "rps_min", "rps_max", "p50_ms",
           "p90_ms", "p99_ms", "p999_ms", "max_ms", "errors", "frames_per_request", "client_cpu",
           "resumed_share", "server_busy", "client_busy"]


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
            "client_cpu": _med([r.get("client_cpu") for r in runs]),
            "server_busy": _med([r.get("server_busy") for r in runs]),
            "client_busy": _med([r.get("client_busy") for r in runs]),
            "command": runs[0].get("command", "") if runs else "",
            "server_command": runs[0].get("server_command", "") if runs else "",
            "server_conf": runs[0].get("server_conf", "") if runs else ""}


def _fmt(v, digits=0):
    if v is None:
        return "-"
    return f"{v:,.{digits}f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)


def _pct(v):
    return "-" if v is None else f"{100 * v:.0f} %"


def _share(v):
    """A share to one decimal (0.4 % of resumed handshakes is not 0 %)."""
    return "-" if v is None else f"{100 * v:.1f} %"


def write_csv(path, rows, columns=COLUMNS):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r.get(c) is None else (f"{r[c]:.3f}" if isinstance(r[c], float) else r[c])
                        for c in columns])


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


COLORS = ["#3366aa", "#cc5533", "#55aa55", "#aa8822", "#8855aa"]
_GP_HEAD = """set terminal pngcairo size 1200,{height} noenhanced font ",10"
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key top left
"""


def _plot(datafile, titles):
    return ", ".join(f'"{datafile}" using {i + 2}{":xtic(1)" if i == 0 else ""} title "{t}" '
                     f'lc rgb "{COLORS[i % len(COLORS)]}"' for i, t in enumerate(titles))


def _gnuplot(tmpdir, name, script):
    sp = os.path.join(tmpdir, name + ".gp")
    with open(sp, "w") as f:
        f.write(script)
    p = subprocess.run(["gnuplot", sp], capture_output=True, text=True, timeout=60)
    return p.stderr if p.returncode != 0 else ""


def write_plots(tmpdir, results_dir, name, rows):
    """Clustered bar charts per client and mode, one bar per server: req/s, and p50 / p99 latency."""
    clusters = _clusters(rows)
    files = {}
    for key in ("rps_median", "p50_ms", "p99_ms"):
        files[key] = os.path.join(tmpdir, f"plot-{key}.dat")
        _data_file(files[key], clusters, key)
    rps_png = os.path.join(results_dir, f"{name}-rps.png")
    lat_png = os.path.join(results_dir, f"{name}-latency.png")
    titles = [t for t, _ in SERIES]
    script = _GP_HEAD.format(height=600) + f"""
set output "{rps_png}"
set title "{name}: requests/s (median of runs), 600-byte GET, 1 server worker"
set ylabel "requests/s"
set yrange [0:*]
plot {_plot(files["rps_median"], titles)}
set terminal pngcairo size 1200,900 noenhanced font ",10"
set output "{lat_png}"
set multiplot layout 2,1
set logscale y
set yrange [*:*]
set title "{name}: p50 latency (median of runs), ms"
set ylabel "ms"
plot {_plot(files["p50_ms"], titles)}
set title "{name}: p99 latency (median of runs), ms"
plot {_plot(files["p99_ms"], titles)}
unset multiplot
"""
    err = _gnuplot(tmpdir, "plot", script)
    if err:
        return [], err
    return [os.path.basename(rps_png), os.path.basename(lat_png)], ""


def section_clusters(rows):
    """A scenario group's bar chart: ([(cluster label, {series index: row})], series labels), one
    cluster per case and mode, one series per server label, in the order the rows came."""
    series = list(dict.fromkeys(r["server"] for r in rows))
    clusters = {}
    for r in rows:
        label = f"{r['case']} {r['mode']}" if r.get("case") else r["mode"]
        clusters.setdefault(label, {})[series.index(r["server"])] = r
    return list(clusters.items()), series


def write_section_plot(tmpdir, results_dir, name, section):
    """<name>-<key>.png: req/s, one panel per case and mode (each with its own scale: handshakes/s
    and keep-alive req/s differ a hundredfold), one bar per server; returns (file name, error)."""
    clusters, series = section_clusters(section.rows)
    png = f"{name}-{section.key}.png"
    script = _GP_HEAD.format(height=600) + f"""set output "{os.path.join(results_dir, png)}"
set multiplot layout 1,{len(clusters)} title "{name}: {section.title}: requests/s (median of runs), 1 server worker"
set yrange [0:*]
set format y "%.0f"
set xtics scale 0
set key top right font ",8"
"""
    for n, (label, by_series) in enumerate(clusters):
        dat = os.path.join(tmpdir, f"plot-{section.key}-{n}.dat")
        vals = [f"{by_series[i]['rps_median']:.4f}" if by_series.get(i, {}).get("rps_median") else "-"
                for i in range(len(series))]
        with open(dat, "w") as f:
            f.write('"" ' + " ".join(vals) + "\n")
        script += (f'set title "{label}"\nset ylabel "{"requests/s" if n == 0 else ""}"\n'
                   f'{"" if n == 0 else "unset key"}\nplot {_plot(dat, series)}\n')
    script += "unset multiplot\n"
    err = _gnuplot(tmpdir, f"plot-{section.key}", script)
    return (None, err) if err else (png, "")


def _table(rows):
    out = ["| client | server | mode | req/s (median) | min..max | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |"
           " errors | frames/req | server busy | client busy |",
           "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['client']} | {r['server']} | {r['mode']} | {_fmt(r['rps_median'])} | "
                   f"{_fmt(r['rps_min'])}..{_fmt(r['rps_max'])} | {_fmt(r['p50_ms'], 3)} | {_fmt(r['p90_ms'], 3)} | "
                   f"{_fmt(r['p99_ms'], 3)} | {_fmt(r['p999_ms'], 3)} | {_fmt(r['max_ms'], 3)} | {r['errors']} | "
                   f"{_fmt(r['frames_per_request'], 2)} | {_pct(r.get('server_busy'))} | {_pct(r.get('client_busy'))} |")
    return out


def _section(s):
    """A scenario group (runs.Section): its results, ratios, notes and plot."""
    L = [f"## {s.title}", ""] + ([s.intro, ""] if s.intro else [])
    if s.table:
        L += s.table + [""]
    elif s.rows:
        # A `resumed` column (the share of TLS handshakes that resumed) when the group counted any.
        resumed = any(r.get("resumed_share") is not None for r in s.rows)
        L += ["| case | server | mode | req/s (median) | min..max | p50 ms | p90 ms | p99 ms | max ms | errors | "
              "frames/req | wrk CPU |" + (" resumed |" if resumed else ""),
              "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if resumed else "")]
        L += [f"| {r['case']} | {r['server']} | {r['mode']} | {_fmt(r['rps_median'])} | {_fmt(r['rps_min'])}.."
              f"{_fmt(r['rps_max'])} | {_fmt(r['p50_ms'], 3)} | {_fmt(r['p90_ms'], 3)} | {_fmt(r['p99_ms'], 3)} | "
              f"{_fmt(r['max_ms'], 3)} | {r['errors']} | {_fmt(r['frames_per_request'], 2)} | "
              f"{_pct(r.get('client_cpu'))} |" + (f" {_share(r.get('resumed_share'))} |" if resumed else "")
              for r in s.rows]
        L.append("")
    if s.ratios:
        L += ["| ratio (same run) | case | mode | value |", "|---|---|---|---:|"]
        L += [f"| {r['what']} | {r['case']} | {r['mode']} | {_fmt(r['value'], 2)} |" for r in s.ratios] + [""]
    L += [f"- {n}" for n in s.notes] + ([""] if s.notes else [])
    if s.plot:
        L += [f"![{s.plot}]({s.plot})", ""]
    return L


def _range(r):
    return f", runs {r[0]:,.0f}..{r[1]:,.0f}" if r else ""


def write_markdown(path, name, meta, rows, ratios, limit, callgrind, plots, commands, configs, sections=()):
    L = [f"# sluice benchmark: {name}", ""]
    L += [f"- {k}: {v}" for k, v in meta.items()]
    L += ["", "Figures are medians over the runs of each configuration; a fresh server is started for every run."]
    if rows or any(not s.table for s in sections):
        L += ["Latency columns for wrk are wrk's own (it reports no p99.9); sluice-load's come from its HDR-style "
              "histogram."]
    if rows:
        L += ["Server busy and client busy: the share of the load's duration a userspace-stack worker spent after "
              "polls that received frames (its poll.busy_us counter; a busy-polling core shows 100 % CPU either way). "
              "The side near 100 % is what limits req/s; the other had the rest of its core to spare."]
    if any(not s.table for s in sections):
        L += ["In the scenario groups' tables, wrk CPU is the CPU time wrk used over a run, as a share of its one "
              "core (near 100 %, the client rather than the server may be what limits req/s); frames/req counts "
              "every frame the userspace stack moved, upstream ones included."]
    L += [""]
    if rows:
        L += ["## Results", ""] + _table(rows) + [""]
    if ratios:
        L += ["## Ratios (same run)", "", "| ratio | mode | client | value |", "|---|---|---|---:|"]
        L += [f"| {r['what']} | {r['mode']} | {r['client']} | {_fmt(r['value'], 2)} |" for r in ratios] + [""]
    if limit:
        L += ["## The packet-rate limit (dpdk-testpmd on the same veth + net_af_packet path)", "",
              "testpmd in the client namespace sends 64-byte frames (txonly); testpmd in the server namespace "
              "forwards each one back out of the same port (io, loop topology), on the benchmark's CPUs. The "
              "server side's received + sent frames per second, over the frames sluice moved per request "
              "(received + sent, from its own counters in the runs above), is the request rate the path allows.",
              "", f"- server frames/s (rx + tx, median of {limit['runs']} runs"
              + (", each right after a round of the sluice-load runs above" if limit.get("interleaved") else "")
              + f"): {limit['server_pps']:,.0f}" + _range(limit.get("server_pps_range"))
              + f" (the client sent {limit['client_tx_pps']:,.0f}/s)"]
        for key, per in limit.get("per_request", {}).items():
            L.append(f"- {key}: {per['frames']:.2f} frames per request, so at most "
                     f"{per['rps']:,.0f} requests/s")
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
    for sec in sections:
        L += _section(sec)
    L += ["## Command lines", ""] + [f"    {c}" for c in commands] + [""]
    L += ["## Server configurations (paths are under bench/results/tmp/)", ""]
    for server, text in configs.items():
        L += [f"{server}:", ""] + [f"    {line}" for line in text.strip().splitlines()] + [""]
    with open(path, "w") as f:
        f.write("\n".join(L))
