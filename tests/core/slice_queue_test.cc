#include "core/slice_queue.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <random>

namespace sluice {
namespace {

// A value that counts live instances, so leaks and double destructions show.
struct Tracked {
  static inline int live = 0;
  explicit Tracked(int v) : v(std::make_unique<int>(v)) { ++live; }
  Tracked(Tracked&& o) noexcept : v(std::move(o.v)) { ++live; }
  Tracked(const Tracked& o) : v(std::make_unique<int>(*o.v)) { ++live; }
  ~Tracked() { --live; }
  std::unique_ptr<int> v;
};

using Queue = InlineQueue<Tracked, 2>;

std::vector<int> values(const Queue& q) {
  std::vector<int> out;
  for (const Tracked& t : q) out.push_back(*t.v);
  return out;
}

TEST(InlineQueue, InlineThenHeapKeepsFifoOrder) {
  {
    Queue q;
    for (int i = 0; i < 5; ++i) q.push_back(Tracked(i));
    EXPECT_EQ(values(q), (std::vector<int>{0, 1, 2, 3, 4}));
    q.pop_front();
    q.push_front(Tracked(9));
    EXPECT_EQ(values(q), (std::vector<int>{9, 1, 2, 3, 4}));
    EXPECT_EQ(*q.front().v, 9);
  }
  EXPECT_EQ(Tracked::live, 0);
}

TEST(InlineQueue, MoveAndCopyBothForms) {
  {
    Queue small;
    small.push_back(Tracked(1));
    Queue big;
    for (int i = 0; i < 4; ++i) big.push_back(Tracked(i));
    Queue a(std::move(small));  // inline elements move one by one
    Queue b(std::move(big));    // the heap block is taken
    EXPECT_TRUE(small.empty());
    EXPECT_TRUE(big.empty());
    EXPECT_EQ(values(a), (std::vector<int>{1}));
    EXPECT_EQ(values(b), (std::vector<int>{0, 1, 2, 3}));
    Queue c(b);
    a = b;
    b = std::move(a);
    EXPECT_EQ(values(b), (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(values(c), (std::vector<int>{0, 1, 2, 3}));
    small.push_back(Tracked(7));  // a moved-from queue is usable
    EXPECT_EQ(values(small), (std::vector<int>{7}));
  }
  EXPECT_EQ(Tracked::live, 0);
}

TEST(InlineQueue, MatchesDequeUnderRandomOperations) {
  std::mt19937 rng(7);
  {
    Queue q;
    std::deque<int> ref;
    int next = 0;
    for (int step = 0; step < 20000; ++step) {
      switch (rng() % 5) {
        case 0: case 1: q.push_back(Tracked(next)); ref.push_back(next++); break;
        case 2: q.push_front(Tracked(next)); ref.push_front(next++); break;
        case 3: if (!ref.empty()) { q.pop_front(); ref.pop_front(); } break;
        case 4: if (rng() % 50 == 0) { q.clear(); ref.clear(); } break;
      }
      ASSERT_EQ(q.size(), ref.size());
      ASSERT_EQ(values(q), std::vector<int>(ref.begin(), ref.end()));
    }
  }
  EXPECT_EQ(Tracked::live, 0);
}

}  // namespace
}  // namespace sluice
