"""Instructions per request of sluice's worker thread, from callgrind.

sluice (userspace stack on net_af_packet, one worker) runs under valgrind with one profile per
thread (--separate-threads); sluice-load sends a fixed number of requests and the server is stopped
right after. The worker is the thread with the most instructions; its total over the requests
served is the figure the issue asks for. Valgrind's gdbserver does not follow sluice's fork into
the engine, so instrumentation cannot be switched on just for the load: instead the worker sleeps
1 ms whenever a poll finds nothing (idle_sleep_us = 1000; under valgrind the server is never idle
while loaded), which makes idle polling before and after the load cost next to nothing, and a
second run with three times the requests gives the marginal cost per request, free of the
worker's one-time setup and teardown. Instruction counts do not depend on how busy the machine
is, so both figures are stable where req/s is not.
"""
import glob
import os
import re
import shlex

import clients
from servers import Server

VALGRIND = ["valgrind", "--tool=callgrind", "--separate-threads=yes"]


def _worker_total(prefix):
    """Ir of the worker thread: the per-thread profile under `prefix` that ran Worker::run() (a
    name that link-time optimization keeps)."""
    for path in sorted(glob.glob(prefix + "-*")):
        total, worker = None, False
        with open(path, errors="replace") as f:
            for line in f:
                m = re.match(r"(?:totals|summary):\s+(\d+)", line)
                if m:
                    total = max(total or 0, int(m.group(1)))
                elif "sluice::server::Worker::run()" in line:
                    worker = True
        if worker and total is not None:
            return total
    return None


def _one(sluice, sluice_load, workdir, www, mode, requests, connections):
    tag = f"callgrind-{mode}-{requests}"
    out_prefix = os.path.join(workdir, tag, "callgrind.out")
    os.makedirs(os.path.dirname(out_prefix), exist_ok=True)
    for old in glob.glob(out_prefix + "*"):
        os.unlink(old)
    wrapper = VALGRIND + [f"--callgrind-out-file={out_prefix}.%p"]
    # Under valgrind the engine's exit takes seconds: give it room before the master's kill.
    server = Server("sluice-dpdk", sluice, os.path.join(workdir, tag), www, idle_sleep_us=1000,
                    shutdown_timeout="30s")
    server.stop_grace = 60
    server.start(wrapper=wrapper)
    try:
        pid = server.engine_pid()
        cmd = clients.sluice_load_cmd(sluice_load, server.url("/small.bin"), mode, connections, 300,
                                      requests=requests)
        r, _ = clients.run_client(cmd, os.path.join(workdir, f"{tag}-client.log"), 300, clients.parse_sluice_load)
    finally:
        server.stop()
    worker_ir = _worker_total(f"{out_prefix}.{pid}")
    if not worker_ir or not r["requests"]:
        raise RuntimeError(f"callgrind: no worker profile or no responses ({out_prefix}.{pid}*, {r})")
    return {"worker_ir": worker_ir, "requests": r["requests"],
            "errors": r["errors"], "command": shlex.join(wrapper + server.cmd), "client": shlex.join(cmd)}


def measure(sluice, sluice_load, workdir, www, mode, requests, connections=16):
    small = _one(sluice, sluice_load, workdir, www, mode, requests, connections)
    big = _one(sluice, sluice_load, workdir, www, mode, 3 * requests, connections)
    marginal = (big["worker_ir"] - small["worker_ir"]) / max(1, big["requests"] - small["requests"])
    return {"mode": mode, "requests": big["requests"], "worker_ir": big["worker_ir"],
            "ir_per_request": big["worker_ir"] / big["requests"], "marginal_ir_per_request": marginal,
            "errors": small["errors"] + big["errors"], "command": big["command"], "client": big["client"]}
