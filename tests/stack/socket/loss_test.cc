// Loss and reordering on the wire between two whole stacks, recovered byte-exact: a lone segment
// dropped (RFC 6298 5.4-5.7 retransmission timeout), a segment dropped mid-stream (RFC 5681 3.2
// fast retransmit, RFC 6675 with SACK), a segment overtaken by its successor (RFC 9293 3.10.7.4
// out-of-order queue), and a seeded lossy link in both directions.
#include <random>

#include "tests/stack/socket/stack_pair.h"

namespace sluice::stack::testbed {
namespace {

bool data_a_to_b(const FrameInfo& f) { return f.dir == Dir::kAtoB && f.data(); }

TEST_F(StackPairTest, Rfc6298DroppedLoneSegmentIsResentWhenTheRetransmissionTimerExpires) {
  Acceptor acceptor;
  std::unique_ptr<transport::Listener> listener;
  auto client = establish(acceptor, &listener);
  Peer& server = *acceptor.peers[0];
  relay().set_filter(Dir::kAtoB, Relay::drop_nth(1, data_a_to_b));

  const std::string msg = random_bytes(1000, 31);
  const Instant sent = now();
  client->send(msg);
  ASSERT_TRUE(run_until([&] { return server.in.size() == msg.size(); }, 300000));
  // The RTO after a microsecond RTT sample is the 200 ms floor (rto_min), not the 1 s initial.
  EXPECT_GE(now() - sent, Duration::millis(200));
  EXPECT_LT(now() - sent, Duration::millis(400));
  EXPECT_EQ(server.in, msg);
  EXPECT_EQ(relay().dropped(Dir::kAtoB), 1u);
  // A lone segment's tail loss probe waits for a delayed ACK too (RFC 8985 7.2: 2*SRTT + 200 ms,
  // at most the RTO): it is the probe that goes out at the RTO's time, not a timeout.
  EXPECT_EQ(a_->tcp().counters().tail_loss_probes + a_->tcp().counters().timeouts, 1u);
  EXPECT_EQ(a_->tcp().counters().retransmitted_segments, 1u);
  ASSERT_TRUE(run_until([&] { return client->conn->unsent_bytes() == 0; }));
}

TEST_F(StackPairTest, Rfc5681SegmentDroppedMidStreamIsFastRetransmitted) {
  Acceptor acceptor;
  std::unique_ptr<transport::Listener> listener;
  auto client = establish(acceptor, &listener);
  Peer& server = *acceptor.peers[0];
  relay().set_filter(Dir::kAtoB, Relay::drop_nth(30, data_a_to_b));

  const std::string data = random_bytes(1024 * 1024, 32);
  client->send_big(data);
  ASSERT_TRUE(run_until([&] { return server.in.size() >= data.size(); }, 1000000));
  EXPECT_TRUE(server.in == data);
  EXPECT_EQ(relay().dropped(Dir::kAtoB), 1u);
  const auto& c = a_->tcp().counters();
  EXPECT_GE(c.retransmitted_segments, 1u);
  EXPECT_GE(c.fast_retransmits, 1u) << a_->stats();
  EXPECT_EQ(c.timeouts, 0u) << "duplicate ACKs, not the timer, recovered it: " << a_->stats();
  EXPECT_GT(b_->tcp().counters().out_of_order_segments, 0u);
}

TEST_F(StackPairTest, Rfc9293ReorderedSegmentIsDeliveredInOrder) {
  Acceptor acceptor;
  std::unique_ptr<transport::Listener> listener;
  auto client = establish(acceptor, &listener);
  Peer& server = *acceptor.peers[0];
  unsigned seen = 0;
  relay().set_filter(Dir::kAtoB, [&](const FrameInfo& f) {
    return data_a_to_b(f) && ++seen == 10 ? Relay::Verdict::kDeferOne : Relay::Verdict::kPass;
  });

  const std::string data = random_bytes(256 * 1024, 33);
  client->send_big(data);
  ASSERT_TRUE(run_until([&] { return server.in.size() >= data.size(); }, 1000000));
  EXPECT_TRUE(server.in == data);
  EXPECT_EQ(relay().dropped(Dir::kAtoB), 0u);
  EXPECT_GE(b_->tcp().counters().out_of_order_segments, 1u);
  EXPECT_EQ(a_->tcp().counters().timeouts, 0u);
}

TEST_F(StackPairTest, SeededLossyLinkBothWaysStillDeliversByteExact) {
  // 2 % of all frames lost each way (ARP and handshake included), chosen by a seeded RNG.
  std::mt19937 rng(4242);
  std::uniform_int_distribution<int> percent(0, 99);
  auto lossy = [&](const FrameInfo&) { return percent(rng) < 2 ? Relay::Verdict::kDrop : Relay::Verdict::kPass; };
  relay().set_filter(Dir::kAtoB, lossy);
  relay().set_filter(Dir::kBtoA, lossy);
  Acceptor acceptor;
  std::unique_ptr<transport::Listener> listener;
  auto client = establish(acceptor, &listener, 8080, 1000000);
  ASSERT_FALSE(acceptor.peers.empty());
  Peer& server = *acceptor.peers[0];

  const size_t kSize = 2 * 1024 * 1024;
  const std::string up = random_bytes(kSize, 34), down = random_bytes(kSize, 35);
  client->send_big(up);
  server.send_big(down);
  ASSERT_TRUE(run_until([&] { return client->in.size() >= kSize && server.in.size() >= kSize; }, 4000000))
      << "client got " << client->in.size() << ", server got " << server.in.size();
  EXPECT_TRUE(server.in == up);
  EXPECT_TRUE(client->in == down);
  EXPECT_GT(relay().dropped(Dir::kAtoB), 0u);
  EXPECT_GT(relay().dropped(Dir::kBtoA), 0u);
  EXPECT_GT(a_->tcp().counters().retransmitted_segments + b_->tcp().counters().retransmitted_segments, 0u);
  EXPECT_FALSE(client->closed || server.closed);
}

}  // namespace
}  // namespace sluice::stack::testbed
