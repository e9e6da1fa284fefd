// TIME-WAIT deadlines through the entries' FIFO (stack/tcp/time_wait_queue.h): many connections
// expire exactly time_wait after they entered, whether some were taken over by a new SYN (their
// entries go stale) or restarted by a retransmitted FIN (RFC 9293 3.10.7.4).
#include <algorithm>

#include "stack/tcp/time_wait_queue.h"
#include "tests/stack/tcp/harness.h"

namespace sluice::stack::tcp::testing {
namespace {

TcpParams short_time_wait() {
  TcpParams p = test_params();
  p.time_wait = Duration::seconds(5);
  return p;
}

TEST(TcpTimeWait, ManyExpireOnTimeWhileSomeAreTakenOver) {
  Net net(short_time_wait(), short_time_wait());
  auto l = net.b.layer.listen(0, 80, 512);
  ASSERT_TRUE(l.has_value());
  std::vector<SocketHandle> clients;
  for (int i = 0; i < 300; ++i) clients.push_back(*net.a.layer.connect(net.now, kIpA, kIpB, 80));
  net.run_for(Duration::millis(50));
  ASSERT_EQ(net.b.accepted.size(), 300u);
  // The server closes first, so it holds TIME-WAIT, as an HTTP server does.
  for (SocketHandle h : net.b.accepted) net.b.layer.close(h);
  net.run_for(Duration::millis(20));
  for (SocketHandle h : clients) net.a.layer.close(h);
  net.run_for(Duration::millis(20));
  Instant last_entered;
  for (SocketHandle h : net.b.accepted) {
    ASSERT_EQ(net.b.layer.state(h), TcpState::kTimeWait);
    last_entered = std::max(last_entered, net.b.layer.tcb(h)->state_at - Duration::seconds(5));
    net.b.layer.release(h);
  }
  std::vector<uint16_t> ports;
  for (SocketHandle h : clients) {
    ports.push_back(net.a.layer.four_tuple(h)->local_port);
    net.a.layer.release(h);
  }
  net.run_for(Duration::seconds(1));
  // A new incarnation takes over every third 4-tuple (RFC 6191).
  size_t reused = 0;
  for (size_t i = 0; i < ports.size(); i += 3, ++reused)
    ASSERT_TRUE(net.a.layer.connect(net.now, kIpA, kIpB, 80, ports[i]));
  net.run_for(Duration::millis(50));
  EXPECT_EQ(net.b.layer.counters().time_wait_reuses, reused);
  EXPECT_EQ(net.b.layer.connection_count(), 300u);  // 200 in TIME-WAIT, 100 established
  net.run_until(last_entered + Duration::seconds(5) - Duration::micros(1));
  EXPECT_GT(net.b.layer.connection_count(), reused);  // the last to enter is still there
  net.run_until(last_entered + Duration::seconds(5));
  EXPECT_EQ(net.b.layer.connection_count(), reused);  // only the new incarnations are left
  EXPECT_EQ(net.b.layer.busy_connection_count(), reused);
}

TEST(TcpTimeWait, Rfc9293RetransmittedFinRestartsTheTimer) {
  Net net(short_time_wait(), short_time_wait());
  auto [ha, hb] = net.establish();
  const FourTuple tuple = *net.b.layer.four_tuple(hb);
  net.b.layer.close(hb);
  net.run_for(Duration::millis(20));
  // b's ACK of a's FIN is lost: a retransmits its FIN, which restarts b's TIME-WAIT.
  size_t b_sent = net.sent_b;
  net.filter = [&](size_t index, bool from_a, const Captured&) {
    return !from_a && index == b_sent ? Fate::kDrop : Fate::kDeliver;
  };
  net.a.layer.close(ha);
  net.run_for(Duration::millis(20));
  ASSERT_EQ(net.b.layer.state(hb), TcpState::kTimeWait);
  Instant first_deadline = net.b.layer.tcb(hb)->state_at;
  // Released, the TCB becomes a TIME-WAIT entry with the same deadline (time_wait.h).
  net.b.layer.release(hb);
  EXPECT_EQ(net.b.layer.tcb(hb), nullptr);
  ASSERT_EQ(net.b.layer.time_wait_deadline(tuple), first_deadline);
  ASSERT_TRUE(net.run_while_not([&] { return net.b.layer.time_wait_deadline(tuple) != first_deadline; },
                                Duration::seconds(4)));
  Instant restarted = *net.b.layer.time_wait_deadline(tuple);
  EXPECT_GT(restarted, first_deadline);
  net.run_until(first_deadline + Duration::millis(1));
  EXPECT_EQ(net.b.layer.connection_count(), 1u) << "the first deadline no longer counts";
  net.run_until(restarted - Duration::micros(1));
  EXPECT_EQ(net.b.layer.connection_count(), 1u);
  net.run_until(restarted);
  EXPECT_EQ(net.b.layer.connection_count(), 0u);
  EXPECT_EQ(net.b.layer.time_wait_count(), 0u);
}

// Only a real retransmission of the peer's FIN restarts 2 MSL: not one with RST, not one without
// ACK (RFC 9293 3.10.7.4 checks RST and the ACK bit before the FIN).
TEST(TcpTimeWait, OnlyAnAcknowledgingFinWithoutRstRestartsTheTimer) {
  Net net(short_time_wait(), short_time_wait());
  auto [ha, hb] = net.establish();
  net.close_in_turn(net.b, hb, ha);
  ASSERT_EQ(net.b.layer.state(hb), TcpState::kTimeWait);
  const Tcb& tw = *net.b.layer.tcb(hb);
  const Instant deadline = tw.state_at;
  const TcpRepr a_fin = net.log_a.back().hdr;  // a's FIN, as a would retransmit it
  ASSERT_TRUE(a_fin.fin());
  // b's answers to the forged segments never reach a (which would answer them with RSTs).
  net.filter = [](size_t, bool from_a, const Captured&) { return from_a ? Fate::kDeliver : Fate::kDrop; };
  auto resend = [&](uint8_t flags) {
    net.run_for(Duration::millis(100));
    TcpRepr h = a_fin;
    h.flags = flags;
    net.b.layer.on_segment(net.now, kIpA, kIpB, h, BufChain{});
  };
  resend(flags::kFin | flags::kRst | flags::kAck);
  EXPECT_EQ(tw.state_at, deadline);
  EXPECT_EQ(net.b.layer.state(hb), TcpState::kTimeWait);
  resend(flags::kFin);
  EXPECT_EQ(tw.state_at, deadline);
  EXPECT_EQ(net.b.layer.state(hb), TcpState::kTimeWait);
  resend(flags::kFin | flags::kAck);
  EXPECT_EQ(tw.state_at, net.now + Duration::seconds(5));
}

TEST(TimeWaitQueue, StaleEntriesAreCompactedAway) {
  TimeWaitQueue q;
  std::vector<bool> live(10'000, true);
  for (uint32_t i = 0; i < 10'000; ++i) {
    q.push(i, 0, i);
    if (i % 10 != 0) {  // nine in ten leave before their time
      q.leave();
      live[i] = false;
    }
    q.compact_if_due([&](const TimeWaitQueue::Entry& e) { return live[e.slot]; });
  }
  EXPECT_EQ(q.live(), 1'000u);
  EXPECT_LE(q.size(), 2 * q.live() + 1024 + 1);
  // Order survives compaction: the fronts come out in deadline order.
  int64_t last = -1;
  while (!q.empty()) {
    EXPECT_GE(q.front().at_us, last);
    last = q.front().at_us;
    q.pop_front();
  }
  EXPECT_FALSE(q.can_push(last - 1) && !q.empty());
}

}  // namespace
}  // namespace sluice::stack::tcp::testing
