"""A SYN flood does not stop a real client (issue 8, RFC 4987).

    cli ns [c0 198.18.0.1] --+
                              +-- sw ns: bridge --- [s0] srv ns: sluice on net_af_packet, 198.18.0.2
    atk ns [a0 198.18.0.9] --+

hping3 in the attacker namespace sends SYNs (bounded count and time) with the spoofed source
198.18.0.99, which nobody answers ARP for: sluice's SYN-ACKs never get an RST back, so half-open
connections pile up until the SYN backlog is full and SYN cookies take over. Meanwhile curl in
the client namespace must keep fetching the page, and at exit the cookie counter must be > 0.
"""
import os
import re
import subprocess
import sys
import time

from harness import Site, Sluice, main, run, wait_for

BINARY = os.path.abspath(sys.argv[1])
NS = {"cli": "sl9cli", "atk": "sl9atk", "sw": "sl9sw", "srv": "sl9srv"}
LINKS = [("cli", "c0", "b0"), ("atk", "a0", "b1"), ("srv", "s0", "b2")]


def ns(name, *cmd, check=True, timeout=60):
    return run(["ip", "netns", "exec", NS[name], *cmd], check=check, timeout=timeout)


def delete():
    for n in NS.values():
        subprocess.run(["ip", "netns", "del", n], capture_output=True)


def build():
    delete()
    for n in NS.values():
        run(["ip", "netns", "add", n])
    ns("sw", "ip", "link", "add", "br0", "type", "bridge")
    for who, dev, port in LINKS:
        run(["ip", "link", "add", dev, "netns", NS[who], "type", "veth", "peer", "name", port, "netns", NS["sw"]])
        ns("sw", "ip", "link", "set", port, "master", "br0")
        ns("sw", "ip", "link", "set", port, "up")
        ns(who, "ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off", "tx", "off", "rx", "off", check=False)
        ns(who, "ip", "link", "set", dev, "up")
    ns("sw", "ip", "link", "set", "br0", "up")
    ns("cli", "ip", "addr", "add", "198.18.0.1/24", "dev", "c0")
    ns("atk", "ip", "addr", "add", "198.18.0.9/24", "dev", "a0")


site = Site("sluice-synflood")
site.file("www/index.html", "still here\n")
site.write_conf(f"""
[process]
workers = 1
pid_file = "run/sluice.pid"
error_log = "logs/error.log"
[network]
backend = "dpdk"
[dpdk]
eal_args = ["--no-huge", "--no-shconf", "--no-pci", "-m", "512", "--vdev=net_af_packet0,iface=s0", "--log-level=warning", "--no-telemetry"]
address = "198.18.0.2/24"
idle_sleep_us = 20
[tcp]
syn_backlog = 64
[[server]]
listen = ["198.18.0.2:80"]
access_log = "off"
  [[server.location]]
  path = "/"
  root = "www"
""")
server = None


def test_curl_keeps_working_during_a_syn_flood():
    global server
    build()
    server = Sluice(BINARY, site, netns=NS["srv"])
    wait_for(lambda: "engine serving" in site.log("error.log") or server.proc.poll() is not None, 30, "sluice")
    assert server.proc.poll() is None, site.log("error.log")
    wait_for(lambda: ns("cli", "curl", "-s", "--max-time", "1", "http://198.18.0.2/", check=False).stdout == "still here\n",
             15, "the page before the flood")
    # 200k SYNs at ~20k/s from random source ports: bounded in count (and by the timeout).
    flood = subprocess.Popen(["ip", "netns", "exec", NS["atk"], "timeout", "15", "hping3", "-q", "-S", "-p", "80",
                              "-a", "198.18.0.99", "-i", "u50", "-c", "200000", "198.18.0.2"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2)
        ok = 0
        for _ in range(20):
            p = ns("cli", "curl", "-s", "--max-time", "2", "http://198.18.0.2/", check=False)
            ok += p.stdout == "still here\n"
            time.sleep(0.2)
        assert ok >= 19, f"only {ok}/20 fetches succeeded during the flood"
    finally:
        flood.terminate()
        flood.wait(timeout=20)
    server.signal("quit")
    server.wait(timeout=30)
    log = site.log("error.log")
    m = re.search(r"syn_cookies_sent=(\d+)", log)
    assert m and int(m.group(1)) > 0, "no SYN cookies were sent:\n" + log[-2000:]
    counters = {k: v for k, v in re.findall(r"tcp\.(syn_\w+|accept_queue_drops)=(\d+)", log)}
    print(f"    during the flood: {ok}/20 fetches ok; {counters}", flush=True)


try:
    main([test_curl_keeps_working_during_a_syn_flood])
finally:
    if server:
        server.stop()
    delete()
    site.cleanup()
