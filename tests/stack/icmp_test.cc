// ICMP: echo replies built in place with exact bytes (RFC 792, RFC 1122 3.2.2.6), errors handed
// up (RFC 1122 3.2.2), everything else counted by type.
#include <gtest/gtest.h>

#include "stack/icmp/icmp_endpoint.h"
#include "stack/wire/checksum.h"
#include "tests/stack/test_util.h"

namespace sluice::stack {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes message(uint8_t type, uint8_t code, Bytes data, uint16_t ident = 0x4242, uint16_t seq = 1) {
  IcmpRepr r;
  r.type = type;
  r.code = code;
  r.echo_ident = ident;
  r.echo_seq = seq;
  r.data = data;
  Bytes b(r.length());
  r.emit(b);
  return b;
}

class IcmpTest : public test::PoolTest {
 protected:
  IcmpEndpoint icmp;
  Ipv4Repr ip{ipv4(10, 0, 0, 2), ipv4(10, 0, 0, 1), ipproto::kIcmp};
  IcmpRepr parsed;
};

TEST_F(IcmpTest, Rfc792EchoReplyIsTheRequestWithTypeZeroAndExactChecksum) {
  Bytes data;
  for (int i = 0; i < 56; i++) data.push_back(uint8_t(i));
  Packet p = test::packet_of(message(icmptype::kEchoRequest, 0, data, 0x1234, 9));
  const uint8_t* before = p.data();
  ASSERT_EQ(icmp.receive(ip, false, p, &parsed), IcmpEndpoint::Verdict::kReply);
  EXPECT_EQ(p.data(), before) << "reused in place";
  // Exactly what a fresh echo reply with the same identifier, sequence and data would be.
  EXPECT_EQ(test::bytes_of(p), message(icmptype::kEchoReply, 0, data, 0x1234, 9));
  EXPECT_EQ(internet_checksum(test::bytes_of(p)), 0);
  EXPECT_EQ(icmp.counters().tx_echo_replies, 1u);
  EXPECT_EQ(p->ol_flags, 0u);
}

TEST_F(IcmpTest, EchoReplyChecksumEdgeCases) {
  // Data chosen so the checksum lands on each end of the range.
  for (uint16_t fill = 0; fill < 512; fill++) {
    Bytes data = {uint8_t(fill >> 8), uint8_t(fill)};
    Packet p = test::packet_of(message(icmptype::kEchoRequest, 0, data, 0xf7ff, 0));
    ASSERT_EQ(icmp.receive(ip, false, p, &parsed), IcmpEndpoint::Verdict::kReply);
    EXPECT_EQ(internet_checksum(test::bytes_of(p)), 0) << fill;
  }
}

TEST_F(IcmpTest, Rfc1122BroadcastEchoIsIgnored) {
  Packet p = test::packet_of(message(icmptype::kEchoRequest, 0, {1, 2}));
  EXPECT_EQ(icmp.receive(ip, true, p, &parsed), IcmpEndpoint::Verdict::kDrop);
  EXPECT_EQ(icmp.counters().drop_broadcast_echo, 1u);
}

TEST_F(IcmpTest, BadChecksumAndTruncatedAreDropped) {
  Bytes b = message(icmptype::kEchoRequest, 0, {1, 2, 3});
  b[9] ^= 1;
  Packet p = test::packet_of(b);
  EXPECT_EQ(icmp.receive(ip, false, p, &parsed), IcmpEndpoint::Verdict::kDrop);
  for (size_t n = 0; n < 8; n++) {
    Packet q = test::packet_of(std::span(b).first(n));
    EXPECT_EQ(icmp.receive(ip, false, q, &parsed), IcmpEndpoint::Verdict::kDrop);
  }
  EXPECT_EQ(icmp.counters().drop_bad_checksum, 1u);
  EXPECT_EQ(icmp.counters().drop_truncated, 8u);
}

TEST_F(IcmpTest, Rfc1191FragmentationNeededGoesUpWithTheMtu) {
  Bytes quoted(28, 0x45);
  IcmpRepr r;
  r.type = icmptype::kDestUnreachable;
  r.code = icmpunreach::kFragNeeded;
  r.next_hop_mtu = 1280;
  r.data = quoted;
  Bytes b(r.length());
  r.emit(b);
  Packet p = test::packet_of(b);
  ASSERT_EQ(icmp.receive(ip, false, p, &parsed), IcmpEndpoint::Verdict::kError);
  EXPECT_EQ(parsed.next_hop_mtu, 1280);
  EXPECT_EQ(parsed.data.size(), 28u);
  EXPECT_EQ(icmp.counters().rx_frag_needed, 1u);
}

TEST_F(IcmpTest, OtherTypesAreCountedByType) {
  for (uint8_t type : {icmptype::kEchoReply, icmptype::kRedirect, icmptype::kTimestamp, uint8_t(42)}) {
    Packet p = test::packet_of(message(type, 0, {0, 0, 0, 0}));
    EXPECT_EQ(icmp.receive(ip, false, p, &parsed), IcmpEndpoint::Verdict::kDrop) << int(type);
  }
  EXPECT_EQ(icmp.counters().rx_by_type[icmptype::kRedirect], 1u);
  EXPECT_EQ(icmp.counters().rx_by_type[42], 1u);
  EXPECT_EQ(icmp.counters().rx_echo_replies, 1u);
  int named = 0;
  icmp.counters().for_each([&](const char* name, uint64_t v) { named += std::string(name) == "rx_type_42"; });
  EXPECT_EQ(named, 1);
}

}  // namespace
}  // namespace sluice::stack
