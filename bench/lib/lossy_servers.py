"""The two servers of the lossy scenarios, behind the same impaired path (lossy_net.py): sluice on
the userspace stack (DPDK net_af_packet) and nginx on Linux, both serving one file from the same
document root; both started fresh for every run (one download from each), as bench/run does.
"""
import os
import random
import signal

import lossy_net
import procs
from servers import parse_counters

FILE = "file.bin"


def make_file(www, size_bytes, seed=8):
    """The download: `size_bytes` of seeded random bytes in www/file.bin; returns its path."""
    os.makedirs(www, exist_ok=True)
    path = os.path.join(www, FILE)
    rng = random.Random(seed)
    with open(path, "wb") as f:
        left = size_bytes
        while left:
            n = min(left, 1 << 20)
            f.write(rng.randbytes(n))
            left -= n
    return path


def linux_send_buffer_max():
    """The most a Linux socket's send buffer autotunes to (tcp_wmem's maximum; a new namespace
    starts from the same default): sluice is given as much, so neither side is window-limited
    where the other is not (at 50 ms a 1 MB buffer caps a flow at about 160 Mbit/s)."""
    with open("/proc/sys/net/ipv4/tcp_wmem") as f:
        return int(f.read().split()[2])


def sluice_conf(prefix, www):
    eal = ["--no-huge", "--no-shconf", "--no-pci", "-m", "512", f"--vdev=net_af_packet0,iface={lossy_net.SLUICE_DEV}",
           "--log-level=warning", "--no-telemetry"]
    return f"""
[process]
workers = 1
pid_file = "{prefix}/sluice.pid"
error_log = "{prefix}/error.log"
error_log_level = "notice"
[network]
backend = "dpdk"
[dpdk]
eal_args = [{", ".join(f'"{a}"' for a in eal)}]
address = "{lossy_net.SLUICE_IP}/{lossy_net.PREFIX}"
idle_sleep_us = 20
[tcp]
receive_buffer = "1m"
send_buffer = "{linux_send_buffer_max() // 1024}k"
[[server]]
listen = ["{lossy_net.SLUICE_IP}:80"]
access_log = "off"
  [[server.location]]
  path = "/"
  root = "{www}"
"""


def nginx_conf(prefix, www):
    return f"""user root;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  client_body_temp_path {prefix}/tmp;
  server {{ listen {lossy_net.LINUX_IP}:80 reuseport; root {www}; }}
}}
"""


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


class Servers:
    """sluice and nginx, each in its namespace, with their configurations and logs under `prefix`."""

    def __init__(self, net, sluice, prefix, www):
        self.net, self.prefix = net, prefix
        os.makedirs(os.path.join(prefix, "tmp"), exist_ok=True)
        self.sluice_conf = _write(os.path.join(prefix, "sluice.toml"), sluice_conf(prefix, www))
        self.nginx_conf = _write(os.path.join(prefix, "nginx.conf"), nginx_conf(prefix, www))
        self.sluice_cmd = net.cmd("sl", [os.path.abspath(sluice), "-c", self.sluice_conf])
        self.nginx_cmd = net.cmd("ng", ["nginx", "-c", self.nginx_conf, "-g", "daemon off;"])
        self.sluice = self.nginx = None

    def error_log(self):
        p = os.path.join(self.prefix, "error.log")
        return open(p).read() if os.path.exists(p) else ""

    def start(self):
        if os.path.exists(os.path.join(self.prefix, "error.log")):
            os.unlink(os.path.join(self.prefix, "error.log"))
        self.sluice = procs.start(self.sluice_cmd, os.path.join(self.prefix, "sluice-stdout.log"))
        self.nginx = procs.start(self.nginx_cmd, os.path.join(self.prefix, "nginx-stdout.log"))
        procs.wait_until(self._sluice_ready, 30, "sluice to serve")
        procs.wait_until(self._nginx_ready, 30, "nginx to listen")

    def _sluice_ready(self):
        if self.sluice.poll() is not None:
            raise RuntimeError(f"sluice exited: {self.error_log()[-2000:]}")
        return "engine serving" in self.error_log()

    def _nginx_ready(self):
        if self.nginx.poll() is not None:
            raise RuntimeError(f"nginx exited: {open(self.nginx.log_path).read()[-2000:]}")
        probe = f"exec 3<>/dev/tcp/{lossy_net.LINUX_IP}/80"
        return self.net.run("ng", ["bash", "-c", probe], check=False, timeout=5).returncode == 0

    def stop(self):
        """Stops both (sluice logs its counters on the way out); returns sluice's counters."""
        if self.nginx:
            procs.stop(self.nginx, signal.SIGQUIT, grace=10)
        if self.sluice:
            procs.stop(self.sluice, signal.SIGTERM, grace=15)
        self.sluice = self.nginx = None
        return parse_counters(self.error_log())
