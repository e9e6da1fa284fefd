"""HTTP/1.1 conformance end to end (issue 4), on BOTH transports: the real binary on kernel sockets
(loopback) and on the userspace stack (net_af_packet between two network namespaces). Checked with
curl and with raw sockets: conditional requests (304/412), ranges (206 single and multipart, 416,
If-Range), gzip_static with Vary, a file changed on disk served fresh after revalidation, large files
byte-exact (sendfile on kernel sockets), and the raw malformed/smuggling corpus of
tests/http/request_corpus.tsv: status code and whether the connection is closed.

    http_conformance_test.py SLUICE [kernel|dpdk|both]

Raw sockets go through raw_http.py (run in the client namespace for the dpdk transport).
"""
import base64
import gzip
import json
import os
import re
import sys
import time

from harness import Site, Sluice, free_port, main, port_open, run, sha256_file, wait_for
from raw_http import load_corpus
from topology import SERVER_IP, Topology, dpdk_conf

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "http", "request_corpus.tsv")
RAW_CLIENT = os.path.join(HERE, "raw_http.py")
BINARY = os.path.abspath(sys.argv[1])
WHICH = sys.argv[2] if len(sys.argv) > 2 else "both"

A_TXT = "hello conformance\n"
DIGITS = "0123456789" * 100
G_TXT = "plain text for gzip_static " * 40 + "\n"

KERNEL_CONF = """
[process]
workers = 2
pid_file = "run/sluice.pid"
error_log = "logs/error.log"
error_log_level = "info"
shutdown_timeout = "5s"

[network]
backend = "kernel"

[file_cache]
revalidate = "1s"

[[server]]
listen = ["127.0.0.1:{port}"]
access_log = "logs/access.log"

  [[server.location]]
  path = "/"
  root = "www"
  gzip_static = true
"""


def make_site(tag):
    site = Site("sluice-conf-" + tag)
    site.file("www/a.txt", A_TXT)
    site.file("www/digits.txt", DIGITS)
    site.file("www/fixed", "fixed\n")
    site.file("www/g.txt", G_TXT)
    site.file("www/g.txt.gz", gzip.compress(G_TXT.encode(), mtime=0))
    site.file("www/change.txt", "version one\n")
    site.random_file("www/big.bin", 3 * 1024 * 1024 + 17, seed=9)  # > max_file_size: streamed
    return site


class Target:
    """One running server and how to reach it (directly, or from the client namespace)."""

    def __init__(self, name, site, host, port, topo=None):
        self.name, self.site, self.host, self.port, self.topo = name, site, host, port, topo
        self.base = f"http://{host}:{port}"

    def cmd(self, argv, timeout=60):
        if self.topo:
            return self.topo.client(argv, timeout=timeout, check=False)
        return run(argv, timeout=timeout, check=False)

    def curl(self, path, *args):
        """(status, headers dict lowercased, body bytes)."""
        out = os.path.join(self.site.dir, "curl.out")
        if os.path.exists(out):
            os.unlink(out)
        p = self.cmd(["curl", "-sS", "--max-time", "20", "-D", "-", "-o", out, *args, self.base + path])
        assert p.returncode == 0, (path, args, p.stderr)
        blocks = [b for b in p.stdout.replace("\r\n", "\n").split("\n\n") if b.strip()]
        lines = blocks[-1].split("\n")
        headers = {}
        for l in lines[1:]:
            if ":" in l:
                k, v = l.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        body = open(out, "rb").read() if os.path.exists(out) else b""
        return int(lines[0].split(" ")[1]), headers, body

    def client(self, *args):
        p = self.cmd([sys.executable, RAW_CLIENT, *args], timeout=300)
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout)

    def raw(self, request):
        return self.client("raw", self.host, str(self.port), request.hex())


def check_conditional(t):
    status, h, body = t.curl("/a.txt")
    assert status == 200 and body == A_TXT.encode(), (status, body)
    etag, lm = h["etag"], h["last-modified"]
    assert h.get("accept-ranges") == "bytes", h
    assert t.curl("/a.txt", "-H", f"If-None-Match: {etag}")[0] == 304
    s, h304, b304 = t.curl("/a.txt", "-H", f"If-Modified-Since: {lm}")
    assert s == 304 and b304 == b"" and h304["etag"] == etag, (s, h304)
    assert t.curl("/a.txt", "-H", 'If-None-Match: "nope"')[0] == 200
    assert t.curl("/a.txt", "-H", 'If-Match: "nope"')[0] == 412
    assert t.curl("/a.txt", "-H", f"If-Match: {etag}")[0] == 200
    assert t.curl("/a.txt", "-H", "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT")[0] == 412


def check_ranges(t):
    n = len(A_TXT)
    s, h, b = t.curl("/a.txt", "-r", "0-4")
    assert (s, h["content-range"], b) == (206, f"bytes 0-4/{n}", b"hello"), (s, h, b)
    s, h, b = t.curl("/a.txt", "-r", "-12")
    assert (s, b) == (206, A_TXT[-12:].encode()), (s, b)
    s, h, b = t.curl("/a.txt", "-r", "6-")
    assert (s, b) == (206, A_TXT[6:].encode()), (s, b)
    s, h, b = t.curl("/a.txt", "-r", "500-")
    assert s == 416 and h["content-range"] == f"bytes */{n}", (s, h)
    # multipart/byteranges, byte-exact, through a raw socket.
    r = t.raw(b"GET /digits.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=0-9,500-504,-3\r\n\r\n")
    assert len(r) == 1 and r[0]["status"] == 206, r
    ct = r[0]["headers"]["content-type"]
    m = re.fullmatch(r"multipart/byteranges; boundary=(\S+)", ct)
    assert m, ct
    bd = m.group(1)
    part = "\r\n--{b}\r\nContent-Type: text/plain\r\nContent-Range: bytes {r}/1000\r\n\r\n{d}"
    want = (part.format(b=bd, r="0-9", d=DIGITS[0:10]) + part.format(b=bd, r="500-504", d=DIGITS[500:505]) +
            part.format(b=bd, r="997-999", d=DIGITS[997:]) + f"\r\n--{bd}--\r\n").encode()
    assert base64.b64decode(r[0]["body"]) == want, base64.b64decode(r[0]["body"])
    # curl's multi-range request.
    s, h, b = t.curl("/digits.txt", "-r", "0-1,900-901")
    assert s == 206 and h["content-type"].startswith("multipart/byteranges"), (s, h)
    # If-Range: the current tag -> 206, another -> the whole file.
    etag = t.curl("/a.txt", "-I")[1]["etag"]
    assert t.curl("/a.txt", "-r", "0-4", "-H", f"If-Range: {etag}")[0] == 206
    s, h, b = t.curl("/a.txt", "-r", "0-4", "-H", 'If-Range: "old"')
    assert (s, b) == (200, A_TXT.encode()), (s, b)
    # Abusive lists: the whole content.
    s, h, b = t.curl("/digits.txt", "-H", "Range: bytes=0-,0-,0-")
    assert (s, len(b)) == (200, 1000), (s, len(b))
    # A range of a large streamed file.
    s, h, b = t.curl("/big.bin", "-r", "1000000-1000099")
    big = open(os.path.join(t.site.dir, "www/big.bin"), "rb").read()
    assert (s, b) == (206, big[1000000:1000100]), s


def check_gzip_static(t):
    gz = open(os.path.join(t.site.dir, "www/g.txt.gz"), "rb").read()
    s, h, b = t.curl("/g.txt", "-H", "Accept-Encoding: gzip")
    assert s == 200 and h.get("content-encoding") == "gzip" and h.get("vary") == "Accept-Encoding", h
    assert b == gz and h["content-type"] == "text/plain", (len(b), h)
    s, h2, b = t.curl("/g.txt")
    assert s == 200 and "content-encoding" not in h2 and h2.get("vary") == "Accept-Encoding", h2
    assert b == G_TXT.encode() and h2["etag"] != h["etag"], h2
    s, h, b = t.curl("/g.txt", "-H", "Accept-Encoding: gzip;q=0, identity")
    assert "content-encoding" not in h and b == G_TXT.encode(), h
    s, h, b = t.curl("/g.txt", "--compressed")
    assert s == 200 and b == G_TXT.encode(), (s, len(b))


def check_large_file(t):
    out = os.path.join(t.site.dir, "big.out")
    p = t.cmd(["curl", "-sS", "--max-time", "60", "-o", out, t.base + "/big.bin"], timeout=90)
    assert p.returncode == 0, p.stderr
    assert sha256_file(out) == sha256_file(os.path.join(t.site.dir, "www/big.bin"))
    os.unlink(out)


def check_changed_file_served_fresh(t):
    assert t.curl("/change.txt")[2] == b"version one\n"
    assert t.curl("/change.txt")[2] == b"version one\n"
    t.site.file("www/change.txt", "version two, longer\n")
    time.sleep(1.3)  # file_cache.revalidate = 1s
    for _ in range(4):  # every worker, whichever gets the connection
        assert t.curl("/change.txt")[2] == b"version two, longer\n"


def check_corpus(t):
    expected = load_corpus(CORPUS)
    got = t.client("corpus", t.host, str(t.port), os.path.abspath(CORPUS))
    assert len(got) == len(expected) >= 50, len(got)
    bad = []
    for e, g in zip(expected, got):
        want_conn = "close" if e["close"] else "keep-alive"
        if g["status"] != e["status"] or g["closed"] != e["close"] or g["connection"] != want_conn:
            bad.append((e["name"], e["status"], e["close"], g))
    assert not bad, "\n".join(map(str, bad))
    print(f"    corpus: {len(got)} raw requests as expected", flush=True)


CHECKS = [check_conditional, check_ranges, check_gzip_static, check_large_file,
          check_changed_file_served_fresh, check_corpus]


def kernel_tests():
    site = make_site("k")
    port = free_port()
    site.write_conf(KERNEL_CONF.format(port=port))
    server = Sluice(BINARY, site)
    t = Target("kernel", site, "127.0.0.1", port)

    def kernel_starts():
        wait_for(lambda: port_open("127.0.0.1", port), 15, "sluice to listen")

    def kernel_stops():
        server.signal("quit")
        assert server.wait(timeout=30) == 0

    tests = [kernel_starts] + [named(f"kernel_{c.__name__[6:]}", lambda c=c: c(t)) for c in CHECKS] + [kernel_stops]
    return tests, lambda: (server.stop(), site.cleanup())


def dpdk_tests():
    topo = Topology("hc", pmd="af_packet", queues=1)
    site = make_site("d")
    extra = '[file_cache]\nrevalidate = "1s"\n'
    site.write_conf(dpdk_conf(topo, "www", workers=1, extra=extra) + "  gzip_static = true\n")
    holder = {}
    t = Target("dpdk", site, SERVER_IP, 80, topo)

    def dpdk_starts():
        holder["server"] = Sluice(BINARY, site, netns=topo.srv)
        wait_for(lambda: holder["server"].proc.poll() is not None or "engine serving" in site.log("error.log"),
                 30, "the engine to serve")
        assert holder["server"].proc.poll() is None, holder["server"].stop()
        topo.after_start()
        wait_for(lambda: topo.client(["ping", "-c", "1", "-W", "1", SERVER_IP], check=False).returncode == 0,
                 15, "a ping reply from the userspace stack")

    def dpdk_stops():
        holder["server"].signal("quit")
        assert holder["server"].wait(timeout=30) == 0

    def cleanup():
        if "server" in holder:
            holder["server"].stop()
        topo.delete()
        site.cleanup()

    tests = [dpdk_starts] + [named(f"dpdk_{c.__name__[6:]}", lambda c=c: c(t)) for c in CHECKS] + [dpdk_stops]
    return tests, cleanup


def named(name, fn):
    fn.__name__ = name
    return fn


cleanups = []
all_tests = []
try:
    if WHICH in ("kernel", "both"):
        tests, cleanup = kernel_tests()
        all_tests += tests
        cleanups.append(cleanup)
    if WHICH in ("dpdk", "both"):
        tests, cleanup = dpdk_tests()
        all_tests += tests
        cleanups.append(cleanup)
    main(all_tests)
finally:
    for c in cleanups:
        c()
