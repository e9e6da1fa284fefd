// Moving data between two whole stacks: 10 MB each way at once, byte-exact, through short writes
// and on_writable (RFC 9293 3.8.6 flow control, send buffer backpressure), and a receiver that
// stops reading until the window closes (RFC 9293 3.8.6.1 zero window, persist probes).
#include "tests/stack/socket/stack_pair.h"

namespace sluice::stack::testbed {
namespace {

uint64_t counter(const std::string& stats, const std::string& name) {
  size_t at = stats.find(" " + name + "=");
  return at == std::string::npos ? 0 : std::stoull(stats.substr(at + name.size() + 2));
}

TEST_F(StackPairTest, Rfc9293TenMegabytesEachWayByteExactWithBackpressure) {
  const size_t kSize = 10 * 1024 * 1024;
  const std::string up = random_bytes(kSize, 11), down = random_bytes(kSize, 12);
  Acceptor acceptor;
  std::unique_ptr<transport::Listener> listener;
  auto client = establish(acceptor, &listener);
  Peer& server = *acceptor.peers[0];
  const int client_writable = client->writable, server_writable = server.writable;

  client->send_big(up);
  server.send_big(down);
  EXPECT_GE(client->short_writes, 1) << "10 MB does not fit a send buffer";
  EXPECT_GE(server.short_writes, 1);
  EXPECT_EQ(client->conn->write_space(), 0u);
  ASSERT_TRUE(run_until([&] { return client->in.size() >= kSize && server.in.size() >= kSize; }, 2000000))
      << "client got " << client->in.size() << ", server got " << server.in.size();
  EXPECT_TRUE(server.in == up) << "A to B differs";
  EXPECT_TRUE(client->in == down) << "B to A differs";
  EXPECT_GT(client->writable, client_writable) << "on_writable resumed the writer";
  EXPECT_GT(server.writable, server_writable);
  EXPECT_TRUE(client->out.empty() && server.out.empty());
  ASSERT_TRUE(run_until([&] { return client->conn->unsent_bytes() == 0 && server.conn->unsent_bytes() == 0; }));

  // A lossless link: nothing was resent or dropped anywhere.
  for (StackTransport* t : {a_.get(), b_.get()}) {
    EXPECT_EQ(t->tcp().counters().retransmitted_segments, 0u) << t->stats();
    EXPECT_EQ(t->tcp().counters().bytes_in, kSize) << t->stats();
  }
  EXPECT_EQ(relay().dropped(Dir::kAtoB) + relay().dropped(Dir::kBtoA), 0u);
  // How busy each worker was (poll.busy_us of poll.us, on the loop's clock): both received
  // frames, and once the link is quiet, time passes without adding to busy.
  run_until([] { return false; }, 200);
  for (StackTransport* t : {a_.get(), b_.get()}) {
    const std::string st = t->stats();
    EXPECT_GT(counter(st, "poll.busy_us"), 0u) << st;
    EXPECT_LT(counter(st, "poll.busy_us"), counter(st, "poll.us")) << st;
  }

  client->conn->shutdown_write();
  server.conn->shutdown_write();
  ASSERT_TRUE(run_until([&] { return client->closed && server.closed; }));
  EXPECT_EQ(*client->closed, CloseReason::kClosed);
  EXPECT_EQ(*server.closed, CloseReason::kClosed);
}

TEST_F(StackPairTest, Rfc9293ReceiverThatStopsReadingClosesTheWindowThenResumes) {
  const std::string data = random_bytes(2 * 1024 * 1024, 21);
  Acceptor acceptor;
  acceptor.on_new = [](Peer& p) { p.auto_read = false; };
  std::unique_ptr<transport::Listener> listener;
  auto client = establish(acceptor, &listener);
  Peer& server = *acceptor.peers[0];

  client->send_big(data);
  // B's receive buffer fills and A's send buffer behind it. What is left of the window once it is
  // smaller than a segment goes out when A's persist timer fires; after that the window is zero
  // and A keeps probing it (RFC 9293 3.8.6.1).
  advance(Duration::seconds(3), Duration::millis(1));
  EXPECT_EQ(client->conn->write_space(), 0u);
  EXPECT_EQ(b_->tcp().readable(handle(server)), size_t(conf::TcpConfig{}.receive_buffer)) << "B's buffer is full";
  auto acks = frames([](const FrameInfo& f) { return f.dir == Dir::kBtoA && f.is_tcp(); });
  ASSERT_FALSE(acks.empty());
  EXPECT_EQ(acks.back().window, 0u) << "B advertises a zero window";
  EXPECT_GT(a_->tcp().counters().persist_probes, 0u);
  EXPECT_FALSE(client->closed);

  server.auto_read = true;
  server.drain();  // the window opens: B's update restarts A
  ASSERT_TRUE(run_until([&] { return server.in.size() >= data.size(); }, 1000000))
      << "server got " << server.in.size();
  EXPECT_TRUE(server.in == data);
}

}  // namespace
}  // namespace sluice::stack::testbed
