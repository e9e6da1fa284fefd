// Ticket key rings (RFC 5077 4): nginx's file format, rotation and the rotation schedule.
#include <gtest/gtest.h>

#include "tls/ticket_keys.h"

namespace sluice::tls {
namespace {

TEST(TicketKeys, NginxEightyByteLayoutIsNameHmacAes) {
  uint8_t bytes[80];
  for (int i = 0; i < 80; ++i) bytes[i] = uint8_t(i);
  std::string err;
  auto ring = TicketKeyRing::from_bytes(bytes, 80, &err);
  ASSERT_TRUE(ring) << err;
  const TicketKey& k = ring->keys()[0];
  EXPECT_EQ(k.name[0], 0);
  EXPECT_EQ(k.hmac[0], 16);
  EXPECT_EQ(k.aes[0], 48);
  EXPECT_EQ(k.key_len, 32u);
  auto old = TicketKeyRing::from_bytes(bytes, 48, &err);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->keys()[0].aes[0], 16);
  EXPECT_EQ(old->keys()[0].hmac[0], 32);
  EXPECT_EQ(old->keys()[0].key_len, 16u);
  EXPECT_FALSE(TicketKeyRing::from_bytes(bytes, 79, &err));
  EXPECT_NE(err.find("80 or 48"), std::string::npos);
}

TEST(TicketKeys, RotationKeepsTheNewestKeysFirst) {
  std::string err;
  auto r1 = TicketKeyRing::generate(&err);
  auto r2 = TicketKeyRing::rotate(*r1, &err);
  auto r3 = TicketKeyRing::rotate(*r2, &err);
  auto r4 = TicketKeyRing::rotate(*r3, &err);
  ASSERT_EQ(r4->keys().size(), TicketKeyRing::kMaxKeys);
  size_t index = 9;
  EXPECT_TRUE(r4->find(r2->keys()[0].name.data(), &index));
  EXPECT_EQ(index, 2u);
  EXPECT_FALSE(r4->find(r1->keys()[0].name.data(), &index));
  EXPECT_NE(r1->keys()[0].name, r2->keys()[0].name);
}

TEST(TicketKeys, RotatorRunsOnItsSchedule) {
  std::string err;
  Instant t0 = Instant::from_micros(1000);
  TicketKeyRotator rot(TicketKeyRing::generate(&err), Duration::seconds(3600), t0);
  EXPECT_FALSE(rot.rotate_if_due(t0 + Duration::seconds(3599), &err));
  auto next = rot.rotate_if_due(t0 + Duration::seconds(3600), &err);
  ASSERT_TRUE(next);
  EXPECT_EQ(rot.current(), next);
  EXPECT_FALSE(rot.rotate_if_due(t0 + Duration::seconds(3601), &err));
  rot.set_period(Duration::seconds(60), t0 + Duration::seconds(3601));  // shorter: takes effect now
  EXPECT_TRUE(rot.rotate_if_due(t0 + Duration::seconds(3661), &err));
}

}  // namespace
}  // namespace sluice::tls
