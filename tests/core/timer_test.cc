#include "core/timer.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/loop.h"

namespace sluice {
namespace {

TEST(TimerQueue, FiresInDeadlineOrderOnlyWhenDue) {
  TimerQueue q;
  std::vector<int> fired;
  Timer a([&](Instant) { fired.push_back(1); });
  Timer b([&](Instant) { fired.push_back(2); });
  q.arm(a, Instant::from_micros(200));
  q.arm(b, Instant::from_micros(100));
  EXPECT_EQ(q.run(Instant::from_micros(99)), 0u);
  EXPECT_EQ(q.run(Instant::from_micros(250)), 2u);
  EXPECT_EQ(fired, (std::vector<int>{2, 1}));
}

TEST(TimerQueue, RearmAndCancelAndDestroy) {
  TimerQueue q;
  int fired = 0;
  Timer a([&](Instant) { ++fired; });
  q.arm(a, Instant::from_micros(10));
  q.arm(a, Instant::from_micros(50));  // re-arm moves it
  EXPECT_EQ(q.size(), 1u);
  q.run(Instant::from_micros(20));
  EXPECT_EQ(fired, 0);
  q.cancel(a);
  q.run(Instant::from_micros(100));
  EXPECT_EQ(fired, 0);
  {
    Timer t([&](Instant) { ++fired; });
    q.arm(t, Instant::from_micros(1));
  }  // destroyed while armed
  EXPECT_EQ(q.size(), 0u);
}

TEST(TimerQueue, EqualDeadlinesFireInArmingOrder) {
  TimerQueue q;
  std::vector<int> fired;
  Timer a([&](Instant) { fired.push_back(1); });
  Timer b([&](Instant) { fired.push_back(2); });
  Timer c([&](Instant) { fired.push_back(3); });
  q.arm(b, Instant::from_micros(5));
  q.arm(a, Instant::from_micros(5));
  q.arm(c, Instant::from_micros(5));
  q.arm(b, Instant::from_micros(5));  // re-armed: now the last of the three
  EXPECT_EQ(q.run(Instant::from_micros(5)), 3u);
  EXPECT_EQ(fired, (std::vector<int>{1, 3, 2}));
}

TEST(TimerQueue, CallbackMayRearmItself) {
  TimerQueue q;
  int fired = 0;
  Timer a;
  a.set_callback([&](Instant now) {
    if (++fired < 3) q.arm(a, now + Duration::micros(10));
  });
  q.arm(a, Instant::from_micros(0));
  for (int t = 0; t <= 100; t += 10) q.run(Instant::from_micros(t));
  EXPECT_EQ(fired, 3);
}

class FakeClock : public Clock {
 public:
  Instant now() override { return t; }
  Instant t{};
};

TEST(EventLoop, DeferredWorkRunsAfterTimersIncludingNestedDefers) {
  FakeClock clock;
  EventLoop loop(clock);
  std::vector<int> order;
  Timer t([&](Instant) {
    order.push_back(1);
    loop.defer([&] {
      order.push_back(2);
      loop.defer([&] { order.push_back(3); });
    });
  });
  loop.arm(t, Duration::millis(5));
  clock.t = Instant::from_micros(5000);
  loop.update_time();
  loop.run_due();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

}  // namespace
}  // namespace sluice
