// Seeded lossy-link transfers between two layers: random drops (both directions) and
// reordering, with and without SACK (RFC 6675 vs RFC 6582), byte-exact; and a reordered segment
// whose spurious fast retransmit is detected by timestamps (RFC 3522) and undone (RFC 4015).
#include <iostream>

#include "tests/stack/tcp/harness.h"

namespace sluice::stack::tcp::testing {
namespace {

struct Outcome {
  bool exact = false;
  uint64_t timeouts = 0;
  uint64_t retransmitted = 0;
  uint64_t fast_retransmits = 0;
  uint64_t undos = 0;
  Duration elapsed{};
};

// `bytes` from a to b over a link that drops `loss_pct` percent of segments each way and
// delays another 1 % behind their successors.
Outcome transfer(bool sack, double loss_pct, size_t bytes, uint32_t seed) {
  TcpParams p = test_params();
  p.sack = sack;
  Net net(p, p);
  auto [ha, hb] = net.establish();
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 100.0);
  net.filter = [&](size_t, bool, const Captured&) {
    double r = u(rng);
    if (r < loss_pct) return Fate::kDrop;
    if (r < loss_pct + 1.0) return Fate::kReorder;
    return Fate::kDeliver;
  };
  Pump pa{&net.a, ha, random_bytes(bytes, seed + 1)};
  net.a.on_write = [&](SocketHandle) { pa.push(); };
  Instant start = net.now;
  pa.push();
  Outcome o;
  bool done = net.run_while_not([&] { return net.b.received.size() == bytes; },
                                Duration::seconds(600));
  o.elapsed = net.now - start;
  o.exact = done && net.b.received.to_string() == pa.data;
  const TcpCounters& c = net.a.layer.counters();
  o.timeouts = c.timeouts;
  o.retransmitted = c.retransmitted_segments;
  o.fast_retransmits = c.fast_retransmits;
  o.undos = c.spurious_undos;
  return o;
}

void compare(double loss_pct) {
  constexpr size_t kBytes = 4 << 20;
  uint64_t rto_sack = 0, rto_plain = 0;
  for (uint32_t seed : {101u, 202u, 303u}) {
    Outcome s = transfer(true, loss_pct, kBytes, seed);
    Outcome n = transfer(false, loss_pct, kBytes, seed);
    EXPECT_TRUE(s.exact) << "SACK, seed " << seed;
    EXPECT_TRUE(n.exact) << "no SACK, seed " << seed;
    std::cout << "  loss " << loss_pct << "% seed " << seed << ": SACK rto=" << s.timeouts
              << " rexmit=" << s.retransmitted << " frx=" << s.fast_retransmits
              << " undo=" << s.undos << " time=" << s.elapsed.millis() << "ms"
              << " | NewReno rto=" << n.timeouts << " rexmit=" << n.retransmitted
              << " frx=" << n.fast_retransmits << " undo=" << n.undos
              << " time=" << n.elapsed.millis() << "ms\n";
    rto_sack += s.timeouts;
    rto_plain += n.timeouts;
  }
  EXPECT_LT(rto_sack, rto_plain);
}

TEST(TcpLossyLink, Rfc6675SackNeedsFewerTimeoutsAtTwoPercentLoss) { compare(2.0); }
TEST(TcpLossyLink, Rfc6675SackNeedsFewerTimeoutsAtFivePercentLoss) { compare(5.0); }

TEST(TcpLossyLink, Rfc3522ReorderedSegmentSpuriousRetransmitUndone) {
  Net net;  // timestamps on
  auto [ha, hb] = net.establish();
  Pump warm{&net.a, ha, random_bytes(300000, 21)};
  net.a.on_write = [&](SocketHandle) { warm.push(); };
  warm.push();
  ASSERT_TRUE(net.run_while_not([&] { return net.b.received.size() == warm.data.size(); },
                                Duration::seconds(10)));
  // One data segment arrives 8 ms late (the RTT is 10 ms): three duplicate ACKs trigger a fast
  // retransmission; the original then arrives first and its ACK echoes the original's TSval.
  size_t late = net.sent_a + 3;
  net.reorder_delay = Duration::millis(8);
  net.filter = [&](size_t i, bool from_a, const Captured&) {
    return from_a && i == late ? Fate::kReorder : Fate::kDeliver;
  };
  Pump p{&net.a, ha, random_bytes(300000, 22)};
  net.a.on_write = [&](SocketHandle) { p.push(); };
  uint32_t cwnd_before = net.a.layer.tcb(ha)->cc->cwnd();
  p.push();
  ASSERT_TRUE(net.run_while_not(
      [&] { return net.b.received.size() == warm.data.size() + p.data.size(); },
      Duration::seconds(10)));
  EXPECT_TRUE(net.b.received.to_string() == warm.data + p.data);
  EXPECT_EQ(net.a.layer.counters().fast_retransmits, 1u);
  EXPECT_EQ(net.a.layer.counters().spurious_undos, 1u);
  EXPECT_EQ(net.a.layer.counters().timeouts, 0u);
  EXPECT_GE(net.a.layer.tcb(ha)->cc->cwnd(), cwnd_before);
}

}  // namespace
}  // namespace sluice::stack::tcp::testing
