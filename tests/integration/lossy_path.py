"""sluice versus Linux on the same impaired path (issue 8).

Downloads through the link emulator (loss, delay + reordering, duplication, a bottleneck) from
sluice on the userspace stack and from nginx on Linux behind the same path; every byte must arrive
intact. The topology, the conditions, the servers and the downloads are bench/lib's lossy_*.py,
which bench/run's `lossy` group measures with (50 MB x 5 runs, goodput ratios, plots); this is the
test's thin front end over them.

Usage: lossy_path.py SLUICE LINKEMU [--size MB] [--runs N] [--conditions a,b] [--limit S] [--out PREFIX]
Exit 0 when every download completed byte-exact; prints (and with --out writes) the goodput table.
"""
import argparse
import atexit
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "lib"))

import lossy_net  # noqa: E402
import lossy_runs  # noqa: E402
import procs  # noqa: E402
from lossy_servers import Servers, make_file  # noqa: E402


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sluice")
    ap.add_argument("linkemu")
    ap.add_argument("--size", type=int, default=5, help="MB per download")
    ap.add_argument("--runs", type=int, default=1, help="downloads per server and condition")
    ap.add_argument("--conditions", default=",".join(lossy_net.CONDITIONS))
    ap.add_argument("--limit", type=int, default=180, help="seconds per download at most")
    ap.add_argument("--out", help="write PREFIX.md and PREFIX.csv")
    args = ap.parse_args()
    unknown = set(args.conditions.split(",")) - set(lossy_net.CONDITIONS)
    if unknown:
        ap.error(f"--conditions: unknown {', '.join(sorted(unknown))}; choose from {', '.join(lossy_net.CONDITIONS)}")
    return args


def print_row(r):
    fmt = lambda v: "-" if v is None else f"{v:8.1f}"  # noqa: E731
    ratio = r.ratio()
    print(f"{r.condition:28s} sluice {fmt(r.median('sluice'))} Mbit/s   linux {fmt(r.median('linux'))} Mbit/s   "
          f"ratio {'-' if ratio is None else f'{ratio:.2f}'}   sluice retransmits "
          f"{r.sluice_counters.get('tcp.retransmitted_segments', 0)}, RTOs {r.sluice_counters.get('tcp.timeouts', 0)}",
          flush=True)


def measure_all(args, workdir):
    net = lossy_net.Net()
    src = make_file(os.path.join(workdir, "www"), args.size * 1024 * 1024)
    setup = lossy_runs.Setup(net, Servers(net, args.sluice, workdir, os.path.dirname(src)), args.linkemu, src,
                             args.runs, args.limit, workdir)
    results = []
    try:
        net.create()
        print(f"Linux congestion control in the nginx namespace: {net.linux_cc}", flush=True)
        for name in args.conditions.split(","):
            results.append(lossy_runs.measure(setup, name))
            print_row(results[-1])
    except Exception:
        print(setup.servers.error_log()[-1500:])
        raise
    finally:
        net.delete()
    return results, net.linux_cc


def write_results(args, results, linux_cc):
    with open(args.out + ".csv", "w") as f:
        f.write("condition,spec,sluice_mbit,linux_mbit,ratio\n")
        for r in results:
            f.write(f"{r.condition},{r.spec or '-'},{r.median('sluice') or 0:.2f},{r.median('linux') or 0:.2f},"
                    f"{r.ratio() or 0:.3f}\n")
    with open(args.out + ".md", "w") as f:
        f.write("# Goodput through the link emulator: sluice (userspace stack) vs Linux (nginx, CUBIC)\n\n")
        f.write(f"{args.size} MB downloads, median of {args.runs}; Linux congestion control: {linux_cc}; "
                f"command: `{' '.join(sys.argv)}`\n\n")
        f.write("| condition | emulator spec (each direction) | sluice Mbit/s | Linux Mbit/s | sluice/Linux |\n"
                "|---|---|---|---|---|\n")
        for r in results:
            f.write(f"| {r.condition} | `{r.spec or '-'}` | {r.median('sluice') or 0:.1f} | "
                    f"{r.median('linux') or 0:.1f} | {r.ratio() or 0:.2f} |\n")


def main():
    args = parse_args()
    atexit.register(procs.cleanup)
    procs.install_signal_cleanup()
    workdir = tempfile.mkdtemp(prefix="sluice-lossy-")
    os.chmod(workdir, 0o755)
    try:
        results, linux_cc = measure_all(args, workdir)
    finally:
        procs.run(["rm", "-rf", workdir], check=False)
    if args.out:
        write_results(args, results, linux_cc)
    failures = [f for r in results for f in r.failures]
    for f in failures:
        print("FAILED:", f)
    print(f"{len(results) * 2 * args.runs - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
