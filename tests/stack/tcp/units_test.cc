// The TCP building blocks: sequence arithmetic (RFC 9293 3.4), RTO (RFC 6298), NewReno
// (RFC 5681 / RFC 6582), the receive queue (RFC 9293 3.10.7.4), ISNs (RFC 6528).
#include <gtest/gtest.h>

#include "stack/tcp/congestion.h"
#include "stack/tcp/isn.h"
#include "stack/tcp/recv_buffer.h"
#include "stack/tcp/rtt.h"
#include "stack/tcp/send_buffer.h"
#include "stack/tcp/seq.h"

namespace sluice::stack::tcp {
namespace {

TEST(TcpSeq, Rfc9293ModularComparisonAcrossWrap) {
  TcpSeq a(0xfffffff0u), b(0x10u);
  EXPECT_TRUE(a < b);
  EXPECT_TRUE(b > a);
  EXPECT_EQ(b - a, 0x20);
  EXPECT_EQ(a + 0x20u, b);
  EXPECT_TRUE(seq_in(TcpSeq(0), a, b));
  EXPECT_FALSE(seq_in(b, a, b));
  EXPECT_EQ(seq_max(a, b), b);
}

TEST(TcpRtt, Rfc6298EstimatorAndBackoff) {
  RttEstimator r(Duration::seconds(1), Duration::millis(200), Duration::seconds(60));
  EXPECT_EQ(r.rto(), Duration::seconds(1));  // 2.1
  r.sample(Duration::millis(100));            // 2.2: SRTT 100, RTTVAR 50, RTO 300
  EXPECT_EQ(r.srtt(), Duration::millis(100));
  EXPECT_EQ(r.rto(), Duration::millis(300));
  r.sample(Duration::millis(100));            // 2.3: RTTVAR 37.5, RTO 250
  EXPECT_EQ(r.rto(), Duration::micros(250000));
  r.backoff();
  EXPECT_EQ(r.rto(), Duration::micros(500000));
  for (int i = 0; i < 20; ++i) r.backoff();
  EXPECT_EQ(r.rto(), Duration::seconds(60));  // 2.5
  RttEstimator fast(Duration::seconds(1), Duration::millis(200), Duration::seconds(60));
  fast.sample(Duration::millis(1));
  EXPECT_EQ(fast.rto(), Duration::millis(200));  // 2.4 minimum
}

TEST(TcpCongestion, Rfc5681SlowStartAvoidanceAndRecovery) {
  NewReno cc(1000, 10);
  EXPECT_EQ(cc.cwnd(), 10000u);
  cc.on_ack({}, 1000, 10000);
  EXPECT_EQ(cc.cwnd(), 11000u);
  cc.on_loss({}, 20000);                      // ssthresh 10000, cwnd 13000
  EXPECT_EQ(cc.ssthresh(), 10000u);
  EXPECT_EQ(cc.cwnd(), 13000u);
  cc.on_recovery_dupack();
  EXPECT_EQ(cc.cwnd(), 14000u);
  cc.on_recovery_exit(5000);
  EXPECT_EQ(cc.cwnd(), 6000u);                // min(ssthresh, flight + SMSS)
  cc.on_rto({}, 8000);
  EXPECT_EQ(cc.cwnd(), 1000u);
  EXPECT_EQ(cc.ssthresh(), 4000u);
}

// RFC 3465 2.1: slow start counts every byte an ACK delivers, also when it covers the segments of
// ACKs that were lost or overtaken (no per-ACK limit L); RFC 7661: a flight below half of cwnd
// does not grow it.
TEST(TcpCongestion, Rfc3465SlowStartCountsEveryDeliveredByteWhileCwndLimited) {
  NewReno cc(1000, 10);
  cc.on_ack({}, 5000, 10000);
  EXPECT_EQ(cc.cwnd(), 15000u);
  EXPECT_TRUE(cc.cwnd_limited(7500));
  EXPECT_FALSE(cc.cwnd_limited(7499));
}

TEST(TcpReceiveBuffer, Rfc9293OverlapsMergedAndDrainedInOrder) {
  ReceiveBuffer rb(1 << 16, 8);
  TcpSeq nxt(100);
  auto chain = [](std::string_view s) { BufChain c; c.append_copy(s); return c; };
  EXPECT_EQ(rb.insert(nxt, TcpSeq(110), chain("KKKKKLLLLL")).new_bytes, 10u);
  EXPECT_EQ(rb.insert(nxt, TcpSeq(105), chain("fffffKKKKKLLLLLmmmmm")).new_bytes, 10u);
  EXPECT_EQ(rb.insert(nxt, TcpSeq(112), chain("xx")).new_bytes, 0u);  // duplicate
  EXPECT_EQ(rb.out_of_order_bytes(), 20u);
  wire::TcpSackBlock blocks[4];
  ASSERT_EQ(rb.sack_blocks(blocks, 4), 1u);
  EXPECT_EQ(blocks[0], (wire::TcpSackBlock{TcpSeq(105), TcpSeq(125)}));
  rb.push(chain("aaaaa"));
  nxt = nxt + 5;
  rb.drain(nxt);
  EXPECT_EQ(nxt, TcpSeq(125));
  BufChain out;
  rb.read(out, SIZE_MAX);
  EXPECT_EQ(out.to_string(), "aaaaafffffKKKKKLLLLLmmmmm");
}

// An in-order segment that covers the front of a queued block (the sender resegmented its
// retransmission): RCV.NXT moves to the block's end, and its shared front is delivered once.
// (RCV.NXT was taken after the front was dropped: it fell behind the bytes delivered, and the
// next retransmission was delivered twice.)
TEST(TcpReceiveBuffer, Rfc9293SegmentCoveringTheFrontOfAQueuedBlockDeliversItOnce) {
  ReceiveBuffer rb(1 << 16, 8);
  TcpSeq nxt(100);
  auto chain = [](std::string_view s) { BufChain c; c.append_copy(s); return c; };
  EXPECT_EQ(rb.insert(nxt, TcpSeq(105), chain("bbbbbccccc")).new_bytes, 10u);
  rb.push(chain("aaaaabbbbb"));  // [100, 110): the block's front [105, 110) again
  nxt = nxt + 10;
  rb.drain(nxt);
  EXPECT_EQ(nxt, TcpSeq(115));
  EXPECT_EQ(rb.readable(), 15u);
  BufChain out;
  rb.read(out, SIZE_MAX);
  EXPECT_EQ(out.to_string(), "aaaaabbbbbccccc");
}

TEST(TcpReceiveBuffer, OutOfOrderQueueIsBounded) {
  ReceiveBuffer rb(1 << 16, 2);
  TcpSeq nxt(0);
  for (uint32_t i = 1; i <= 4; ++i) {
    BufChain c;
    c.append_copy("x");
    rb.insert(nxt, TcpSeq(10 * i), std::move(c));
  }
  EXPECT_EQ(rb.out_of_order_bytes(), 2u);
}

TEST(TcpSendBuffer, RangesAreSubSlicesBySequenceOffset) {
  SendBuffer sb(10);
  BufChain in;
  in.append_copy("hello");
  in.append_copy("world!!");
  EXPECT_EQ(sb.push(in), 10u);
  EXPECT_EQ(in.to_string(), "!!");
  EXPECT_EQ(sb.range(3, 5).to_string(), "lowor");
  sb.ack(4);
  EXPECT_EQ(sb.range(0, 3).to_string(), "owo");
  EXPECT_EQ(sb.space(), 4u);
}

TEST(TcpIsn, Rfc6528KeyedAndClockDriven) {
  // SipHash-2-4 reference vector (key 00..0f, empty message).
  std::array<uint64_t, 2> key{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
  EXPECT_EQ(siphash24(key, nullptr, 0), 0x726fdb47dd0e0e31ull);
  IsnGenerator g(key), other({1, 2});
  FourTuple t{1, 2, 3, 4};
  Instant now = Instant::from_micros(1000);
  EXPECT_EQ(g.isn(t, now + Duration::micros(400)) - g.isn(t, now), 100);  // 4 us ticks
  EXPECT_NE(g.isn(t, now), other.isn(t, now));
  EXPECT_NE(g.isn(t, now), g.isn(FourTuple{1, 2, 3, 5}, now));
  // RFC 7323 5.4: a per-connection timestamp offset; secrets() gives both with one hash, the
  // same values as the separate calls (the SYN cookie path uses ts_offset() alone).
  IsnGenerator::Secrets s = g.secrets(t, now);
  EXPECT_EQ(s.isn, g.isn(t, now));
  EXPECT_EQ(s.ts_offset, g.ts_offset(t));
  EXPECT_NE(g.ts_offset(t), g.ts_offset(FourTuple{1, 2, 3, 5}));
  EXPECT_NE(g.ts_offset(t), other.ts_offset(t));
}

}  // namespace
}  // namespace sluice::stack::tcp
