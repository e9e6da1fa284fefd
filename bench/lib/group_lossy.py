"""Scenario group `lossy` (issue 8): goodput of sluice on the userspace stack and of nginx on Linux
(CUBIC) behind the same impaired path (sluice-linkemu: loss, delay with reordering, duplication, a
20 Mbit/s bottleneck), in curl downloads of one file: the median per server and condition, the
ratio sluice / Linux against the 0.9 target, and the retransmissions each stack counted. Its own
five namespaces (lossy_net.py); every download is checked byte-exact, and one that is not fails
the group (after the others are measured and reported).
"""
import os

import lossy_net
import lossy_report
import lossy_runs
import lossy_servers
import runs
from lossy_servers import Servers, make_file

TITLE = "Impaired path: download goodput, sluice (userspace stack) / Linux (nginx, CUBIC)"
SIZE_MB = {True: 5, False: 50}  # quick, full
LIMIT_S = {True: 120, False: 300}  # per download: 50 MB at a 20 Mbit/s bottleneck takes ~21 s


def intro(plan, size_mb, linux_cc):
    return (f"curl from the client namespace downloads a {size_mb} MB file {plan.runs} times from each server per "
            "condition, sluice and nginx in turn (who goes first alternates), through sluice-linkemu (the "
            "spec applies to each direction) and a bridge shared by both servers; both servers start fresh for "
            "every run (one download from each). sluice: one worker on DPDK net_af_packet, a TCP send buffer "
            f"as large as Linux's autotuning maximum ({lossy_servers.linux_send_buffer_max() // 1024} KB, "
            "tcp_wmem); nginx: "
            f"one worker, sendfile, Linux congestion control `{linux_cc}`, `tcp_no_metrics_save = 1` (no ssthresh "
            "carried from one download to the next; sluice keeps none). Goodput is the file's size over "
            "curl's total time (connect to last byte), in 10^6 bit/s; the ratio is of the medians, and the "
            f"target is {lossy_report.TARGET}. Retransmission counters are over the condition's downloads: "
            "sluice's from its exit counters (`tcp.retransmitted_segments`, `fast_retransmits`, `timeouts` "
            "(RTOs), `tail_loss_probes`, `spurious_undos`), Linux's from nstat in nginx's namespace "
            "(`TcpRetransSegs`, `TCPFastRetrans`, `TCPTimeouts`, `TCPLossProbes`, and the undos: "
            "`TCPFullUndo` + `TCPPartialUndo` + `TCPDSACKUndo` + `TCPLossUndo`).")


def measure(setup):
    results = []
    try:
        setup.net.create()
        for condition in lossy_net.CONDITIONS:
            results.append(lossy_runs.measure(setup, condition))
            r = results[-1]
            print(f"  {condition}: sluice {r.median('sluice') or 0:,.1f} Mbit/s, Linux {r.median('linux') or 0:,.1f} "
                  f"Mbit/s, ratio {r.ratio() or 0:.2f}", flush=True)
    finally:
        setup.net.delete()
    return results


def run(plan):
    size_mb = SIZE_MB[plan.quick]
    workdir = os.path.join(plan.tmpdir, "lossy")
    src = make_file(os.path.join(workdir, "www"), size_mb * 1024 * 1024)
    net = lossy_net.Net()
    setup = lossy_runs.Setup(net, Servers(net, plan.sluice, workdir, os.path.dirname(src)), plan.linkemu, src,
                             plan.runs, LIMIT_S[plan.quick], workdir)
    results = measure(setup)
    rows = [lossy_report.row(r, plan.runs, size_mb) for r in results]
    failures = [f for r in results for f in r.failures]
    notes = [f"FAILED download: {f}" for f in failures] + [n for n in map(lossy_report.emulator_note, rows) if n]
    configs = {"sluice (lossy)": open(setup.servers.sluice_conf).read(),
               "nginx (lossy)": open(setup.servers.nginx_conf).read()}
    return runs.Section("lossy", TITLE, intro(plan, size_mb, net.linux_cc), rows, [], notes,
                        commands=["# lossy"] + lossy_runs.commands(setup), configs=configs,
                        table=lossy_report.table(rows), columns=lossy_report.COLUMNS, draw=lossy_report.draw,
                        failed=bool(failures))
