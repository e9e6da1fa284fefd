// The connection table against a reference map: random inserts, reassignments, erases and
// lookups, with a server's tuple shape (one local address and port, peers varying by port), so
// probe runs collide, wrap the end of the table, and are shifted back on erase.
#include "stack/tcp/tuple_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <tuple>

namespace sluice::stack::tcp {
namespace {

auto key(const FourTuple& t) {
  return std::make_tuple(t.local_ip, t.local_port, t.remote_ip, t.remote_port);
}

void expect_same(const TupleTable& table, const std::map<decltype(key(FourTuple{})), uint32_t>& ref) {
  ASSERT_EQ(table.size(), ref.size());
  for (const auto& [k, slot] : ref) {
    FourTuple t{std::get<0>(k), std::get<1>(k), std::get<2>(k), std::get<3>(k)};
    const uint32_t* found = table.find(t);
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(*found, slot);
  }
  size_t visited = 0;
  table.for_each_slot([&](uint32_t) { ++visited; });
  EXPECT_EQ(visited, ref.size());
}

TEST(TupleTable, MatchesAReferenceMapUnderChurn) {
  for (uint64_t seed : {0ull, 0x1234'5678'9abc'def0ull}) {
    TupleTable table(seed, 8);  // starts tiny: it grows many times on the way
    std::map<decltype(key(FourTuple{})), uint32_t> ref;
    std::mt19937 rng(static_cast<uint32_t>(seed) + 7);
    for (int step = 0; step < 200'000; ++step) {
      // 2,000 peer ports and 2 peer addresses: entries come and go and come back.
      FourTuple t{0xc6120002, 80, 0xc6120004 + uint32_t(rng() % 2), uint16_t(1024 + rng() % 2000)};
      switch (rng() % 4) {
        case 0:
        case 1: {
          uint32_t slot = rng() % 100'000;
          table.insert_or_assign(t, slot);
          ref[key(t)] = slot;
          break;
        }
        case 2:
          EXPECT_EQ(table.erase(t), ref.erase(key(t)) == 1);
          break;
        default: {
          const uint32_t* found = table.find(t);
          auto it = ref.find(key(t));
          ASSERT_EQ(found != nullptr, it != ref.end());
          if (found) {
            EXPECT_EQ(*found, it->second);
          }
        }
      }
      if (step % 20'000 == 0) expect_same(table, ref);
    }
    expect_same(table, ref);
    for (const auto& [k, slot] : std::map(ref)) {  // empty it: every erase shifts runs back
      EXPECT_TRUE(table.erase(FourTuple{std::get<0>(k), std::get<1>(k), std::get<2>(k), std::get<3>(k)}));
      ref.erase(k);
    }
    expect_same(table, ref);
    EXPECT_FALSE(table.contains(FourTuple{0xc6120002, 80, 0xc6120004, 1024}));
  }
}

TEST(TupleTable, DifferentFieldsAreDifferentKeys) {
  TupleTable table(42);
  FourTuple a{1, 2, 3, 4};
  table.insert_or_assign(a, 10);
  EXPECT_FALSE(table.contains(FourTuple{3, 4, 1, 2}));  // the reverse direction
  EXPECT_FALSE(table.contains(FourTuple{1, 4, 3, 2}));  // ports swapped
  EXPECT_FALSE(table.contains(FourTuple{1, 2, 3, 5}));
  table.insert_or_assign(a, 11);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(*table.find(a), 11u);
  EXPECT_FALSE(table.erase(FourTuple{1, 2, 3, 5}));
  EXPECT_TRUE(table.erase(a));
  EXPECT_EQ(table.size(), 0u);
}

}  // namespace
}  // namespace sluice::stack::tcp
