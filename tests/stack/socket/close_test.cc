// Closing connections between two whole stacks: RFC 9293 3.6 simultaneous close (Figure 13,
// both ends through CLOSING to TIME-WAIT); TIME-WAIT (3.10.7.4) lasting exactly the configured
// time, after which the same 4-tuple opens a new connection; and Connection::close() as a
// lingering close, which drops the peer's late input instead of resetting (RFC 1122 4.2.2.13),
// for at most StackOptions::linger.
#include "tests/stack/socket/stack_pair.h"

namespace sluice::stack::testbed {
namespace {

TEST_F(StackPairTest, Rfc9293SimultaneousCloseBothSidesEndInTimeWait) {
  Acceptor acceptor;
  std::unique_ptr<transport::Listener> listener;
  auto client = establish(acceptor, &listener);
  Peer& server = *acceptor.peers[0];
  client->send("last from a");
  server.send("last from b");
  ASSERT_TRUE(run_until([&] { return client->in.size() == 11 && server.in.size() == 11; }));

  // 1 ms each way: both FINs leave before either arrives.
  relay().set_delay(Dir::kAtoB, Duration::millis(1));
  relay().set_delay(Dir::kBtoA, Duration::millis(1));
  client->conn->shutdown_write();
  server.conn->shutdown_write();
  EXPECT_EQ(state(*a_, *client), State::kFinWait1);
  EXPECT_EQ(state(*b_, server), State::kFinWait1);
  ASSERT_TRUE(run_until([&] { return client->closed && server.closed; }, 20000));
  EXPECT_EQ(*client->closed, CloseReason::kClosed);
  EXPECT_EQ(*server.closed, CloseReason::kClosed);
  EXPECT_TRUE(client->eof && server.eof);
  EXPECT_EQ(state(*a_, *client), State::kTimeWait) << "both ends wait: each sent a FIN before receiving one";
  EXPECT_EQ(state(*b_, server), State::kTimeWait);

  // Figure 13: each FIN acknowledges only the data before it (not the crossing FIN); each end then
  // acknowledges the other's FIN.
  auto fins = frames([](const FrameInfo& f) { return f.fin(); });
  ASSERT_EQ(fins.size(), 2u);
  EXPECT_NE(fins[0].dir, fins[1].dir);
  EXPECT_NE(fins[0].tcp_ack, fins[1].tcp_seq + 1);
  EXPECT_NE(fins[1].tcp_ack, fins[0].tcp_seq + 1);
  for (const FrameInfo& fin : fins) {
    auto acked = frames([&](const FrameInfo& f) {
      return f.is_tcp() && f.dir != fin.dir && f.index > fin.index && f.tcp_ack == fin.tcp_seq + 1;
    });
    EXPECT_FALSE(acked.empty()) << "the FIN at log index " << fin.index << " was acknowledged";
  }
  EXPECT_EQ(a_->tcp().counters().resets_sent + b_->tcp().counters().resets_sent, 0u);
}

TEST_F(StackPairTest, Rfc9293TimeWaitLastsExactlyTheConfiguredTimeThenTheTupleIsReusable) {
  TestbedOptions opts;
  opts.tcp.time_wait = Duration::seconds(2);
  start(opts);
  Acceptor acceptor;
  auto listener = listen_b(acceptor, 8080);
  auto client = connect_fixed(*a_, kIpA, 40000, kIpB, 8080);
  ASSERT_TRUE(client->conn);
  ASSERT_TRUE(run_until([&] { return client->connected && !acceptor.peers.empty(); }));
  Peer& server = *acceptor.peers[0];

  // A closes first (the active closer keeps TIME-WAIT); B answers the FIN with its own.
  client->conn->shutdown_write();
  ASSERT_TRUE(run_until([&] { return server.eof; }));
  server.conn->shutdown_write();
  Instant entered;  // the time of the step in which A entered TIME-WAIT
  for (int i = 0; i < 20000 && state(*a_, *client) != State::kTimeWait; ++i) {
    entered = now();
    step();
  }
  ASSERT_EQ(state(*a_, *client), State::kTimeWait);
  ASSERT_TRUE(run_until([&] { return server.closed.has_value(); }));
  EXPECT_EQ(*server.closed, CloseReason::kClosed);
  const tcp::Tcb* tw = a_->tcp().tcb(handle(*client));
  ASSERT_NE(tw, nullptr);
  const Instant deadline = tw->state_at;
  EXPECT_EQ(deadline - entered, Duration::seconds(2)) << "TIME-WAIT is [tcp] time_wait long";

  // The application lets go; the TIME-WAIT TCB stays, and so does its 4-tuple.
  client->conn.reset();
  step();
  EXPECT_EQ(a_->tcp().connection_count(), 1u);
  EXPECT_FALSE(connect_fixed(*a_, kIpA, 40000, kIpB, 8080)->conn) << "the 4-tuple is still in TIME-WAIT";

  advance(deadline - now() - Duration::millis(1), Duration::millis(1));
  while (now() < deadline) {
    step();
    ASSERT_EQ(a_->tcp().connection_count(), 1u) << "gone early, " << (deadline - now()).us << " us before";
  }
  step();  // polls at exactly the deadline
  EXPECT_EQ(a_->tcp().connection_count(), 0u) << "TIME-WAIT ended at its deadline";
  EXPECT_EQ(b_->tcp().connection_count(), 0u);

  // The same 4-tuple opens a new connection that carries data.
  auto again = connect_fixed(*a_, kIpA, 40000, kIpB, 8080);
  ASSERT_TRUE(again->conn);
  ASSERT_TRUE(run_until([&] { return again->connected && acceptor.peers.size() == 2; }));
  again->send("second incarnation");
  ASSERT_TRUE(run_until([&] { return acceptor.peers[1]->in == "second incarnation"; }));
  EXPECT_EQ(acceptor.peers[1]->conn->peer_address(), Address::ipv4(kIpA, 40000));
}


TEST_F(StackPairTest, Rfc1122LingeringCloseDropsLateInputWithoutAReset) {
  Acceptor acceptor;
  std::unique_ptr<transport::Listener> listener;
  auto client = establish(acceptor, &listener);
  Peer& server = *acceptor.peers[0];
  server.send("response");
  server.conn->close();  // the server is done; the client is still sending its request body
  ASSERT_TRUE(run_until([&] { return client->eof; }));
  EXPECT_EQ(client->in, "response");
  client->send(random_bytes(64 * 1024, 41));
  advance(Duration::millis(100));
  EXPECT_FALSE(client->closed) << "late input is dropped, not answered with a RST";
  client->conn->shutdown_write();
  ASSERT_TRUE(run_until([&] { return client->closed.has_value(); }));
  EXPECT_EQ(*client->closed, CloseReason::kClosed);
  EXPECT_EQ(b_->tcp().counters().resets_sent, 0u);
  EXPECT_EQ(state(*a_, *client), State::kClosed) << "B closed first: B keeps TIME-WAIT";
  EXPECT_FALSE(server.closed) << "no callback after close()";
}

TEST_F(StackPairTest, LingeringCloseGivesUpAfterTheLingerTime) {
  Acceptor acceptor;
  std::unique_ptr<transport::Listener> listener;
  auto client = establish(acceptor, &listener);
  acceptor.peers[0]->conn->close();
  acceptor.peers[0]->conn.reset();  // the handle goes; the transport lingers on its own
  ASSERT_TRUE(run_until([&] { return client->eof; }));
  const Instant closed_at = now();
  const Duration linger = StackOptions{}.linger;

  advance(linger - Duration::millis(500), Duration::millis(1));
  client->send("still talking");
  advance(Duration::millis(100), Duration::millis(1));
  EXPECT_FALSE(client->closed) << "within the linger time: dropped";

  advance(closed_at + linger + Duration::millis(100) - now(), Duration::millis(1));
  client->send("too late");
  ASSERT_TRUE(run_until([&] { return client->closed.has_value(); }));
  EXPECT_EQ(*client->closed, CloseReason::kReset) << "after it, TCP resets (RFC 1122 4.2.2.13)";
  EXPECT_EQ(b_->tcp().counters().resets_sent, 1u);
}

}  // namespace
}  // namespace sluice::stack::testbed
