"""sluice versus Linux on the same impaired path (issue 8).

    cli ns [c0 198.18.0.1] <-> [e0] emu ns: sluice-linkemu [e1] <-> [b0] sw ns: bridge br0
                                                                     [b1] <-> [s0] sl ns: sluice on DPDK net_af_packet, 198.18.0.2
                                                                     [b2] <-> [n0] ng ns: nginx on Linux, 198.18.0.3

Both servers sit behind the same emulator and bridge, so every condition applies to both alike.
Linux in the nginx namespace uses CUBIC (this kernel defaults to BBR; sluice implements CUBIC),
and every veth has segmentation and checksum offloads off so both sides see MTU-sized frames.

Usage: lossy_path.py SLUICE LINKEMU [--size MB] [--runs N] [--conditions a,b] [--out PREFIX]
Exit 0 when every download completed byte-exact; prints (and with --out writes) the goodput table.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

from harness import Site, Sluice, run, sha256_file, wait_for

CONDITIONS = {
    "clean": "",
    "loss-0.5%": "loss=0.5%",
    "loss-2%": "loss=2%",
    "loss-5%": "loss=5%",
    "delay-50ms-jitter-reorder": "delay=25ms,jitter=5ms,order=jitter",
    "dup-1%": "dup=1%",
    "20mbit-50ms": "rate=20mbit,delay=25ms,queue=200",
}
NS = {k: f"sl8{k}" for k in ("cli", "emu", "sw", "sl", "ng")}
PAIRS = [("cli", "c0", "emu", "e0"), ("emu", "e1", "sw", "b0"), ("sw", "b1", "sl", "s0"), ("sw", "b2", "ng", "n0")]


def ns(name, *cmd, check=True, timeout=60):
    return run(["ip", "netns", "exec", NS[name], *cmd], check=check, timeout=timeout)


class LossyTopology:
    def __init__(self):
        self.delete()
        for n in NS.values():
            run(["ip", "netns", "add", n])
            run(["ip", "netns", "exec", n, "ip", "link", "set", "lo", "up"])
        for a, da, b, db in PAIRS:
            run(["ip", "link", "add", da, "netns", NS[a], "type", "veth", "peer", "name", db, "netns", NS[b]])
        ns("sw", "ip", "link", "add", "br0", "type", "bridge")
        for dev in ("b0", "b1", "b2"):
            ns("sw", "ip", "link", "set", dev, "master", "br0")
        for a, da, b, db in PAIRS:
            for n, d in ((a, da), (b, db)):
                ns(n, "ethtool", "-K", d, "tso", "off", "gso", "off", "gro", "off", "tx", "off", "rx", "off", check=False)
                ns(n, "ip", "link", "set", d, "up")
        ns("sw", "ip", "link", "set", "br0", "up")
        ns("cli", "ip", "addr", "add", "198.18.0.1/24", "dev", "c0")
        ns("ng", "ip", "addr", "add", "198.18.0.3/24", "dev", "n0")
        # Namespaces may only pick from the host's allowed list; add cubic to it (a widening only).
        allowed = run(["sysctl", "-n", "net.ipv4.tcp_allowed_congestion_control"], check=False).stdout.split()
        if "cubic" not in allowed:
            run(["sysctl", "-qw", "net.ipv4.tcp_allowed_congestion_control=" + " ".join(allowed + ["cubic"])], check=False)
        for n in ("ng", "cli"):
            ns(n, "sysctl", "-qw", "net.ipv4.tcp_congestion_control=cubic", check=False)
        self.linux_cc = ns("ng", "sysctl", "-n", "net.ipv4.tcp_congestion_control").stdout.strip()
        for n in ("cli", "ng"):
            ns(n, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", check=False)

    def delete(self):
        for n in NS.values():
            subprocess.run(["ip", "netns", "del", n], capture_output=True)


def start_nginx(site):
    conf = os.path.join(site.dir, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""user root;
worker_processes 1;
pid {site.dir}/nginx.pid;
error_log {site.dir}/logs/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  server {{ listen 198.18.0.3:80 reuseport; root {site.www}; }}
}}
""")
    return subprocess.Popen(["ip", "netns", "exec", NS["ng"], "nginx", "-c", conf, "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def sluice_conf(site):
    eal = ["--no-huge", "--no-shconf", "--no-pci", "-m", "512", "--vdev=net_af_packet0,iface=s0",
           "--log-level=warning", "--no-telemetry"]
    return f"""
[process]
workers = 1
pid_file = "run/sluice.pid"
error_log = "logs/error.log"
[network]
backend = "dpdk"
[dpdk]
eal_args = [{", ".join(f'"{a}"' for a in eal)}]
address = "198.18.0.2/24"
idle_sleep_us = 20
[tcp]
receive_buffer = "1m"
send_buffer = "1m"
[[server]]
listen = ["198.18.0.2:80"]
access_log = "off"
  [[server.location]]
  path = "/"
  root = "www"
"""


def download(url, src, out, limit_s):
    start = time.monotonic()
    p = run(["ip", "netns", "exec", NS["cli"], "curl", "-sS", "--max-time", str(limit_s), "-o", out, url],
            check=False, timeout=limit_s + 30)
    elapsed = time.monotonic() - start
    ok = p.returncode == 0 and sha256_file(out) == sha256_file(src)
    os.unlink(out) if os.path.exists(out) else None
    return ok, elapsed, p.stderr.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sluice")
    ap.add_argument("linkemu")
    ap.add_argument("--size", type=int, default=5, help="MB per download")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--conditions", default=",".join(CONDITIONS))
    ap.add_argument("--limit", type=int, default=180, help="seconds per download at most")
    ap.add_argument("--out", help="write PREFIX.md and PREFIX.csv")
    args = ap.parse_args()

    site = Site("sluice-lossy")
    src = site.random_file("www/file.bin", args.size * 1024 * 1024, seed=8)
    site.write_conf(sluice_conf(site))
    topo = server = nginx = None
    rows, failures = [], []
    try:
        topo = LossyTopology()
        print(f"Linux congestion control in the nginx namespace: {topo.linux_cc}", flush=True)
        args.linux_cc = topo.linux_cc
        server = Sluice(os.path.abspath(args.sluice), site, netns=NS["sl"])
        nginx = start_nginx(site)
        wait_for(lambda: "engine serving" in site.log("error.log") or server.proc.poll() is not None, 30, "sluice")
        assert server.proc.poll() is None, site.log("error.log")
        for name in args.conditions.split(","):
            spec = CONDITIONS[name]
            emu_cmd = ["ip", "netns", "exec", NS["emu"], os.path.abspath(args.linkemu), "--a", "e0", "--b", "e1",
                       "--duration", str(args.limit * args.runs * 2 + 60), "--seed", "8", "--disable-offloads"]
            if spec:
                emu_cmd += ["--both", spec]
            emu = subprocess.Popen(emu_cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                time.sleep(0.5)
                times = {"sluice": [], "linux": []}
                for _ in range(args.runs):
                    for who, url in (("sluice", "http://198.18.0.2/file.bin"), ("linux", "http://198.18.0.3/file.bin")):
                        ok, secs, err = download(url, src, os.path.join(site.dir, "out.bin"), args.limit)
                        if not ok:
                            failures.append(f"{name} {who}: {err or 'bytes differ'}")
                        times[who].append(secs)
            finally:
                emu.terminate()
                emu.communicate(timeout=10)
            mbit = {w: args.size * 8 / statistics.median(t) for w, t in times.items()}
            rows.append((name, spec or "-", mbit["sluice"], mbit["linux"], mbit["sluice"] / mbit["linux"]))
            print(f"{name:28s} sluice {mbit['sluice']:8.1f} Mbit/s   linux {mbit['linux']:8.1f} Mbit/s   "
                  f"ratio {rows[-1][4]:.2f}", flush=True)
    finally:
        if server:
            server.stop()
            print(site.log("error.log")[-1500:])
        if nginx:
            nginx.terminate()
            nginx.wait(timeout=10)
        (topo or LossyTopology.__new__(LossyTopology)).delete()
        site.cleanup()
    if args.out:
        write_results(args, rows)
    for f in failures:
        print("FAILED:", f)
    print(f"{len(rows) * 2 * args.runs - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


def write_results(args, rows):
    cmd = " ".join(sys.argv)
    with open(args.out + ".csv", "w") as f:
        f.write("condition,spec,sluice_mbit,linux_mbit,ratio\n")
        for r in rows:
            f.write(f"{r[0]},{r[1]},{r[2]:.2f},{r[3]:.2f},{r[4]:.3f}\n")
    with open(args.out + ".md", "w") as f:
        f.write(f"# Goodput through the link emulator: sluice (userspace stack) vs Linux (nginx, CUBIC)\n\n")
        f.write(f"{args.size} MB downloads, median of {args.runs}; Linux congestion control: "
                f"{getattr(args, 'linux_cc', '?')}; command: `{cmd}`\n\n")
        f.write("| condition | emulator spec (each direction) | sluice Mbit/s | Linux Mbit/s | sluice/Linux |\n|---|---|---|---|---|\n")
        for r in rows:
            f.write(f"| {r[0]} | `{r[1]}` | {r[2]:.1f} | {r[3]:.1f} | {r[4]:.2f} |\n")


if __name__ == "__main__":
    sys.exit(main())
