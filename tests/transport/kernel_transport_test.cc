// What only the kernel transport has: epoll waiting and waking, counters, descriptor exhaustion,
// the lingering-close and flush timers, per-poll caps.
#include "transport/kernel/kernel_transport.h"

#include <sys/resource.h>
#include <unistd.h>

#include <thread>

#include "tests/transport/transport_harness.h"

namespace sluice::transport::testing {
namespace {

using kernel::KernelOptions;
using kernel::KernelTransport;

class KernelTransportTest : public ::testing::Test {
 protected:
  void make(const KernelOptions& server_opts = {}, const KernelOptions& client_opts = {}) {
    server_ = std::make_unique<KernelTransport>(loop_, 0, server_opts);
    client_ = std::make_unique<KernelTransport>(loop_, 1, client_opts);
    ASSERT_TRUE(server_->ok()) << server_->init_error();
    pump_.add(server_.get());
    pump_.add(client_.get());
    std::string err;
    listener_ = server_->listen(loopback_any_port(), {}, acceptor_, &err);
    ASSERT_TRUE(listener_) << err;
  }
  std::unique_ptr<Peer> connect() {
    auto p = std::make_unique<Peer>();
    std::string err;
    p->conn = client_->connect(listener_->address(), *p, &err);
    EXPECT_TRUE(p->conn) << err;
    return p;
  }

  ManualClock clock_;
  EventLoop loop_{clock_};
  Pump pump_{loop_, clock_};
  std::unique_ptr<KernelTransport> server_, client_;
  Acceptor acceptor_;
  std::unique_ptr<Listener> listener_;
};

TEST_F(KernelTransportTest, WakeFromAnotherThreadEndsABlockedPoll) {
  make();
  std::thread waker([&] { client_->wake(); });
  waker.join();
  // The eventfd stays readable until a poll drains it, so this can't block for the full minute.
  client_->poll(Duration::seconds(60));
  client_->poll(Duration::zero());  // drained: nothing pending
  SUCCEED();
}

TEST_F(KernelTransportTest, PollRefreshesTheLoopTime) {
  make();
  clock_.advance(Duration::seconds(3));
  Instant expected = clock_.now();
  EXPECT_LT(loop_.now(), expected);
  server_->poll(Duration::zero());
  EXPECT_EQ(loop_.now(), expected);
  EXPECT_EQ(server_->next_deadline(), Instant::never());
}

TEST_F(KernelTransportTest, CountersFollowTraffic) {
  make();
  acceptor_.on_new = [](Peer& p) { p.echo = true; };
  auto c = connect();
  c->send("0123456789");
  ASSERT_TRUE(pump_.until([&] { return c->in.size() == 10; }));
  EXPECT_EQ(server_->counters().accepted, 1u);
  EXPECT_EQ(client_->counters().connected, 1u);
  EXPECT_EQ(server_->counters().bytes_in, 10u);
  EXPECT_EQ(server_->counters().bytes_out, 10u);
  EXPECT_EQ(client_->counters().bytes_out, 10u);
  c->conn->abort();
  ASSERT_TRUE(pump_.until([&] { return acceptor_.peers[0]->closed.has_value(); }));
  EXPECT_EQ(server_->counters().reset, 1u);
  EXPECT_EQ(server_->counters().closed, 1u);
  EXPECT_EQ(client_->counters().closed, 1u);
}

TEST_F(KernelTransportTest, ListenOnAForeignAddressFailsClearly) {
  make();
  std::string err;
  auto l = server_->listen(*Address::parse("192.0.2.1:8080"), {}, acceptor_, &err);
  EXPECT_FALSE(l);
  EXPECT_NE(err.find("bind"), std::string::npos) << err;
  EXPECT_NE(err.find("192.0.2.1:8080"), std::string::npos) << err;
  Peer p;
  p.conn = client_->connect(Address::ipv4(0x7f000001, 1), p, &err);
  EXPECT_TRUE(p.conn);  // a refusal comes later, as on_closed
  ASSERT_TRUE(pump_.until([&] { return p.closed.has_value(); }));
  EXPECT_EQ(*p.closed, CloseReason::kRefused);
}

TEST_F(KernelTransportTest, OutOfDescriptorsPausesAcceptingWithoutSpinning) {
  make();
  auto c = connect();
  // The kernel completes the handshake without accept(); only the client is polled.
  pump_.remove(server_.get());
  ASSERT_TRUE(pump_.until([&] { return c->connected; }));

  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
  int lowest_free = dup(0);
  ASSERT_GE(lowest_free, 0);
  close(lowest_free);
  rlimit low = old;
  low.rlim_cur = rlim_t(lowest_free);  // accept4 needs that number, which is now out of range
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  server_->poll(Duration::zero());
  server_->poll(Duration::zero());
  server_->poll(Duration::zero());
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &old), 0);

  EXPECT_EQ(server_->counters().accept_emfile, 1u) << "paused after the first failure";
  EXPECT_TRUE(acceptor_.peers.empty());
  server_->poll(Duration::zero());
  EXPECT_TRUE(acceptor_.peers.empty()) << "still paused until the backoff ends";
  clock_.advance(Duration::millis(100));
  loop_.update_time();
  loop_.run_due();
  server_->poll(Duration::zero());
  EXPECT_EQ(acceptor_.peers.size(), 1u);
  EXPECT_EQ(server_->counters().accepted, 1u);
}

TEST_F(KernelTransportTest, AcceptIsCappedPerPoll) {
  KernelOptions o;
  o.accept_batch = 4;
  make(o);
  pump_.remove(server_.get());
  std::vector<std::unique_ptr<Peer>> clients;
  for (int i = 0; i < 10; ++i) clients.push_back(connect());
  ASSERT_TRUE(pump_.until([&] {
    for (auto& c : clients)
      if (!c->connected) return false;
    return true;
  }));
  server_->poll(Duration::zero());
  EXPECT_EQ(acceptor_.peers.size(), 4u);
  server_->poll(Duration::zero());
  EXPECT_EQ(acceptor_.peers.size(), 8u);
  server_->poll(Duration::zero());
  EXPECT_EQ(acceptor_.peers.size(), 10u);
}

TEST_F(KernelTransportTest, ReadBatchYieldsAndComesBack) {
  KernelOptions o;
  o.read_batch = 16 * 1024;
  make(o);
  auto c = connect();
  ASSERT_TRUE(pump_.until([&] { return c->connected && !acceptor_.peers.empty(); }));
  Peer& s = *acceptor_.peers[0];
  const std::string data = random_bytes(100 * 1024, 7);
  c->send_big(data);
  ASSERT_TRUE(pump_.until([&] { return s.in.size() == data.size(); }));
  EXPECT_GE(s.readable, 6) << "a 16 KiB read batch means several on_readable rounds";
  EXPECT_TRUE(s.in == data);
}

TEST_F(KernelTransportTest, SmallReadsGetRightSizedSlices) {
  make();
  auto c = connect();
  ASSERT_TRUE(pump_.until([&] { return c->connected && !acceptor_.peers.empty(); }));
  Peer& s = *acceptor_.peers[0];
  s.auto_read = false;
  c->send("GET / HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(pump_.until([&] { return s.readable > 0; }));
  BufChain b;
  EXPECT_EQ(s.conn->read(b), 18u);
  ASSERT_EQ(b.slice_count(), 1u);
  EXPECT_EQ(b.front().view(), "GET / HTTP/1.1\r\n\r\n");
}

TEST_F(KernelTransportTest, LingeringCloseEndsAtItsTimeout) {
  KernelOptions o;
  o.linger_timeout = Duration::seconds(5);
  make({}, o);
  auto c = connect();
  ASSERT_TRUE(pump_.until([&] { return c->connected && !acceptor_.peers.empty(); }));
  Peer& s = *acceptor_.peers[0];
  EXPECT_TRUE(client_->idle());
  c->conn->close();  // the server never closes its side
  ASSERT_TRUE(pump_.until([&] { return s.eof; }));
  pump_.run(100);
  EXPECT_EQ(client_->counters().closed, 0u) << "still lingering for the peer's FIN";
  EXPECT_FALSE(client_->idle()) << "a graceful stop must wait for the lingering close";
  clock_.advance(Duration::seconds(5));
  pump_.run(2);
  EXPECT_EQ(client_->counters().closed, 1u);
  EXPECT_TRUE(client_->idle());
}

TEST_F(KernelTransportTest, LingeringCloseEndsAtThePeersFin) {
  make();
  auto c = connect();
  ASSERT_TRUE(pump_.until([&] { return c->connected && !acceptor_.peers.empty(); }));
  Peer& s = *acceptor_.peers[0];
  c->conn->close();
  ASSERT_TRUE(pump_.until([&] { return s.eof; }));
  s.send("discarded by the closed client");
  s.conn->close();
  ASSERT_TRUE(pump_.until([&] { return client_->counters().closed == 1 && server_->counters().closed == 1; }));
  EXPECT_EQ(client_->counters().reset + server_->counters().reset, 0u);
}

TEST_F(KernelTransportTest, ClosedConnectionsAreFreed) {
  make();
  acceptor_.on_new = [](Peer& p) { p.echo = true; };
  std::vector<std::unique_ptr<Peer>> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(connect());
    clients.back()->send("x");
  }
  ASSERT_TRUE(pump_.until([&] {
    for (auto& c : clients)
      if (c->in != "x") return false;
    return true;
  }));
  EXPECT_EQ(server_->tracked_sockets(), 21u);
  EXPECT_EQ(client_->tracked_sockets(), 20u);
  for (int i = 0; i < 20; ++i) {
    if (i % 2) clients[i]->conn->abort();
    clients[i].reset();  // the rest close gracefully behind the app's back
  }
  for (auto& p : acceptor_.peers) p->conn->close();
  ASSERT_TRUE(pump_.until([&] { return client_->tracked_sockets() == 0; }));
  acceptor_.peers.clear();
  pump_.run(2);
  EXPECT_EQ(server_->tracked_sockets(), 1u) << "only the listener is left";
  listener_.reset();
  pump_.run(1);
  EXPECT_EQ(server_->tracked_sockets(), 0u);
}

TEST_F(KernelTransportTest, CloseAfterShutdownWriteEndsAtThePeersFin) {
  make();
  auto c = connect();
  ASSERT_TRUE(pump_.until([&] { return c->connected && !acceptor_.peers.empty(); }));
  Peer& s = *acceptor_.peers[0];
  c->conn->shutdown_write();
  c->conn->close();
  ASSERT_TRUE(pump_.until([&] { return s.eof; }));
  s.send("discarded");
  s.conn->shutdown_write();
  ASSERT_TRUE(pump_.until([&] { return client_->counters().closed == 1; }, 1000))
      << "the client's socket closes at the server's FIN, not at a timeout";
}

TEST_F(KernelTransportTest, CloseGivesUpFlushingAfterItsTimeout) {
  KernelOptions o;
  o.close_flush_timeout = Duration::seconds(60);
  make({}, o);
  auto c = connect();
  ASSERT_TRUE(pump_.until([&] { return c->connected && !acceptor_.peers.empty(); }));
  Peer& s = *acceptor_.peers[0];
  s.auto_read = false;  // never reads: the client's queue can't drain
  c->send_big(random_bytes(8 * 1024 * 1024, 8));
  ASSERT_TRUE(pump_.until([&] { return c->conn->write_space() == 0; }));
  c->conn->close();
  pump_.run(100);
  EXPECT_EQ(client_->counters().closed, 0u);
  clock_.advance(Duration::seconds(60));
  pump_.run(2);
  EXPECT_EQ(client_->counters().closed, 1u);
  ASSERT_TRUE(pump_.until([&] { return s.closed.has_value(); }));
  EXPECT_EQ(*s.closed, CloseReason::kReset) << "undeliverable data is dropped with RST";
}

TEST_F(KernelTransportTest, DestroyingTheListenerStopsAccepting) {
  make();
  Address at = listener_->address();
  listener_.reset();
  pump_.run(2);
  auto p = std::make_unique<Peer>();
  std::string err;
  p->conn = client_->connect(at, *p, &err);
  ASSERT_TRUE(p->conn) << err;
  ASSERT_TRUE(pump_.until([&] { return p->closed.has_value(); }));
  EXPECT_EQ(*p->closed, CloseReason::kRefused);
  EXPECT_EQ(client_->counters().errors, 1u);
}

}  // namespace
}  // namespace sluice::transport::testing
