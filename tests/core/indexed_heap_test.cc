#include "core/indexed_heap.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace sluice {
namespace {

TEST(IndexedMinHeap, PopsByKeyThenId) {
  IndexedMinHeap<int64_t> h;
  h.set(3, 10);
  h.set(1, 10);
  h.set(2, 5);
  h.set(3, 1);  // moved
  std::vector<uint32_t> order;
  while (!h.empty()) {
    order.push_back(h.top_id());
    h.pop();
  }
  EXPECT_EQ(order, (std::vector<uint32_t>{3, 2, 1}));
  EXPECT_FALSE(h.contains(3));
}

// The heap must hand out entries exactly as the std::set of (key, id) pairs it replaced.
TEST(IndexedMinHeap, MatchesSetOfPairs) {
  std::mt19937 rng(11);
  IndexedMinHeap<int64_t> h;
  std::set<std::pair<int64_t, uint32_t>> ref;
  std::vector<int64_t> key(64, -1);
  for (int step = 0; step < 50000; ++step) {
    uint32_t id = rng() % 64;
    switch (rng() % 4) {
      case 0: case 1: {
        int64_t k = rng() % 100;
        if (key[id] >= 0) ref.erase({key[id], id});
        key[id] = k;
        ref.insert({k, id});
        h.set(id, k);
        break;
      }
      case 2:
        if (key[id] >= 0) ref.erase({key[id], id});
        key[id] = -1;
        h.erase(id);
        break;
      case 3:
        if (!ref.empty()) {
          ASSERT_EQ(h.top_key(), ref.begin()->first);
          ASSERT_EQ(h.top_id(), ref.begin()->second);
          key[ref.begin()->second] = -1;
          ref.erase(ref.begin());
          h.pop();
        }
        break;
    }
    ASSERT_EQ(h.size(), ref.size());
    ASSERT_EQ(h.contains(id), key[id] >= 0);
  }
}

}  // namespace
}  // namespace sluice
