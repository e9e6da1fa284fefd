"""The configuration files of the servers under test: sluice (userspace stack on net_af_packet or
net_memif, or Linux sockets) and nginx configured as its documentation advises, each serving the
benchmark's document root with one worker pinned to the server CPU and the access log off.

Options turn on what the later scenarios need, alike on both servers: sluice's per-worker file
cache off, TLS with one certificate on port 443, or a reverse proxy to one backend with a pool of
keep-alive upstream connections.
"""
import dataclasses

import topology as topo

SITE_PORT = 80
TLS_PORT = 443
UPSTREAM_NAME = "backend"
SESSION_LOG = "sessions.log"  # nginx: one "r" (resumed) or "." (full handshake) per request
# Mozilla server-side TLS "intermediate": sluice's default TLS 1.2 ciphers, given to nginx too.
INTERMEDIATE_CIPHERS = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                        "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
                        "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305")


@dataclasses.dataclass(frozen=True)
class Options:
    suffix: str = ""             # appended to the server's name for its directory under tmp/
    file_cache: bool = True      # sluice: [file_cache] enabled (nginx always has open_file_cache)
    tls: tuple = None            # (cert, key) PEM paths: TLS on TLS_PORT
    tls_resumption: bool = True  # False: no session tickets, no session cache (full handshakes only)
    session_log: bool = False    # nginx with TLS: log $ssl_session_reused per request (SESSION_LOG)
    proxy_to: str = None         # "IP:PORT": every request is proxied to this one backend
    upstream_keepalive: int = 64  # idle upstream connections kept (both servers)
    ns: str = topo.SRV_NS        # where the server runs (the proxy's backend runs in the client ns)
    ip: str = None               # listen address (default: the server's address on the veth)
    port: int = None             # listen port (default: SITE_PORT, or TLS_PORT with TLS)
    cpu: int = topo.SERVER_CPU


def listen_port(opts):
    return opts.port or (TLS_PORT if opts.tls else SITE_PORT)


def _sluice_common(prefix, backend, shutdown_timeout="3s", cpu=topo.SERVER_CPU):
    return f"""
[process]
workers = 1
cpus = [{cpu}]
pid_file = "{prefix}/sluice.pid"
error_log = "{prefix}/error.log"
error_log_level = "notice"
shutdown_timeout = "{shutdown_timeout}"

[network]
backend = "{backend}"

[http]
keepalive_requests = 1000000
"""


def _sluice_extras(opts):
    text = "" if opts.file_cache else "\n[file_cache]\nenabled = false\n"
    if opts.proxy_to:
        text += f"""
[[upstream]]
name = "{UPSTREAM_NAME}"
keepalive = {opts.upstream_keepalive}
keepalive_requests = 1000000
servers = [ {{ address = "{opts.proxy_to}" }} ]
"""
    return text


def _sluice_server_block(ip, www, opts):
    content = f'proxy_pass = "{UPSTREAM_NAME}"' if opts.proxy_to else f'root = "{www}"'
    text = f"""
[[server]]
listen = ["{ip}:{listen_port(opts)}"]
access_log = "off"

  [[server.location]]
  path = "/"
  {content}
"""
    if opts.tls:
        text += f"""
  [server.tls]
  certificates = [ {{ cert = "{opts.tls[0]}", key = "{opts.tls[1]}" }} ]
"""
        if not opts.tls_resumption:
            text += "  session_tickets = false\n  session_cache = 0\n"
    return text


def sluice_conf(kind, prefix, www, memif_socket=None, idle_sleep_us=0, shutdown_timeout="3s", opts=Options()):
    """kind: 'dpdk' (net_af_packet on the veth), 'memif' or 'kernel'."""
    if kind == "kernel":
        return (_sluice_common(prefix, "kernel", cpu=opts.cpu) + _sluice_extras(opts)
                + _sluice_server_block(opts.ip or topo.KERNEL_SERVER_IP, www, opts))
    if kind == "memif":
        vdev, ip, gw = topo.memif_vdev("server", memif_socket), topo.MEMIF_SERVER_IP, topo.MEMIF_CLIENT_IP
    else:
        vdev, ip, gw = topo.af_packet_vdev(topo.SRV_DEV), topo.DPDK_SERVER_IP, topo.CLIENT_IP
    eal = ", ".join(f'"{a}"' for a in topo.eal_args(opts.cpu, vdev))
    dpdk = f"""
[dpdk]
eal_args = [{eal}]
address = "{ip}/{topo.PREFIX}"
gateway = "{gw}"
idle_sleep_us = {idle_sleep_us}
"""
    return (_sluice_common(prefix, "dpdk", shutdown_timeout, opts.cpu) + dpdk + _sluice_extras(opts)
            + _sluice_server_block(ip, www, opts))


def _nginx_site(www, opts):
    if opts.tls:
        # As Mozilla's intermediate profile, with sluice's session defaults (tickets, a cache, 1 h)
        # or, as sluice is then told too, no resumption at all.
        sessions = ("ssl_session_cache shared:SSL:10m;\n        ssl_session_timeout 1h;\n        "
                    "ssl_session_tickets on;" if opts.tls_resumption else
                    "ssl_session_cache off;\n        ssl_session_tickets off;")
        return f"""
        ssl_certificate {opts.tls[0]};
        ssl_certificate_key {opts.tls[1]};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers {INTERMEDIATE_CIPHERS};
        {sessions}
        root {www};{_nginx_session_log(opts)}"""
    if opts.proxy_to:
        # nginx's advice for keep-alive to upstreams: HTTP/1.1 and no "Connection: close".
        return """
        location / {
            proxy_pass http://%s;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }""" % UPSTREAM_NAME
    return f"\n        root {www};"


def _nginx_session_log(opts):
    # Buffered: a write(2) every 32k requests or so, flushed when the worker exits.
    return f"\n        access_log {SESSION_LOG} sessions buffer=64k;" if opts.tls and opts.session_log else ""


def _nginx_upstream(opts):
    if not opts.proxy_to:
        return ""
    return f"""
    upstream {UPSTREAM_NAME} {{
        server {opts.proxy_to};
        keepalive {opts.upstream_keepalive};
        keepalive_requests 1000000;
    }}"""


def nginx_conf(prefix, www, opts=Options()):
    # nginx's own tuning advice for serving small static files: one worker per core with its CPU
    # affinity, reuseport listeners, sendfile + tcp_nopush + tcp_nodelay, open_file_cache, no
    # access log, and keep-alive limits out of the way of the benchmark.
    mask = "1" + "0" * opts.cpu
    log_format = "\n    log_format sessions '$ssl_session_reused';" if opts.tls and opts.session_log else ""
    listen = f"{opts.ip or topo.KERNEL_SERVER_IP}:{listen_port(opts)}{' ssl' if opts.tls else ''}"
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
    default_type application/octet-stream;{_nginx_upstream(opts)}{log_format}
    server {{
        listen {listen} reuseport backlog=65535;{_nginx_site(www, opts)}
    }}
}}
"""
