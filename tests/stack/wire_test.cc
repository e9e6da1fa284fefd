// Wire formats: known bytes parse to the right fields, emit gives the same bytes back, and every
// truncation and malformed field is refused with the right reason.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "stack/wire/arp.h"
#include "stack/wire/checksum.h"
#include "stack/wire/ethernet.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"
#include "tests/stack/test_util.h"

namespace sluice::stack {
namespace {

using Bytes = std::vector<uint8_t>;

// A plain RFC 1071 sum, the reference the optimised one is checked against.
uint16_t naive_sum(const Bytes& b) {
  uint32_t s = 0;
  for (size_t i = 0; i < b.size(); i += 2) s += uint32_t(b[i]) << 8 | (i + 1 < b.size() ? b[i + 1] : 0);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return uint16_t(s);
}

// --- checksum ---

TEST(Checksum, Rfc1071NumericalExample) {
  // RFC 1071 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to dd f2.
  Bytes b{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(ones_sum(b), 0xddf2);
  EXPECT_EQ(internet_checksum(b), 0x220d);
}

TEST(Checksum, OddLengthPadsWithZero) {
  Bytes b{0x12, 0x34, 0x56};
  EXPECT_EQ(ones_sum(b), 0x1234 + 0x5600);
}

TEST(Checksum, MatchesNaiveSumOnRandomData) {
  std::mt19937 rng(7);
  for (size_t len = 0; len < 300; len++) {
    Bytes b(len);
    for (auto& x : b) x = uint8_t(rng());
    EXPECT_EQ(ones_sum(b), naive_sum(b)) << len;
  }
}

// The 8-bytes-at-a-time sum equals DPDK's at every length and alignment, and where every word
// carries (all ones).
TEST(Checksum, WideSumEqualsDpdksRawChecksum) {
  std::mt19937 rng(9);
  Bytes buf(3100);
  for (int i = 0; i < 20000; i++) {
    size_t off = rng() % 8, len = rng() % 3000;
    for (size_t k = 0; k < off + len; ++k) buf[k] = i % 50 == 0 ? 0xff : uint8_t(rng());
    ASSERT_EQ(raw_sum_native(buf.data() + off, len), rte_raw_cksum(buf.data() + off, len)) << off << " " << len;
  }
}

TEST(Checksum, Rfc1624IncrementalUpdateEqualsRecomputation) {
  std::mt19937 rng(11);
  for (int i = 0; i < 1000; i++) {
    Bytes b(40);
    for (auto& x : b) x = uint8_t(rng());
    b[0] = 0, b[1] = 0;  // the checksum field
    uint16_t c = internet_checksum(b);
    be::store16(b.data(), c);
    uint16_t old_word = be::load16(b.data() + 10);
    uint16_t new_word = uint16_t(rng());
    be::store16(b.data() + 10, new_word);
    uint16_t updated = checksum_update16(c, old_word, new_word);
    be::store16(b.data(), updated);
    EXPECT_EQ(internet_checksum(b), 0) << i;
  }
}

TEST(Checksum, PseudoHeaderSumAndTcpChecksumOverAnMbufChain) {
  const uint32_t src = ipv4(10, 0, 0, 1), dst = ipv4(10, 0, 0, 2);
  Bytes seg(20 + 101);
  std::mt19937 rng(3);
  for (auto& x : seg) x = uint8_t(rng());
  seg[16] = seg[17] = 0;  // TCP checksum field
  // Reference: pseudo-header bytes + segment, summed plainly.
  Bytes ph(12);
  be::store32(ph.data(), src);
  be::store32(ph.data() + 4, dst);
  ph[8] = 0, ph[9] = 6;
  be::store16(ph.data() + 10, uint16_t(seg.size()));
  EXPECT_EQ(ipv4_pseudo_header_sum(src, dst, 6, uint16_t(seg.size())), naive_sum(ph));
  Bytes all = ph;
  all.insert(all.end(), seg.begin(), seg.end());
  uint16_t expect = uint16_t(~naive_sum(all));

  // The segment split over two mbufs at an odd offset.
  Packet a = test::packet_of(std::span(seg).first(33));
  Packet b = test::packet_of(std::span(seg).subspan(33));
  ASSERT_EQ(rte_pktmbuf_chain(a.get(), b.release()), 0);
  EXPECT_EQ(tcp_checksum(src, dst, a.get(), 0, uint32_t(seg.size())), expect);
  // Stored, the whole segment verifies to 0.
  be::store16(rte_pktmbuf_mtod_offset(a.get(), uint8_t*, 16), expect);
  EXPECT_EQ(tcp_checksum(src, dst, a.get(), 0, uint32_t(seg.size())), 0);
  // A range past the chain never verifies.
  EXPECT_NE(tcp_checksum(src, dst, a.get(), 0, uint32_t(seg.size()) + 1), 0);
}

// --- Ethernet ---

const Bytes kEthHeader = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00};

TEST(Ethernet, ParseAndEmitRoundTrip) {
  auto v = EthernetView::check(kEthHeader);
  ASSERT_TRUE(v);
  auto r = EthernetRepr::parse(*v);
  EXPECT_EQ(r.dst, (MacAddr{{2, 0, 0, 0, 0, 2}}));
  EXPECT_EQ(r.src, (MacAddr{{2, 0, 0, 0, 0, 1}}));
  EXPECT_EQ(r.ethertype, ethertype::kIpv4);
  EXPECT_TRUE(v->payload().empty());
  Bytes out(14);
  ASSERT_TRUE(r.emit(out));
  EXPECT_EQ(out, kEthHeader);
  Bytes small(13);
  EXPECT_FALSE(r.emit(small));
  EXPECT_EQ(r.src.to_string(), "02:00:00:00:00:01");
}

TEST(Ethernet, TruncatedAtEveryOffsetIsRefused) {
  for (size_t n = 0; n < kEthHeader.size(); n++)
    EXPECT_FALSE(EthernetView::check(std::span(kEthHeader).first(n))) << n;
}

TEST(Ethernet, MacClasses) {
  EXPECT_TRUE(MacAddr::broadcast().is_broadcast());
  EXPECT_TRUE(MacAddr::broadcast().is_multicast());
  EXPECT_FALSE(MacAddr::broadcast().is_unicast());
  EXPECT_TRUE((MacAddr{{0x01, 0, 0x5e, 0, 0, 1}}).is_multicast());
  EXPECT_FALSE(MacAddr{}.is_unicast());
  EXPECT_TRUE((MacAddr{{2, 0, 0, 0, 0, 1}}).is_unicast());
}

// --- ARP ---

// Who has 10.0.0.2? Tell 10.0.0.1 (02:00:00:00:00:01).
const Bytes kArpRequest = {0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,  // htype ptype hlen plen op
                           0x02, 0, 0, 0, 0, 0x01, 10, 0, 0, 1,             // sha spa
                           0, 0, 0, 0, 0, 0, 10, 0, 0, 2};                  // tha tpa

TEST(Arp, ParseAndEmitRoundTrip) {
  ArpError why{};
  auto r = ArpRepr::parse(kArpRequest, why);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->op, ArpOp::kRequest);
  EXPECT_EQ(r->sender_mac, (MacAddr{{2, 0, 0, 0, 0, 1}}));
  EXPECT_EQ(r->sender_ip, ipv4(10, 0, 0, 1));
  EXPECT_TRUE(r->target_mac.is_zero());
  EXPECT_EQ(r->target_ip, ipv4(10, 0, 0, 2));
  Bytes out(28);
  ASSERT_TRUE(r->emit(out));
  EXPECT_EQ(out, kArpRequest);
}

TEST(Arp, TruncatedAtEveryOffsetIsRefused) {
  for (size_t n = 0; n < kArpRequest.size(); n++) {
    ArpError why{};
    EXPECT_FALSE(ArpRepr::parse(std::span(kArpRequest).first(n), why)) << n;
    EXPECT_EQ(why, ArpError::kTruncated) << n;
  }
}

TEST(Arp, UnsupportedFieldsAreRefusedByReason) {
  struct Case { size_t off; uint8_t value; ArpError why; };
  for (Case c : {Case{1, 6, ArpError::kUnsupportedHardware},     // htype 6 (IEEE 802)
                 Case{4, 8, ArpError::kUnsupportedHardware},     // hlen 8
                 Case{3, 0xdd, ArpError::kUnsupportedProtocol},  // ptype 0x08dd
                 Case{5, 16, ArpError::kUnsupportedProtocol},    // plen 16
                 Case{7, 3, ArpError::kBadOperation}}) {         // RARP request
    Bytes b = kArpRequest;
    b[c.off] = c.value;
    ArpError why{};
    EXPECT_FALSE(ArpRepr::parse(b, why)) << c.off;
    EXPECT_EQ(why, c.why) << c.off;
  }
}

// --- IPv4 ---

// The classic example header (UDP, 192.168.0.1 -> 192.168.0.199, checksum 0xb861), 0x73 bytes long.
Bytes example_datagram() {
  Bytes b = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
             0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  b.resize(0x73, 0xab);
  return b;
}

TEST(Ipv4, ParseKnownHeader) {
  Bytes b = example_datagram();
  Ipv4Error why{};
  auto v = Ipv4View::check(b, why);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->checksum_ok());
  auto r = Ipv4Repr::parse(*v, true, why);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->src, ipv4(192, 168, 0, 1));
  EXPECT_EQ(r->dst, ipv4(192, 168, 0, 199));
  EXPECT_EQ(r->protocol, ipproto::kUdp);
  EXPECT_EQ(r->ttl, 64);
  EXPECT_TRUE(r->dont_fragment);
  EXPECT_FALSE(r->is_fragment());
  EXPECT_EQ(r->header_len, 20);
  EXPECT_EQ(r->payload_len, 0x73 - 20);
  EXPECT_EQ(v->payload().size(), 0x73u - 20);
  EXPECT_EQ(ipv4_to_string(r->dst), "192.168.0.199");
}

TEST(Ipv4, EmitGivesTheKnownHeaderBack) {
  Ipv4Repr r;
  r.src = ipv4(192, 168, 0, 1);
  r.dst = ipv4(192, 168, 0, 199);
  r.protocol = ipproto::kUdp;
  r.ttl = 64;
  r.ident = 0;
  r.dont_fragment = true;
  r.payload_len = 0x73 - 20;
  Bytes out(20);
  ASSERT_TRUE(r.emit(out, true));
  Bytes expect = example_datagram();
  expect.resize(20);
  EXPECT_EQ(out, expect);
  ASSERT_TRUE(r.emit(out, false));  // offload: checksum left 0
  EXPECT_EQ(be::load16(out.data() + Ipv4View::kChecksum), 0);
}

TEST(Ipv4, TruncatedAtEveryOffsetIsRefused) {
  Bytes b = example_datagram();
  for (size_t n = 0; n < b.size(); n++) {
    Ipv4Error why{};
    EXPECT_FALSE(Ipv4View::check(std::span(b).first(n), why)) << n;
    // Below the fixed header: truncated; a whole header but fewer bytes than total length: the
    // total length is wrong for what arrived.
    EXPECT_EQ(why, n < 20 ? Ipv4Error::kTruncated : Ipv4Error::kBadTotalLen) << n;
  }
}

TEST(Ipv4, MalformedHeadersAreRefusedByReason) {
  Ipv4Error why{};
  Bytes b = example_datagram();
  b[0] = 0x65;  // version 6
  EXPECT_FALSE(Ipv4View::check(b, why));
  EXPECT_EQ(why, Ipv4Error::kBadVersion);
  b = example_datagram();
  b[0] = 0x44;  // IHL 4
  EXPECT_FALSE(Ipv4View::check(b, why));
  EXPECT_EQ(why, Ipv4Error::kBadHeaderLen);
  b = example_datagram();
  b[0] = 0x4f;  // IHL 15 = 60 bytes, but only 24 bytes arrive
  EXPECT_FALSE(Ipv4View::check(std::span(b).first(24), why));
  EXPECT_EQ(why, Ipv4Error::kTruncated);
  b = example_datagram();
  b[2] = 0, b[3] = 19;  // total length below the header
  EXPECT_FALSE(Ipv4View::check(b, why));
  EXPECT_EQ(why, Ipv4Error::kBadTotalLen);
  b = example_datagram();
  b[11] ^= 1;  // checksum
  EXPECT_FALSE(Ipv4Repr::parse(b, true, why));
  EXPECT_EQ(why, Ipv4Error::kBadChecksum);
  EXPECT_TRUE(Ipv4Repr::parse(b, false, why)) << "NIC-verified datagrams skip the check";
}

TEST(Ipv4, PaddingIsOutsideTheView) {
  Bytes b = example_datagram();
  b.resize(b.size() + 10, 0);  // link padding
  Ipv4Error why{};
  auto v = Ipv4View::check(b, why);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->payload().size(), 0x73u - 20);
}

TEST(Ipv4, OptionsAreSkippedByHeaderLength) {
  Bytes b = example_datagram();
  b[0] = 0x46;  // 24-byte header: one word of options (NOPs)
  b[20] = b[21] = b[22] = b[23] = 1;
  b[10] = b[11] = 0;
  be::store16(b.data() + 10, internet_checksum(std::span(b).first(24)));
  Ipv4Error why{};
  auto r = Ipv4Repr::parse(b, true, why);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header_len, 24);
  EXPECT_EQ(r->payload_len, 0x73 - 24);
}

TEST(Ipv4, FragmentsAreRecognised) {
  Ipv4Error why{};
  Bytes b = example_datagram();
  b[6] = 0x20, b[7] = 0;  // MF, offset 0
  auto r = Ipv4Repr::parse(b, false, why);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->more_fragments);
  EXPECT_TRUE(r->is_fragment());
  b[6] = 0x00, b[7] = 0x10;  // last fragment at offset 16 * 8
  r = Ipv4Repr::parse(b, false, why);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->frag_offset, 128);
  EXPECT_TRUE(r->is_fragment());
}

// --- ICMP ---

Bytes echo_request() {
  Bytes b = {0x08, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x07, 'p', 'i', 'n', 'g', '!'};
  be::store16(b.data() + 2, internet_checksum(b));
  return b;
}

TEST(Icmp, ParseAndEmitRoundTrip) {
  Bytes b = echo_request();
  IcmpError why{};
  auto r = IcmpRepr::parse(b, true, why);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, icmptype::kEchoRequest);
  EXPECT_EQ(r->echo_ident, 0x1234);
  EXPECT_EQ(r->echo_seq, 7);
  EXPECT_EQ(r->data.size(), 5u);
  Bytes out(r->length());
  ASSERT_TRUE(r->emit(out));
  EXPECT_EQ(out, b);
}

TEST(Icmp, TruncatedAtEveryOffsetIsRefused) {
  Bytes b = echo_request();
  for (size_t n = 0; n < IcmpView::kHeaderLen; n++) {
    IcmpError why{};
    EXPECT_FALSE(IcmpRepr::parse(std::span(b).first(n), false, why)) << n;
    EXPECT_EQ(why, IcmpError::kTruncated);
  }
  // Past the header, a shorter message fails its checksum (the data is covered).
  for (size_t n = IcmpView::kHeaderLen; n < b.size(); n++) {
    IcmpError why{};
    EXPECT_FALSE(IcmpRepr::parse(std::span(b).first(n), true, why)) << n;
    EXPECT_EQ(why, IcmpError::kBadChecksum);
  }
}

TEST(Icmp, FragmentationNeededCarriesNextHopMtu) {
  Bytes quoted = example_datagram();
  quoted.resize(28);
  IcmpRepr r;
  r.type = icmptype::kDestUnreachable;
  r.code = icmpunreach::kFragNeeded;
  r.next_hop_mtu = 1400;
  r.data = quoted;
  Bytes out(r.length());
  ASSERT_TRUE(r.emit(out));
  EXPECT_EQ(be::load16(out.data() + 6), 1400);
  IcmpError why{};
  auto p = IcmpRepr::parse(out, true, why);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->next_hop_mtu, 1400);
  EXPECT_EQ(Bytes(p->data.begin(), p->data.end()), quoted);
}

}  // namespace
}  // namespace sluice::stack
