// Limits and liveness: the per-worker out-of-order memory bound, keepalive (RFC 1122 4.2.3.6),
// and path MTU changes from ICMP fragmentation-needed (RFC 1191, RFC 5927 4.1).
#include "tests/stack/tcp/harness.h"

namespace sluice::stack::tcp::testing {
namespace {

// The test plays clients of one listening host.
class Limits : public ::testing::Test {
 protected:
  static TcpParams params() {
    TcpParams p = test_params();
    p.ooo_memory = 3000;
    p.timestamps = false;
    return p;
  }
  Limits() : host(kIpB, params()) {
    host.now = now;
    host.layer.listen(0, 80, 8);
  }
  TcpRepr seg(uint16_t port, uint8_t fl, uint32_t seq, uint32_t ack) {
    TcpRepr h;
    h.src_port = port;
    h.dst_port = 80;
    h.flags = fl;
    h.seq = TcpSeq(seq);
    h.ack = TcpSeq(ack);
    h.window = 65535;
    return h;
  }
  std::vector<Captured> inject(const TcpRepr& h, size_t bytes = 0) {
    host.out.clear();
    BufChain p;
    if (bytes) p.append_copy(std::string(bytes, 'x'));
    host.layer.on_segment(now, kIpA, kIpB, h, std::move(p));
    auto r = std::move(host.out);
    host.out.clear();
    return r;
  }
  // A client on `port` with ISN 1000: returns the host's ISS.
  uint32_t connect(uint16_t port) {
    TcpRepr syn = seg(port, flags::kSyn, 1000, 0);
    syn.sack_permitted = true;
    auto r = inject(syn);
    EXPECT_EQ(r.size(), 1u);
    uint32_t iss = r[0].hdr.seq.raw();
    inject(seg(port, flags::kAck, 1001, iss + 1));
    return iss;
  }
  Instant now = Instant::from_micros(5'000'000);
  Host host;
};

TEST_F(Limits, OutOfOrderMemoryIsBoundedPerWorker) {
  uint32_t iss1 = connect(1001), iss2 = connect(1002);
  // 2000 + 1000 bytes beyond holes on two connections: the bound (3000) is reached.
  inject(seg(1001, flags::kAck, 1101, iss1 + 1), 2000);
  inject(seg(1002, flags::kAck, 1101, iss2 + 1), 1000);
  EXPECT_EQ(host.layer.out_of_order_bytes(), 3000u);
  // More is dropped, yet still acknowledged (a duplicate ACK with the SACK block it had).
  auto r = inject(seg(1002, flags::kAck, 2101, iss2 + 1), 100);
  EXPECT_EQ(host.layer.counters().ooo_memory_drops, 1u);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].hdr.ack.raw(), 1001u);
  ASSERT_EQ(r[0].hdr.sack_count, 1);
  EXPECT_EQ(r[0].hdr.sack[0].right.raw(), 2101u);
  EXPECT_EQ(host.layer.out_of_order_bytes(), 3000u);
  // The first connection's hole fills: its queue drains and frees the worker's budget.
  inject(seg(1001, flags::kAck, 1001, iss1 + 1), 100);
  EXPECT_EQ(host.layer.out_of_order_bytes(), 1000u);
  EXPECT_EQ(host.received.size(), 2100u);
  inject(seg(1002, flags::kAck, 2101, iss2 + 1), 100);
  EXPECT_EQ(host.layer.out_of_order_bytes(), 1100u);
  // A reset connection gives its share back.
  inject(seg(1002, flags::kRst, 1001, 0));
  EXPECT_EQ(host.layer.out_of_order_bytes(), 0u);
}

TEST(TcpKeepalive, Rfc1122ProbesAfterIdleThenGivesUp) {
  TcpParams p = test_params();
  p.keepalive = Duration::seconds(10);
  p.keepalive_interval = Duration::seconds(1);
  p.keepalive_probes = 3;
  Net net(p, test_params());
  auto [ha, hb] = net.establish();
  Instant idle_from = net.log_a.back().at;
  size_t before = net.log_a.size();
  // Idle: one probe after `keepalive`, answered by the peer (which resets the count).
  net.run_for(Duration::seconds(11));
  ASSERT_EQ(net.log_a.size(), before + 1);
  const Captured& probe = net.log_a[before];
  const Tcb& t = *net.a.layer.tcb(ha);
  // RFC 1122 4.2.3.6: <SEQ=SND.NXT-1> with no data (what BSD and Linux send).
  EXPECT_EQ(probe.hdr.seq, t.snd_una - 1);
  EXPECT_EQ(probe.hdr.ack, t.rcv_nxt);
  EXPECT_TRUE(probe.payload.empty());
  EXPECT_EQ(probe.at - idle_from, Duration::seconds(10));
  // The peer answers the out-of-window probe with an ACK of what it expects.
  EXPECT_EQ(net.log_b.back().at, probe.at + net.latency);
  EXPECT_EQ(net.log_b.back().hdr.ack, t.snd_una);
  EXPECT_EQ(net.a.layer.state(ha), TcpState::kEstablished);
  // The peer vanishes: probes every `keepalive_interval`, then the connection times out.
  net.filter = [](size_t, bool, const Captured&) { return Fate::kDrop; };
  size_t mark = net.log_a.size();
  net.run_for(Duration::seconds(20));
  ASSERT_EQ(net.log_a.size(), mark + 3);
  EXPECT_EQ(net.log_a[mark + 1].at - net.log_a[mark].at, Duration::seconds(1));
  EXPECT_EQ(net.log_a[mark + 2].at - net.log_a[mark + 1].at, Duration::seconds(1));
  ASSERT_EQ(net.a.closed.size(), 1u);
  EXPECT_EQ(net.a.closed[0].second, CloseReason::kTimedOut);
  EXPECT_EQ(net.a.layer.counters().keepalive_probes, 4u);
  EXPECT_EQ(net.a.layer.counters().connection_timeouts, 1u);
}

TEST(TcpPmtu, Rfc1191FragmentationNeededShrinksSegmentsAndResends) {
  Net net;
  auto [ha, hb] = net.establish();
  const FourTuple tuple = *net.a.layer.four_tuple(ha);
  const uint16_t mss_before = net.a.layer.tcb(ha)->snd_mss;
  EXPECT_EQ(mss_before, 1448);  // 1460 - 12 (timestamps)
  // The first flight is "too big" for a 1400-byte hop: it is lost, the router says so.
  std::string data = random_bytes(40000, 31);
  BufChain d;
  d.append_copy(data);
  net.filter = [](size_t, bool from_a, const Captured& c) {
    return from_a && c.payload.size() > 1348 ? Fate::kDrop : Fate::kDeliver;
  };
  size_t first = net.log_a.size();
  net.a.layer.send(ha, d);
  net.collect();
  uint32_t quoted = net.log_a[first].hdr.seq.raw();
  // Not in flight (RFC 5927 4.1): ignored.
  net.a.layer.on_icmp_frag_needed(net.now, tuple, quoted - 5000, 1400);
  EXPECT_EQ(net.a.layer.counters().pmtu_updates, 0u);
  net.a.layer.on_icmp_frag_needed(net.now, tuple, quoted, 1400);
  EXPECT_EQ(net.a.layer.counters().pmtu_updates, 1u);
  EXPECT_EQ(net.a.layer.tcb(ha)->snd_mss, 1400 - 40 - 12);
  // Resent at once in the new size, without waiting for a timeout.
  net.run_while_not([&] { return net.b.received.size() == data.size(); }, Duration::seconds(5));
  EXPECT_TRUE(net.b.received.to_string() == data);
  EXPECT_EQ(net.a.layer.counters().timeouts, 0u);
  for (size_t i = first; i < net.log_a.size(); ++i)
    if (net.log_a[i].at > net.log_a[first].at) {
      EXPECT_LE(net.log_a[i].payload.size(), 1348u);
    }
  // A larger MTU never raises it; a router without an MTU (0) means the next plateau down.
  BufChain more;
  more.append_copy(random_bytes(20000, 32));
  net.a.layer.send(ha, more);
  uint32_t inflight = net.a.layer.tcb(ha)->snd_una.raw();
  net.a.layer.on_icmp_frag_needed(net.now, tuple, inflight, 1500);
  EXPECT_EQ(net.a.layer.tcb(ha)->snd_mss, 1348);
  net.a.layer.on_icmp_frag_needed(net.now, tuple, inflight, 0);  // 1400 -> plateau 1006
  EXPECT_EQ(net.a.layer.tcb(ha)->snd_mss, 1006 - 40 - 12);
  net.a.layer.on_icmp_frag_needed(net.now, tuple, inflight, 300);  // floor: 576
  EXPECT_EQ(net.a.layer.tcb(ha)->snd_mss, 536 - 12);
  EXPECT_EQ(net.a.layer.counters().pmtu_updates, 3u);
}

}  // namespace
}  // namespace sluice::stack::tcp::testing
