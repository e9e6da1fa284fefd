#include "tests/stack/socket/relay.h"

#include <rte_eth_ring.h>
#include <rte_errno.h>

#include <algorithm>
#include <cstdio>

namespace sluice::stack::testbed {
namespace {

constexpr unsigned kRingSize = 1024;

rte_ring* make_ring(const char* name) {
  rte_ring* r = rte_ring_create(name, kRingSize, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
  if (r == nullptr) std::fprintf(stderr, "rte_ring_create(%s): %s\n", name, rte_strerror(rte_errno));
  return r;
}

uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

void describe_arp(const uint8_t* p, uint32_t len, FrameInfo& f) {
  if (len < 28) return;
  f.arp_op = be16(p + 6);
  f.arp_sender_ip = be32(p + 14);
  f.arp_target_ip = be32(p + 24);
}

void describe_ipv4(const uint8_t* p, uint32_t len, FrameInfo& f) {
  if (len < 20) return;
  const uint32_t ihl = (p[0] & 0x0f) * 4u, total = be16(p + 2);
  f.ip_proto = p[9];
  f.src_ip = be32(p + 12);
  f.dst_ip = be32(p + 16);
  if (f.ip_proto != 6 || len < ihl + 20 || total < ihl + 20) return;
  const uint8_t* t = p + ihl;
  f.src_port = be16(t);
  f.dst_port = be16(t + 2);
  f.tcp_seq = be32(t + 4);
  f.tcp_ack = be32(t + 8);
  f.tcp_flags = t[13];
  f.window = be16(t + 14);
  const uint32_t doff = (t[12] >> 4) * 4u;
  f.payload_len = total >= ihl + doff ? total - ihl - doff : 0;
}

}  // namespace

const RingPorts* ring_ports() {
  static RingPorts ports;
  static bool ok = [] {
    ports.a_rx = make_ring("tb_a_rx");
    ports.a_tx = make_ring("tb_a_tx");
    ports.b_rx[0] = make_ring("tb_b_rx0");
    ports.b_rx[1] = make_ring("tb_b_rx1");
    ports.b_tx[0] = make_ring("tb_b_tx0");
    ports.b_tx[1] = make_ring("tb_b_tx1");
    ports.b_peer[0] = make_ring("tb_b_peer0");
    ports.b_peer[1] = make_ring("tb_b_peer1");
    for (rte_ring* r : {ports.a_rx, ports.a_tx, ports.b_rx[0], ports.b_rx[1], ports.b_tx[0], ports.b_tx[1],
                        ports.b_peer[0], ports.b_peer[1]})
      if (r == nullptr) return false;
    int a = rte_eth_from_rings("tb_ring_a", &ports.a_rx, 1, &ports.a_tx, 1, SOCKET_ID_ANY);
    int b = rte_eth_from_rings("tb_ring_b", ports.b_rx, kMaxQueues, ports.b_tx, kMaxQueues, SOCKET_ID_ANY);
    if (a < 0 || b < 0) {
      std::fprintf(stderr, "rte_eth_from_rings failed: %s\n", rte_strerror(rte_errno));
      return false;
    }
    ports.port_a = uint16_t(a);
    ports.port_b = uint16_t(b);
    return true;
  }();
  return ok ? &ports : nullptr;
}

FrameInfo describe_frame(const rte_mbuf* m) {
  FrameInfo f;
  f.length = m->pkt_len;
  uint8_t copy[14 + 60 + 60];
  const uint32_t n = std::min<uint32_t>(m->pkt_len, sizeof copy);
  const auto* p = static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, n, copy));
  if (p == nullptr || n < 14) return f;
  f.broadcast = std::all_of(p, p + 6, [](uint8_t b) { return b == 0xff; });
  f.ethertype = be16(p + 12);
  if (f.ethertype == 0x0806) describe_arp(p + 14, n - 14, f);
  if (f.ethertype == 0x0800) describe_ipv4(p + 14, n - 14, f);
  return f;
}

uint16_t Relay::queue_for(const FrameInfo& f, uint16_t queues) {
  if (queues <= 1 || !f.is_tcp()) return 0;  // like a NIC: what RSS does not hash goes to queue 0
  // A well-mixed hash of the 4-tuple (not Toeplitz: this NIC has no RSS key to program).
  uint64_t h = (uint64_t(f.src_ip) << 32 | f.dst_ip) ^ (uint64_t(f.src_port) << 16 | f.dst_port) * 0x9e3779b97f4a7c15ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return uint16_t(h % queues);
}

Relay::Filter Relay::drop_nth(unsigned n, std::function<bool(const FrameInfo&)> pred) {
  return [n, pred = std::move(pred), seen = 0u](const FrameInfo& f) mutable {
    if (!pred(f)) return Verdict::kPass;
    return ++seen == n ? Verdict::kDrop : Verdict::kPass;
  };
}

rte_ring* Relay::rx_ring(Dir d, uint16_t queue) const {
  return d == Dir::kAtoB ? ports_.b_rx[queue] : ports_.a_rx;
}

void Relay::admit(Dir d, rte_mbuf* m, Instant now) {
  Direction& s = dir(d);
  FrameInfo f = describe_frame(m);
  f.index = log_.size();
  f.dir = d;
  f.seen = now;
  log_.push_back(f);
  Verdict v = s.filter ? s.filter(f) : Verdict::kPass;
  if (v == Verdict::kDrop) {
    rte_pktmbuf_free(m);
    ++s.dropped;
    return;
  }
  InFlight in{m, now + s.delay, d == Dir::kAtoB ? queue_for(f, b_queues_) : uint16_t(0)};
  if (v == Verdict::kDeferOne && !s.deferred) {
    s.deferred = in;
    return;
  }
  s.queue.push_back(in);
  if (s.deferred) {
    s.deferred->due = in.due;
    s.queue.push_back(*s.deferred);
    s.deferred.reset();
  }
}

void Relay::collect(Dir d, rte_ring* from, Instant now) {
  void* frames[64];
  while (unsigned n = rte_ring_dequeue_burst(from, frames, 64, nullptr))
    for (unsigned i = 0; i < n; ++i) admit(d, static_cast<rte_mbuf*>(frames[i]), now);
}

void Relay::deliver(Dir d, Instant now) {
  Direction& s = dir(d);
  while (!s.paused && !s.queue.empty() && s.queue.front().due <= now) {
    // A full RX ring holds the frame back (a NIC would drop; the test wants no surprise loss).
    if (rte_ring_enqueue(rx_ring(d, s.queue.front().queue), s.queue.front().m) != 0) break;
    s.queue.pop_front();
    ++s.delivered;
  }
}

void Relay::step(Instant now) {
  collect(Dir::kAtoB, ports_.a_tx, now);
  for (rte_ring* r : ports_.b_tx) collect(Dir::kBtoA, r, now);
  deliver(Dir::kAtoB, now);
  deliver(Dir::kBtoA, now);
}

bool Relay::empty() const {
  for (const Direction& s : dir_)
    if (!s.queue.empty() || s.deferred) return false;
  return true;
}

void Relay::clear() {
  for (Direction& s : dir_) {
    for (InFlight& in : s.queue) rte_pktmbuf_free(in.m);
    s.queue.clear();
    if (s.deferred) rte_pktmbuf_free(s.deferred->m);
    s.deferred.reset();
  }
  auto drain = [](rte_ring* r) {
    void* m;
    while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
  };
  drain(ports_.a_rx);
  drain(ports_.a_tx);
  for (uint16_t q = 0; q < kMaxQueues; ++q) {
    drain(ports_.b_rx[q]);
    drain(ports_.b_tx[q]);
    drain(ports_.b_peer[q]);
  }
}

}  // namespace sluice::stack::testbed
