"""Scenario group `tls`: HTTPS against sluice on the userspace stack, sluice on Linux sockets and
nginx, all with the same ECDSA P-256 certificate (made here with the openssl CLI) and the same
TLS settings (Mozilla intermediate). wrk over https with Connection: close makes every request a
new connection; wrk keeps its last session and offers it on the next connect. Full handshakes/s:
every server is told to allow no resumption (no tickets, no session cache), so each request is a
full handshake (sluice's counters confirm it). Resumed handshakes/s: the same with resumption on
(sluice's defaults: session tickets and its per-worker session cache; nginx: a shared session
cache and tickets); the share of handshakes that resumed comes from sluice's TLS counters and from
an nginx access log of $ssl_session_reused. Keep-alive measures requests over established TLS
connections.
"""
import os
import shlex

import procs
import runs
import topology as topo
from servers import Options

TITLE = "TLS: full and resumed handshakes/s (Connection: close) and keep-alive requests/s over https"
MODES = ["close", "keepalive"]
FULL, RESUMED = "https 600 B", "https 600 B, resumption on"
RATIOS = [("sluice-dpdk", "nginx", "sluice-dpdk / nginx"), ("sluice-kernel", "nginx", "sluice-kernel / nginx"),
          ("sluice-dpdk", "sluice-kernel", "sluice-dpdk / sluice-kernel")]


def make_certificate(tmpdir):
    """A self-signed ECDSA P-256 certificate for both server addresses; ((cert, key), command)."""
    d = os.path.join(tmpdir, "tls")
    os.makedirs(d, exist_ok=True)
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    cmd = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-keyout", key, "-out", cert, "-subj", "/CN=bench.sluice.test", "-days", "7",
           "-addext", f"subjectAltName=IP:{topo.DPDK_SERVER_IP},IP:{topo.KERNEL_SERVER_IP}"]
    procs.run(cmd)
    return (cert, key), shlex.join(cmd)


def handshake_note(row):
    """sluice's own count of the handshakes a configuration's runs made, and how many resumed."""
    c = row.get("counters") or {}
    if "tls.handshakes" not in c:
        return None
    case = f"{row['case']} " if row.get("case") else ""
    return (f"{row['server']} {case}{row['mode']}: {c['tls.handshakes']:,} handshakes over the runs, "
            f"{c.get('tls.resumed', 0):,} resumed, {c.get('tls.tls1.3', 0):,} TLS 1.3, "
            f"{c.get('tls.handshake_failures', 0):,} failed")


def resumed_share(counters):
    """The share of handshakes that resumed: sluice's tls.resumed / tls.handshakes, or for nginx the
    requests of its $ssl_session_reused log that came on a resumed session (with Connection: close,
    one request per handshake). None when neither was counted."""
    c = counters or {}
    if c.get("tls.handshakes"):
        return c.get("tls.resumed", 0) / c["tls.handshakes"]
    if c.get("nginx.ssl_requests"):
        return c.get("nginx.ssl_reused", 0) / c["nginx.ssl_requests"]
    return None


def nginx_session_note(row):
    c = row.get("counters") or {}
    if "nginx.ssl_requests" not in c:
        return None
    return (f"{row['server']} {row['case']} {row['mode']}: {c['nginx.ssl_requests']:,} requests in its "
            f"$ssl_session_reused log over the runs, {c.get('nginx.ssl_reused', 0):,} on a resumed session")


def cases(servers, tls):
    """Full handshakes (no resumption) close and keep-alive, then close with resumption on."""
    full = Options(suffix="-tls", tls=tls, tls_resumption=False)
    resumed = Options(suffix="-tls-resumed", tls=tls, tls_resumption=True, session_log=True)
    return ([runs.Case(FULL, s, s, m, runs.PATH, full) for s in servers for m in MODES]
            + [runs.Case(RESUMED, s, s, "close", runs.PATH, resumed) for s in servers])


def run(plan):
    topo.client_linux(True)
    tls, cert_cmd = make_certificate(plan.tmpdir)
    rows = runs.run_cases(plan, "6-tls", cases(plan.servers, tls))
    for r in rows:
        r["resumed_share"] = resumed_share(r.get("counters")) if r["mode"] == "close" else None
    intro = (f"wrk (Linux client, {plan.connections} connections) over https -> one server worker, 600-byte "
             "GET, TLS 1.3 (X25519 key exchange, ECDSA P-256 signature). With Connection: close every "
             "request is a new TCP connection and a full TLS handshake, so req/s is handshakes/s: wrk offers "
             "the session of its previous connection on the next, so every server is configured to resume "
             "none (sluice: `session_tickets = false`, `session_cache = 0`; nginx: `ssl_session_tickets off`, "
             "`ssl_session_cache off`). "
             f"`{RESUMED}`: Connection: close again, with resumption on: sluice with its defaults (session "
             "tickets, keys shared by its workers, and its per-worker session cache), nginx with "
             "`ssl_session_cache shared:SSL:10m` and `ssl_session_tickets on`, and wrk re-offering its previous "
             "session on each new connection; req/s is handshakes/s, full and resumed together. `resumed` is the "
             "share of those handshakes that resumed: sluice's own TLS counters (`tls counters:` at exit), and "
             "for nginx a buffered access log of `$ssl_session_reused` (one line per request, so per "
             "connection), which only the resumption-on nginx runs write. The first run of each configuration "
             "adds one full handshake (the curl check).")
    notes = [n for f in (handshake_note, nginx_session_note, runs.retransmit_note) for n in map(f, rows) if n]
    configs = {f"{r['server']} (tls, resumption on)": r["server_conf"] for r in rows
               if r["case"] == RESUMED and r.get("server_conf")}
    return runs.Section("tls", TITLE, intro, rows, runs.pair_ratios(rows, RATIOS), notes,
                        commands=["# tls certificate", cert_cmd], configs=configs)
