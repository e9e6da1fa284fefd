#include "core/mailbox.h"

#include <gtest/gtest.h>

#include <thread>

namespace sluice {
namespace {

TEST(Mailbox, FifoAndBounded) {
  Mailbox<int> m(2);
  EXPECT_TRUE(m.push(1));
  EXPECT_TRUE(m.push(2));
  EXPECT_FALSE(m.push(3));
  EXPECT_EQ(*m.pop(), 1);
  EXPECT_EQ(*m.pop(), 2);
  EXPECT_FALSE(m.pop().has_value());
}

TEST(Mailbox, CrossThreadDeliversEveryMessageInOrder) {
  Mailbox<int> m(8);
  constexpr int kCount = 100000;
  std::thread producer([&] {
    for (int i = 0; i < kCount; ++i)
      while (!m.push(i)) std::this_thread::yield();
  });
  int expected = 0;
  while (expected < kCount) {
    if (auto v = m.pop()) {
      ASSERT_EQ(*v, expected);
      ++expected;
    } else {
      std::this_thread::yield();
    }
  }
  producer.join();
}

}  // namespace
}  // namespace sluice
