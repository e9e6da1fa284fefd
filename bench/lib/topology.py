"""The benchmark's network: a server namespace and a client namespace joined by one veth pair with
every offload off (both ends see MTU-sized frames with real checksums, as a NIC would deliver).

  server ns  [slbs] ===== veth ===== [slbc]  client ns
  198.18.0.2: a server on the userspace stack (net_af_packet on slbs; Linux has no address there)
  198.18.0.3: a server on Linux sockets (sluice's kernel backend, nginx); Linux holds the address
  198.18.0.1: the Linux client (wrk)
  198.18.0.4: sluice-load on net_af_packet on slbc (Linux has no address there while it runs)
  198.18.0.5: the proxy scenario's nginx backend, a second Linux address on slbc: a server on the
              userspace stack reaches only what is on its port's wire, so the backend sits across
              the veth for every proxy under test (the same path for all of them)
  Two client addresses, so one client's 4-tuples never meet the other's in a server's TIME-WAIT.

Addresses are from 198.18.0.0/15 and exist only inside these namespaces.

A device on which Linux has no address belongs to the PMD alone, as a NIC bound to DPDK does: an
nftables netdev ingress hook drops every frame after the PMD's AF_PACKET socket took its copy, so
Linux does not also route each frame to an ICMP error (ip_rcv, a route lookup, a dst per frame: on
this path, 10 % of the sending core). It applies to every figure alike, the testpmd limit included.
"""
from procs import add_netns, run

SRV_NS, CLI_NS = "slb-s", "slb-c"
SRV_DEV, CLI_DEV = "slbs", "slbc"
DPDK_SERVER_IP = "198.18.0.2"
KERNEL_SERVER_IP = "198.18.0.3"
CLIENT_IP = "198.18.0.1"
LOAD_CLIENT_IP = "198.18.0.4"
BACKEND_IP = "198.18.0.5"
PREFIX = 24
# net_memif: a separate subnet, so nothing can be confused with the veth path.
MEMIF_SERVER_IP = "198.18.1.2"
MEMIF_CLIENT_IP = "198.18.1.1"

SERVER_CPU = 1
CLIENT_CPU = 0


def ns_cmd(ns, cmd):
    return ["ip", "netns", "exec", ns] + cmd


def _plain(ns, dev):
    run(ns_cmd(ns, ["ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off", "tx", "off", "rx", "off"]),
        check=False)


def _sysctl(ns, settings):
    for k, v in settings.items():
        run(ns_cmd(ns, ["sysctl", "-qw", f"{k}={v}"]), check=False)


def create():
    add_netns(SRV_NS)
    add_netns(CLI_NS)
    run(["ip", "link", "add", SRV_DEV, "netns", SRV_NS, "type", "veth", "peer", "name", CLI_DEV, "netns", CLI_NS])
    for ns, dev in ((SRV_NS, SRV_DEV), (CLI_NS, CLI_DEV)):
        _plain(ns, dev)
        run(ns_cmd(ns, ["ip", "link", "set", dev, "up"]))
    # Kernel TCP on both sides as a tuned benchmark host would have it: a wide ephemeral range and
    # TIME-WAIT reuse for the client, deep accept queues for the server.
    _sysctl(CLI_NS, {"net.ipv4.ip_local_port_range": "1024 65000", "net.ipv4.tcp_tw_reuse": "1"})
    _sysctl(SRV_NS, {"net.core.somaxconn": "65535", "net.ipv4.tcp_max_syn_backlog": "65535"})


def mac(ns, dev):
    out = run(ns_cmd(ns, ["cat", f"/sys/class/net/{dev}/address"])).stdout
    return out.strip()


PMD_ONLY_TABLE = "slb_pmd_only"


def _pmd_only(ns, dev, on):
    """Linux drops the device's frames at ingress (after AF_PACKET taps) when `on`."""
    run(ns_cmd(ns, ["nft", "delete", "table", "netdev", PMD_ONLY_TABLE]), check=False)
    if on:
        rules = (f"table netdev {PMD_ONLY_TABLE} {{\n  chain ingress_drop {{\n"
                 f"    type filter hook ingress device \"{dev}\" priority 0; policy drop;\n  }}\n}}\n")
        run(ns_cmd(ns, ["nft", "-f", "-"]), input=rules)


def set_linux_address(ns, dev, *ips):
    """Gives Linux `ips` on the device (none: no address, the frames are the PMD's alone)."""
    run(ns_cmd(ns, ["ip", "addr", "flush", "dev", dev]))
    run(ns_cmd(ns, ["ip", "neigh", "flush", "dev", dev]), check=False)
    for ip in ips:
        if ip:
            run(ns_cmd(ns, ["ip", "addr", "add", f"{ip}/{PREFIX}", "dev", dev]))
    _pmd_only(ns, dev, not any(ips))


def server_linux(on):
    set_linux_address(SRV_NS, SRV_DEV, KERNEL_SERVER_IP if on else None)


def client_linux(on, backend=False):
    """Linux's client address on slbc (wrk); `backend`: also the proxy backend's address."""
    set_linux_address(CLI_NS, CLI_DEV, CLIENT_IP if on else None, BACKEND_IP if backend else None)


def af_packet_vdev(dev):
    return f"--vdev=net_af_packet0,iface={dev},qpairs=1"


def memif_vdev(role, socket_path):
    return f"--vdev=net_memif0,role={role},id=0,socket={socket_path},socket-abstract=no"


def eal_args(cpu, vdev, mem_mb=512):
    return ["-l", str(cpu), "--no-huge", "--no-shconf", "--no-pci", "-m", str(mem_mb), vdev, "--log-level=warning"]
