"""Scenario group `proxy`: wrk -> a reverse proxy (sluice on the userspace stack, sluice on Linux
sockets, or nginx proxy_pass) -> one nginx backend serving the 600-byte file, with keep-alive
upstream connections on both proxies (sluice: [[upstream]] keepalive; nginx: upstream keepalive,
proxy_http_version 1.1 and an empty Connection header), and the client in close and keep-alive
modes.

The backend listens on 198.18.0.5, a second Linux address on the client end of the veth, pinned to
the client CPU: the userspace stack reaches only what is on its port's wire, so the backend cannot
sit on the server namespace's loopback for sluice-dpdk, and the other two proxies are given the
same path so that all three do the same work. The proxy under test alone has the server CPU.
"""
import runs
import topology as topo
from servers import Options, Server

TITLE = "Reverse proxy: wrk -> proxy -> nginx backend (keep-alive upstream connections)"
BACKEND_PORT = 8080
MODES = ["close", "keepalive"]
RATIOS = [("sluice-dpdk", "nginx", "sluice-dpdk / nginx"), ("sluice-kernel", "nginx", "sluice-kernel / nginx"),
          ("sluice-dpdk", "sluice-kernel", "sluice-dpdk / sluice-kernel")]


def backend(plan):
    opts = Options(suffix="-backend", ns=topo.CLI_NS, ip=topo.BACKEND_IP, port=BACKEND_PORT, cpu=topo.CLIENT_CPU)
    return Server("nginx", plan.sluice, plan.tmpdir, plan.www, opts=opts)


def upstream_note(row):
    """How the proxy used its upstream connections, from sluice's own counters."""
    c = row.get("counters") or {}
    if "proxy.requests" not in c:
        return None
    note = (f"{row['server']} {row['mode']}: {c['proxy.requests']:,} proxied requests, "
            f"{c.get('proxy.retries', 0):,} retries ({c.get('proxy.stale_retries', 0):,} on a kept-alive "
            f"connection the backend had closed), {c.get('proxy.connect_errors', 0):,} connect errors, "
            f"{c.get('proxy.502', 0) + c.get('proxy.504', 0):,} 502/504 of its own")
    if "conn_active" in c:  # the userspace stack counts the connections it opened: the upstream ones
        note += f", {c['conn_active']:,} upstream connections opened"
    return note


def run(plan):
    topo.client_linux(True, backend=True)
    be = backend(plan)
    be.start()
    try:
        runs.probe(be, runs.PATH)
        opts = Options(suffix="-proxy", proxy_to=f"{topo.BACKEND_IP}:{BACKEND_PORT}",
                       upstream_keepalive=plan.connections)
        cases = [runs.Case("proxy 600 B", s, s, m, runs.PATH, opts) for s in plan.servers for m in MODES]
        rows = runs.run_cases(plan, "7-proxy", cases)
    finally:
        be.stop()
    intro = (f"wrk (Linux client, {plan.connections} connections) -> the proxy (one worker on CPU "
             f"{topo.SERVER_CPU}) -> nginx backend on {topo.BACKEND_IP}:{BACKEND_PORT} (one worker on CPU "
             f"{topo.CLIENT_CPU}, with wrk), 600-byte GET; up to {plan.connections} idle upstream connections "
             "kept by either proxy. The backend is across the veth (a second Linux address on the client "
             "side): the userspace stack reaches only its port's wire, so every proxy is given that path.")
    notes = [n for f in (upstream_note, runs.retransmit_note) for n in map(f, rows) if n]
    return runs.Section("proxy", TITLE, intro, rows, runs.pair_ratios(rows, RATIOS), notes,
                        commands=["# proxy backend (started once for the group)", "server: " + be.command_line()],
                        configs={"nginx backend (proxy)": open(be.conf).read()})
