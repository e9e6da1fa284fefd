"""End to end on the userspace stack (issue 3): sluice with backend = "dpdk" on net_af_packet or
net_tap in one network namespace, Linux in another, joined by a veth (or the tap device)."""
import os
import re
import signal
import subprocess
import sys
import time

from harness import Site, Sluice, main, parse_wrk, sha256_file, wait_for
from topology import SERVER_IP, Topology, dpdk_conf

BINARY = os.path.abspath(sys.argv[1])
PMD = sys.argv[2] if len(sys.argv) > 2 else "af_packet"
WORKERS = int(sys.argv[3]) if len(sys.argv) > 3 else 1
URL = f"http://{SERVER_IP}"

topo = Topology("t" + PMD[:2] + str(WORKERS), pmd=PMD, queues=WORKERS)
site = Site("sluice-dpdk")
small = site.random_file("www/small.bin", 600, seed=2)
large = site.random_file("www/large.bin", 50 * 1024 * 1024, seed=3)
site.file("www/index.html", "<h1>userspace stack</h1>\n")
site.write_conf(dpdk_conf(topo, "www", workers=WORKERS))
server = None


def test_starts_and_answers_ping():
    global server
    server = Sluice(BINARY, site, netns=topo.srv)
    time.sleep(0.5)
    wait_for(lambda: server.proc.poll() is not None or "engine serving" in site.log("error.log"), 30,
             "the engine to serve")
    assert server.proc.poll() is None, server.stop()
    topo.after_start()
    wait_for(lambda: topo.client(["ping", "-c", "1", "-W", "1", SERVER_IP], check=False).returncode == 0,
             15, "a ping reply from the userspace stack")
    p = topo.client(["ping", "-c", "5", "-i", "0.2", "-W", "1", SERVER_IP])
    assert " 0% packet loss" in p.stdout, p.stdout


def fetch(path, out):
    return topo.client(["curl", "-sS", "--max-time", "60", "-o", out, URL + path], timeout=90, check=False)


def test_small_and_large_files_byte_exact():
    for path, src in (("/small.bin", small), ("/large.bin", large)):
        out = os.path.join(site.dir, "out.bin")
        p = fetch(path, out)
        assert p.returncode == 0, p.stderr
        assert sha256_file(out) == sha256_file(src), path
        os.unlink(out)


def wrk(*extra):
    p = topo.client(["wrk", "-t1", "-c16", "-d5s", *extra, URL + "/small.bin"], timeout=60)
    return parse_wrk(p.stdout), p.stdout


def test_wrk_keepalive_no_errors():
    r, out = wrk()
    assert r["requests"] > 500, out
    assert r["socket_errors"] == 0 and r["non2xx"] == 0, out
    print(f"    keep-alive: {r['rps']:.0f} req/s", flush=True)


def test_wrk_connection_close_no_errors():
    r, out = wrk("-H", "Connection: close")
    assert r["requests"] > 200, out
    assert r["socket_errors"] == 0 and r["non2xx"] == 0, out
    print(f"    connection close: {r['rps']:.0f} req/s", flush=True)


def test_survives_client_killed_mid_transfer():
    dl = topo.client_popen(["curl", "-sS", "--limit-rate", "2M", "-o", "/dev/null", URL + "/large.bin"],
                           stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    dl.send_signal(signal.SIGKILL)
    dl.wait()
    out = os.path.join(site.dir, "again.bin")
    p = fetch("/small.bin", out)
    assert p.returncode == 0 and sha256_file(out) == sha256_file(small), p.stderr


def test_counters_at_exit_show_every_worker_carried_connections():
    server.signal("quit")
    assert server.wait(timeout=30) == 0
    log = site.log("error.log")
    for w in range(WORKERS):
        m = re.search(rf"#w{w}: counters: .*conn_passive=(\d+)", log)
        assert m, log[-3000:]
        assert int(m.group(1)) > 0, f"worker {w} carried no connection:\n" + m.group(0)


try:
    main([
        test_starts_and_answers_ping,
        test_small_and_large_files_byte_exact,
        test_wrk_keepalive_no_errors,
        test_wrk_connection_close_no_errors,
        test_survives_client_killed_mid_transfer,
        test_counters_at_exit_show_every_worker_carried_connections,
    ])
finally:
    if server:
        server.stop()
        print(site.log("error.log")[-4000:])
    topo.delete()
    site.cleanup()
