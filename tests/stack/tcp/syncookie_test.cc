// SYN cookies (RFC 4987 3.6): past syn_backlog a listener answers SYNs without state, keeps MSS,
// window scale and SACK-permitted in the cookie (the last two in the TSval's low bits), builds
// the connection from a valid final ACK and rejects forged ones.
#include "stack/tcp/syncookie.h"
#include "tests/stack/tcp/harness.h"

namespace sluice::stack::tcp::testing {
namespace {

class Cookies : public ::testing::Test {
 protected:
  static TcpParams params() {
    TcpParams p = test_params();
    p.syn_backlog = 4;
    return p;
  }
  Cookies() : host(kIpB, params()) {
    host.now = now;
    host.layer.listen(0, 80, 64);
  }
  TcpRepr seg(uint8_t fl, uint32_t seq, uint32_t ack, uint16_t port) {
    TcpRepr h;
    h.src_port = port;
    h.dst_port = 80;
    h.flags = fl;
    h.seq = TcpSeq(seq);
    h.ack = TcpSeq(ack);
    h.window = 1000;
    return h;
  }
  std::vector<Captured> inject(const TcpRepr& h, std::string_view data = {}) {
    host.out.clear();
    BufChain p;
    if (!data.empty()) p.append_copy(data);
    host.layer.on_segment(now, kIpA, kIpB, h, std::move(p));
    auto r = std::move(host.out);
    host.out.clear();
    return r;
  }
  // A SYN with every option, as Linux sends it.
  TcpRepr full_syn(uint16_t port, uint32_t isn) {
    TcpRepr syn = seg(flags::kSyn, isn, 0, port);
    syn.mss = 1460;
    syn.window_scale = 7;
    syn.sack_permitted = true;
    syn.timestamps = wire::TcpTimestamps{5555, 0};
    syn.window = 64240;
    return syn;
  }
  // Fills the SYN backlog with half-open connections from ports 1000...
  void flood() {
    for (uint16_t i = 0; i < 4; ++i) ASSERT_EQ(inject(full_syn(1000 + i, 7 * i)).size(), 1u);
    ASSERT_EQ(host.layer.connection_count(), 4u);
  }

  Instant now = Instant::from_micros(300'000'000);
  Host host;
};

TEST_F(Cookies, Rfc4987FloodPastBacklogThenAValidClientCompletesViaCookie) {
  flood();
  EXPECT_EQ(host.layer.counters().syn_cookies_sent, 0u);
  // The fifth SYN: a SYN-ACK without a TCB.
  auto r = inject(full_syn(2000, 100000));
  ASSERT_EQ(r.size(), 1u);
  const TcpRepr& sa = r[0].hdr;
  EXPECT_EQ(sa.flags, flags::kSyn | flags::kAck);
  EXPECT_EQ(sa.ack.raw(), 100001u);
  EXPECT_EQ(sa.mss, 1460);
  EXPECT_TRUE(sa.window_scale.has_value());
  EXPECT_TRUE(sa.sack_permitted);
  ASSERT_TRUE(sa.timestamps.has_value());
  EXPECT_EQ(sa.timestamps->tsecr, 5555u);
  // Window scale 7 and SACK in the low 6 bits of TSval.
  EXPECT_EQ(sa.timestamps->tsval & 0x3f, 7u | 0x10u);
  // The cookie's MSS index is 1460's (the last of the table), in bits 24-26.
  EXPECT_EQ((sa.seq.raw() >> 24) & 7, 7u);
  EXPECT_EQ(host.layer.connection_count(), 4u);
  EXPECT_EQ(host.layer.counters().syn_cookies_sent, 1u);
  // The final ACK, with the first request bytes, echoing the SYN-ACK's TSval.
  now = now + Duration::millis(20);
  TcpRepr ack = seg(flags::kAck | flags::kPsh, 100001, sa.seq.raw() + 1, 2000);
  ack.timestamps = wire::TcpTimestamps{5575, sa.timestamps->tsval};
  ack.window = 502;  // scaled by 2^7
  auto reply = inject(ack, "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(host.layer.counters().syn_cookies_accepted, 1u);
  ASSERT_EQ(host.accepted.size(), 1u);
  SocketHandle h = host.accepted.back();
  EXPECT_EQ(host.layer.state(h), TcpState::kEstablished);
  EXPECT_EQ(host.received.to_string(), "GET / HTTP/1.1\r\n\r\n");
  const Tcb& t = *host.layer.tcb(h);
  EXPECT_EQ(t.peer_mss, 1460);
  EXPECT_TRUE(t.ws_ok);
  EXPECT_EQ(t.snd_wscale, 7);
  EXPECT_EQ(t.snd_wnd, 502u << 7);
  EXPECT_TRUE(t.sack_ok);
  EXPECT_TRUE(t.ts_ok);
  EXPECT_EQ(t.iss.raw(), sa.seq.raw());
  // The server answers as on any connection.
  BufChain resp;
  resp.append_copy("HTTP/1.1 200 OK\r\n\r\n");
  host.out.clear();
  host.layer.send(h, resp);
  ASSERT_EQ(host.out.size(), 1u);
  EXPECT_EQ(host.out[0].hdr.seq.raw(), sa.seq.raw() + 1);
  EXPECT_EQ(host.out[0].hdr.ack.raw(), 100001u + 18);
}

TEST_F(Cookies, Rfc4987ForgedOrStaleAcksAreRejected) {
  flood();
  auto r = inject(full_syn(2000, 100000));
  ASSERT_EQ(r.size(), 1u);
  const TcpRepr sa = r[0].hdr;
  auto ack_with = [&](uint32_t seq, uint32_t ack, uint32_t tsecr) {
    TcpRepr a = seg(flags::kAck, seq, ack, 2000);
    a.timestamps = wire::TcpTimestamps{5575, tsecr};
    return a;
  };
  // A guessed cookie: RST (RFC 9293 3.10.7.2), no connection.
  auto reply = inject(ack_with(100001, sa.seq.raw() + 2, sa.timestamps->tsval));
  ASSERT_EQ(reply.size(), 1u);
  EXPECT_EQ(reply[0].hdr.flags, flags::kRst);
  EXPECT_EQ(host.layer.counters().syn_cookies_rejected, 1u);
  // The right cookie with a different client ISN (the hash covers it).
  inject(ack_with(100002, sa.seq.raw() + 1, sa.timestamps->tsval));
  // The right cookie with option bits changed in the echo (claims window scale 14).
  inject(ack_with(100001, sa.seq.raw() + 1, (sa.timestamps->tsval & ~0x3fu) | 14u | 0x10u));
  // The right cookie from another port.
  TcpRepr other = ack_with(100001, sa.seq.raw() + 1, sa.timestamps->tsval);
  other.src_port = 2001;
  inject(other);
  EXPECT_EQ(host.layer.counters().syn_cookies_rejected, 4u);
  EXPECT_EQ(host.layer.counters().syn_cookies_accepted, 0u);
  EXPECT_EQ(host.layer.connection_count(), 4u);
  // Too old: more than two 64-second periods later (while cookies are still being sent).
  now = now + Duration::seconds(130);
  ASSERT_EQ(inject(full_syn(4000, 1)).size(), 1u);
  EXPECT_EQ(host.layer.counters().syn_cookies_sent, 2u);
  inject(ack_with(100001, sa.seq.raw() + 1, sa.timestamps->tsval));
  EXPECT_EQ(host.layer.counters().syn_cookies_rejected, 5u);
  EXPECT_TRUE(host.accepted.empty());
}

TEST_F(Cookies, Rfc4987WithoutTimestampsOnlyTheMssSurvives) {
  flood();
  TcpRepr syn = seg(flags::kSyn, 9000, 0, 3000);
  syn.mss = 1400;
  syn.window_scale = 7;
  syn.sack_permitted = true;
  auto r = inject(syn);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].hdr.window_scale.has_value());
  EXPECT_FALSE(r[0].hdr.sack_permitted);
  EXPECT_FALSE(r[0].hdr.timestamps.has_value());
  inject(seg(flags::kAck, 9001, r[0].hdr.seq.raw() + 1, 3000));
  ASSERT_EQ(host.accepted.size(), 1u);
  const Tcb& t = *host.layer.tcb(host.accepted.back());
  EXPECT_EQ(t.peer_mss, 1400);
  EXPECT_FALSE(t.ws_ok);
  EXPECT_FALSE(t.sack_ok);
  EXPECT_EQ(t.snd_wnd, 1000u);
}

TEST_F(Cookies, DisabledCookiesDropSynsPastTheBacklog) {
  TcpParams p = params();
  p.syn_cookies = false;
  Host plain(kIpB, p);
  plain.layer.listen(0, 80, 64);
  for (uint16_t i = 0; i < 5; ++i) {
    TcpRepr syn = full_syn(1000 + i, i);
    plain.layer.on_segment(now, kIpA, kIpB, syn, {});
  }
  EXPECT_EQ(plain.out.size(), 4u);
  EXPECT_EQ(plain.layer.counters().syn_drops, 1u);
  EXPECT_EQ(plain.layer.counters().syn_cookies_sent, 0u);
}

TEST(SynCookies, TsvalEncodingNeverRunsAhead) {
  EXPECT_EQ(SynCookies::encode_tsval(1000, 0x17), (1000u & ~0x3fu) | 0x17u);   // 983 <= 1000
  EXPECT_EQ(SynCookies::encode_tsval(1000, 0x2f), (1000u & ~0x3fu) - 64 + 0x2f);
  EXPECT_EQ(SynCookies::mss_index(1460), 7);
  EXPECT_EQ(SynCookies::mss_index(1459), 6);
  EXPECT_EQ(SynCookies::mss_index(100), 0);
}

}  // namespace
}  // namespace sluice::stack::tcp::testing
