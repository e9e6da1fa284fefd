// Opening connections: RFC 9293 3.5 (three-way handshake, simultaneous open), 3.7.1 (MSS),
// RFC 7323 (window scale, timestamps), RFC 2018 (SACK-permitted), 3.10.7.2 (listen backlog),
// RFC 6056 (ephemeral ports).
#include "tests/stack/tcp/harness.h"

namespace sluice::stack::tcp::testing {
namespace {

TEST(TcpHandshake, Rfc9293ThreeWayHandshakeNegotiatesOptions) {
  Net net;
  auto [ha, hb] = net.establish();
  // SYN, SYN-ACK, ACK on the wire.
  ASSERT_GE(net.log_a.size(), 2u);
  ASSERT_GE(net.log_b.size(), 1u);
  const TcpRepr& syn = net.log_a[0].hdr;
  const TcpRepr& synack = net.log_b[0].hdr;
  EXPECT_EQ(syn.flags, flags::kSyn);
  EXPECT_EQ(synack.flags, flags::kSyn | flags::kAck);
  EXPECT_EQ(synack.ack, syn.seq + 1);
  EXPECT_EQ(net.log_a[1].hdr.flags, flags::kAck);
  EXPECT_EQ(net.log_a[1].hdr.ack, synack.seq + 1);
  EXPECT_EQ(syn.mss, 1460);
  EXPECT_EQ(syn.window_scale, 3);  // 256 KiB buffer
  EXPECT_TRUE(syn.sack_permitted);
  ASSERT_TRUE(syn.timestamps);
  EXPECT_EQ(syn.timestamps->tsecr, 0u);
  ASSERT_TRUE(synack.timestamps);
  EXPECT_EQ(synack.timestamps->tsecr, syn.timestamps->tsval);
  const Tcb* a = net.a.layer.tcb(ha);
  const Tcb* b = net.b.layer.tcb(hb);
  for (const Tcb* t : {a, b}) {
    EXPECT_TRUE(t->ws_ok);
    EXPECT_TRUE(t->ts_ok);
    EXPECT_TRUE(t->sack_ok);
    EXPECT_EQ(t->snd_wscale, 3);
    EXPECT_EQ(t->snd_mss, 1460 - 12);  // RFC 9293 3.7.1: minus the timestamp option
  }
  EXPECT_EQ(net.a.connected.size(), 1u);
  EXPECT_EQ(net.b.accept_ready.size(), 1u);
  EXPECT_EQ(net.a.layer.counters().active_opens, 1u);
  EXPECT_EQ(net.b.layer.counters().passive_opens, 1u);
}

TEST(TcpHandshake, Rfc9293MssDefaultsTo536AndOptionsNeedBothSides) {
  TcpParams pb = test_params();
  pb.window_scaling = false;
  pb.timestamps = false;
  pb.sack = false;
  pb.mss = 1000;
  Net net(test_params(), pb);
  auto [ha, hb] = net.establish();
  const TcpRepr& synack = net.log_b[0].hdr;
  EXPECT_FALSE(synack.window_scale);
  EXPECT_FALSE(synack.timestamps);
  EXPECT_FALSE(synack.sack_permitted);
  const Tcb* a = net.a.layer.tcb(ha);
  EXPECT_FALSE(a->ws_ok);
  EXPECT_FALSE(a->ts_ok);
  EXPECT_EQ(a->rcv_wscale, 0);
  EXPECT_EQ(a->snd_mss, 1000);  // clamped to the peer's MSS
  EXPECT_EQ(net.b.layer.tcb(hb)->snd_mss, 1000);  // ours (1000) < peer's 1460
}

TEST(TcpHandshake, Rfc9293SimultaneousOpen) {
  Net net;
  auto ha = net.a.layer.connect(net.now, kIpA, kIpB, 5000, 6000);
  auto hb = net.b.layer.connect(net.now, kIpB, kIpA, 6000, 5000);
  ASSERT_TRUE(ha && hb);
  net.run_for(Duration::millis(100));
  EXPECT_EQ(net.a.layer.state(*ha), TcpState::kEstablished);
  EXPECT_EQ(net.b.layer.state(*hb), TcpState::kEstablished);
  EXPECT_EQ(net.a.connected.size(), 1u);
  EXPECT_EQ(net.b.connected.size(), 1u);
  // Data flows both ways afterwards.
  BufChain d;
  d.append_copy("ping");
  EXPECT_EQ(net.a.layer.send(*ha, d), 4u);
  net.run_for(Duration::millis(100));
  EXPECT_EQ(net.b.received.to_string(), "ping");
}

TEST(TcpHandshake, Rfc9293ConnectToClosedPortIsRefused) {
  Net net;
  auto h = net.a.layer.connect(net.now, kIpA, kIpB, 81);
  net.run_for(Duration::millis(50));
  ASSERT_EQ(net.a.closed.size(), 1u);
  EXPECT_EQ(net.a.closed[0].second, CloseReason::kRefused);
  EXPECT_EQ(net.a.layer.state(*h), TcpState::kClosed);
  net.a.layer.release(*h);
  EXPECT_FALSE(net.a.layer.valid(*h));
  EXPECT_EQ(net.a.layer.connection_count(), 0u);
}

TEST(TcpHandshake, Rfc6298SynRetriesBackOffThenGiveUp) {
  TcpParams p = test_params();
  p.syn_retries = 3;
  Net net(p);
  net.filter = [](size_t, bool from_a, const Captured&) { return Fate::kDrop; };
  Instant start = net.now;
  auto h = net.a.layer.connect(net.now, kIpA, kIpB, 80);
  net.run_for(Duration::seconds(60));
  ASSERT_EQ(net.log_a.size(), 4u);  // SYN + 3 retries
  EXPECT_EQ(net.log_a[0].at - start, Duration::zero());
  EXPECT_EQ(net.log_a[1].at - start, Duration::seconds(1));
  EXPECT_EQ(net.log_a[2].at - start, Duration::seconds(3));
  EXPECT_EQ(net.log_a[3].at - start, Duration::seconds(7));
  ASSERT_EQ(net.a.closed.size(), 1u);
  EXPECT_EQ(net.a.closed[0].second, CloseReason::kTimedOut);
  EXPECT_EQ(net.a.layer.state(*h), TcpState::kClosed);
}

TEST(TcpHandshake, Rfc9293ListenBacklogOverflowDropsFinalAck) {
  Net net;
  net.b.auto_accept = false;
  auto l = net.b.layer.listen(0, 80, 1);
  ASSERT_TRUE(l);
  auto h1 = net.a.layer.connect(net.now, kIpA, kIpB, 80);
  auto h2 = net.a.layer.connect(net.now, kIpA, kIpB, 80);
  net.run_for(Duration::millis(50));
  // The client side completes both; the server queued one and dropped the other's ACK.
  EXPECT_EQ(net.a.layer.state(*h1), TcpState::kEstablished);
  EXPECT_EQ(net.a.layer.state(*h2), TcpState::kEstablished);
  EXPECT_EQ(net.b.layer.counters().accept_queue_drops, 1u);
  auto s1 = net.b.layer.accept(*l);
  ASSERT_TRUE(s1);
  EXPECT_FALSE(net.b.layer.accept(*l));
  // The SYN-ACK retransmission draws another ACK; now there is room.
  net.run_for(Duration::seconds(2));
  auto s2 = net.b.layer.accept(*l);
  ASSERT_TRUE(s2);
  EXPECT_EQ(net.b.layer.state(*s2), TcpState::kEstablished);
}

TEST(TcpHandshake, Rfc6056EphemeralPortsAllocationAndExhaustion) {
  TcpParams p = test_params();
  p.ephemeral_lo = 40000;
  p.ephemeral_hi = 40003;
  Net net(p);
  net.b.layer.listen(0, 80, 16);
  net.a.layer.set_port_filter([](uint16_t port) { return port != 40001; });
  std::vector<uint16_t> ports;
  for (int i = 0; i < 3; ++i) {
    auto h = net.a.layer.connect(net.now, kIpA, kIpB, 80);
    ASSERT_TRUE(h);
    ports.push_back(net.a.layer.four_tuple(*h)->local_port);
  }
  std::sort(ports.begin(), ports.end());
  EXPECT_EQ(ports, (std::vector<uint16_t>{40000, 40002, 40003}));
  EXPECT_FALSE(net.a.layer.connect(net.now, kIpA, kIpB, 80));
  EXPECT_EQ(net.a.layer.counters().port_exhaustions, 1u);
  // Another remote port is another 4-tuple: the same local ports are free for it.
  EXPECT_TRUE(net.a.layer.connect(net.now, kIpA, kIpB, 81));
}

TEST(TcpHandshake, StaleHandlesAreDetected) {
  Net net;
  auto h = net.a.layer.connect(net.now, kIpA, kIpB, 81);  // refused
  net.run_for(Duration::millis(50));
  net.a.layer.release(*h);
  auto h2 = net.a.layer.connect(net.now, kIpA, kIpB, 82);
  ASSERT_TRUE(h2);
  EXPECT_EQ(h2->index, h->index);  // slot reused
  EXPECT_FALSE(net.a.layer.valid(*h));
  EXPECT_EQ(net.a.layer.state(*h), TcpState::kClosed);
  BufChain d;
  d.append_copy("x");
  EXPECT_EQ(net.a.layer.send(*h, d), 0u);
}

}  // namespace
}  // namespace sluice::stack::tcp::testing
