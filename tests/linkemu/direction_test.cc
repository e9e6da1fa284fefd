// One direction of the link: the in-flight queue, release order, limits and counters.
#include <gtest/gtest.h>

#include <vector>

#include "tests/linkemu/direction.h"

namespace sluice::linkemu {
namespace {

LinkSpec spec(const char* text) {
  LinkSpec s;
  EXPECT_EQ(apply_spec(text, s), "");
  return s;
}

Instant at_ms(int64_t ms) { return Instant::from_micros(ms * 1000); }

std::vector<uint8_t> frame(uint8_t tag, size_t len = 64) { return std::vector<uint8_t>(len, tag); }

// Collects what the direction sends.
struct Wire {
  std::vector<std::vector<uint8_t>> sent;
  bool accept = true;
  Direction::Send sender() {
    return [this](std::span<const uint8_t> f) {
      if (accept) sent.emplace_back(f.begin(), f.end());
      return accept;
    };
  }
};

TEST(Scheduler, ReleasesByTimeThenFirstInFirstOut) {
  Scheduler s;
  s.push(at_ms(5), 0, frame(0));
  s.push(at_ms(3), 1, frame(1));
  s.push(at_ms(5), 2, frame(2));
  s.push(at_ms(3), 3, frame(3));
  EXPECT_EQ(s.next_release(), at_ms(3));
  EXPECT_FALSE(s.pop_due(at_ms(2)));
  std::vector<uint64_t> order;
  while (auto f = s.pop_due(at_ms(10))) order.push_back(f->seq);
  EXPECT_EQ(order, (std::vector<uint64_t>{1, 3, 0, 2}));
  EXPECT_EQ(s.next_release(), Instant::never());
}

TEST(Direction, PassesFramesUnchangedAfterTheDelay) {
  Direction d(spec("delay=10ms"), 1, {});
  Wire w;
  d.on_frame(frame(7, 1514), at_ms(0));
  EXPECT_EQ(d.next_release(), at_ms(10));
  EXPECT_EQ(d.release_due(at_ms(9), 64, w.sender()), 0u);
  EXPECT_EQ(d.release_due(at_ms(10), 64, w.sender()), 1u);
  ASSERT_EQ(w.sent.size(), 1u);
  EXPECT_EQ(w.sent[0], frame(7, 1514));
  const DirectionCounters c = d.snapshot();
  EXPECT_EQ(c.in, 1u);
  EXPECT_EQ(c.out, 1u);
  EXPECT_EQ(c.bytes_out, 1514u);
  EXPECT_EQ(c.pending, 0u);
}

TEST(Direction, CountsLossDuplicationAndReordering) {
  Direction d(spec("loss=10%,dup=10%,delay=20ms,reorder=10%"), 3, {});
  Wire w;
  for (int i = 0; i < 10'000; ++i) {
    d.on_frame(frame(static_cast<uint8_t>(i)), at_ms(i));
    d.release_due(at_ms(i), 1'000, w.sender());
  }
  d.release_due(at_ms(20'000), 100'000, w.sender());
  const DirectionCounters c = d.snapshot();
  EXPECT_EQ(c.in, 10'000u);
  EXPECT_EQ(c.dropped, c.lost);
  EXPECT_EQ(c.out, c.in - c.lost + c.duplicated);
  EXPECT_EQ(c.out, w.sent.size());
  EXPECT_NEAR(static_cast<double>(c.lost), 1'000, 150);
  EXPECT_NEAR(static_cast<double>(c.duplicated), 900, 150);
  EXPECT_NEAR(static_cast<double>(c.reorder_picked), 990, 150);
  EXPECT_GT(c.reordered, 1'000u);  // each early frame passes ~19 in flight
}

TEST(Direction, NothingReorderedWithoutReorderOrJitterReordering) {
  Direction d(spec("loss=3%,delay=20ms,jitter=15ms,rate=100mbit"), 3, {});
  Wire w;
  for (int i = 0; i < 5'000; ++i) {
    d.on_frame(frame(1), Instant::from_micros(i * 200));
    d.release_due(Instant::from_micros(i * 200), 1'000, w.sender());
  }
  d.release_due(at_ms(10'000), 100'000, w.sender());
  EXPECT_EQ(d.snapshot().reordered, 0u);
  EXPECT_EQ(d.snapshot().out + d.snapshot().dropped, 5'000u);
}

TEST(Direction, OversizeOverflowAndSendErrorsAreDrops) {
  Direction d(spec("delay=1ms"), 1, DirectionLimits{1518, 2});
  Wire w;
  d.on_frame(frame(1, 9000), at_ms(0));  // a GRO/TSO super-frame
  d.on_frame(frame(2), at_ms(0));
  d.on_frame(frame(3), at_ms(0));
  d.on_frame(frame(4), at_ms(0));  // over the in-flight limit
  w.accept = false;
  d.release_due(at_ms(1), 1, w.sender());
  w.accept = true;
  d.release_due(at_ms(1), 64, w.sender());
  const DirectionCounters c = d.snapshot();
  EXPECT_EQ(c.oversize, 1u);
  EXPECT_EQ(c.overflow, 1u);
  EXPECT_EQ(c.tx_errors, 1u);
  EXPECT_EQ(c.dropped, 3u);
  EXPECT_EQ(c.out, 1u);
  EXPECT_EQ(w.sent.at(0), frame(3));
}

TEST(Direction, ReleaseIsBoundedPerCall) {
  Direction d(LinkSpec{}, 1, {});
  Wire w;
  for (int i = 0; i < 10; ++i) d.on_frame(frame(1), at_ms(0));
  EXPECT_EQ(d.release_due(at_ms(0), 4, w.sender()), 4u);
  EXPECT_EQ(d.next_release(), at_ms(0));
  EXPECT_EQ(d.release_due(at_ms(0), 100, w.sender()), 6u);
}

TEST(Direction, CountersAsJson) {
  DirectionCounters c;
  c.in = 5;
  c.out = 4;
  c.dropped = 1;
  c.lost = 1;
  const std::string json = to_json(c);
  EXPECT_TRUE(json.starts_with(R"({"in":5,"out":4,"dropped":1,"duplicated":0,"reordered":0,"reorder_picked":0,)"))
      << json;
  EXPECT_NE(json.find(R"("lost":1,)"), std::string::npos);
  EXPECT_EQ(json.back(), '}');
}

}  // namespace
}  // namespace sluice::linkemu
