// Scripted segments (packetdrill-style): crafted TcpReprs injected into one TcpLayer at chosen
// times, with the exact replies asserted. RFC 9293 3.10.7, RFC 5961, RFC 2018, RFC 5681 4.2.
#include "tests/stack/tcp/harness.h"

namespace sluice::stack::tcp::testing {
namespace {

constexpr uint16_t kPeerPort = 40000;

class Script : public ::testing::Test {
 protected:
  static TcpParams params() {
    TcpParams p = test_params();
    p.receive_buffer = 8192;  // small enough for the window to close in a script
    return p;
  }
  Script() : host(kIpB, params()) { host.now = now; }

  TcpRepr seg(uint8_t fl, uint32_t seq, uint32_t ack = 0, uint16_t port = 80) {
    TcpRepr h;
    h.src_port = kPeerPort;
    h.dst_port = port;
    h.flags = fl;
    h.seq = TcpSeq(seq);
    h.ack = TcpSeq(ack);
    h.window = 65535;
    return h;
  }
  // Injects and returns what the host sent in reply.
  std::vector<Captured> inject(const TcpRepr& h, std::string_view data = {}) {
    host.out.clear();
    BufChain p;
    if (!data.empty()) p.append_copy(data);
    host.layer.on_segment(now, kIpA, kIpB, h, std::move(p));
    auto r = std::move(host.out);
    host.out.clear();
    return r;
  }
  void advance(Duration d) {
    now = now + d;
    host.now = now;
    host.out.clear();
    host.layer.poll(now);
  }
  // LISTEN, then <SYN seq=1000> / <SYN,ACK> / <ACK>: ESTABLISHED with rcv_nxt 1001.
  SocketHandle establish() {
    host.layer.listen(0, 80, 8);
    TcpRepr syn = seg(flags::kSyn, 1000);
    syn.mss = 1460;
    auto r = inject(syn);
    EXPECT_EQ(r.size(), 1u);
    iss = r[0].hdr.seq.raw();
    EXPECT_EQ(r[0].hdr.flags, flags::kSyn | flags::kAck);
    EXPECT_EQ(r[0].hdr.ack.raw(), 1001u);
    EXPECT_TRUE(inject(seg(flags::kAck, 1001, iss + 1)).empty());
    EXPECT_EQ(host.accepted.size(), 1u);
    return host.accepted.back();
  }

  Instant now = Instant::from_micros(5'000'000);
  Host host;
  uint32_t iss = 0;
};

TEST_F(Script, Rfc9293ResetForSegmentsToAClosedPort) {
  // <SYN seq=1000> -> <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
  auto r = inject(seg(flags::kSyn, 1000, 0, 9));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].hdr.flags, flags::kRst | flags::kAck);
  EXPECT_EQ(r[0].hdr.seq.raw(), 0u);
  EXPECT_EQ(r[0].hdr.ack.raw(), 1001u);
  EXPECT_EQ(r[0].tuple.local_port, 9);
  EXPECT_EQ(r[0].tuple.remote_port, kPeerPort);
  // <ACK seq=77 ack=5555> -> <SEQ=SEG.ACK><CTL=RST>
  r = inject(seg(flags::kAck, 77, 5555, 9));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].hdr.flags, flags::kRst);
  EXPECT_EQ(r[0].hdr.seq.raw(), 5555u);
  // Data and FIN without ACK: SEG.LEN counts both.
  r = inject(seg(flags::kFin | flags::kPsh, 200, 0, 9), "0123456789");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].hdr.ack.raw(), 211u);
  // A RST is never answered.
  EXPECT_TRUE(inject(seg(flags::kRst, 1, 0, 9)).empty());
  EXPECT_EQ(host.layer.counters().no_socket_rsts, 3u);
}

TEST_F(Script, Rfc9293ListenAnswersAnAckWithReset) {
  host.layer.listen(0, 80, 8);
  auto r = inject(seg(flags::kAck, 5, 777));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].hdr.flags, flags::kRst);
  EXPECT_EQ(r[0].hdr.seq.raw(), 777u);
}

TEST_F(Script, Rfc5961ResetAcceptability) {
  SocketHandle h = establish();
  // Outside the window: silently dropped.
  EXPECT_TRUE(inject(seg(flags::kRst, 1001 + 70000)).empty());
  EXPECT_TRUE(inject(seg(flags::kRst, 900)).empty());
  EXPECT_EQ(host.layer.state(h), TcpState::kEstablished);
  // In the window but not RCV.NXT: challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
  auto r = inject(seg(flags::kRst, 1001 + 100));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].hdr.flags, flags::kAck);
  EXPECT_EQ(r[0].hdr.seq.raw(), iss + 1);
  EXPECT_EQ(r[0].hdr.ack.raw(), 1001u);
  EXPECT_EQ(host.layer.state(h), TcpState::kEstablished);
  // Exactly RCV.NXT: reset.
  EXPECT_TRUE(inject(seg(flags::kRst, 1001)).empty());
  EXPECT_EQ(host.layer.state(h), TcpState::kClosed);
  ASSERT_EQ(host.closed.size(), 1u);
  EXPECT_EQ(host.closed[0].second, CloseReason::kReset);
}

TEST_F(Script, Rfc5961SynInEstablishedDrawsChallengeAck) {
  SocketHandle h = establish();
  auto r = inject(seg(flags::kSyn, 1500));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].hdr.flags, flags::kAck);
  EXPECT_EQ(r[0].hdr.ack.raw(), 1001u);
  EXPECT_EQ(host.layer.state(h), TcpState::kEstablished);
  EXPECT_EQ(host.layer.counters().challenge_acks, 1u);
}

TEST_F(Script, Rfc9293OutOfOrderSegmentsBufferedAndDeliveredInOrder) {
  host.auto_read = false;
  SocketHandle h = establish();
  // Bytes 1001..1010 are missing; 1011..1020 and 1021..1030 arrive first.
  auto r = inject(seg(flags::kAck, 1021, iss + 1), "cccccccccc");
  ASSERT_EQ(r.size(), 1u);  // RFC 5681 4.2: immediate duplicate ACK
  EXPECT_EQ(r[0].hdr.ack.raw(), 1001u);
  r = inject(seg(flags::kAck, 1011, iss + 1), "bbbbbbbbbb");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].hdr.ack.raw(), 1001u);
  EXPECT_EQ(host.layer.readable(h), 0u);
  // An overlapping duplicate of queued bytes changes nothing.
  r = inject(seg(flags::kAck, 1015, iss + 1), "bbbbbbcccc");
  ASSERT_EQ(r.size(), 1u);
  // The hole is filled: everything is ACKed at once and readable in order.
  r = inject(seg(flags::kAck, 1001, iss + 1), "aaaaaaaaaa");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].hdr.ack.raw(), 1031u);
  BufChain got;
  host.layer.recv(h, got);
  EXPECT_EQ(got.to_string(), "aaaaaaaaaabbbbbbbbbbcccccccccc");
  EXPECT_GE(host.layer.counters().out_of_order_segments, 2u);
}

TEST_F(Script, Rfc2018SackBlocksDescribeQueuedData) {
  host.layer.listen(0, 80, 8);
  TcpRepr syn = seg(flags::kSyn, 1000);
  syn.mss = 1460;
  syn.sack_permitted = true;
  auto r = inject(syn);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].hdr.sack_permitted);
  iss = r[0].hdr.seq.raw();
  inject(seg(flags::kAck, 1001, iss + 1));
  r = inject(seg(flags::kAck, 1011, iss + 1), "bbbbbbbbbb");
  r = inject(seg(flags::kAck, 1031, iss + 1), "dddddddddd");
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(r[0].hdr.sack_count, 2);
  // RFC 2018 4: the block with the latest segment first.
  EXPECT_EQ(r[0].hdr.sack[0], (wire::TcpSackBlock{TcpSeq(1031), TcpSeq(1041)}));
  EXPECT_EQ(r[0].hdr.sack[1], (wire::TcpSackBlock{TcpSeq(1011), TcpSeq(1021)}));
}

TEST_F(Script, Rfc9293AckOfUnsentDataIsAnsweredAndDropped) {
  SocketHandle h = establish();
  host.auto_read = false;
  auto r = inject(seg(flags::kAck, 1001, iss + 1000), "data");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].hdr.ack.raw(), 1001u);  // the data was not taken
  EXPECT_EQ(host.layer.readable(h), 0u);
}

TEST_F(Script, Rfc9293SynReceivedRetransmitsSynAckOnDuplicateSyn) {
  host.layer.listen(0, 80, 8);
  auto r1 = inject(seg(flags::kSyn, 1000));
  auto r2 = inject(seg(flags::kSyn, 1000));
  ASSERT_EQ(r2.size(), 1u);
  EXPECT_EQ(r2[0].hdr.flags, flags::kSyn | flags::kAck);
  EXPECT_EQ(r2[0].hdr.seq, r1[0].hdr.seq);
  // And on silence, RFC 6298: SYN-ACK again after the initial RTO.
  advance(Duration::seconds(1));
  ASSERT_EQ(host.out.size(), 1u);
  EXPECT_EQ(host.out[0].hdr.flags, flags::kSyn | flags::kAck);
}

TEST_F(Script, Rfc9293ZeroWindowProbeIsAckedWithoutTakingData) {
  host.auto_read = false;
  SocketHandle h = establish();
  // Fill the 8 KiB window.
  std::string chunk(1460, 'x');
  uint32_t seq = 1001;
  size_t total = 0;
  while (total + chunk.size() <= 8192) {
    inject(seg(flags::kAck, seq, iss + 1), chunk);
    seq += chunk.size();
    total += chunk.size();
  }
  std::string rest(8192 - total, 'y');
  inject(seg(flags::kAck, seq, iss + 1), rest);
  seq += rest.size();
  EXPECT_EQ(host.layer.readable(h), 8192u);
  auto r = std::vector<Captured>{};
  // A one-byte probe: ACKed, not taken.
  r = inject(seg(flags::kAck, seq, iss + 1), "z");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].hdr.ack.raw(), seq);
  EXPECT_EQ(r[0].hdr.window, 0);
  // Reading opens the window and announces it.
  host.out.clear();
  BufChain got;
  host.layer.recv(h, got, 5000);
  ASSERT_EQ(host.out.size(), 1u);
  EXPECT_EQ(host.out[0].hdr.window, 5000);
}

}  // namespace
}  // namespace sluice::stack::tcp::testing
