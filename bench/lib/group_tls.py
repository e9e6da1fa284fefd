"""Scenario group `tls`: HTTPS against sluice on the userspace stack, sluice on Linux sockets and
nginx, all with the same ECDSA P-256 certificate (made here with the openssl CLI) and the same
TLS settings (Mozilla intermediate). wrk over https with Connection: close makes every request a
new connection; wrk keeps its last session and offers it on the next connect (about half of its
handshakes resume when the server allows it), so every server is told to allow no resumption (no
tickets, no session cache) and each request is a full handshake (sluice's counters confirm it):
req/s there is handshakes/s. Keep-alive measures requests over established TLS connections.
"""
import os
import shlex

import procs
import runs
import topology as topo
from servers import Options

TITLE = "TLS: full handshakes/s (Connection: close) and keep-alive requests/s over https"
MODES = ["close", "keepalive"]
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
    return (f"{row['server']} {row['mode']}: {c['tls.handshakes']:,} handshakes over the runs, "
            f"{c.get('tls.resumed', 0):,} resumed, {c.get('tls.tls1.3', 0):,} TLS 1.3, "
            f"{c.get('tls.handshake_failures', 0):,} failed")


def run(plan):
    topo.client_linux(True)
    tls, cert_cmd = make_certificate(plan.tmpdir)
    opts = Options(suffix="-tls", tls=tls, tls_resumption=False)
    cases = [runs.Case("https 600 B", s, s, m, runs.PATH, opts) for s in plan.servers for m in MODES]
    rows = runs.run_cases(plan, "6-tls", cases)
    intro = (f"wrk (Linux client, {plan.connections} connections) over https -> one server worker, 600-byte "
             "GET, TLS 1.3 (X25519 key exchange, ECDSA P-256 signature). With Connection: close every "
             "request is a new TCP connection and a full TLS handshake, so req/s is handshakes/s: wrk offers "
             "the session of its previous connection on the next, so every server is configured to resume "
             "none (sluice: `session_tickets = false`, `session_cache = 0`; nginx: `ssl_session_tickets off`, "
             "`ssl_session_cache off`).")
    notes = [n for f in (handshake_note, runs.retransmit_note) for n in map(f, rows) if n]
    return runs.Section("tls", TITLE, intro, rows, runs.pair_ratios(rows, RATIOS), notes,
                        commands=["# tls certificate", cert_cmd])
