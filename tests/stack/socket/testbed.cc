#include "tests/stack/socket/testbed.h"

namespace sluice::stack::testbed {
namespace {

constexpr std::array<uint64_t, 2> kIsnKey{0x5eed5eed5eed5eedull, 0x0123456789abcdefull};

PortOptions port_options(uint16_t id, uint16_t queues, uint32_t mbufs) {
  PortOptions o;
  o.port_id = id;
  o.queues = queues;
  o.mtu = 1500;
  o.rx_desc = o.tx_desc = 512;
  o.mbufs_per_queue = mbufs;
  return o;
}

}  // namespace

Testbed::Testbed(const TestbedOptions& opts) : opts_(opts) {
  const RingPorts* rings = ring_ports();
  if (rings == nullptr) {
    error_ = "cannot create the net_ring ports";
    return;
  }
  relay_ = std::make_unique<Relay>(*rings);
  relay_->clear();  // a previous test's leftovers are not this test's frames
  relay_->set_b_queues(opts.b_queues);
  a_ = Port::open(port_options(rings->port_a, 1, opts.mbufs), &error_);
  if (a_) b_ = Port::open(port_options(rings->port_b, opts.b_queues, opts.mbufs), &error_);
}

Testbed::~Testbed() {
  if (relay_) relay_->clear();  // every mbuf home before the pools go
  b_.reset();
  a_.reset();
}

StackOptions Testbed::options(const Port& port, uint16_t queue, MacAddr mac, uint32_t ip) const {
  StackOptions o;
  o.netif.mac = mac;
  o.netif.address = ip;
  o.netif.prefix_len = 24;
  o.netif.mtu = 1500;
  o.netif.offloads = Offloads{};  // software checksums both ways
  o.netif.arp = opts_.arp;
  o.netif.pool = port.pool(queue);
  o.tcp = tcp::TcpParams::from_config(opts_.tcp, 1500, kIsnKey);
  o.port_id = port.id();
  o.queue = queue;
  return o;
}

StackOptions Testbed::options_a() const { return options(*a_, 0, kMacA, kIpA); }

StackOptions Testbed::options_b(uint16_t queue) const {
  StackOptions o = options(*b_, queue, kMacB, kIpB);
  if (opts_.b_queues > 1) {
    // As the backend without RSS: frames shared through rings, ephemeral ports partitioned.
    const RingPorts* rings = ring_ports();
    o.peer_rings.assign(rings->b_peer, rings->b_peer + opts_.b_queues);
    o.steering = Steering(opts_.b_queues, queue, o.tcp.ephemeral_lo, o.tcp.ephemeral_hi);
  }
  return o;
}

std::unique_ptr<StackTransport> Testbed::make_a(EventLoop& loop) const {
  return std::make_unique<StackTransport>(loop, options_a());
}

std::unique_ptr<StackTransport> Testbed::make_b(EventLoop& loop, uint16_t queue) const {
  return std::make_unique<StackTransport>(loop, options_b(queue));
}

std::string Testbed::leaks() {
  if (!ok()) return "";
  relay_->clear();
  std::string out;
  auto check = [&out](const char* side, const Port& p) {
    for (uint16_t q = 0; q < p.queues(); ++q) {
      rte_mempool* pool = p.pool(q);
      unsigned avail = rte_mempool_avail_count(pool);
      if (avail == pool->size) continue;
      out += std::string(out.empty() ? "" : "; ") + side + " queue " + std::to_string(q) + ": " +
             std::to_string(pool->size - avail) + " of " + std::to_string(pool->size) + " mbufs not returned";
    }
  };
  check("A", *a_);
  check("B", *b_);
  return out;
}

}  // namespace sluice::stack::testbed
