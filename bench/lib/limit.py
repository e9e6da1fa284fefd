"""The packet-rate limit of the veth + net_af_packet path, measured with dpdk-testpmd: testpmd in
the client namespace sends 64-byte frames as fast as it can (txonly) and testpmd in the server
namespace forwards every frame back out of the same port (io forwarding, loop topology), on the
same CPUs the benchmark's client and server use. The server side's rx + tx packets per second is
what one server core can move through this path; divided by the frames a short connection needs
(counted from sluice's own counters in the close-mode runs), it is the connections/s ceiling.
"""
import os
import re
import signal
import statistics
import time

import procs
import topology as topo


def _testpmd(cpu, other_cpu, vdev, fwd_args):
    # testpmd needs a main lcore besides the forwarding one; the main lcore only prints stats.
    # 128 MB holds its 16384 mbufs; without hugepages EAL start-up time grows with -m (512: 2 s).
    eal = ["-l", f"{cpu},{other_cpu}", "--main-lcore", str(other_cpu), "--no-huge", "--no-shconf", "--no-pci",
           "-m", "128", vdev, "--log-level=warning"]
    return ["dpdk-testpmd"] + eal + ["--", "--nb-cores=1", "--rxq=1", "--txq=1", "--stats-period=1",
                                     "--total-num-mbufs=16384"] + fwd_args


def commands():
    srv_mac = topo.mac(topo.SRV_NS, topo.SRV_DEV)
    server = _testpmd(topo.SERVER_CPU, topo.CLIENT_CPU, topo.af_packet_vdev(topo.SRV_DEV),
                      ["--forward-mode=io", "--port-topology=loop"])
    client = _testpmd(topo.CLIENT_CPU, topo.SERVER_CPU, topo.af_packet_vdev(topo.CLI_DEV),
                      ["--forward-mode=txonly", "--txpkts=64", f"--eth-peer=0,{srv_mac}"])
    return topo.ns_cmd(topo.SRV_NS, server), topo.ns_cmd(topo.CLI_NS, client)


def _pps_samples(text):
    """Per-second (rx_pps, tx_pps) pairs from testpmd's periodic port statistics."""
    rx = [int(x) for x in re.findall(r"Rx-pps:\s+(\d+)", text)]
    tx = [int(x) for x in re.findall(r"Tx-pps:\s+(\d+)", text)]
    return list(zip(rx, tx))


def _steady(values):
    """The seconds with traffic, less the first and last (partial) ones when there are enough."""
    busy = [v for v in values if v > 0]
    return busy[1:-1] if len(busy) > 2 else busy


def measure(tmpdir, duration_s, tag):
    """One measurement: the server side's median (rx + tx) packets/s over the steady seconds."""
    server_cmd, client_cmd = commands()
    slog = os.path.join(tmpdir, f"testpmd-server-{tag}.log")
    clog = os.path.join(tmpdir, f"testpmd-client-{tag}.log")
    server = procs.start(server_cmd, slog)
    try:
        procs.wait_until(lambda: "Port 0: link state change" in open(slog).read()
                         or "Rx-pps" in open(slog).read() or server.poll() is not None, 30, "testpmd (server)")
        if server.poll() is not None:
            raise RuntimeError("testpmd (server) exited: " + open(slog).read()[-2000:])
        client = procs.start(client_cmd, clog)
        try:
            # Measure `duration_s` seconds from the first second the client really sent.
            procs.wait_until(lambda: any(tx for _, tx in _pps_samples(open(clog).read())) or client.poll() is not None,
                             60, "testpmd (client) to send")
            time.sleep(duration_s + 1)
        finally:
            procs.stop(client, signal.SIGINT, grace=10)
    finally:
        procs.stop(server, signal.SIGINT, grace=10)
    steady = _steady([rx + tx for rx, tx in _pps_samples(open(slog).read())])
    client_tx = _steady([tx for _, tx in _pps_samples(open(clog).read())])
    return {"server_pps": statistics.median(steady) if steady else 0,
            "client_tx_pps": statistics.median(client_tx) if client_tx else 0,
            "samples": len(steady)}
