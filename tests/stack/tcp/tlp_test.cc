// Tail loss probes (RFC 8985 7): a lost tail, or the lost ACKs of one, is repaired about two round
// trips later instead of one retransmission timeout later.
#include "tests/stack/tcp/harness.h"

namespace sluice::stack::tcp::testing {
namespace {

using Warm = WarmPair;

// A lost last segment leaves a flight of one segment, whose probe waits for a delayed ACK too
// (RFC 8985 7.2: PTO = 2*SRTT + WCDelAckT, at most the RTO): the gain is the response, one
// reduction instead of a timeout's collapse to one segment.
TEST(TcpTlp, Rfc8985LostLastSegmentRepairedByAProbeNotATimeout) {
  Warm w;
  Instant start = w.net.now;
  size_t last = w.burst(8 * 1448, 2) + 7;  // its last segment
  w.net.filter = [&](size_t i, bool from_a, const Captured&) {
    return from_a && i == last ? Fate::kDrop : Fate::kDeliver;
  };
  w.net.run_while_not([&] { return w.net.b.received.size() == w.data.size(); }, Duration::seconds(5));
  EXPECT_TRUE(w.net.b.received.to_string() == w.data);
  EXPECT_LE(w.net.now - start, Duration::millis(250));
  w.net.run_for(Duration::millis(50));
  const TcpCounters& c = w.net.a.layer.counters();
  EXPECT_EQ(c.tail_loss_probes, 1u);
  EXPECT_EQ(c.timeouts, 0u);
  // RFC 8985 7.4.2: the probe repaired a loss (no D-SACK came): one congestion response.
  EXPECT_EQ(c.tail_loss_repairs, 1u);
  EXPECT_GT(w.net.a.layer.tcb(w.ha)->cc->cwnd(), 2u * 1448) << "no collapse to one segment";
}

// The ACKs of a burst are lost: two round trips later the probe (the last segment again) draws a
// cumulative ACK for all of it.
TEST(TcpTlp, Rfc8985LostAcksOfATailEndWithAProbe) {
  Warm w;
  Instant start = w.net.now;
  w.burst(6 * 1448, 3);
  w.net.filter = [&](size_t, bool from_a, const Captured&) {
    return !from_a && w.net.a.layer.counters().tail_loss_probes == 0 ? Fate::kDrop : Fate::kDeliver;
  };
  w.net.run_while_not([&] { return w.net.a.layer.unacked_bytes(w.ha) == 0; }, Duration::seconds(5));
  EXPECT_EQ(w.net.a.layer.unacked_bytes(w.ha), 0u);
  EXPECT_LT(w.net.now - start, Duration::millis(100)) << "answered by the probe, not the RTO";
  EXPECT_EQ(w.net.a.layer.counters().tail_loss_probes, 1u);
  EXPECT_EQ(w.net.a.layer.counters().timeouts, 0u);
  EXPECT_TRUE(w.net.b.received.to_string() == w.data);
}

TEST(TcpTlp, OneProbePerTailThenTheRetransmissionTimer) {
  Warm w;
  w.burst(4 * 1448, 4);
  w.net.filter = [&](size_t, bool, const Captured&) { return Fate::kDrop; };  // the path is gone
  w.net.run_for(Duration::millis(150));
  EXPECT_EQ(w.net.a.layer.counters().tail_loss_probes, 1u);
  EXPECT_EQ(w.net.a.layer.counters().timeouts, 0u);
  w.net.run_for(Duration::millis(400));
  EXPECT_EQ(w.net.a.layer.counters().tail_loss_probes, 1u) << "no second probe while one is unanswered";
  EXPECT_GE(w.net.a.layer.counters().timeouts, 1u);
}

TEST(TcpTlp, NoProbeWithoutSack) {
  TcpParams p = test_params();
  p.sack = false;
  Net net(p, p);
  auto [ha, hb] = net.establish();
  BufChain d;
  d.append_copy(random_bytes(4 * 1448, 5));
  net.a.layer.send(ha, d);
  net.filter = [&](size_t, bool from_a, const Captured&) { return from_a ? Fate::kDrop : Fate::kDeliver; };
  net.run_for(Duration::millis(300));
  EXPECT_EQ(net.a.layer.counters().tail_loss_probes, 0u);
  EXPECT_GE(net.a.layer.counters().timeouts, 1u);
}

}  // namespace
}  // namespace sluice::stack::tcp::testing
