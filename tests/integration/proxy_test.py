"""Reverse proxy end to end (issue 5): sluice in front of real nginx backends.

Topology (all 198.18.0.0/24, namespaces created and deleted here):

  client ns  198.18.0.1 --veth--+
  sluice ns  198.18.0.2 --veth--+-- bridge (middle ns)
  backend ns 198.18.0.11..16 ---+   nginx b1 b2 b3 (.11-.13), nginx slow (.14), websocket echo (.15),
                                     nginx tls (.16: 8443 TLS, 8444 TLS requiring a client certificate)

sluice runs once on the kernel backend (its veth has 198.18.0.2) and once on the userspace stack
(net_af_packet on its veth; the kernel there has no address), with the same checks:
balancing counts, failover when a backend is killed, 504 from a slow backend at the configured
timeout, a large upload and download byte-exact with sluice's RSS bounded, a WebSocket echo, and
https upstreams (issue 6): a download byte-exact through proxy_pass = "https://...", a CA that did not
sign the backend's certificate giving 502 with the verification failure logged, a client certificate
nginx requires, and keep-alive connections never mixed between TLS and plain locations.

  proxy_test.py SLUICE [kernel|dpdk|both] [--size-mb N]
"""
import base64
import hashlib
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

from harness import Site, Sluice, main, run, sha256_file, wait_for

BINARY = os.path.abspath(sys.argv[1])
MODES = ["kernel", "dpdk"] if len(sys.argv) < 3 or sys.argv[2] == "both" else [sys.argv[2]]
SIZE_MB = int(sys.argv[sys.argv.index("--size-mb") + 1]) if "--size-mb" in sys.argv else 100
# sluice's resident memory may grow by at most this much while 100 MB go each way: proxy buffers are
# bounded per connection (proxy_buffer_size, the transports' send queues), never the body.
RSS_GROWTH_BOUND_MB = 48
MBUF_PEAK_BOUND = 4096  # 2 KB each: 8 MB (connections' windows and buffers, not whole bodies)

SLUICE_IP, CLIENT_IP = "198.18.0.2", "198.18.0.1"
BACKENDS = {"b1": "198.18.0.11", "b2": "198.18.0.12", "b3": "198.18.0.13"}
SLOW_IP, WS_IP, TLS_IP = "198.18.0.14", "198.18.0.15", "198.18.0.16"
NS = {"mid": "slpx-m", "srv": "slpx-s", "cli": "slpx-c", "be": "slpx-b"}


def ns_run(ns, cmd, **kw):
    return run(["ip", "netns", "exec", NS[ns]] + (["bash", "-c", cmd] if isinstance(cmd, str) else cmd), **kw)


class Topology:
    """A bridge in the middle namespace joining one veth from each of the other three."""

    def __init__(self):
        self.delete()
        for ns in NS.values():
            run(["ip", "netns", "add", ns])
            run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"])
        ns_run("mid", "ip link add br0 type bridge && ip link set br0 up")
        for side in ("srv", "cli", "be"):
            dev, br = f"px{side}", f"px{side}-br"
            run(["ip", "link", "add", dev, "netns", NS[side], "type", "veth", "peer", "name", br, "netns", NS["mid"]])
            for ns, d in ((side, dev), ("mid", br)):
                # MTU-sized frames with real checksums on both ends (no offloads), as the PMD needs.
                ns_run(ns, ["ethtool", "-K", d, "tso", "off", "gso", "off", "gro", "off", "tx", "off", "rx", "off"],
                       check=False)
                ns_run(ns, f"ip link set {d} up")
            ns_run("mid", f"ip link set {br} master br0")
        ns_run("cli", f"ip addr add {CLIENT_IP}/24 dev pxcli")
        for ip in list(BACKENDS.values()) + [SLOW_IP, WS_IP, TLS_IP]:
            ns_run("be", f"ip addr add {ip}/24 dev pxbe")

    def kernel_address(self, on):
        """The kernel backend needs 198.18.0.2 on sluice's veth; the userspace stack needs it absent."""
        ns_run("srv", f"ip addr add {SLUICE_IP}/24 dev pxsrv" if on else "ip addr flush dev pxsrv")

    def delete(self):
        for ns in NS.values():
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


NGINX_CONF = """
user root;
worker_processes 1;
error_log {dir}/error.log warn;
pid {dir}/nginx.pid;
load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;
events {{ worker_connections 1024; }}
http {{
  access_log {dir}/access.log;
  client_body_temp_path {dir}/tmp;
  proxy_temp_path {dir}/tmp;
  keepalive_requests 100000;
  server {{
    listen {ip}:8080;
    root {www};
    add_header X-Backend {name} always;
    location / {{ }}
    location /upload/ {{ root {dir}; dav_methods PUT; create_full_put_path on; client_max_body_size 0; }}
    location /slow/ {{ echo_sleep 5; echo "late"; }}
  }}
}}
"""

# The https backend: the certificate names backend.test and 198.18.0.16, signed by the test's CA.
NGINX_TLS_CONF = """
user root;
worker_processes 1;
error_log {dir}/error.log warn;
pid {dir}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
  access_log {dir}/access.log;
  keepalive_requests 100000;
  ssl_certificate {certs}/backend.pem;
  ssl_certificate_key {certs}/backend.key;
  server {{
    listen {ip}:8443 ssl;
    root {www};
    add_header X-Backend tls always;
    location / {{ }}
  }}
  server {{
    listen {ip}:8444 ssl;
    root {www};
    ssl_verify_client on;
    ssl_client_certificate {certs}/ca.pem;
    add_header X-Backend tls-mtls always;
    add_header X-Client-Dn $ssl_client_s_dn always;
    location / {{ }}
  }}
}}
"""


def make_certs(certs):
    """A CA and what it signs (the backend's server certificate, sluice's client certificate), and
    another CA that signs nothing here."""
    def ossl(*args):
        return run(["openssl", *args], cwd=certs, timeout=60)
    os.makedirs(certs, exist_ok=True)
    ec = ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
    for ca, cn in (("ca", "sluice proxy test CA"), ("other-ca", "unrelated CA")):
        ossl("req", "-x509", "-newkey", *ec, "-nodes", "-keyout", f"{ca}.key", "-out", f"{ca}.pem", "-subj", f"/CN={cn}",
             "-days", "30")
    for name, cn, ext in (("backend", "backend.test",
                           f"subjectAltName=DNS:backend.test,IP:{TLS_IP}\nextendedKeyUsage=serverAuth"),
                          ("client", "sluice-proxy", "extendedKeyUsage=clientAuth")):
        with open(os.path.join(certs, f"{name}.ext"), "w") as f:
            f.write(ext + "\n")
        ossl("req", "-new", "-newkey", *ec, "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj",
             f"/CN={cn}")
        ossl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
             f"{name}.pem", "-days", "30", "-extfile", f"{name}.ext")


WS_SERVER = r'''
import base64, hashlib, socket, struct, sys, threading
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
def recv_exact(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d: raise EOFError
        b += d
    return b
def serve(c):
    try:
        head = b""
        while b"\r\n\r\n" not in head:
            d = c.recv(4096)
            if not d: return
            head += d
        key = re.search(rb"(?i)sec-websocket-key: *(\S+)", head).group(1)
        acc = base64.b64encode(hashlib.sha1(key + GUID.encode()).digest())
        c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  b"Sec-WebSocket-Accept: " + acc + b"\r\n\r\n")
        while True:  # RFC 6455 5.2: echo each frame back unmasked
            b0, b1 = recv_exact(c, 2)
            n = b1 & 0x7f
            if n == 126: n = struct.unpack("!H", recv_exact(c, 2))[0]
            elif n == 127: n = struct.unpack("!Q", recv_exact(c, 8))[0]
            mask = recv_exact(c, 4) if b1 & 0x80 else b"\0\0\0\0"
            data = bytes(x ^ mask[i % 4] for i, x in enumerate(recv_exact(c, n)))
            op = b0 & 0x0f
            hdr = bytes([0x80 | op]) + (bytes([n]) if n < 126 else struct.pack("!BH", 126, n) if n < 65536 else struct.pack("!BQ", 127, n))
            c.sendall(hdr + data)
            if op == 8: return
    except Exception:
        pass
    finally:
        c.close()
import re
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8080)); s.listen(64)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
'''

WS_CLIENT = r'''
import base64, os, socket, struct, sys
s = socket.create_connection((sys.argv[1], 80), timeout=10)
key = base64.b64encode(os.urandom(16))
s.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
          b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
head = b""
while b"\r\n\r\n" not in head:
    head += s.recv(1)
assert head.startswith(b"HTTP/1.1 101"), head
def frame(op, data):
    mask = os.urandom(4)
    n = len(data)
    hdr = bytes([0x80 | op]) + (bytes([0x80 | n]) if n < 126 else struct.pack("!BH", 0x80 | 126, n) if n < 65536 else struct.pack("!BQ", 0x80 | 127, n))
    return hdr + mask + bytes(x ^ mask[i % 4] for i, x in enumerate(data))
def read_frame():
    def exact(n):
        b = b""
        while len(b) < n:
            d = s.recv(n - len(b)); assert d, "closed"
            b += d
        return b
    b0, b1 = exact(2); n = b1 & 0x7f
    if n == 126: n = struct.unpack("!H", exact(2))[0]
    elif n == 127: n = struct.unpack("!Q", exact(8))[0]
    return b0 & 0x0f, exact(n)
for msg in [b"hello", b"x" * 300, os.urandom(70000)]:
    s.sendall(frame(1 if len(msg) < 1000 else 2, msg))
    op, data = read_frame()
    assert data == msg, (len(data), len(msg))
s.sendall(frame(8, b"\x03\xe8"))
assert read_frame()[0] == 8
print("echo ok")
'''


class Backends:
    def __init__(self, site):
        self.site = site
        self.procs = {}
        www = os.path.join(site.dir, "be-www")
        os.makedirs(www, exist_ok=True)
        self.www = www
        for name, ip in list(BACKENDS.items()) + [("slow", SLOW_IP)]:
            self.start_nginx(name, ip)
        self.certs = os.path.join(site.dir, "certs")
        make_certs(self.certs)
        self.start_nginx("tls", TLS_IP, NGINX_TLS_CONF)
        path = site.file("ws_server.py", WS_SERVER)
        self.procs["ws"] = subprocess.Popen(["ip", "netns", "exec", NS["be"], sys.executable, path, WS_IP],
                                            start_new_session=True, stderr=subprocess.DEVNULL)
        for ip, port in [(ip, 8080) for ip in list(BACKENDS.values()) + [SLOW_IP, WS_IP]] + [(TLS_IP, 8443),
                                                                                              (TLS_IP, 8444)]:
            wait_for(lambda: ns_run("be", f"exec 3<>/dev/tcp/{ip}/{port}", check=False, timeout=5).returncode == 0,
                     10, f"a backend on {ip}:{port}")

    def start_nginx(self, name, ip, template=NGINX_CONF):
        d = os.path.join(self.site.dir, "nginx-" + name)
        os.makedirs(os.path.join(d, "tmp"), exist_ok=True)
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write(template.format(dir=d, ip=ip, www=self.www, name=name, certs=getattr(self, "certs", "")))
        self.procs[name] = subprocess.Popen(
            ["ip", "netns", "exec", NS["be"], "nginx", "-c", conf, "-p", d, "-e", d + "/error.log", "-g", "daemon off;"],
            start_new_session=True, stderr=subprocess.PIPE)

    def kill(self, name):
        p = self.procs.pop(name)
        os.killpg(p.pid, signal.SIGKILL)  # the whole group: master and workers at once
        p.wait()

    def stop(self):
        for name in list(self.procs):
            self.kill(name)


def sluice_conf(mode, site):
    if mode == "kernel":
        net = '[network]\nbackend = "kernel"\n'
    else:
        eal = ["--no-huge", "--no-shconf", "--no-pci", "-m", "512", "--vdev=net_af_packet0,iface=pxsrv,qpairs=1",
               "--log-level=warning", "--no-telemetry"]
        net = ('[network]\nbackend = "dpdk"\n[dpdk]\neal_args = [' + ", ".join(f'"{a}"' for a in eal) + "]\n"
               f'address = "{SLUICE_IP}/24"\ngateway = "{CLIENT_IP}"\nidle_sleep_us = 20\n')
    return f"""
[process]
workers = 1
pid_file = "run/sluice.pid"
error_log = "logs/error.log"
error_log_level = "info"
shutdown_timeout = "5s"

{net}
[http]
client_max_body_size = "2g"

[[upstream]]
name = "app"
balance = "round_robin"
keepalive = 16
servers = [ {{ address = "{BACKENDS['b1']}:8080", weight = 2 }},
            {{ address = "{BACKENDS['b2']}:8080" }},
            {{ address = "{BACKENDS['b3']}:8080" }} ]

[[upstream]]
name = "slow"
servers = [ {{ address = "{SLOW_IP}:8080" }} ]

[[upstream]]
name = "ws"
servers = [ {{ address = "{WS_IP}:8080" }} ]

[[upstream]]
name = "tlsapp"
keepalive = 8
servers = [ {{ address = "{TLS_IP}:8443" }} ]

[[server]]
listen = ["{SLUICE_IP}:80"]
access_log = "logs/access.log"

  [[server.location]]
  path = "/"
  proxy_pass = "app"
  proxy_read_timeout = "20s"

  [[server.location]]
  path = "/slow/"
  proxy_pass = "slow"
  proxy_read_timeout = "1500ms"

  [[server.location]]
  path = "/ws"
  proxy_pass = "ws"

  # https upstreams: verified by name (SNI backend.test) and by IP address (no SNI: RFC 6066 3).
  [[server.location]]
  path = "/tls/"
  proxy_pass = "https://tlsapp/"
  proxy_ssl_trusted_certificate = "certs/ca.pem"
  proxy_ssl_name = "backend.test"
  proxy_read_timeout = "20s"

  [[server.location]]
  path = "/tls-ip/"
  proxy_pass = "https://{TLS_IP}:8443/"
  proxy_ssl_trusted_certificate = "certs/ca.pem"

  [[server.location]]
  path = "/tls-wrong-ca/"
  proxy_pass = "https://{TLS_IP}:8443/"
  proxy_ssl_trusted_certificate = "certs/other-ca.pem"

  [[server.location]]
  path = "/tls-mtls/"
  proxy_pass = "https://{TLS_IP}:8444/"
  proxy_ssl_trusted_certificate = "certs/ca.pem"
  proxy_ssl_name = "backend.test"
  proxy_ssl_certificate = "certs/client.pem"
  proxy_ssl_certificate_key = "certs/client.key"

  # Plain HTTP to the TLS port: the pool must never hand it a TLS connection (nor the reverse).
  [[server.location]]
  path = "/plain-to-tls/"
  proxy_pass = "http://tlsapp/"
"""


def curl(args, timeout=120):
    return ns_run("cli", ["curl", "-sS", "--max-time", str(timeout)] + args, timeout=timeout + 30, check=False)


def backend_counts(n, path="/small.bin"):
    """n GETs on one keep-alive connection; X-Backend of each response."""
    args = []
    for _ in range(n):
        args += ["-o", "/dev/null", f"http://{SLUICE_IP}{path}"]
    p = curl(["-D", "-", "-w", "%{http_code}\n"] + args)
    assert p.returncode == 0, p.stderr
    names = re.findall(r"(?im)^x-backend: *(\S+)", p.stdout)
    codes = re.findall(r"(?m)^(\d{3})$", p.stdout)
    return names, codes


class Run:
    def __init__(self, mode, topo, site, backends):
        self.mode, self.topo, self.site, self.backends = mode, topo, site, backends
        self.server = None

    def start(self):
        self.topo.kernel_address(self.mode == "kernel")
        self.site.write_conf(sluice_conf(self.mode, self.site))
        self.server = Sluice(BINARY, self.site, netns=NS["srv"])
        wait_for(lambda: self.server.proc.poll() is not None or "engine serving" in self.site.log("error.log"), 30,
                 "the engine to serve")
        assert self.server.proc.poll() is None, self.server.stop()
        wait_for(lambda: curl(["-o", "/dev/null", f"http://{SLUICE_IP}/small.bin"], timeout=2).returncode == 0, 20,
                 "a first proxied response")

    def rss_kb(self):
        pid = self.server.engine_pid()
        with open(f"/proc/{pid}/status") as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

    def test_balanced_as_configured(self):
        names, codes = backend_counts(40)
        assert codes == ["200"] * 40, codes
        counts = {n: names.count(n) for n in BACKENDS}
        # Smooth weighted round-robin with weights 2:1:1 on one worker: exact shares.
        assert counts == {"b1": 20, "b2": 10, "b3": 10}, counts
        print(f"    [{self.mode}] 40 requests: {counts}", flush=True)

    def test_failover_when_a_backend_dies(self):
        results = []
        stop = threading.Event()

        def load():
            while not stop.is_set():
                names, codes = backend_counts(10)
                results.append((names, codes))

        t = threading.Thread(target=load)
        t.start()
        time.sleep(1.0)
        self.backends.kill("b2")
        time.sleep(2.0)
        stop.set()
        t.join(timeout=60)
        codes = [c for _, cs in results for c in cs]
        after = [n for names, _ in results[-3:] for n in names]
        # GETs are idempotent: a refused or reset connection is retried on the next server, so the
        # client sees no error at all.
        assert codes and all(c == "200" for c in codes), codes
        assert "b2" not in after, after
        print(f"    [{self.mode}] {len(codes)} requests across the kill, all 200", flush=True)
        self.backends.start_nginx("b2", BACKENDS["b2"])
        wait_for(lambda: ns_run("be", f"exec 3<>/dev/tcp/{BACKENDS['b2']}/8080", check=False).returncode == 0, 10,
                 "b2 back")

    def test_slow_backend_gives_504_at_the_timeout(self):
        t0 = time.monotonic()
        p = curl(["-o", "/dev/null", "-w", "%{http_code} %{time_total}", f"http://{SLUICE_IP}/slow/x"], timeout=30)
        code, seconds = p.stdout.split()
        assert code == "504", p.stdout
        assert 1.4 <= float(seconds) < 2.5, p.stdout  # proxy_read_timeout = 1500ms
        print(f"    [{self.mode}] 504 after {float(seconds):.2f}s (timeout 1.5s)", flush=True)

    def _watch_rss(self, stop, peak):
        while not stop.is_set():
            try:
                peak[0] = max(peak[0], self.rss_kb())
            except (OSError, AttributeError, TypeError):
                pass
            time.sleep(0.05)

    def test_large_upload_and_download_bounded_memory(self):
        src = os.path.join(self.backends.www, "large.bin")
        base = self.rss_kb()
        peak = [base]
        stop = threading.Event()
        w = threading.Thread(target=self._watch_rss, args=(stop, peak))
        w.start()
        try:
            out = os.path.join(self.site.dir, "down.bin")
            t0 = time.monotonic()
            p = curl(["-o", out, f"http://{SLUICE_IP}/large.bin"], timeout=240)
            down_s = time.monotonic() - t0
            assert p.returncode == 0, (p.stderr, os.path.getsize(out) if os.path.exists(out) else 0, down_s,
                                       self.site.log("error.log")[-4000:], self.site.log("access.log")[-1000:])
            assert sha256_file(out) == sha256_file(src)
            os.unlink(out)
            t0 = time.monotonic()
            p = curl(["-T", src, "-o", "/dev/null", "-w", "%{http_code}", f"http://{SLUICE_IP}/upload/{self.mode}.bin"],
                     timeout=240)
            up_s = time.monotonic() - t0
            assert p.stdout in ("201", "204"), (p.stdout, p.stderr)
        finally:
            stop.set()
            w.join()
        stored = [os.path.join(self.site.dir, f"nginx-{n}", "upload", f"{self.mode}.bin") for n in BACKENDS]
        stored = [s for s in stored if os.path.exists(s)]
        assert len(stored) == 1 and sha256_file(stored[0]) == sha256_file(src), stored
        growth_mb = (peak[0] - base) / 1024
        print(f"    [{self.mode}] {SIZE_MB} MB down {SIZE_MB / down_s:.0f} MB/s, up {SIZE_MB / up_s:.0f} MB/s; "
              f"RSS {base // 1024} MB -> peak {peak[0] // 1024} MB (+{growth_mb:.1f} MB, bound "
              f"{RSS_GROWTH_BOUND_MB} MB)", flush=True)
        assert growth_mb < RSS_GROWTH_BOUND_MB, growth_mb

    def test_websocket_echo(self):
        path = self.site.file("ws_client.py", WS_CLIENT)
        p = ns_run("cli", [sys.executable, path, SLUICE_IP], check=False, timeout=30)
        assert p.returncode == 0 and "echo ok" in p.stdout, p.stdout + p.stderr
        print(f"    [{self.mode}] websocket echo through the tunnel: ok", flush=True)

    def test_https_upstream(self):
        src = os.path.join(self.backends.www, "large.bin")
        out = os.path.join(self.site.dir, "down-tls.bin")
        t0 = time.monotonic()
        p = curl(["-o", out, "-w", "%{http_code}", f"http://{SLUICE_IP}/tls/large.bin"], timeout=240)
        down_s = time.monotonic() - t0
        assert p.returncode == 0 and p.stdout == "200", (p.stdout, p.stderr, self.site.log("error.log")[-3000:])
        assert sha256_file(out) == sha256_file(src)
        os.unlink(out)
        for path in ("/tls-ip/small.bin", "/tls-mtls/small.bin"):
            p = curl(["-D", "-", "-o", "/dev/null", "-w", "%{http_code}\n", f"http://{SLUICE_IP}{path}"])
            assert p.stdout.rstrip().endswith("200"), (path, p.stdout, self.site.log("error.log")[-3000:])
        assert re.search(r"(?im)^x-client-dn: *CN *= *sluice-proxy", p.stdout), p.stdout  # the client certificate
        print(f"    [{self.mode}] {SIZE_MB} MB through an https upstream byte-exact ({SIZE_MB / down_s:.0f} MB/s); "
              f"by IP, and with a client certificate: 200", flush=True)

    def test_https_upstream_wrong_ca_gives_502(self):
        p = curl(["-o", "/dev/null", "-w", "%{http_code}", f"http://{SLUICE_IP}/tls-wrong-ca/small.bin"])
        assert p.stdout == "502", p.stdout
        log = self.site.log("error.log")
        line = [l for l in log.splitlines() if "TLS connection to upstream failed" in l]
        assert line and "certificate verify failed" in line[-1], log[-3000:]
        print(f"    [{self.mode}] wrong CA: 502, logged: {line[-1].split(': ', 1)[-1][:160]}", flush=True)

    def test_keepalive_never_mixes_tls_and_plain(self):
        # Alternating on one client connection: each location takes its own kind from the pool. A
        # TLS connection handed to the plain location (or the reverse) would fail or return garbage.
        args = []
        for i in range(6):
            args += ["-o", "/dev/null", f"http://{SLUICE_IP}/{'tls' if i % 2 == 0 else 'plain-to-tls'}/small.bin"]
        p = curl(["-D", "-", "-w", "%{http_code}\n"] + args)
        codes = re.findall(r"(?m)^(\d{3})$", p.stdout)
        # nginx answers plain HTTP on a TLS port with its own 400; the TLS location keeps its 200s.
        assert codes == ["200", "400"] * 3, (codes, p.stdout[-2000:])
        names = re.findall(r"(?im)^x-backend: *(\S+)", p.stdout)
        assert names.count("tls") >= 3, names
        print(f"    [{self.mode}] https and plain locations to one upstream, alternating: {codes}", flush=True)

    def stop(self):
        self.server.signal("quit")
        assert self.server.wait(timeout=30) == 0
        self.server.stop()
        self.server = None
        if self.mode == "dpdk":
            # Buffers on the userspace stack are mbufs from a preallocated pool, which RSS does not
            # show: the worker's low-water mark of free mbufs bounds what the transfers held.
            log = self.site.log("error.log")
            size = int(re.search(r"pool\.size=(\d+)", log).group(1))
            free_min = int(re.search(r"pool\.free_min=(\d+)", log).group(1))
            peak_mb = (size - free_min) * 2 / 1024
            print(f"    [dpdk] mbufs in use at peak: {size - free_min} of {size} (~{peak_mb:.0f} MB, bound "
                  f"{MBUF_PEAK_BOUND})", flush=True)
            assert size - free_min <= MBUF_PEAK_BOUND, log[-3000:]


def named(fn, name):
    def call():
        fn()
    call.__name__ = name
    return call


def build():
    topo = Topology()
    site = Site("sluice-proxy")
    backends = None
    try:
        backends = Backends(site)
        site.random_file("be-www/small.bin", 600, seed=2)
        site.random_file("be-www/large.bin", SIZE_MB << 20, seed=3)
    except Exception:
        if backends:
            backends.stop()
        topo.delete()
        site.cleanup()
        raise
    return topo, site, backends


topo, site, backends = build()
runs = []
try:
    tests = []
    for mode in MODES:
        r = Run(mode, topo, site, backends)
        runs.append(r)

        for fn in (r.start, r.test_balanced_as_configured, r.test_failover_when_a_backend_dies,
                   r.test_slow_backend_gives_504_at_the_timeout, r.test_large_upload_and_download_bounded_memory,
                   r.test_websocket_echo, r.test_https_upstream, r.test_https_upstream_wrong_ca_gives_502,
                   r.test_keepalive_never_mixes_tls_and_plain, r.stop):
            tests.append(named(fn, f"{mode}: {fn.__name__}"))
    main(tests)
finally:
    for r in runs:
        if r.server:
            r.server.stop()
            print(site.log("error.log")[-3000:])
    backends.stop()
    topo.delete()
    site.cleanup()
