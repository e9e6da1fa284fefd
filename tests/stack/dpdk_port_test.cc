// The DPDK glue over net_ring: two ports whose rings are crossed (A's TX is B's RX), configured by
// Port, written through TxQueue, read with rx_burst. Then two interfaces ping across them.
#include <gtest/gtest.h>
#include <rte_eth_ring.h>
#include <rte_ring.h>

#include "stack/dpdk/port.h"
#include "stack/netif/net_interface.h"
#include "stack/wire/checksum.h"
#include "tests/stack/test_util.h"

namespace sluice::stack {
namespace {

using Bytes = std::vector<uint8_t>;

// The crossed pair is created once per process (ring and port names are global to the EAL).
struct RingPair {
  uint16_t a = 0, b = 0;
  bool ok = false;
};
const RingPair& ring_pair() {
  static RingPair p = [] {
    RingPair r;
    rte_ring* ab = rte_ring_create("test_ab", 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    rte_ring* ba = rte_ring_create("test_ba", 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (ab == nullptr || ba == nullptr) return r;
    int a = rte_eth_from_rings("ring_a", &ba, 1, &ab, 1, SOCKET_ID_ANY);
    int b = rte_eth_from_rings("ring_b", &ab, 1, &ba, 1, SOCKET_ID_ANY);
    if (a < 0 || b < 0) return r;
    r.a = uint16_t(a), r.b = uint16_t(b), r.ok = true;
    return r;
  }();
  return p;
}

PortOptions small(uint16_t id) {
  PortOptions o;
  o.port_id = id;
  o.queues = 1;
  o.rx_desc = o.tx_desc = 256;
  o.mbufs_per_queue = 1023;
  return o;
}

class DpdkPortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ring_pair().ok);
    std::string err;
    a = Port::open(small(ring_pair().a), &err);
    ASSERT_TRUE(a) << err;
    b = Port::open(small(ring_pair().b), &err);
    ASSERT_TRUE(b) << err;
  }
  void TearDown() override {
    // Every mbuf must be back in its pool before the pools go.
    drain(*a);
    drain(*b);
  }
  static void drain(Port& p) {
    rte_mbuf* m[32];
    while (uint16_t n = p.rx_burst(0, m, 32)) rte_pktmbuf_free_bulk(m, n);
  }
  Packet frame_from(Port& p, const Bytes& bytes) {
    Packet f = Packet::alloc(p.pool(0));
    uint8_t* d = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(f.get(), uint16_t(bytes.size())));
    std::memcpy(d, bytes.data(), bytes.size());
    return f;
  }
  std::unique_ptr<Port> a, b;
};

TEST_F(DpdkPortTest, OpensWithPoolsAndDescribesItself) {
  EXPECT_EQ(a->queues(), 1);
  EXPECT_NE(a->pool(0), nullptr);
  EXPECT_NE(a->pool(0), b->pool(0));
  EXPECT_NE(a->description().find("net_ring"), std::string::npos) << a->description();
  EXPECT_FALSE(a->rss()) << "one queue: no RSS";
  EXPECT_NE(a->link_status().find("link"), std::string::npos) << a->link_status();
}

TEST_F(DpdkPortTest, FrameSentFromAArrivesAtBByteExact) {
  Bytes bytes(123);
  for (size_t i = 0; i < bytes.size(); i++) bytes[i] = uint8_t(i * 7);
  TxQueue tx(a->id(), 0);
  tx.send_frame(frame_from(*a, bytes));
  EXPECT_EQ(tx.pending(), 1);
  rte_mbuf* m[4];
  EXPECT_EQ(b->rx_burst(0, m, 4), 0) << "buffered until flush";
  tx.flush();
  EXPECT_EQ(tx.counters().frames, 1u);
  EXPECT_EQ(tx.counters().bytes, 123u);
  ASSERT_EQ(b->rx_burst(0, m, 4), 1);
  Packet got(m[0]);
  EXPECT_EQ(test::bytes_of(got), bytes);
}

TEST_F(DpdkPortTest, FullBurstFlushesByItself) {
  TxQueue tx(a->id(), 0);
  for (int i = 0; i < TxQueue::kBurst; i++) tx.send_frame(frame_from(*a, Bytes(60, uint8_t(i))));
  EXPECT_EQ(tx.pending(), 0);
  EXPECT_EQ(tx.counters().bursts, 1u);
  rte_mbuf* m[64];
  uint16_t n = b->rx_burst(0, m, 64);
  ASSERT_EQ(n, TxQueue::kBurst);
  for (uint16_t i = 0; i < n; i++) {
    EXPECT_EQ(rte_pktmbuf_mtod(m[i], uint8_t*)[0], i) << "in order";
    rte_pktmbuf_free(m[i]);
  }
}

TEST_F(DpdkPortTest, WhatTheNicRefusesIsFreedAndCounted) {
  // The ring holds 1023: send more without receiving (from the bigger test pool).
  TxQueue tx(a->id(), 0);
  for (int i = 0; i < 1100; i++) tx.send_frame(test::packet_of(Bytes(60, 0)));
  tx.flush();
  EXPECT_EQ(tx.counters().frames, 1023u);
  EXPECT_EQ(tx.counters().dropped, 1100u - 1023u);
}

TEST_F(DpdkPortTest, OpenErrorsAreStrings) {
  std::string err;
  EXPECT_FALSE(Port::open(small(RTE_MAX_ETHPORTS - 1), &err));
  EXPECT_NE(err.find("no DPDK port"), std::string::npos) << err;
  PortOptions many = small(ring_pair().a);
  many.queues = 64;
  EXPECT_FALSE(Port::open(many, &err));
  EXPECT_NE(err.find("queues"), std::string::npos) << err;
}

TEST(DpdkPort, OneQueueAndOnePoolPerWorker) {
  rte_ring* rx[2] = {rte_ring_create("test_q0", 256, SOCKET_ID_ANY, 0), rte_ring_create("test_q1", 256, SOCKET_ID_ANY, 0)};
  ASSERT_TRUE(rx[0] && rx[1]);
  int id = rte_eth_from_rings("ring_2q", rx, 2, rx, 2, SOCKET_ID_ANY);  // looped back
  ASSERT_GE(id, 0);
  PortOptions o = small(uint16_t(id));
  o.queues = 2;
  std::string err;
  auto p = Port::open(o, &err);
  ASSERT_TRUE(p) << err;
  ASSERT_EQ(p->queues(), 2);
  EXPECT_NE(p->pool(0), p->pool(1));
  EXPECT_NE(std::string(p->pool(1)->name).find("_w1"), std::string::npos) << p->pool(1)->name;
  EXPECT_FALSE(p->rss()) << "net_ring cannot hash";
  // Each worker's queue carries its own frames.
  TxQueue tx1(p->id(), 1);
  Packet f = Packet::alloc(p->pool(1));
  rte_pktmbuf_append(f.get(), 60);
  tx1.send_frame(std::move(f));
  tx1.flush();
  rte_mbuf* m[4];
  EXPECT_EQ(p->rx_burst(0, m, 4), 0);
  ASSERT_EQ(p->rx_burst(1, m, 4), 1);
  rte_pktmbuf_free(m[0]);
}

// Two interfaces, each on its own port and TX queue, ping each other through the rings.
TEST_F(DpdkPortTest, TwoInterfacesPingOverTheRingPair) {
  TxQueue tx_a(a->id(), 0), tx_b(b->id(), 0);
  NetInterfaceConfig ca;
  ca.mac = MacAddr{{2, 0, 0, 0, 1, 1}};
  ca.address = ipv4(192, 168, 7, 1);
  ca.pool = a->pool(0);
  ca.offloads = a->offloads();
  NetInterfaceConfig cb = ca;
  cb.mac = MacAddr{{2, 0, 0, 0, 1, 2}};
  cb.address = ipv4(192, 168, 7, 2);
  cb.pool = b->pool(0);
  cb.offloads = b->offloads();
  NetInterface ia(ca, tx_a), ib(cb, tx_b);
  Instant now = Instant::from_micros(1000);

  IcmpRepr echo;
  echo.type = icmptype::kEchoRequest;
  echo.echo_ident = 1;
  Bytes data(48, 0x5a);
  echo.data = data;
  Bytes msg(echo.length());
  echo.emit(msg);
  ASSERT_TRUE(ia.send_ipv4(now, cb.address, ipproto::kIcmp, frame_from(*a, msg)));

  // The worker loop, for both sides: receive a burst, process, flush.
  auto step = [&](Port& p, NetInterface& i, TxQueue& tx) {
    rte_mbuf* m[32];
    uint16_t n = p.rx_burst(0, m, 32);
    for (uint16_t k = 0; k < n; k++) i.receive(now, Packet(m[k]));
    tx.flush();
    return n;
  };
  int frames = 0;
  for (int round = 0; round < 10; round++) frames += step(*a, ia, tx_a) + step(*b, ib, tx_b);
  EXPECT_EQ(frames, 4) << "ARP request, ARP reply, echo request, echo reply";
  EXPECT_EQ(ia.icmp_counters().rx_echo_replies, 1u);
  EXPECT_EQ(ib.icmp_counters().tx_echo_replies, 1u);
}

}  // namespace
}  // namespace sluice::stack
