#include "stack/socket/steering.h"

#include <gtest/gtest.h>

namespace sluice::stack {
namespace {

uint32_t ip(int a, int b, int c, int d) { return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | uint32_t(d); }

const std::vector<uint8_t> kMicrosoftKey = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};

// The RSS specification's verification suite, IPv4 with TCP ports.
TEST(Toeplitz, MatchesTheRssVerificationSuite) {
  EXPECT_EQ(toeplitz_ipv4_tcp(kMicrosoftKey, ip(66, 9, 149, 187), ip(161, 142, 100, 80), 2794, 1766), 0x51ccc178u);
  EXPECT_EQ(toeplitz_ipv4_tcp(kMicrosoftKey, ip(199, 92, 111, 2), ip(65, 69, 140, 83), 14230, 4739), 0xc626b0eau);
  EXPECT_EQ(toeplitz_ipv4_tcp(kMicrosoftKey, ip(24, 19, 198, 95), ip(12, 22, 207, 184), 12898, 38024), 0x5c2b394au);
}

TEST(Steering, WithoutRssEphemeralPortsArePartitionedAndMisdeliveredSegmentsHaveAnOwner) {
  Steering w0(2, 0, 32768, 60999), w1(2, 1, 32768, 60999);
  for (uint16_t p = 40000; p < 40010; ++p) {
    EXPECT_NE(w0.port_ok(1, 2, 80, p), w1.port_ok(1, 2, 80, p)) << p;  // exactly one worker may use it
    uint16_t owner = w0.port_ok(1, 2, 80, p) ? 0 : 1;
    EXPECT_EQ(w0.owner_of(p), owner);
    EXPECT_EQ(w1.owner_of(p), owner);
  }
  EXPECT_EQ(w1.owner_of(80), 1);     // a listening-range port stays where it arrived
  EXPECT_EQ(w0.owner_of(8080), 0);
}

TEST(Steering, WithRssTheChosenPortHashesTheReplyToThisWorkersQueue) {
  std::vector<uint16_t> reta(128);
  for (size_t i = 0; i < reta.size(); ++i) reta[i] = uint16_t(i % 2);
  Steering w1(2, 1, 32768, 60999);
  w1.set_rss(kMicrosoftKey, reta);
  const uint32_t local = ip(198, 18, 0, 2), remote = ip(198, 18, 1, 2);
  int usable = 0;
  for (uint16_t p = 40000; p < 40200; ++p) {
    if (!w1.port_ok(local, remote, 8080, p)) continue;
    ++usable;
    EXPECT_EQ(w1.rss_queue(remote, local, 8080, p), 1) << p;
  }
  EXPECT_GT(usable, 50);  // about half the ports
  EXPECT_EQ(w1.owner_of(40001), 1);  // with RSS nothing is forwarded
}

TEST(Steering, OneWorkerTakesEveryPort) {
  Steering s(1, 0, 32768, 60999);
  EXPECT_TRUE(s.port_ok(1, 2, 3, 40001));
  EXPECT_EQ(s.owner_of(40001), 0);
}

}  // namespace
}  // namespace sluice::stack
