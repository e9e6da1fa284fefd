// The IPv4 layer: receive validation by reason (RFC 1122 3.2.1), padding, fragments, addressing,
// routing (RFC 1122 3.3.1) and header building with and without checksum offload.
#include <gtest/gtest.h>

#include "stack/ipv4/ipv4_layer.h"
#include "stack/wire/checksum.h"
#include "tests/stack/test_util.h"

namespace sluice::stack {
namespace {

using Bytes = std::vector<uint8_t>;
const uint32_t kOurIp = ipv4(10, 0, 0, 1);
const uint32_t kPeerIp = ipv4(10, 0, 0, 2);

Bytes datagram(uint32_t src, uint32_t dst, uint8_t proto, size_t payload, uint8_t fill = 0x5a) {
  Ipv4Repr r;
  r.src = src;
  r.dst = dst;
  r.protocol = proto;
  r.payload_len = uint16_t(payload);
  Bytes b(20 + payload, fill);
  r.emit(b, true);
  return b;
}

void refresh_checksum(Bytes& b) {
  size_t ihl = size_t(b[0] & 0xf) * 4;
  be::store16(b.data() + 10, 0);
  be::store16(b.data() + 10, internet_checksum(std::span(b).first(ihl)));
}

class Ipv4LayerTest : public test::PoolTest {
 protected:
  Ipv4Config cfg{kOurIp, 24, ipv4(10, 0, 0, 254), 1500, 64};
  Ipv4Layer ip{cfg};

  std::optional<Ipv4Repr> receive(const Bytes& b, uint64_t ol_flags = 0) {
    Packet p = test::packet_of(b);
    p->ol_flags = ol_flags;
    auto r = ip.receive(p);
    if (r) last_payload = test::bytes_of(p);
    return r;
  }
  Bytes last_payload;
};

TEST_F(Ipv4LayerTest, ValidDatagramIsStrippedToItsPayload) {
  auto r = receive(datagram(kPeerIp, kOurIp, ipproto::kTcp, 30));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->src, kPeerIp);
  EXPECT_EQ(r->protocol, ipproto::kTcp);
  EXPECT_EQ(last_payload, Bytes(30, 0x5a));
  EXPECT_EQ(ip.counters().rx_datagrams, 1u);
}

TEST_F(Ipv4LayerTest, Rfc894PaddingIsTrimmed) {
  Bytes b = datagram(kPeerIp, kOurIp, ipproto::kTcp, 6);  // 26 bytes: padded on Ethernet to 46
  b.resize(46, 0);
  ASSERT_TRUE(receive(b));
  EXPECT_EQ(last_payload, Bytes(6, 0x5a));
}

TEST_F(Ipv4LayerTest, TruncatedAtEveryOffsetIsDroppedAndCounted) {
  Bytes b = datagram(kPeerIp, kOurIp, ipproto::kTcp, 30);
  for (size_t n = 0; n < b.size(); n++) EXPECT_FALSE(receive(Bytes(b.begin(), b.begin() + n))) << n;
  EXPECT_EQ(ip.counters().drop_truncated, 20u);
  EXPECT_EQ(ip.counters().drop_bad_total_len, 30u);
  EXPECT_EQ(ip.counters().rx_datagrams, 0u);
}

TEST_F(Ipv4LayerTest, Rfc1122BadVersionHeaderLengthAndChecksumAreDroppedByReason) {
  Bytes b = datagram(kPeerIp, kOurIp, ipproto::kTcp, 8);
  b[0] = 0x65;
  refresh_checksum(b);
  EXPECT_FALSE(receive(b));
  EXPECT_EQ(ip.counters().drop_bad_version, 1u);

  b = datagram(kPeerIp, kOurIp, ipproto::kTcp, 8);
  b[0] = 0x43;
  EXPECT_FALSE(receive(b));
  EXPECT_EQ(ip.counters().drop_bad_header_len, 1u);

  b = datagram(kPeerIp, kOurIp, ipproto::kTcp, 8);
  be::store16(b.data() + 2, 200);  // longer than what arrived
  refresh_checksum(b);
  EXPECT_FALSE(receive(b));
  EXPECT_EQ(ip.counters().drop_bad_total_len, 1u);

  b = datagram(kPeerIp, kOurIp, ipproto::kTcp, 8);
  b[10] ^= 0xff;
  EXPECT_FALSE(receive(b));
  EXPECT_EQ(ip.counters().drop_bad_checksum, 1u);
}

TEST_F(Ipv4LayerTest, NicChecksumVerdictIsTrusted) {
  Bytes b = datagram(kPeerIp, kOurIp, ipproto::kTcp, 8);
  b[10] ^= 0xff;  // wrong, but the NIC says good: not verified again
  EXPECT_TRUE(receive(b, RTE_MBUF_F_RX_IP_CKSUM_GOOD));
  Bytes good = datagram(kPeerIp, kOurIp, ipproto::kTcp, 8);
  EXPECT_FALSE(receive(good, RTE_MBUF_F_RX_IP_CKSUM_BAD));
  EXPECT_EQ(ip.counters().drop_bad_checksum, 1u);
}

TEST_F(Ipv4LayerTest, FragmentsAreCountedAndDropped) {
  Bytes b = datagram(kPeerIp, kOurIp, ipproto::kTcp, 8);
  b[6] = 0x20;  // MF
  refresh_checksum(b);
  EXPECT_FALSE(receive(b));
  b[6] = 0x00, b[7] = 0x01;  // offset 8
  refresh_checksum(b);
  EXPECT_FALSE(receive(b));
  EXPECT_EQ(ip.counters().drop_fragment, 2u);
}

TEST_F(Ipv4LayerTest, Rfc1122TtlBelowTwoIsAccepted) {
  Bytes b = datagram(kPeerIp, kOurIp, ipproto::kTcp, 8);
  b[8] = 0;
  refresh_checksum(b);
  EXPECT_TRUE(receive(b));
}

TEST_F(Ipv4LayerTest, Rfc1122AddressingChecks) {
  EXPECT_FALSE(receive(datagram(kPeerIp, ipv4(10, 0, 0, 7), ipproto::kTcp, 8)));
  EXPECT_FALSE(receive(datagram(kPeerIp, ipv4(224, 0, 0, 1), ipproto::kTcp, 8)));
  EXPECT_EQ(ip.counters().drop_not_for_us, 2u);
  EXPECT_TRUE(receive(datagram(kPeerIp, 0xffffffffu, ipproto::kIcmp, 8)));      // limited broadcast
  EXPECT_TRUE(receive(datagram(kPeerIp, ipv4(10, 0, 0, 255), ipproto::kIcmp, 8)));  // subnet broadcast
  EXPECT_FALSE(receive(datagram(ipv4(10, 0, 0, 255), kOurIp, ipproto::kTcp, 8)));
  EXPECT_FALSE(receive(datagram(ipv4(224, 1, 2, 3), kOurIp, ipproto::kTcp, 8)));
  EXPECT_FALSE(receive(datagram(ipv4(127, 0, 0, 1), kOurIp, ipproto::kTcp, 8)));
  EXPECT_EQ(ip.counters().drop_bad_source, 3u);
}

TEST_F(Ipv4LayerTest, OptionsAreAcceptedAndSkipped) {
  Bytes b = datagram(kPeerIp, kOurIp, ipproto::kTcp, 12);
  b[0] = 0x46;  // the first 4 payload bytes become options
  b[20] = b[21] = b[22] = b[23] = 1;
  be::store16(b.data() + 2, uint16_t(b.size()));
  refresh_checksum(b);
  auto r = receive(b);
  ASSERT_TRUE(r);
  EXPECT_EQ(last_payload, Bytes(8, 0x5a));
  EXPECT_EQ(ip.counters().rx_with_options, 1u);
}

TEST_F(Ipv4LayerTest, Rfc1122RoutingOnLinkGatewayOrUnreachable) {
  EXPECT_EQ(ip.route(kPeerIp), kPeerIp);
  EXPECT_EQ(ip.route(ipv4(8, 8, 8, 8)), ipv4(10, 0, 0, 254));
  EXPECT_FALSE(ip.route(kOurIp)) << "no loopback";
  Ipv4Layer no_gw(Ipv4Config{kOurIp, 24, std::nullopt, 1500, 64});
  EXPECT_EQ(no_gw.route(kPeerIp), kPeerIp);
  EXPECT_FALSE(no_gw.route(ipv4(8, 8, 8, 8)));
  EXPECT_EQ(no_gw.counters().drop_no_route, 1u);
  EXPECT_EQ(ip.counters().drop_no_route, 1u);
}

TEST_F(Ipv4LayerTest, Rfc3021SlashThirtyOneHasNoBroadcast) {
  Ipv4Layer p2p(Ipv4Config{ipv4(10, 0, 0, 0), 31, std::nullopt, 1500, 64});
  EXPECT_FALSE(p2p.is_broadcast(ipv4(10, 0, 0, 1)));
  EXPECT_TRUE(p2p.is_broadcast(0xffffffffu));
  EXPECT_TRUE(ip.is_broadcast(ipv4(10, 0, 0, 255)));
  EXPECT_FALSE(ip.is_broadcast(ipv4(10, 0, 1, 255)));
}

TEST_F(Ipv4LayerTest, HeaderIsBuiltInHeadroomWithSoftwareChecksum) {
  Packet p = test::packet_of(Bytes(10, 0x77));
  ASSERT_TRUE(ip.prepend_header(p, kPeerIp, ipproto::kTcp, false));
  Bytes b = test::bytes_of(p);
  ASSERT_EQ(b.size(), 30u);
  Ipv4Error why{};
  auto r = Ipv4Repr::parse(b, true, why);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->src, kOurIp);
  EXPECT_EQ(r->dst, kPeerIp);
  EXPECT_EQ(r->ttl, 64);
  EXPECT_TRUE(r->dont_fragment);
  EXPECT_EQ(r->payload_len, 10);
  EXPECT_TRUE(p->ol_flags & RTE_MBUF_F_TX_IPV4);
  EXPECT_FALSE(p->ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
  EXPECT_EQ(p->l3_len, 20u);
  // A second datagram gets another Identification.
  Packet q = test::packet_of(Bytes(10, 0x77));
  ASSERT_TRUE(ip.prepend_header(q, kPeerIp, ipproto::kTcp, false));
  EXPECT_NE(be::load16(q.data() + 4), be::load16(p.data() + 4));
}

TEST_F(Ipv4LayerTest, ChecksumOffloadLeavesTheFieldToTheNic) {
  Packet p = test::packet_of(Bytes(10, 0x77));
  ASSERT_TRUE(ip.prepend_header(p, kPeerIp, ipproto::kTcp, true));
  EXPECT_EQ(be::load16(p.data() + 10), 0);
  EXPECT_TRUE(p->ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
  EXPECT_TRUE(p->ol_flags & RTE_MBUF_F_TX_IPV4);
}

TEST_F(Ipv4LayerTest, TooBigAndNoHeadroomAreRefused) {
  Packet big = test::packet_of(Bytes(1481, 0));
  EXPECT_FALSE(ip.prepend_header(big, kPeerIp, ipproto::kTcp, false));
  EXPECT_EQ(ip.counters().drop_too_big, 1u);
  Packet fits = test::packet_of(Bytes(1480, 0));
  EXPECT_TRUE(ip.prepend_header(fits, kPeerIp, ipproto::kTcp, false));
  Packet tight = test::packet_of(Bytes(10, 0));
  ASSERT_TRUE(tight.prepend(uint16_t(rte_pktmbuf_headroom(tight.get()) - 10)));  // leave 10 bytes
  EXPECT_FALSE(ip.prepend_header(tight, kPeerIp, ipproto::kTcp, false));
  EXPECT_EQ(ip.counters().drop_no_headroom, 1u);
}

}  // namespace
}  // namespace sluice::stack
