// HyStart++ (RFC 9406): the initial slow start ends when a round's minimum RTT grows by the
// threshold, through Conservative Slow Start (a quarter of the growth, CSS_ROUNDS rounds), and
// resumes when the delay falls back.
#include "stack/tcp/cubic.h"
#include "stack/tcp/hystart.h"
#include "tests/stack/tcp/harness.h"

namespace sluice::stack::tcp::testing {
namespace {

constexpr uint32_t kMss = 1000;

// Drives rounds of ACKs: each round acknowledges what was in flight at its start, one segment per
// ACK, every ACK with an RTT sample.
struct Rounds {
  Cubic cc{kMss, 10};
  HyStart hs;
  TcpSeq una{1000}, max{1000};

  void round(Duration rtt) {
    max = una + cc.cwnd();
    TcpSeq end = max;
    while (una < end) {
      una = una + kMss;
      hs.on_ack(cc, true, rtt, una, max);
      cc.on_ack(Instant{}, kMss, cc.cwnd());
      max = seq_max(max, una + cc.cwnd());
    }
  }
};

TEST(TcpHyStart, Rfc9406SteadyDelayKeepsSlowStart) {
  Rounds r;
  for (int i = 0; i < 6; ++i) r.round(Duration::millis(50));
  EXPECT_FALSE(r.hs.in_css());
  EXPECT_TRUE(r.cc.in_slow_start());
  EXPECT_GE(r.cc.cwnd(), 10u * kMss << 5) << "doubling each round";
}

TEST(TcpHyStart, Rfc9406DelayIncreaseEntersCssThenCongestionAvoidance) {
  Rounds r;
  r.round(Duration::millis(50));
  r.round(Duration::millis(50));
  // 50 ms / 8 = 6.25 ms is the threshold: 56 ms is not enough, 57 ms is.
  r.round(Duration::millis(56));
  EXPECT_FALSE(r.hs.in_css());
  r.round(Duration::millis(63));
  ASSERT_TRUE(r.hs.in_css());
  uint32_t before = r.cc.cwnd();
  r.round(Duration::millis(63));
  // CSS grows by a quarter of slow start's pace: x1.25 per round instead of x2.
  EXPECT_LE(r.cc.cwnd(), before * 13 / 10);
  EXPECT_GT(r.cc.cwnd(), before);
  for (uint32_t i = 0; i < HyStart::kCssRounds; ++i) r.round(Duration::millis(63));
  EXPECT_TRUE(r.hs.done());
  EXPECT_FALSE(r.cc.in_slow_start()) << "ssthresh = cwnd: congestion avoidance without a loss";
  EXPECT_GE(r.cc.ssthresh(), r.cc.cwnd() * 9 / 10) << "left where CSS had brought it";
}

TEST(TcpHyStart, Rfc9406DelayFallingBackResumesSlowStart) {
  Rounds r;
  r.round(Duration::millis(50));
  r.round(Duration::millis(50));
  // (A round of HyStart++ ends where the ACK of the data sent at its start arrives, which is
  // one ACK off the rounds driven here: two rounds of each delay.)
  r.round(Duration::millis(70));
  r.round(Duration::millis(70));
  ASSERT_TRUE(r.hs.in_css());
  r.round(Duration::millis(50));  // below the CSS baseline: the increase was jitter
  r.round(Duration::millis(50));
  EXPECT_FALSE(r.hs.in_css());
  uint32_t before = r.cc.cwnd();
  r.round(Duration::millis(50));
  EXPECT_GE(r.cc.cwnd(), before * 19 / 10);
}

TEST(TcpHyStart, ACongestionEventEndsIt) {
  Rounds r;
  r.round(Duration::millis(50));
  r.cc.on_congestion(Instant{}, r.cc.cwnd());
  r.round(Duration::millis(90));
  EXPECT_TRUE(r.hs.done());
  EXPECT_FALSE(r.hs.in_css());
}

}  // namespace
}  // namespace sluice::stack::tcp::testing
