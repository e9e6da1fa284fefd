#include "core/buf.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(Slice, CopyOfOwnsItsBytesAndSharesOnCopy) {
  Slice a = Slice::copy_of("hello world");
  Slice b = a.sub(6, 5);
  a = Slice();
  EXPECT_EQ(b.view(), "world");
}

TEST(BufChain, SplitFrontSplitsInsideASlice) {
  BufChain c;
  c.append_copy("abc");
  c.append_copy("defgh");
  BufChain head = c.split_front(5);
  EXPECT_EQ(head.to_string(), "abcde");
  EXPECT_EQ(c.to_string(), "fgh");
  EXPECT_EQ(head.size() + c.size(), 8u);
}

TEST(BufChain, ConsumeAndCopyOutWithOffset) {
  BufChain c;
  c.append(Slice::from_static("0123"));
  c.append_copy("4567");
  uint8_t out[4];
  EXPECT_EQ(c.copy_out(out, 4, 2), 4u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), 4), "2345");
  c.consume(5);
  EXPECT_EQ(c.to_string(), "567");
  c.consume(100);
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(c.slice_count(), 0u);
}

}  // namespace
}  // namespace sluice
