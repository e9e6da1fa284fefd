// RACK (RFC 8985 6): once reordering has been seen, a late segment is waited for (a reordering
// window of min_RTT / 4, widened by D-SACKs) instead of being retransmitted after DupThresh
// duplicate ACKs; a real loss is still repaired within about one round trip, by the reorder timer.
#include "stack/tcp/transmit_log.h"
#include "tests/stack/tcp/harness.h"

namespace sluice::stack::tcp::testing {
namespace {

Instant at_ms(int64_t ms) { return Instant::from_micros(ms * 1000); }

TEST(TcpTransmitLog, OneRunPerBurstInSequenceOrder) {
  TransmitLog log;
  log.sent(TcpSeq(1000), TcpSeq(2000), at_ms(1));
  log.sent(TcpSeq(2000), TcpSeq(3000), at_ms(1));  // same instant: the same run
  log.sent(TcpSeq(3000), TcpSeq(4000), at_ms(2));
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log.find(TcpSeq(2500))->last, at_ms(1));
  EXPECT_EQ(log.find(TcpSeq(3000))->first, at_ms(2));
  EXPECT_EQ(log.find(TcpSeq(999)), nullptr);
  EXPECT_EQ(log.find(TcpSeq(4000)), nullptr);
  log.advance(TcpSeq(3500));
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log.begin(), TcpSeq(3500));
  EXPECT_EQ(log.find(TcpSeq(3400)), nullptr);
}

TEST(TcpTransmitLog, FullLogMergesTheNeighboursClosestInTimeKeepingBothBounds) {
  TransmitLog log;
  // Runs 1 ms apart, except runs 10 and 11 (0.1 ms apart): those two merge first.
  auto at = [](uint32_t i) { return Instant::from_micros(i * 1000 + (i >= 11 ? -900 : 0)); };
  for (uint32_t i = 0; i <= TransmitLog::kRuns; ++i)
    log.sent(TcpSeq(i * 100), TcpSeq(i * 100 + 100), at(i));
  EXPECT_EQ(log.size(), TransmitLog::kRuns);
  const TransmitLog::Run* r = log.find(TcpSeq(1050));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->first, at(10));
  EXPECT_EQ(r->last, at(11));
  EXPECT_EQ(log.find(TcpSeq(1150)), r);
  EXPECT_EQ(log.find(TcpSeq(50))->last, at(0));
  // Many more: no run grows over the whole log; spans stay even.
  for (uint32_t i = TransmitLog::kRuns + 1; i < 1000; ++i)
    log.sent(TcpSeq(i * 100), TcpSeq(i * 100 + 100), Instant::from_micros(i * 1000));
  for (size_t i = 0; i < log.size(); ++i)
    EXPECT_LT(log[i].last - log[i].first, Duration::millis(100)) << "run " << i;
}

TEST(TcpTransmitLog, AGapRestartsTheLog) {
  TransmitLog log;
  log.sent(TcpSeq(0), TcpSeq(100), at_ms(1));
  log.sent(TcpSeq(500), TcpSeq(600), at_ms(2));
  EXPECT_EQ(log.size(), 1u);
  EXPECT_EQ(log.begin(), TcpSeq(500));
}

TcpParams keyed(uint64_t key) {
  TcpParams p = test_params();
  if (key != 0) p.isn_key = {key, ~key};
  return p;
}

// An established pair (10 ms round trip) with a warm window; `key` picks where the ISNs fall.
struct Warm : WarmPair {
  explicit Warm(uint64_t key = 0) : WarmPair(keyed(key), 200000) {}
};

// Delays the 3rd segment of every burst so that the rest overtake it.
void reorder_third(Warm& w, size_t first) {
  w.net.filter = [&w, first](size_t i, bool from_a, const Captured& c) {
    (void)w;
    return from_a && i == first + 2 && c.payload.size() > 0 ? Fate::kReorder : Fate::kDeliver;
  };
}

// Wherever the sequence space starts (here: ISNs from several keys, so that some put sequence 0
// ahead of SND.UNA modulo 2^32, as an unset mark would be).
class TcpRackIsn : public ::testing::TestWithParam<uint64_t> {};

TEST_P(TcpRackIsn, Rfc8985ReorderingSeenOnceThenLateSegmentsAreWaitedFor) {
  Warm w(GetParam());
  w.net.reorder_delay = Duration::millis(2);
  // First time: nothing says the path reorders, DupThresh SACKed segments mean a loss (RFC 6675),
  // and the retransmission is found spurious by the D-SACK the receiver sends for it.
  reorder_third(w, w.burst(20 * 1448, 2));
  w.finish();
  uint64_t spurious = w.counters().retransmitted_segments;
  EXPECT_GE(spurious, 1u);
  EXPECT_TRUE(w.tcb().rack.reordering_seen);
  // From now on a segment 2 ms late is not retransmitted: the reordering window (min_RTT / 4,
  // widened by the D-SACK) covers it.
  for (uint32_t k = 0; k < 3; ++k) {
    reorder_third(w, w.burst(20 * 1448, 3 + k));
    w.finish();
  }
  EXPECT_EQ(w.counters().retransmitted_segments, spurious);
  EXPECT_EQ(w.counters().timeouts, 0u);
}

INSTANTIATE_TEST_SUITE_P(Keys, TcpRackIsn, ::testing::Values(0u, 0x1234u, 0xdeadbeefu, 0x5eedu, 0x77u));

TEST(TcpRackIsn, TheKeysCoverBothHalvesOfTheSequenceSpace) {
  int ahead = 0, behind = 0;
  for (uint64_t k : {0ul, 0x1234ul, 0xdeadbeeful, 0x5eedul, 0x77ul}) {
    Warm w(k);
    (TcpSeq(0) > w.tcb().snd_una ? ahead : behind)++;
  }
  EXPECT_GT(ahead, 0);
  EXPECT_GT(behind, 0);
}

TEST(TcpRack, Rfc8985RealLossAfterReorderingIsRepairedByTheReorderTimer) {
  Warm w;
  w.net.reorder_delay = Duration::millis(2);
  reorder_third(w, w.burst(20 * 1448, 2));
  w.finish();
  ASSERT_TRUE(w.tcb().rack.reordering_seen);
  uint64_t fast = w.counters().fast_retransmits;
  // Now the 3rd segment is lost outright: it is resent once the reordering window has passed,
  // well before a probe or a timeout would.
  size_t first = w.burst(20 * 1448, 9);
  w.net.filter = [&](size_t i, bool from_a, const Captured&) {
    return from_a && i == first + 2 ? Fate::kDrop : Fate::kDeliver;
  };
  Instant start = w.net.now;
  w.net.run_while_not([&] { return w.net.a.layer.unacked_bytes(w.ha) == 0; }, Duration::seconds(5));
  EXPECT_LT(w.net.now - start, Duration::millis(40));
  EXPECT_TRUE(w.net.b.received.to_string() == w.data);
  EXPECT_EQ(w.counters().fast_retransmits, fast + 1);
  EXPECT_EQ(w.counters().timeouts, 0u);
  EXPECT_EQ(w.counters().tail_loss_probes, 0u);
}

TEST(TcpRack, WithoutReorderingDupThreshStillRetransmitsAtOnce) {
  Warm w;
  size_t first = w.burst(20 * 1448, 4);
  w.net.filter = [&](size_t i, bool from_a, const Captured&) {
    return from_a && i == first + 2 ? Fate::kDrop : Fate::kDeliver;
  };
  Instant start = w.net.now;
  w.net.run_while_not([&] { return w.net.a.layer.unacked_bytes(w.ha) == 0; }, Duration::seconds(5));
  // One round trip to learn of the hole, one for the retransmission: no reordering window.
  EXPECT_LT(w.net.now - start, Duration::millis(30));
  EXPECT_FALSE(w.tcb().rack.reordering_seen);
  EXPECT_EQ(w.counters().fast_retransmits, 1u);
}

// RFC 2883 4: the receiver reports a duplicate in the first SACK block of its next ACK, below the
// cumulative ACK (in order data) or inside the second block (out-of-order data).
TEST(TcpDsack, Rfc2883DuplicatesAreReportedOnceAsTheFirstBlock) {
  Warm w;
  size_t first = w.burst(10 * 1448, 5);
  w.net.filter = [&](size_t i, bool from_a, const Captured&) {
    if (!from_a) return Fate::kDeliver;
    if (i == first + 1) return Fate::kDuplicate;  // below RCV.NXT when the copy lands
    if (i == first + 4) return Fate::kDrop;       // a hole, so that ...
    if (i == first + 6) return Fate::kDuplicate;  // ... this copy lands out of order
    return Fate::kDeliver;
  };
  size_t acks_before = w.net.log_b.size();
  w.finish();
  int below = 0, inside = 0;
  for (size_t i = acks_before; i < w.net.log_b.size(); ++i) {
    const TcpRepr& h = w.net.log_b[i].hdr;
    if (h.sack_count == 0) continue;
    if (h.sack[0].right <= h.ack) ++below;
    else if (h.sack_count > 1 && h.sack[1].left <= h.sack[0].left && h.sack[0].right <= h.sack[1].right)
      ++inside;
  }
  EXPECT_EQ(below, 1);
  EXPECT_EQ(inside, 1);
  EXPECT_EQ(w.counters().dsacks_received, 2u);
}

}  // namespace
}  // namespace sluice::stack::tcp::testing
