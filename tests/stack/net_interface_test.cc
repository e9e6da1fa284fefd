// The interface end to end: raw frames in, frames out. Two interfaces joined by in-memory sinks
// ping each other through ARP resolution; the TCP hook gets exactly its payload.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "stack/netif/net_interface.h"
#include "stack/wire/checksum.h"
#include "tests/stack/test_util.h"

namespace sluice::stack {
namespace {

using Bytes = std::vector<uint8_t>;
const MacAddr kMacA{{2, 0, 0, 0, 0, 0xa}};
const MacAddr kMacB{{2, 0, 0, 0, 0, 0xb}};
const uint32_t kIpA = ipv4(10, 0, 0, 1);
const uint32_t kIpB = ipv4(10, 0, 0, 2);
const uint32_t kGateway = ipv4(10, 0, 0, 254);
const Instant t0 = Instant::from_micros(5'000'000);
Instant at(double s) { return t0 + Duration::micros(int64_t(s * 1e6)); }

NetInterfaceConfig config(MacAddr mac, uint32_t ip) {
  NetInterfaceConfig c;
  c.mac = mac;
  c.address = ip;
  c.prefix_len = 24;
  c.gateway = kGateway;
  c.pool = test::pool();
  return c;
}

Bytes echo_request(uint16_t seq, size_t data_len = 32) {
  IcmpRepr r;
  r.type = icmptype::kEchoRequest;
  r.echo_ident = 77;
  r.echo_seq = seq;
  Bytes data(data_len, 0x61);
  r.data = data;
  Bytes b(r.length());
  r.emit(b);
  return b;
}

Bytes frame(MacAddr dst, MacAddr src, uint16_t type, const Bytes& payload) {
  Bytes b(14);
  EthernetRepr{dst, src, type}.emit(b);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes ip_datagram(uint32_t src, uint32_t dst, uint8_t proto, const Bytes& payload) {
  Ipv4Repr r;
  r.src = src;
  r.dst = dst;
  r.protocol = proto;
  r.payload_len = uint16_t(payload.size());
  Bytes b(20);
  r.emit(b, true);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

struct RecordingHandler : Ipv4Handler {
  void on_ipv4(Instant, const Ipv4Repr& ip, Packet payload) override {
    headers.push_back(ip);
    payloads.push_back(test::bytes_of(payload));
  }
  void on_icmp_error(Instant, const Ipv4Repr&, const IcmpRepr& icmp) override { errors.push_back(icmp.code); }
  std::vector<Ipv4Repr> headers;
  std::vector<Bytes> payloads;
  std::vector<uint8_t> errors;
};

class NetInterfaceTest : public test::PoolTest {
 protected:
  test::CaptureSink sink_a, sink_b;
  std::unique_ptr<NetInterface> a, b;
  void SetUp() override {
    a = std::make_unique<NetInterface>(config(kMacA, kIpA), sink_a);
    b = std::make_unique<NetInterface>(config(kMacB, kIpB), sink_b);
  }
  // Carries frames both ways until the link is quiet; returns how many crossed.
  int pump(Instant now) {
    int n = 0;
    for (bool moved = true; moved;) {
      moved = false;
      for (Packet& f : sink_a.take()) { b->receive(now, std::move(f)); n++; moved = true; }
      for (Packet& f : sink_b.take()) { a->receive(now, std::move(f)); n++; moved = true; }
    }
    return n;
  }
  void receive_b(const Bytes& f) { b->receive(t0, test::packet_of(f)); }
};

TEST_F(NetInterfaceTest, PingAcrossTwoInterfacesResolvesArpFirst) {
  ASSERT_TRUE(a->send_ipv4(t0, kIpB, ipproto::kIcmp, test::packet_of(echo_request(1))));
  ASSERT_EQ(sink_a.frames.size(), 1u) << "only the ARP request: the ping waits";
  Bytes arp = test::bytes_of(sink_a.frames[0]);
  EXPECT_EQ(arp.size(), 60u) << "padded to the Ethernet minimum";
  EXPECT_EQ(be::load16(arp.data() + 12), ethertype::kArp);
  // ARP request, ARP reply, echo request, echo reply.
  EXPECT_EQ(pump(t0), 4);
  EXPECT_EQ(a->arp_counters().resolved, 1u);
  EXPECT_EQ(b->arp_counters().learned, 1u) << "B learned A from the request (RFC 826)";
  EXPECT_EQ(b->icmp_counters().tx_echo_replies, 1u);
  EXPECT_EQ(a->icmp_counters().rx_echo_replies, 1u);
  // Second ping: no ARP on either side.
  ASSERT_TRUE(a->send_ipv4(at(1), kIpB, ipproto::kIcmp, test::packet_of(echo_request(2))));
  EXPECT_EQ(pump(at(1)), 2);
  EXPECT_EQ(a->icmp_counters().rx_echo_replies, 2u);
  EXPECT_EQ(a->link_counters().tx_frames, 3u);
  EXPECT_EQ(b->link_counters().rx_frames, 3u);
}

TEST_F(NetInterfaceTest, EchoReplyFrameBytesAreExact) {
  // Teach B where A is, then send B a raw echo request.
  receive_b(frame(kMacB, kMacA, ethertype::kArp, [] {
    Bytes p(28);
    ArpRepr{ArpOp::kRequest, kMacA, kIpA, MacAddr{}, kIpB}.emit(p);
    return p;
  }()));
  sink_b.frames.clear();
  Bytes req = ip_datagram(kIpA, kIpB, ipproto::kIcmp, echo_request(5, 20));
  receive_b(frame(kMacB, kMacA, ethertype::kIpv4, req));
  ASSERT_EQ(sink_b.frames.size(), 1u);
  Bytes out = test::bytes_of(sink_b.frames[0]);
  ASSERT_EQ(out.size(), 14u + 20 + 28);
  EXPECT_EQ(MacAddr::from(out.data()), kMacA);
  EXPECT_EQ(MacAddr::from(out.data() + 6), kMacB);
  Ipv4Error why{};
  auto ip = Ipv4Repr::parse(std::span(out).subspan(14), true, why);
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->src, kIpB);
  EXPECT_EQ(ip->dst, kIpA);
  EXPECT_EQ(ip->protocol, ipproto::kIcmp);
  Bytes icmp(out.begin() + 34, out.end());
  Bytes expect = echo_request(5, 20);
  expect[0] = icmptype::kEchoReply;
  be::store16(expect.data() + 2, 0);
  be::store16(expect.data() + 2, internet_checksum(expect));
  EXPECT_EQ(icmp, expect);
}

TEST_F(NetInterfaceTest, TcpHandlerGetsExactlyThePayload) {
  RecordingHandler h;
  b->set_handler(ipproto::kTcp, &h);
  Bytes seg(40, 0x33);
  ASSERT_TRUE(a->send_ipv4(t0, kIpB, ipproto::kTcp, test::packet_of(seg)));
  pump(t0);
  ASSERT_EQ(h.payloads.size(), 1u);
  EXPECT_EQ(h.payloads[0], seg);
  EXPECT_EQ(h.headers[0].src, kIpA);
  EXPECT_EQ(h.headers[0].payload_len, 40);
}

TEST_F(NetInterfaceTest, PaddedShortFrameReachesTcpTrimmed) {
  RecordingHandler h;
  b->set_handler(ipproto::kTcp, &h);
  Bytes f = frame(kMacB, kMacA, ethertype::kIpv4, ip_datagram(kIpA, kIpB, ipproto::kTcp, Bytes(4, 9)));
  f.resize(60, 0);
  receive_b(f);
  ASSERT_EQ(h.payloads.size(), 1u);
  EXPECT_EQ(h.payloads[0], Bytes(4, 9));
}

TEST_F(NetInterfaceTest, Rfc1122TcpNeverSeesBroadcast) {
  RecordingHandler h;
  b->set_handler(ipproto::kTcp, &h);
  receive_b(frame(MacAddr::broadcast(), kMacA, ethertype::kIpv4, ip_datagram(kIpA, 0xffffffffu, ipproto::kTcp, Bytes(20))));
  EXPECT_TRUE(h.payloads.empty());
  EXPECT_EQ(b->link_counters().drop_broadcast_tcp, 1u);
}

TEST_F(NetInterfaceTest, UnknownProtocolIsCounted) {
  receive_b(frame(kMacB, kMacA, ethertype::kIpv4, ip_datagram(kIpA, kIpB, ipproto::kUdp, Bytes(8))));
  EXPECT_EQ(b->ipv4_counters().drop_unknown_protocol, 1u);
}

TEST_F(NetInterfaceTest, LinkLevelDropsByReason) {
  Bytes ip = ip_datagram(kIpA, kIpB, ipproto::kIcmp, echo_request(1));
  receive_b(frame(MacAddr{{2, 0, 0, 0, 0, 0xc}}, kMacA, ethertype::kIpv4, ip));
  receive_b(frame(MacAddr{{1, 0, 0x5e, 0, 0, 1}}, kMacA, ethertype::kIpv4, ip));
  EXPECT_EQ(b->link_counters().drop_not_for_us, 2u);
  Bytes tagged = frame(kMacB, kMacA, ethertype::kVlan, Bytes{0, 5, 0x08, 0x00});
  tagged.insert(tagged.end(), ip.begin(), ip.end());
  receive_b(tagged);
  EXPECT_EQ(b->link_counters().drop_vlan, 1u);
  receive_b(frame(kMacB, kMacA, ethertype::kIpv6, Bytes(40)));
  EXPECT_EQ(b->link_counters().drop_unknown_ethertype, 1u);
  Bytes f = frame(kMacB, kMacA, ethertype::kIpv4, ip);
  for (size_t n = 0; n < 14; n++) receive_b(Bytes(f.begin(), f.begin() + n));
  EXPECT_EQ(b->link_counters().drop_truncated, 14u);
  // Every truncation of the IPv4 part is counted by IPv4, never read past.
  for (size_t n = 14; n < f.size(); n++) receive_b(Bytes(f.begin(), f.begin() + n));
  EXPECT_EQ(b->ipv4_counters().drop_truncated, 20u);
  EXPECT_EQ(b->ipv4_counters().drop_bad_total_len, f.size() - 34);
  EXPECT_TRUE(sink_b.frames.empty());
}

TEST_F(NetInterfaceTest, MalformedArpIsCountedByReason) {
  Bytes arp(28);
  ArpRepr{ArpOp::kRequest, kMacA, kIpA, MacAddr{}, kIpB}.emit(arp);
  for (size_t n = 0; n < 28; n++)
    receive_b(frame(MacAddr::broadcast(), kMacA, ethertype::kArp, Bytes(arp.begin(), arp.begin() + n)));
  EXPECT_EQ(b->arp_counters().drop_truncated, 28u);
  arp[7] = 9;
  receive_b(frame(MacAddr::broadcast(), kMacA, ethertype::kArp, arp));
  EXPECT_EQ(b->arp_counters().drop_bad_operation, 1u);
  EXPECT_TRUE(sink_b.frames.empty());
}

TEST_F(NetInterfaceTest, MultiSegmentFramesAreDropped) {
  Packet p = test::packet_of(frame(kMacB, kMacA, ethertype::kIpv4, ip_datagram(kIpA, kIpB, ipproto::kIcmp, echo_request(1))));
  ASSERT_EQ(rte_pktmbuf_chain(p.get(), test::packet_of(Bytes(4)).release()), 0);
  b->receive(t0, std::move(p));
  EXPECT_EQ(b->link_counters().drop_multi_segment, 1u);
}

TEST_F(NetInterfaceTest, Rfc5227AnnouncementAtStart) {
  a->start(t0);
  ASSERT_EQ(sink_a.frames.size(), 1u);
  Bytes f = test::bytes_of(sink_a.frames[0]);
  ASSERT_EQ(f.size(), 60u);
  Bytes expect(60, 0);
  EthernetRepr{MacAddr::broadcast(), kMacA, ethertype::kArp}.emit(expect);
  ArpRepr{ArpOp::kRequest, kMacA, kIpA, MacAddr{}, kIpA}.emit(std::span(expect).subspan(14));
  EXPECT_EQ(f, expect);
  EXPECT_EQ(a->next_deadline(), at(2));
  a->poll(at(2));
  EXPECT_EQ(sink_a.frames.size(), 2u);
}

TEST_F(NetInterfaceTest, OffLinkDestinationsGoThroughTheGateway) {
  ASSERT_TRUE(a->send_ipv4(t0, ipv4(93, 184, 216, 34), ipproto::kTcp, test::packet_of(Bytes(20))));
  ASSERT_EQ(sink_a.frames.size(), 1u);
  Bytes arp = test::bytes_of(sink_a.frames[0]);
  EXPECT_EQ(be::load32(arp.data() + 14 + ArpView::kTpa), kGateway);
}

TEST_F(NetInterfaceTest, NoRouteIsRefused) {
  NetInterfaceConfig c = config(kMacA, kIpA);
  c.gateway.reset();
  test::CaptureSink sink;
  NetInterface n(c, sink);
  EXPECT_FALSE(n.send_ipv4(t0, ipv4(8, 8, 8, 8), ipproto::kTcp, test::packet_of(Bytes(20))));
  EXPECT_EQ(n.ipv4_counters().drop_no_route, 1u);
  EXPECT_TRUE(sink.frames.empty());
}

TEST_F(NetInterfaceTest, UnresolvedNextHopDropsHeldPacketsAfterRetries) {
  for (int i = 0; i < 3; i++) a->send_ipv4(t0, ipv4(10, 0, 0, 9), ipproto::kTcp, test::packet_of(Bytes(20)));
  EXPECT_EQ(sink_a.frames.size(), 1u);
  for (int s = 1; s <= 3; s++) a->poll(at(s));
  EXPECT_EQ(sink_a.frames.size(), 3u) << "three requests, then give up";
  EXPECT_EQ(a->arp_counters().drop_unresolved, 3u);
  EXPECT_EQ(a->next_deadline(), Instant::never());
}

TEST_F(NetInterfaceTest, ChecksumOffloadSetsFlagsAndLengths) {
  NetInterfaceConfig c = config(kMacA, kIpA);
  c.offloads.tx_ipv4_checksum = true;
  test::CaptureSink sink;
  NetInterface n(c, sink);
  // Learn B first so the datagram goes straight out.
  Bytes arp(28);
  ArpRepr{ArpOp::kRequest, kMacB, kIpB, MacAddr{}, kIpA}.emit(arp);
  n.receive(t0, test::packet_of(frame(kMacA, kMacB, ethertype::kArp, arp)));
  sink.frames.clear();
  ASSERT_TRUE(n.send_ipv4(t0, kIpB, ipproto::kTcp, test::packet_of(Bytes(20))));
  ASSERT_EQ(sink.frames.size(), 1u);
  const Packet& f = sink.frames[0];
  EXPECT_EQ(f->l2_len, 14u);
  EXPECT_EQ(f->l3_len, 20u);
  EXPECT_TRUE(f->ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
  EXPECT_EQ(be::load16(f.data() + 14 + 10), 0);
}

TEST_F(NetInterfaceTest, IcmpErrorsReachTheProtocolThatSentTheQuotedDatagram) {
  RecordingHandler h;
  b->set_handler(ipproto::kTcp, &h);
  Bytes quoted = ip_datagram(kIpB, ipv4(10, 0, 0, 50), ipproto::kTcp, Bytes(8, 1));
  IcmpRepr r;
  r.type = icmptype::kDestUnreachable;
  r.code = icmpunreach::kFragNeeded;
  r.next_hop_mtu = 1400;
  r.data = quoted;
  Bytes icmp(r.length());
  r.emit(icmp);
  receive_b(frame(kMacB, kMacA, ethertype::kIpv4, ip_datagram(kGateway, kIpB, ipproto::kIcmp, icmp)));
  ASSERT_EQ(h.errors.size(), 1u);
  EXPECT_EQ(h.errors[0], icmpunreach::kFragNeeded);
  // Quoting a datagram that someone else sent: not ours.
  Bytes other = ip_datagram(ipv4(10, 0, 0, 77), kIpB, ipproto::kTcp, Bytes(8, 1));
  r.data = other;
  r.emit(icmp);
  receive_b(frame(kMacB, kMacA, ethertype::kIpv4, ip_datagram(kGateway, kIpB, ipproto::kIcmp, icmp)));
  EXPECT_EQ(h.errors.size(), 1u);
  EXPECT_EQ(b->link_counters().drop_icmp_error_unmatched, 1u);
}

// Deterministic junk: valid frames with random bytes changed and random lengths. Nothing may crash,
// read out of bounds (run under ASan) or leak an mbuf (the fixture checks the pool).
TEST_F(NetInterfaceTest, MutatedFramesNeverCrashOrLeak) {
  RecordingHandler h;
  b->set_handler(ipproto::kTcp, &h);
  Bytes arp(28);
  ArpRepr{ArpOp::kRequest, kMacA, kIpA, MacAddr{}, kIpB}.emit(arp);
  const std::vector<Bytes> seeds = {
      frame(MacAddr::broadcast(), kMacA, ethertype::kArp, arp),
      frame(kMacB, kMacA, ethertype::kIpv4, ip_datagram(kIpA, kIpB, ipproto::kIcmp, echo_request(3))),
      frame(kMacB, kMacA, ethertype::kIpv4, ip_datagram(kIpA, kIpB, ipproto::kTcp, Bytes(40, 7))),
  };
  std::mt19937 rng(1234);
  for (int i = 0; i < 20000; i++) {
    Bytes f = seeds[rng() % seeds.size()];
    for (int k = rng() % 4; k > 0; k--) f[14 + rng() % (f.size() - 14)] = uint8_t(rng());
    if (rng() % 3 == 0) f.resize(rng() % (f.size() + 1));
    b->receive(at(i * 0.001), test::packet_of(f));
    b->poll(at(i * 0.001));
    sink_b.frames.clear();
  }
  h.headers.clear();
  SUCCEED() << h.payloads.size() << " delivered";
}

TEST_F(NetInterfaceTest, CountersArePrintableByName) {
  a->start(t0);
  std::map<std::string, uint64_t> all;
  a->for_each_counter([&](const char* n, uint64_t v) { all[n] = v; });
  EXPECT_EQ(all["link.tx_frames"], 1u);
  EXPECT_EQ(all["arp.tx_announcements"], 1u);
  EXPECT_TRUE(all.count("ipv4.drop_bad_checksum"));
  EXPECT_TRUE(all.count("icmp.tx_echo_replies"));
}

}  // namespace
}  // namespace sluice::stack
