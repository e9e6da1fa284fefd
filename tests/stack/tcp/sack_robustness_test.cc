// SACK when the receiver does not keep its word (RFC 2018 8 reneging), from both ends: sluice's
// receiver never drops data it has SACKed to stay within its out-of-order bound, and its sender
// notices a peer that did and stops trusting the scoreboard. Also PRR's send budget (RFC 6937).
#include "stack/tcp/prr.h"
#include "tests/stack/tcp/harness.h"

namespace sluice::stack::tcp::testing {
namespace {

BufChain one_byte() {
  BufChain c;
  c.append_copy("x");
  return c;
}

TEST(TcpReceiveBuffer, Rfc2018BoundDropsNewDataNotWhatWasSacked) {
  ReceiveBuffer rb(1 << 16, 2);
  TcpSeq nxt(0);
  rb.insert(nxt, TcpSeq(10), one_byte());
  rb.insert(nxt, TcpSeq(30), one_byte());  // two blocks: the bound; both reported in SACKs
  auto mid = rb.insert(nxt, TcpSeq(20), one_byte());
  auto top = rb.insert(nxt, TcpSeq(40), one_byte());
  EXPECT_TRUE(mid.dropped);
  EXPECT_EQ(mid.new_bytes, 0u);
  EXPECT_TRUE(top.dropped);
  wire::TcpSackBlock blocks[4];
  ASSERT_EQ(rb.sack_blocks(blocks, 4), 2u);
  EXPECT_EQ(std::min(blocks[0].left, blocks[1].left), TcpSeq(10));
  EXPECT_EQ(std::max(blocks[0].left, blocks[1].left), TcpSeq(30));
  // Data that joins a block is still taken.
  EXPECT_EQ(rb.insert(nxt, TcpSeq(31), one_byte()).new_bytes, 1u);
}

TEST(TcpSackReneging, Rfc2018CumulativeAckAtSackedDataClearsTheScoreboard) {
  Net net;
  auto [ha, hb] = net.establish();
  // Warm up, then lose the first segment of a burst: the receiver SACKs the rest.
  std::string data = random_bytes(10 * 1448, 3);
  size_t first = net.sent_a + net.a.out.size();
  BufChain d;
  d.append_copy(data);
  ASSERT_EQ(net.a.layer.send(ha, d), data.size());
  net.filter = [&](size_t i, bool from_a, const Captured&) {
    return from_a && i == first ? Fate::kDrop : Fate::kDeliver;
  };
  net.run_for(Duration::millis(7));  // the SACKs are on their way back, not yet in
  const Tcb& t = *net.a.layer.tcb(ha);
  TcpSeq una = t.snd_una;
  net.run_for(Duration::millis(4));
  ASSERT_FALSE(t.scoreboard.empty());
  // A receiver that reneged: its cumulative ACK stops where its SACKs said data was held.
  TcpRepr ack = net.log_b.back().hdr;
  ack.ack = t.scoreboard.blocks().front().left;
  ack.sack_count = 0;
  ASSERT_GT(ack.ack, una);
  net.a.layer.on_segment(net.now, kIpB, kIpA, ack, {});
  EXPECT_EQ(net.a.layer.counters().sack_renegings, 1u);
  EXPECT_TRUE(t.scoreboard.empty());
  net.filter = nullptr;
  net.run_while_not([&] { return net.b.received.size() == data.size(); }, Duration::seconds(5));
  EXPECT_TRUE(net.b.received.to_string() == data);
  (void)hb;
}

TEST(TcpPrr, Rfc6937ProportionalWhilePipeIsAboveSsthresh) {
  Prr prr;
  prr.start(100'000);                // RecoverFS
  prr.on_send(1000);                 // the fast retransmission
  prr.on_ack(10'000);
  // CEIL(10000 * 70000 / 100000) - 1000 = 6000.
  EXPECT_EQ(prr.sndcnt(90'000, 70'000, 1000), 6000);
}

TEST(TcpPrr, Rfc6937SlowStartReductionBoundBelowSsthresh) {
  Prr prr;
  prr.start(100'000);
  prr.on_send(50'000);
  prr.on_ack(4000);
  // pipe 20000 < ssthresh 70000: MIN(ssthresh - pipe, MAX(prr_delivered - prr_out, DeliveredData)
  // + MSS) = MIN(50000, 4000 + 1000).
  EXPECT_EQ(prr.sndcnt(20'000, 70'000, 1000), 5000);
}

}  // namespace
}  // namespace sluice::stack::tcp::testing
