"""The servers under test, each started fresh for one measurement and stopped after it: sluice on
the userspace stack (net_af_packet on the veth, or net_memif), sluice on Linux sockets, and nginx
configured as its documentation advises for a static-file benchmark.

All of them serve the same 600-byte file from the same document root, with one worker pinned to
the server CPU and the access log off.
"""
import os
import re
import shlex
import signal

import procs
import topology as topo

SITE_PORT = 80


def _sluice_common(prefix, backend, shutdown_timeout="3s"):
    return f"""
[process]
workers = 1
cpus = [{topo.SERVER_CPU}]
pid_file = "{prefix}/sluice.pid"
error_log = "{prefix}/error.log"
error_log_level = "notice"
shutdown_timeout = "{shutdown_timeout}"

[network]
backend = "{backend}"

[http]
keepalive_requests = 1000000
"""


def _sluice_server_block(ip, www):
    return f"""
[[server]]
listen = ["{ip}:{SITE_PORT}"]
access_log = "off"

  [[server.location]]
  path = "/"
  root = "{www}"
"""


def sluice_conf(kind, prefix, www, memif_socket=None, idle_sleep_us=0, shutdown_timeout="3s"):
    """kind: 'dpdk' (net_af_packet on the veth), 'memif' or 'kernel'."""
    if kind == "kernel":
        return _sluice_common(prefix, "kernel") + _sluice_server_block(topo.KERNEL_SERVER_IP, www)
    if kind == "memif":
        vdev, ip, gw = topo.memif_vdev("server", memif_socket), topo.MEMIF_SERVER_IP, topo.MEMIF_CLIENT_IP
    else:
        vdev, ip, gw = topo.af_packet_vdev(topo.SRV_DEV), topo.DPDK_SERVER_IP, topo.CLIENT_IP
    eal = ", ".join(f'"{a}"' for a in topo.eal_args(topo.SERVER_CPU, vdev))
    dpdk = f"""
[dpdk]
eal_args = [{eal}]
address = "{ip}/{topo.PREFIX}"
gateway = "{gw}"
idle_sleep_us = {idle_sleep_us}
"""
    return _sluice_common(prefix, "dpdk", shutdown_timeout) + dpdk + _sluice_server_block(ip, www)


def nginx_conf(prefix, www):
    # nginx's own tuning advice for serving small static files: one worker per core with its CPU
    # affinity, reuseport listeners, sendfile + tcp_nopush + tcp_nodelay, open_file_cache, no
    # access log, and keep-alive limits out of the way of the benchmark.
    mask = "1" + "0" * topo.SERVER_CPU
    return f"""
worker_processes 1;
worker_cpu_affinity {mask};
worker_rlimit_nofile 65535;
daemon off;
master_process on;
pid {prefix}/nginx.pid;
error_log {prefix}/nginx-error.log warn;
events {{
    worker_connections 65535;
    use epoll;
    multi_accept on;
}}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 75s;
    keepalive_requests 1000000;
    open_file_cache max=1000 inactive=60s;
    open_file_cache_valid 60s;
    open_file_cache_errors on;
    client_body_temp_path {prefix}/tmp;
    proxy_temp_path {prefix}/tmp;
    fastcgi_temp_path {prefix}/tmp;
    uwsgi_temp_path {prefix}/tmp;
    scgi_temp_path {prefix}/tmp;
    default_type application/octet-stream;
    server {{
        listen {topo.KERNEL_SERVER_IP}:{SITE_PORT} reuseport backlog=65535;
        root {www};
    }}
}}
"""


class Server:
    """One running server. `name` is one of sluice-dpdk, sluice-kernel, nginx, sluice-memif."""

    def __init__(self, name, binary, workdir, www, memif_socket=None, idle_sleep_us=0, shutdown_timeout="3s"):
        self.name = name
        self.prefix = os.path.join(workdir, name)
        os.makedirs(os.path.join(self.prefix, "tmp"), exist_ok=True)
        os.makedirs(os.path.join(self.prefix, "logs"), exist_ok=True)
        self.www = www
        if name == "nginx":
            self.conf = os.path.join(self.prefix, "nginx.conf")
            text = nginx_conf(self.prefix, www)
            self.cmd = ["nginx", "-c", self.conf, "-p", self.prefix]
        else:
            kind = {"sluice-dpdk": "dpdk", "sluice-kernel": "kernel", "sluice-memif": "memif"}[name]
            self.conf = os.path.join(self.prefix, "sluice.toml")
            text = sluice_conf(kind, self.prefix, www, memif_socket, idle_sleep_us, shutdown_timeout)
            self.cmd = [binary, "-c", self.conf]
        with open(self.conf, "w") as f:
            f.write(text)
        self.proc = None
        self.stop_grace = 15

    @property
    def ip(self):
        return {"sluice-dpdk": topo.DPDK_SERVER_IP, "sluice-memif": topo.MEMIF_SERVER_IP}.get(self.name,
                                                                                            topo.KERNEL_SERVER_IP)

    def url(self, path):
        return f"http://{self.ip}:{SITE_PORT}{path}"

    def command_line(self):
        return shlex.join(topo.ns_cmd(topo.SRV_NS, self.cmd))

    def start(self, wrapper=()):
        log = os.path.join(self.prefix, "stdout.log")
        for f in ("error.log", "nginx-error.log"):
            p = os.path.join(self.prefix, f)
            if os.path.exists(p):
                os.unlink(p)
        self.proc = procs.start(topo.ns_cmd(topo.SRV_NS, list(wrapper) + self.cmd), log)
        procs.wait_until(self._ready, 120 if wrapper else 30, f"{self.name} to serve")

    def _ready(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited: {open(self.proc.log_path).read()[-2000:]}")
        if self.name == "nginx":
            return procs.run(topo.ns_cmd(topo.SRV_NS, ["bash", "-c", f"exec 3<>/dev/tcp/{self.ip}/{SITE_PORT}"]),
                             check=False, timeout=5).returncode == 0
        log = self.error_log()
        return "engine serving" in log and "started: master" in log

    def error_log(self):
        p = os.path.join(self.prefix, "error.log")
        return open(p).read() if os.path.exists(p) else ""

    def engine_pid(self):
        """The sluice engine (the master's child): the process that runs the worker thread."""
        m = re.search(r"master (\d+), engine (\d+)", self.error_log())
        return int(m.group(2)) if m else None

    def stop(self):
        """Graceful stop (sluice logs its counters on the way out); returns the counters dict."""
        if self.proc is None:
            return {}
        sig = signal.SIGQUIT if self.name == "nginx" else signal.SIGTERM  # nginx: QUIT is graceful
        procs.stop(self.proc, sig, grace=self.stop_grace)
        self.proc = None
        return self.counters()

    def counters(self):
        m = None
        for m in re.finditer(r"counters: (.*)", self.error_log()):
            pass
        if not m:
            return {}
        return {k: int(v) for k, v in re.findall(r"([\w.]+)=(\d+)", m.group(1))}
