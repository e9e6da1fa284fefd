"""The servers under test, each started fresh for one measurement and stopped after it: sluice on
the userspace stack (net_af_packet on the veth, or net_memif), sluice on Linux sockets, and nginx
configured as its documentation advises for a static-file benchmark (server_conf.py writes their
configurations; its Options add TLS, a reverse proxy, or sluice's file cache off).
"""
import os
import re
import shlex
import signal

import procs
import topology as topo

from server_conf import SESSION_LOG, Options, listen_port, nginx_conf, sluice_conf


class Server:
    """One running server. `name` is one of sluice-dpdk, sluice-kernel, nginx, sluice-memif."""

    def __init__(self, name, binary, workdir, www, memif_socket=None, idle_sleep_us=0, shutdown_timeout="3s",
                 opts=None):
        self.name = name
        self.opts = opts or Options()
        self.prefix = os.path.join(workdir, name + self.opts.suffix)
        os.makedirs(os.path.join(self.prefix, "tmp"), exist_ok=True)
        os.makedirs(os.path.join(self.prefix, "logs"), exist_ok=True)
        self.www = www
        if name == "nginx":
            self.conf = os.path.join(self.prefix, "nginx.conf")
            text = nginx_conf(self.prefix, www, self.opts)
            self.cmd = ["nginx", "-c", self.conf, "-p", self.prefix]
        else:
            kind = {"sluice-dpdk": "dpdk", "sluice-kernel": "kernel", "sluice-memif": "memif"}[name]
            self.conf = os.path.join(self.prefix, "sluice.toml")
            text = sluice_conf(kind, self.prefix, www, memif_socket, idle_sleep_us, shutdown_timeout, self.opts)
            self.cmd = [binary, "-c", self.conf]
        with open(self.conf, "w") as f:
            f.write(text)
        self.proc = None
        self.stop_grace = 15

    @property
    def ip(self):
        if self.opts.ip:
            return self.opts.ip
        return {"sluice-dpdk": topo.DPDK_SERVER_IP, "sluice-memif": topo.MEMIF_SERVER_IP}.get(self.name,
                                                                                            topo.KERNEL_SERVER_IP)

    @property
    def port(self):
        return listen_port(self.opts)

    def url(self, path):
        return f"{'https' if self.opts.tls else 'http'}://{self.ip}:{self.port}{path}"

    def command_line(self):
        return shlex.join(topo.ns_cmd(self.opts.ns, self.cmd))

    def start(self, wrapper=()):
        log = os.path.join(self.prefix, "stdout.log")
        for f in ("error.log", "nginx-error.log", SESSION_LOG):
            p = os.path.join(self.prefix, f)
            if os.path.exists(p):
                os.unlink(p)
        self.proc = procs.start(topo.ns_cmd(self.opts.ns, list(wrapper) + self.cmd), log)
        procs.wait_until(self._ready, 120 if wrapper else 30, f"{self.name} to serve")

    def _ready(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited: {open(self.proc.log_path).read()[-2000:]}")
        if self.name == "nginx":
            return procs.run(topo.ns_cmd(self.opts.ns, ["bash", "-c", f"exec 3<>/dev/tcp/{self.ip}/{self.port}"]),
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
        if self.name == "nginx":
            p = os.path.join(self.prefix, SESSION_LOG)
            return parse_session_log(open(p).read()) if os.path.exists(p) else {}
        return parse_counters(self.error_log())


def parse_session_log(text):
    """nginx's access log of $ssl_session_reused (server_conf.SESSION_LOG): requests over TLS and
    how many of them came on a resumed session, as "nginx.ssl_requests" and "nginx.ssl_reused"."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return {"nginx.ssl_requests": len(lines), "nginx.ssl_reused": sum(1 for line in lines if line == "r")}


def parse_counters(log):
    """sluice's exit counters, summed over workers: "counters: k=v ..." as is, "tls counters: ..."
    and "proxy counters: ..." with their keys prefixed "tls." and "proxy."."""
    total = {}
    for m in re.finditer(r"#w\d+: (?:(\w+) )?counters: (.*)", log):
        prefix = m.group(1) + "." if m.group(1) else ""
        for k, v in re.findall(r"([\w.]+)=(\d+)", m.group(2)):
            total[prefix + k] = total.get(prefix + k, 0) + int(v)
    return total
