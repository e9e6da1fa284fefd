#include "core/object_pool.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "core/loop.h"
#include "core/time.h"

namespace sluice {
namespace {

class FixedClock final : public Clock {
 public:
  Instant now() override { return Instant{0}; }
};

struct Tracked {
  explicit Tracked(int* live, bool fail = false) : live_(live) {
    if (fail) throw std::runtime_error("refused");
    ++*live_;
  }
  ~Tracked() { --*live_; }
  int* live_;
  char payload[1200];
};

TEST(ObjectPool, ConstructsAndDestroysThroughItsPointer) {
  int live = 0;
  ObjectPool<Tracked> pool(4);
  {
    auto a = pool.make(&live);
    auto b = pool.make(&live);
    EXPECT_EQ(live, 2);
  }
  EXPECT_EQ(live, 0);
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_EQ(pool.free_blocks(), 2u);
#endif
}

#if !defined(__SANITIZE_ADDRESS__)
TEST(ObjectPool, ReusesAFreedBlock) {
  int live = 0;
  ObjectPool<Tracked> pool(4);
  Tracked* first = pool.make(&live).get();  // destroyed at once: its block is kept
  auto second = pool.make(&live);
  EXPECT_EQ(second.get(), first);
  EXPECT_EQ(pool.free_blocks(), 0u);
}

TEST(ObjectPool, KeepsNoMoreThanItsBound) {
  int live = 0;
  ObjectPool<Tracked> pool(2);
  {
    auto a = pool.make(&live), b = pool.make(&live), c = pool.make(&live);
  }
  EXPECT_EQ(pool.free_blocks(), 2u);  // the third went back to the allocator
}

TEST(ObjectPool, AFailedConstructorReturnsItsBlock) {
  int live = 0;
  ObjectPool<Tracked> pool(2);
  EXPECT_THROW(pool.make(&live, true), std::runtime_error);
  EXPECT_EQ(live, 0);
  EXPECT_EQ(pool.free_blocks(), 1u);
}
#endif

TEST(ObjectPool, DeferredDeleteUsesThePoolsDeleter) {
  FixedClock clock;
  EventLoop loop(clock);
  int live = 0;
  ObjectPool<Tracked> pool(2);
  loop.defer_delete(pool.make(&live));
  EXPECT_EQ(live, 1);  // not before the end of the iteration
  loop.run_deferred();
  EXPECT_EQ(live, 0);
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_EQ(pool.free_blocks(), 1u);
#endif
}

}  // namespace
}  // namespace sluice
