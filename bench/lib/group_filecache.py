"""Scenario group `filecache`: static GETs of a 600-byte and a 64 KB file over keep-alive (wrk)
against sluice on the userspace stack with its per-worker file cache on (the default) and off
([file_cache] enabled = false: every request opens, stats and reads the file), and nginx with
open_file_cache on, as its documentation advises.
"""
import runs
import topology as topo
from servers import Options

TITLE = "Static files: sluice's per-worker file cache on and off, and nginx (open_file_cache)"
SIZES = [("600 B", "/small.bin"), ("64 KB", "/64k.bin")]  # bench/run's make_site writes both
ON, OFF = "sluice-dpdk, cache on", "sluice-dpdk, cache off"
RATIOS = [(ON, OFF, "sluice-dpdk cache on / cache off"), (ON, "nginx", "sluice-dpdk (cache on) / nginx"),
          (OFF, "nginx", "sluice-dpdk (cache off) / nginx")]


def cases(servers):
    out = []
    for size, path in SIZES:
        if "sluice-dpdk" in servers:
            out.append(runs.Case(size, "sluice-dpdk", ON, "keepalive", path))
            out.append(runs.Case(size, "sluice-dpdk", OFF, "keepalive", path, Options(suffix="-nocache",
                                                                                   file_cache=False)))
        if "nginx" in servers:
            out.append(runs.Case(size, "nginx", "nginx", "keepalive", path))
    return out


def run(plan):
    topo.client_linux(True)
    rows = runs.run_cases(plan, "5-filecache", cases(plan.servers))
    intro = ("wrk (Linux client, keep-alive, "
             f"{plan.connections} connections) -> one server worker; sluice on the userspace stack with "
             "`[file_cache] enabled = false` (every request opens, stats and reads the file) versus "
             "its default per-worker cache, and nginx with open_file_cache (descriptors and metadata cached; "
             "the bytes come from the page cache through sendfile).")
    notes = [n for n in map(runs.retransmit_note, rows) if n]
    return runs.Section("filecache", TITLE, intro, rows, runs.pair_ratios(rows, RATIOS), notes)
