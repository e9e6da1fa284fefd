// The sans-I/O impairment core: loss, bursts, delay and jitter, the bottleneck, duplication,
// reordering and determinism, all with injected time and a fixed seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "tests/linkemu/impairment.h"

namespace sluice::linkemu {
namespace {

constexpr uint64_t kSeed = 42;

LinkSpec spec(const char* text) {
  LinkSpec s;
  EXPECT_EQ(apply_spec(text, s), "");
  return s;
}

Instant at_ms(int64_t ms) { return Instant::from_micros(ms * 1000); }

// Feeds `n` frames spaced `gap` apart; returns the release times of the first copy (or never()).
std::vector<Instant> releases(Impairment& imp, int n, Duration gap, size_t len = 100) {
  std::vector<Instant> out;
  for (int i = 0; i < n; ++i) {
    const Decision d = imp.on_frame(len, Instant{} + gap * i);
    out.push_back(d.copies > 0 ? d.release[0] : Instant::never());
  }
  return out;
}

// Frames delivered after one that arrived later than them (RFC 4737), in release order with
// ties first-in first-out, as the Scheduler sends them.
size_t inversions(const std::vector<Instant>& rel) {
  std::vector<std::pair<Instant, size_t>> sent;
  for (size_t seq = 0; seq < rel.size(); ++seq)
    if (rel[seq] != Instant::never()) sent.emplace_back(rel[seq], seq);
  std::stable_sort(sent.begin(), sent.end(), [](auto& x, auto& y) { return x.first < y.first; });
  size_t n = 0, highest = 0;
  for (auto [at, seq] : sent) {
    n += seq < highest ? 1 : 0;
    highest = std::max(highest, seq);
  }
  return n;
}

TEST(Loss, RandomRatioOver100kFrames) {
  Impairment imp(spec("loss=2%"), kSeed);
  int lost = 0;
  for (int i = 0; i < 100'000; ++i) lost += imp.on_frame(100, at_ms(i)).lost ? 1 : 0;
  EXPECT_NEAR(lost / 100'000.0, 0.02, 0.002);  // ~4.5 sigma
}

TEST(Loss, NoneAndAll) {
  Impairment none(spec("loss=0%"), kSeed), all(spec("loss=100%"), kSeed);
  for (int i = 0; i < 10'000; ++i) {
    EXPECT_FALSE(none.on_frame(100, at_ms(i)).lost);
    EXPECT_TRUE(all.on_frame(100, at_ms(i)).lost);
  }
}

TEST(Loss, GilbertElliottBurstLengths) {
  // Every frame in the bad state is lost (h = 1): loss bursts last 1/r frames on average, gaps
  // 1/p, and the loss ratio is the bad state's share p / (p + r).
  Impairment imp(spec("loss=ge:0.01:0.3:1"), kSeed);
  std::vector<int> bursts;
  int run = 0, lost = 0;
  const int n = 400'000;
  for (int i = 0; i < n; ++i) {
    const bool l = imp.on_frame(100, at_ms(i)).lost;
    lost += l;
    if (l) {
      ++run;
    } else if (run > 0) {
      bursts.push_back(run);
      run = 0;
    }
  }
  double mean = 0;
  for (int b : bursts) mean += b;
  mean /= static_cast<double>(bursts.size());
  EXPECT_NEAR(mean, 1 / 0.3, 0.15);
  EXPECT_NEAR(static_cast<double>(lost) / n, 0.01 / 0.31, 0.003);
  EXPECT_GT(*std::max_element(bursts.begin(), bursts.end()), 10);  // bursts, not isolated drops
}

TEST(Loss, GilbertElliottPartialLossInBadState) {
  Impairment imp(spec("loss=ge:0.01:0.3:0.5"), kSeed);
  int lost = 0;
  const int n = 400'000;
  for (int i = 0; i < n; ++i) lost += imp.on_frame(100, at_ms(i)).lost;
  EXPECT_NEAR(static_cast<double>(lost) / n, 0.5 * 0.01 / 0.31, 0.002);
}

TEST(Delay, FixedDelayWithoutJitter) {
  Impairment imp(spec("delay=20ms"), kSeed);
  const Decision d = imp.on_frame(1500, at_ms(5));
  ASSERT_EQ(d.copies, 1);
  EXPECT_EQ(d.release[0], at_ms(25));
}

TEST(Delay, UniformJitterStaysInBounds) {
  Impairment imp(spec("delay=50ms,jitter=10ms,order=jitter"), kSeed);
  const int n = 20'000;
  std::vector<Instant> rel = releases(imp, n, Duration::millis(1));
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    const int64_t d = (rel[i] - at_ms(i)).us;
    lo = std::min(lo, d);
    hi = std::max(hi, d);
    sum += static_cast<double>(d);
  }
  EXPECT_GE(lo, 40'000);
  EXPECT_LE(hi, 60'000);
  EXPECT_LT(lo, 40'100);  // the whole range is used
  EXPECT_GT(hi, 59'900);
  EXPECT_NEAR(sum / n, 50'000, 200);
}

TEST(Delay, NormalJitterTruncatedAtThreeSigma) {
  Impairment imp(spec("delay=50ms,jitter=5ms,dist=normal,order=jitter"), kSeed);
  const int n = 50'000;
  std::vector<Instant> rel = releases(imp, n, Duration::millis(1));
  double sum = 0, sq = 0;
  for (int i = 0; i < n; ++i) {
    const double d = static_cast<double>((rel[i] - at_ms(i)).us);
    ASSERT_GE(d, 35'000);
    ASSERT_LE(d, 65'000);
    sum += d;
    sq += d * d;
  }
  const double mean = sum / n;
  EXPECT_NEAR(mean, 50'000, 150);
  EXPECT_NEAR(std::sqrt(sq / n - mean * mean), 5'000, 150);
}

TEST(Delay, JitterLargerThanDelayNeverGoesNegative) {
  Impairment imp(spec("delay=1ms,jitter=5ms,order=jitter"), kSeed);
  std::vector<Instant> rel = releases(imp, 5'000, Duration::millis(1));
  for (int i = 0; i < 5'000; ++i) EXPECT_GE(rel[i], at_ms(i));
}

TEST(Rate, BackToBackFramesLeaveOneSerializationApart) {
  // 1500 bytes at 12 Mbit/s = 12000 bits / 12e6 bit/s = exactly 1 ms each.
  Impairment imp(spec("rate=12mbit,queue=1000"), kSeed);
  for (int i = 0; i < 500; ++i) {
    const Decision d = imp.on_frame(1500, at_ms(0));
    ASSERT_EQ(d.copies, 1);
    EXPECT_EQ(d.release[0], at_ms(i + 1)) << i;
  }
}

TEST(Rate, IdleLinkSerializesFromArrival) {
  Impairment imp(spec("rate=12mbit,delay=10ms"), kSeed);
  EXPECT_EQ(imp.on_frame(1500, at_ms(100)).release[0], at_ms(111));
  EXPECT_EQ(imp.on_frame(750, at_ms(200)).release[0], at_ms(210) + Duration::micros(500));
}

TEST(Rate, QueueInFramesTailDrops) {
  Impairment imp(spec("rate=12mbit,queue=10"), kSeed);
  int admitted = 0, dropped = 0;
  for (int i = 0; i < 25; ++i) {
    const Decision d = imp.on_frame(1500, at_ms(0));
    admitted += d.copies;
    dropped += d.queue_drops;
  }
  EXPECT_EQ(admitted, 10);
  EXPECT_EQ(dropped, 15);
  // 3.5 ms later three frames have left: room for three more, each after the backlog.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(imp.on_frame(1500, at_ms(0) + Duration::micros(3500)).release[0], at_ms(11 + i));
  EXPECT_EQ(imp.on_frame(1500, at_ms(0) + Duration::micros(3500)).queue_drops, 1);
}

TEST(Rate, QueueInTimeTailDrops) {
  // 5 ms of backlog at 1 ms per frame: the 7th simultaneous frame would wait 6 ms.
  Impairment imp(spec("rate=12mbit,queue=5ms"), kSeed);
  int admitted = 0;
  for (int i = 0; i < 20; ++i) admitted += imp.on_frame(1500, at_ms(0)).copies;
  EXPECT_EQ(admitted, 6);
}

TEST(Rate, SustainedOverloadConvergesToTheRate) {
  // 2 frames per ms offered to a 1 frame/ms link: output is exactly the link rate.
  Impairment imp(spec("rate=12mbit,queue=20"), kSeed);
  std::vector<Instant> out;
  for (int i = 0; i < 2'000; ++i) {
    const Decision d = imp.on_frame(1500, Instant::from_micros(i * 500));
    if (d.copies) out.push_back(d.release[0]);
  }
  EXPECT_NEAR(static_cast<double>(out.size()), 1'020, 2);
  for (size_t i = 1; i < out.size(); ++i) EXPECT_EQ((out[i] - out[i - 1]).us, 1000);
}

TEST(Duplication, RatioAndCopies) {
  Impairment imp(spec("dup=1%"), kSeed);
  int dups = 0;
  for (int i = 0; i < 100'000; ++i) {
    const Decision d = imp.on_frame(100, at_ms(i));
    dups += d.duplicated;
    EXPECT_EQ(d.copies, d.duplicated ? 2 : 1);
  }
  EXPECT_NEAR(dups / 100'000.0, 0.01, 0.0015);
}

TEST(Duplication, CopyTakesItsOwnSlotAtTheBottleneck) {
  Impairment imp(spec("dup=100%,rate=12mbit,delay=5ms"), kSeed);
  const Decision d = imp.on_frame(1500, at_ms(0));
  ASSERT_EQ(d.copies, 2);
  EXPECT_EQ(d.release[0], at_ms(6));
  EXPECT_EQ(d.release[1], at_ms(7));
}

TEST(Reorder, NeverWithoutBeingAsked) {
  for (const char* text : {"delay=50ms", "delay=50ms,jitter=20ms", "delay=50ms,jitter=20ms,dist=normal",
                           "rate=12mbit,delay=10ms,jitter=5ms,queue=1000", "loss=5%,dup=5%,jitter=3ms"}) {
    Impairment imp(spec(text), kSeed);
    EXPECT_EQ(inversions(releases(imp, 10'000, Duration::micros(300), 1500)), 0u) << text;
  }
}

TEST(Reorder, JitterReordersWhenAllowed) {
  Impairment imp(spec("delay=50ms,jitter=20ms,order=jitter"), kSeed);
  EXPECT_GT(inversions(releases(imp, 10'000, Duration::millis(1))), 1'000u);
}

TEST(Reorder, EarlyFramesSkipTheDelay) {
  Impairment imp(spec("delay=20ms,reorder=10%"), kSeed);
  int early = 0;
  for (int i = 0; i < 20'000; ++i) {
    const Decision d = imp.on_frame(100, at_ms(i));
    ASSERT_EQ(d.copies, 1);
    EXPECT_EQ(d.release[0], d.reordered ? at_ms(i) : at_ms(i + 20));
    early += d.reordered;
  }
  EXPECT_NEAR(early / 20'000.0, 0.10, 0.01);
}

TEST(Reorder, LateFramesAreOvertaken) {
  Impairment imp(spec("delay=20ms,reorder=5%,reorder_mode=late,reorder_delay=3ms"), kSeed);
  std::vector<Instant> rel = releases(imp, 20'000, Duration::millis(1));
  const size_t inv = inversions(rel);
  EXPECT_GT(inv, 800u);
  EXPECT_LT(inv, 1'200u);
}

TEST(Determinism, SameSeedSameDecisions) {
  const LinkSpec s = spec("loss=ge:0.02:0.25:0.7,delay=30ms,jitter=8ms,dist=normal,order=jitter,"
                          "dup=3%,reorder=2%,rate=50mbit,queue=30");
  Impairment x(s, kSeed), y(s, kSeed), z(s, kSeed + 1);
  bool differs = false;
  for (int i = 0; i < 50'000; ++i) {
    const Instant now = Instant::from_micros(i * 137);
    const size_t len = 60 + (i * 7919) % 1440;
    const Decision a = x.on_frame(len, now), b = y.on_frame(len, now), c = z.on_frame(len, now);
    ASSERT_EQ(a.lost, b.lost);
    ASSERT_EQ(a.duplicated, b.duplicated);
    ASSERT_EQ(a.queue_drops, b.queue_drops);
    ASSERT_EQ(a.copies, b.copies);
    ASSERT_EQ(a.reordered, b.reordered);
    for (int k = 0; k < a.copies; ++k) ASSERT_EQ(a.release[k], b.release[k]);
    differs = differs || a.lost != c.lost || a.copies != c.copies ||
              (a.copies > 0 && c.copies > 0 && a.release[0] != c.release[0]);
  }
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace sluice::linkemu
