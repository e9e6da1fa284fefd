"""The `lossy` group's part of the report: one row per condition (CSV columns and a markdown table)
and a plot of the goodput ratio per condition against the target, with both servers' goodput."""
import os

import report

TARGET = 0.9  # issue 8: sluice's goodput at least 0.9 of Linux's on every impaired path
# sluice's exit counters of interest (summed over a condition's downloads) and Linux's (nstat).
SLUICE_COUNTERS = [(k, "tcp." + k) for k in ("retransmitted_segments", "fast_retransmits", "timeouts",
                                               "tail_loss_probes", "spurious_undos")]
LINUX_COUNTERS = ["retransmitted_segments", "fast_retransmits", "timeouts", "tail_loss_probes", "undos"]
COLUMNS = (["scenario", "case", "spec", "runs", "size_mb", "downloads_failed"]
           + [f"{w}_mbit_{s}" for w in ("sluice", "linux") for s in ("median", "min", "max")]
           + ["ratio", "meets_target"] + [f"sluice_{k}" for k, _ in SLUICE_COUNTERS]
           + [f"linux_{k}" for k in LINUX_COUNTERS] + ["emu_data_dropped", "emu_ack_dropped", "emu_duplicated",
                                                        "emu_reordered"])


def _emulator(result, direction, key):
    return (result.emulator.get(direction) or {}).get(key)


def _emulator_both(result, key):
    v = [_emulator(result, d, key) for d in ("a2b", "b2a")]
    return sum(x for x in v if x is not None) if any(x is not None for x in v) else None


def row(result, runs, size_mb):
    """The CSV/table row of one condition (lossy_runs.Result)."""
    r = {"scenario": "7-lossy", "case": result.condition, "spec": result.spec or "-", "runs": runs,
         "size_mb": size_mb, "downloads_failed": len(result.failures), "ratio": result.ratio()}
    for who in ("sluice", "linux"):
        v = result.mbit[who]
        r[f"{who}_mbit_median"] = result.median(who)
        r[f"{who}_mbit_min"], r[f"{who}_mbit_max"] = (min(v), max(v)) if v else (None, None)
    r["meets_target"] = None if r["ratio"] is None else ("yes" if r["ratio"] >= TARGET else "no")
    r.update({f"sluice_{k}": result.sluice_counters.get(c, 0) for k, c in SLUICE_COUNTERS})
    r.update({f"linux_{k}": result.linux_counters.get(k, 0) for k in LINUX_COUNTERS})
    # b2a: from the bridge (the servers) to the client, the data; a2b: the client's ACKs.
    r["emu_data_dropped"] = _emulator(result, "b2a", "dropped")
    r["emu_ack_dropped"] = _emulator(result, "a2b", "dropped")
    r["emu_duplicated"], r["emu_reordered"] = _emulator_both(result, "duplicated"), _emulator_both(result, "reordered")
    return r


def _f(v, digits=1):
    return "-" if v is None else f"{v:,.{digits}f}" if isinstance(v, float) else f"{v:,}"


def _range(r, who):
    return f"{_f(r[f'{who}_mbit_min'])}..{_f(r[f'{who}_mbit_max'])}"


def table(rows):
    """Markdown lines: goodput per condition, the ratio against the target, and the retransmissions."""
    out = ["| condition | emulator spec (each direction) | sluice Mbit/s | min..max | Linux Mbit/s | min..max | "
           f"sluice/Linux | >= {TARGET} | sluice retrans / fast / RTO / TLP / undo | "
           "Linux retrans / fast / RTO / TLP / undo |", "|---|---|---:|---:|---:|---:|---:|---|---:|---:|"]
    for r in rows:
        sl = " / ".join(_f(r[f"sluice_{k}"]) for k, _ in SLUICE_COUNTERS)
        lx = " / ".join(_f(r[f"linux_{k}"]) for k in LINUX_COUNTERS)
        out.append(f"| {r['case']} | `{r['spec']}` | {_f(r['sluice_mbit_median'])} | {_range(r, 'sluice')} | "
                   f"{_f(r['linux_mbit_median'])} | {_range(r, 'linux')} | {_f(r['ratio'], 2)} | "
                   f"{r['meets_target'] or '-'} | {sl} | {lx} |")
    return out


def emulator_note(r):
    if r["emu_data_dropped"] is None:
        return None
    return (f"{r['case']}: the emulator dropped {r['emu_data_dropped']:,} data-direction frames and "
            f"{r['emu_ack_dropped']:,} ACK-direction frames, duplicated {r['emu_duplicated']:,} and reordered "
            f"{r['emu_reordered']:,} (both servers' downloads together)")


def draw(tmpdir, results_dir, name, section):
    """<name>-<key>.png: sluice/Linux per condition with the target line; under it both goodputs."""
    png = f"{name}-{section.key}.png"
    dat = os.path.join(tmpdir, f"plot-{section.key}.dat")
    with open(dat, "w") as f:
        for r in section.rows:
            vals = [r["ratio"], r["sluice_mbit_median"], r["linux_mbit_median"]]
            f.write(f'"{r["case"]}" ' + " ".join("-" if v is None else f"{v:.4f}" for v in vals) + "\n")
    top = max([TARGET] + [r["ratio"] for r in section.rows if r["ratio"]]) * 1.15  # the target line in view
    script = report._GP_HEAD.format(height=900) + f"""set output "{os.path.join(results_dir, png)}"
set multiplot layout 2,1 title "{name}: {section.title}"
set title "goodput sluice / Linux (medians of the downloads); target {TARGET}"
set yrange [0:{top:.2f}]
set xtics scale 0
set key outside bottom center horizontal
plot "{dat}" using 2:xtic(1) title "sluice / Linux" lc rgb "{report.COLORS[0]}", \\
     {TARGET} with lines dt 2 lw 2 lc rgb "#cc0000" title "target {TARGET}"
set title "goodput, Mbit/s (median of the downloads)"
set logscale y
set yrange [*:*]
set ylabel "Mbit/s"
plot "{dat}" using 3:xtic(1) title "sluice (userspace stack)" lc rgb "{report.COLORS[0]}", \\
     "" using 4 title "Linux (nginx, CUBIC)" lc rgb "{report.COLORS[2]}"
unset multiplot
"""
    err = report._gnuplot(tmpdir, f"plot-{section.key}", script)
    return (None, err) if err else (png, "")
