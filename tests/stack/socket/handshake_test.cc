// Opening connections between two whole stacks over net_ring: RFC 9293 3.5 (the three-way
// handshake, Figure 6; simultaneous open, Figure 7) and 3.10.7.1 (a SYN to a closed port draws
// a RST, and the active opener learns it was refused).
#include "tests/stack/socket/stack_pair.h"

namespace sluice::stack::testbed {
namespace {

TEST_F(StackPairTest, Rfc9293ThreeWayHandshakeAcceptAndConnect) {
  Acceptor acceptor;
  std::unique_ptr<transport::Listener> listener;
  auto client = establish(acceptor, &listener, 8080);
  Peer& server = *acceptor.peers[0];

  // Addresses on both ends name the same 4-tuple.
  EXPECT_EQ(client->conn->local_address().ipv4_host(), kIpA);
  EXPECT_EQ(client->conn->peer_address(), Address::ipv4(kIpB, 8080));
  EXPECT_EQ(server.conn->local_address(), Address::ipv4(kIpB, 8080));
  EXPECT_EQ(server.conn->peer_address(), client->conn->local_address());
  EXPECT_GE(client->conn->local_address().port, 32768) << "an ephemeral port";
  EXPECT_EQ(state(*a_, *client), State::kEstablished);
  EXPECT_EQ(state(*b_, server), State::kEstablished);
  EXPECT_GE(client->writable, 1) << "on_writable follows on_connected";
  EXPECT_EQ(a_->tcp().counters().active_opens, 1u);
  EXPECT_EQ(b_->tcp().counters().passive_opens, 1u);

  // On the wire: SYN, SYN-ACK, ACK, each acknowledging the other's ISN + 1.
  auto tcp = frames([](const FrameInfo& f) { return f.is_tcp(); });
  ASSERT_GE(tcp.size(), 3u);
  EXPECT_EQ(tcp[0].dir, Dir::kAtoB);
  EXPECT_TRUE(tcp[0].syn() && !tcp[0].has_ack());
  EXPECT_EQ(tcp[1].dir, Dir::kBtoA);
  EXPECT_TRUE(tcp[1].syn() && tcp[1].has_ack());
  EXPECT_EQ(tcp[1].tcp_ack, tcp[0].tcp_seq + 1);
  EXPECT_EQ(tcp[2].dir, Dir::kAtoB);
  EXPECT_TRUE(!tcp[2].syn() && tcp[2].has_ack());
  EXPECT_EQ(tcp[2].tcp_seq, tcp[0].tcp_seq + 1);
  EXPECT_EQ(tcp[2].tcp_ack, tcp[1].tcp_seq + 1);

  client->send("GET / HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(run_until([&] { return server.in.size() == 18; }));
  server.send("HTTP/1.1 204 No Content\r\n\r\n");
  ASSERT_TRUE(run_until([&] { return client->in.size() == 27; }));
  EXPECT_FALSE(client->closed || server.closed);
}

TEST_F(StackPairTest, Rfc9293SimultaneousOpenBothSidesReachEstablished) {
  // Both ends open actively towards each other's fixed port; 1 ms of latency each way makes the
  // SYNs cross on the wire (each arrives while its receiver is in SYN-SENT).
  relay().set_delay(Dir::kAtoB, Duration::millis(1));
  relay().set_delay(Dir::kBtoA, Duration::millis(1));
  auto a = connect_fixed(*a_, kIpA, 5001, kIpB, 5002);
  auto b = connect_fixed(*b_, kIpB, 5002, kIpA, 5001);
  ASSERT_TRUE(a->conn && b->conn);
  EXPECT_EQ(state(*a_, *a), State::kSynSent);
  EXPECT_EQ(state(*b_, *b), State::kSynSent);
  ASSERT_TRUE(run_until([&] { return a->connected && b->connected; }, 20000));
  EXPECT_EQ(state(*a_, *a), State::kEstablished);
  EXPECT_EQ(state(*b_, *b), State::kEstablished);

  // Figure 7: each side sent a bare SYN, then a SYN-ACK acknowledging the other's SYN.
  auto syns = frames([](const FrameInfo& f) { return f.syn() && !f.has_ack(); });
  auto synacks = frames([](const FrameInfo& f) { return f.syn() && f.has_ack(); });
  ASSERT_EQ(syns.size(), 2u);
  ASSERT_EQ(synacks.size(), 2u);
  EXPECT_NE(syns[0].dir, syns[1].dir);
  for (const FrameInfo& sa : synacks) {
    const FrameInfo& own = syns[0].dir == sa.dir ? syns[0] : syns[1];
    const FrameInfo& other = syns[0].dir == sa.dir ? syns[1] : syns[0];
    EXPECT_EQ(sa.tcp_seq, own.tcp_seq) << "SYN-ACK repeats the ISN";
    EXPECT_EQ(sa.tcp_ack, other.tcp_seq + 1);
  }
  EXPECT_EQ(a_->tcp().counters().resets_sent + b_->tcp().counters().resets_sent, 0u);

  a->send("from a");
  b->send("from b");
  ASSERT_TRUE(run_until([&] { return a->in == "from b" && b->in == "from a"; }, 20000));
}

TEST_F(StackPairTest, Rfc9293SynToClosedPortIsAnsweredWithRstAndRefused) {
  auto client = connect_a(9);  // nothing listens on B:9
  ASSERT_TRUE(run_until([&] { return client->closed.has_value(); }));
  EXPECT_EQ(*client->closed, CloseReason::kRefused);
  EXPECT_FALSE(client->connected);
  EXPECT_FALSE(client->conn->is_open());
  EXPECT_EQ(b_->tcp().counters().no_socket_rsts, 1u);
  EXPECT_EQ(a_->tcp().counters().resets_received, 1u);

  // 3.10.7.1: the SYN had no ACK, so the RST is <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
  auto syn = frames([](const FrameInfo& f) { return f.syn(); });
  auto rst = frames([](const FrameInfo& f) { return f.rst(); });
  ASSERT_EQ(syn.size(), 1u);
  ASSERT_EQ(rst.size(), 1u);
  EXPECT_EQ(rst[0].dir, Dir::kBtoA);
  EXPECT_EQ(rst[0].tcp_seq, 0u);
  EXPECT_TRUE(rst[0].has_ack());
  EXPECT_EQ(rst[0].tcp_ack, syn[0].tcp_seq + 1);
  EXPECT_EQ(rst[0].dst_port, syn[0].src_port);

  client.reset();
  step();
  EXPECT_EQ(a_->tcp().connection_count(), 0u) << "the refused TCB is gone";
}

TEST_F(StackPairTest, Rfc9293LostSynIsRetransmittedAfterTheInitialRto) {
  // RFC 6298 2.1 / 5.7: the SYN is resent after the initial RTO (1 s).
  relay().set_filter(Dir::kAtoB, Relay::drop_nth(1, [](const FrameInfo& f) { return f.syn(); }));
  Acceptor acceptor;
  auto listener = listen_b(acceptor, 8080);
  const Instant start = now();
  auto client = connect_a(8080);
  ASSERT_TRUE(run_until([&] { return client->connected; }, 300000));
  EXPECT_GE(now() - start, Duration::seconds(1));
  EXPECT_LT(now() - start, Duration::millis(1100));
  EXPECT_EQ(relay().dropped(Dir::kAtoB), 1u);
  EXPECT_EQ(a_->tcp().counters().timeouts, 1u);
  ASSERT_EQ(acceptor.peers.size(), 1u);
}

}  // namespace
}  // namespace sluice::stack::testbed
