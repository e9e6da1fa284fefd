// The transport contract (transport/transport.h), checked through the abstract interface so every
// implementation runs the same suite: see transport_harness.h for how one plugs in.
#include <set>

#include "tests/transport/transport_harness.h"

namespace sluice::transport::testing {
namespace {

TEST_P(TransportContract, AcceptConnectEcho) {
  Acceptor acceptor;
  acceptor.on_new = [](Peer& p) { p.auto_read = false; };
  std::unique_ptr<Listener> listener;
  std::unique_ptr<Peer> client;
  connect_pair(acceptor, &listener, &client);
  Peer& server = *acceptor.peers[0];

  EXPECT_EQ(client->conn->peer_address(), listener->address());
  EXPECT_EQ(server.conn->peer_address(), client->conn->local_address());
  EXPECT_EQ(server.conn->local_address().port, listener->address().port);
  EXPECT_TRUE(client->conn->is_open());
  EXPECT_GE(client->writable, 1) << "on_writable follows on_connected";

  client->send("hello, transport");
  ASSERT_TRUE(pump_.until([&] { return server.readable > 0; }));
  server.drain();
  EXPECT_EQ(server.in, "hello, transport");
  server.send(server.in);
  ASSERT_TRUE(pump_.until([&] { return client->in.size() == 16; }));
  EXPECT_EQ(client->in, "hello, transport");
  EXPECT_FALSE(client->closed);
  EXPECT_FALSE(server.closed);
}

TEST_P(TransportContract, TenMegabytesEachWayByteExact) {
  const size_t kSize = 10 * 1024 * 1024;
  const std::string up = random_bytes(kSize, 1), down = random_bytes(kSize, 2);
  Acceptor acceptor;
  std::unique_ptr<Listener> listener;
  std::unique_ptr<Peer> client;
  connect_pair(acceptor, &listener, &client);
  Peer& server = *acceptor.peers[0];

  client->send_big(up);
  server.send_big(down);
  ASSERT_TRUE(pump_.until([&] { return client->in.size() >= kSize && server.in.size() >= kSize; }, 2000000))
      << "client got " << client->in.size() << ", server got " << server.in.size();
  EXPECT_TRUE(server.in == up);
  EXPECT_TRUE(client->in == down);
  // Everything delivered is acknowledged soon after (a delayed ACK at most).
  EXPECT_TRUE(pump_.until([&] { return client->conn->unsent_bytes() == 0; }))
      << client->conn->unsent_bytes() << " bytes still unacknowledged";
}

TEST_P(TransportContract, BackpressureShortWriteThenWritable) {
  const std::string data = random_bytes(8 * 1024 * 1024, 3);
  Acceptor acceptor;
  acceptor.on_new = [](Peer& p) { p.auto_read = false; };
  std::unique_ptr<Listener> listener;
  std::unique_ptr<Peer> client;
  connect_pair(acceptor, &listener, &client);
  Peer& server = *acceptor.peers[0];

  client->send_big(data);
  ASSERT_TRUE(pump_.until([&] { return client->conn->write_space() == 0; }))
      << "a peer that doesn't read must fill the send queue";
  EXPECT_GE(client->short_writes, 1);
  BufChain more;
  more.append_copy("x");
  EXPECT_EQ(client->conn->write(more), 0u) << "a full queue takes nothing";
  EXPECT_EQ(more.size(), 1u);
  EXPECT_GT(client->conn->unsent_bytes(), 0u);
  const int writable_before = client->writable;

  server.auto_read = true;
  server.drain();
  ASSERT_TRUE(pump_.until([&] { return server.in.size() >= data.size(); }, 2000000));
  EXPECT_GT(client->writable, writable_before);
  EXPECT_TRUE(server.in == data);
}

TEST_P(TransportContract, HalfCloseThenBothSidesClose) {
  Acceptor acceptor;
  std::unique_ptr<Listener> listener;
  std::unique_ptr<Peer> client;
  connect_pair(acceptor, &listener, &client);
  Peer& server = *acceptor.peers[0];

  client->send("request");
  client->conn->shutdown_write();
  EXPECT_EQ(client->conn->write_space(), 0u);
  ASSERT_TRUE(pump_.until([&] { return server.eof; }));
  EXPECT_EQ(server.in, "request");
  EXPECT_TRUE(server.conn->read_eof());
  EXPECT_FALSE(server.closed);

  server.send("response after the peer's FIN");
  ASSERT_TRUE(pump_.until([&] { return client->in.size() == 29; }));
  EXPECT_EQ(client->in, "response after the peer's FIN");
  EXPECT_FALSE(client->eof);

  server.conn->shutdown_write();
  ASSERT_TRUE(pump_.until([&] { return client->closed && server.closed; }));
  EXPECT_TRUE(client->eof);
  EXPECT_EQ(*client->closed, CloseReason::kClosed);
  EXPECT_EQ(*server.closed, CloseReason::kClosed);
  EXPECT_FALSE(client->conn->is_open());
}

TEST_P(TransportContract, GracefulCloseDeliversQueuedDataBeforeFin) {
  const std::string data = random_bytes(16 * 1024 * 1024, 4);  // more than kernel buffers hold
  Acceptor acceptor;
  acceptor.on_new = [](Peer& p) { p.auto_read = false; };
  std::unique_ptr<Listener> listener;
  std::unique_ptr<Peer> client;
  connect_pair(acceptor, &listener, &client);
  Peer& server = *acceptor.peers[0];

  client->send_big(data);
  ASSERT_TRUE(pump_.until([&] { return client->conn->write_space() == 0; }));
  const size_t accepted = data.size() - client->out.size();
  client->out.clear();  // close with only what the transport accepted
  client->conn->close();
  EXPECT_FALSE(client->conn->is_open());
  client->conn.reset();  // dropping the handle must not cut the close short

  server.auto_read = true;
  server.drain();
  ASSERT_TRUE(pump_.until([&] { return server.eof; }, 2000000));
  EXPECT_EQ(server.in.size(), accepted);
  EXPECT_TRUE(server.in == data.substr(0, accepted)) << "every accepted byte arrives, in order";
  EXPECT_FALSE(client->closed) << "no callback after close()";
  EXPECT_EQ(client->readable + client->late_callbacks, 0);
}

TEST_P(TransportContract, GracefulCloseSendsEverythingAccepted) {
  const std::string data = random_bytes(1024 * 1024, 5);
  Acceptor acceptor;
  acceptor.on_new = [](Peer& p) { p.auto_read = false; };
  std::unique_ptr<Listener> listener;
  std::unique_ptr<Peer> client;
  connect_pair(acceptor, &listener, &client);
  Peer& server = *acceptor.peers[0];

  BufChain chunk;
  chunk.append(Slice::copy_of(data));
  size_t taken = client->conn->write(chunk);
  ASSERT_GT(taken, 0u);
  client->conn->close();
  server.auto_read = true;
  server.drain();
  ASSERT_TRUE(pump_.until([&] { return server.eof; }, 2000000));
  EXPECT_EQ(server.in.size(), taken);
  EXPECT_TRUE(server.in == data.substr(0, taken));
}

TEST_P(TransportContract, ShutdownWriteThenCloseFinishesAtThePeersFin) {
  Acceptor acceptor;
  std::unique_ptr<Listener> listener;
  std::unique_ptr<Peer> client;
  connect_pair(acceptor, &listener, &client);
  Peer& server = *acceptor.peers[0];

  client->send("last words");
  client->conn->shutdown_write();
  client->conn->close();
  ASSERT_TRUE(pump_.until([&] { return server.eof; }));
  EXPECT_EQ(server.in, "last words");
  server.send("unread reply");
  server.conn->shutdown_write();
  // FIN both ways; the server sees a clean end (no RST from the client's unread bytes).
  ASSERT_TRUE(pump_.until([&] { return server.closed.has_value(); }));
  EXPECT_EQ(*server.closed, CloseReason::kClosed);
  EXPECT_FALSE(client->closed);
}

TEST_P(TransportContract, CloseWhileConnectingIsSilent) {
  Acceptor acceptor;
  std::unique_ptr<Listener> listener;
  Address at = listen(*setup_.server, acceptor, &listener);
  auto client = connect(at);
  client->conn->close();
  EXPECT_FALSE(client->conn->is_open());
  pump_.run(200);
  EXPECT_FALSE(client->connected);
  EXPECT_FALSE(client->closed);
  auto dropped = connect(at);
  dropped->conn.reset();  // dropping the handle is close()
  pump_.run(200);
  EXPECT_FALSE(dropped->connected);
}

TEST_P(TransportContract, AbortResetsThePeer) {
  Acceptor acceptor;
  std::unique_ptr<Listener> listener;
  std::unique_ptr<Peer> client;
  connect_pair(acceptor, &listener, &client);
  Peer& server = *acceptor.peers[0];

  client->send("some data first");
  ASSERT_TRUE(pump_.until([&] { return server.in.size() == 15; }));
  client->conn->abort();
  EXPECT_FALSE(client->conn->is_open());
  ASSERT_TRUE(pump_.until([&] { return server.closed.has_value(); }));
  EXPECT_EQ(*server.closed, CloseReason::kReset);
  EXPECT_FALSE(client->closed) << "no callback after abort()";
  BufChain b;
  b.append_copy("late");
  EXPECT_EQ(server.conn->write(b), 0u);
  EXPECT_EQ(server.conn->read(b), 0u);
}

TEST_P(TransportContract, ConnectToClosedPortIsRefused) {
  Acceptor acceptor;
  std::unique_ptr<Listener> listener;
  Address at = listen(*setup_.server, acceptor, &listener);
  listener.reset();  // nothing listens there any more
  pump_.run(10);
  auto client = connect(at);
  ASSERT_TRUE(client->conn);
  ASSERT_TRUE(pump_.until([&] { return client->closed.has_value(); }));
  EXPECT_EQ(*client->closed, CloseReason::kRefused);
  EXPECT_FALSE(client->connected);
  EXPECT_FALSE(client->conn->is_open());
  EXPECT_EQ(client->late_callbacks, 0);
}

// A server that answers one request, closes and deletes its handle from inside on_readable.
class OneShotServer : public ConnectionHandler {
 public:
  OneShotServer(EventLoop& loop, std::unique_ptr<Connection> c) : loop_(loop), conn_(std::move(c)) {
    conn_->set_handler(this);
  }
  void on_readable(Connection& c) override {
    BufChain in;
    c.read(in);
    if (in.empty()) return;
    BufChain reply;
    reply.append_copy("pong:" + in.to_string());
    c.write(reply);
    c.close();
    loop_.defer_delete(std::move(conn_));
    ++answered;
  }
  void on_writable(Connection&) override {}
  void on_closed(Connection&, CloseReason) override { loop_.defer_delete(std::move(conn_)); }
  int answered = 0;

 private:
  EventLoop& loop_;
  std::unique_ptr<Connection> conn_;
};

TEST_P(TransportContract, DeleteHandleInsideCallbacksIsSafe) {
  std::vector<std::unique_ptr<OneShotServer>> servers;
  class : public AcceptHandler {
   public:
    void on_accept(std::unique_ptr<Connection> c) override {
      servers->push_back(std::make_unique<OneShotServer>(*loop, std::move(c)));
    }
    std::vector<std::unique_ptr<OneShotServer>>* servers;
    EventLoop* loop;
  } acceptor;
  acceptor.servers = &servers;
  acceptor.loop = &loop_;
  std::string err;
  auto listener = setup_.server->listen(setup_.listen, {}, acceptor, &err);
  ASSERT_TRUE(listener) << err;

  std::vector<std::unique_ptr<Peer>> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(connect(listener->address()));
    clients.back()->send("ping" + std::to_string(i));
  }
  ASSERT_TRUE(pump_.until([&] {
    for (auto& c : clients)
      if (!c->eof) return false;
    return true;
  }));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(clients[i]->in, "pong:ping" + std::to_string(i));
    // The server's handle is gone; writing to it now lands in its lingering close.
    clients[i]->send("more bytes nobody reads");
    clients[i]->conn->close();
  }
  pump_.run(200);
  for (auto& s : servers) EXPECT_EQ(s->answered, 1);

  // And a client that answers the server's FIN with its own, then deletes its handle from on_closed.
  class SelfDeleting : public Peer {
   public:
    EventLoop* loop;
    void on_readable(Connection& c) override {
      Peer::on_readable(c);
      if (eof) c.shutdown_write();
    }
    void on_closed(Connection& c, CloseReason r) override {
      Peer::on_closed(c, r);
      loop->defer_delete(std::move(conn));
    }
  } self;
  self.loop = &loop_;
  self.conn = setup_.client->connect(listener->address(), self, &err);
  ASSERT_TRUE(self.conn) << err;
  self.send("ping!");
  ASSERT_TRUE(pump_.until([&] { return self.closed.has_value(); }));
  EXPECT_EQ(self.in, "pong:ping!");
  EXPECT_EQ(*self.closed, CloseReason::kClosed) << "FIN both ways";
  pump_.run(10);
  EXPECT_FALSE(self.conn);
}

TEST_P(TransportContract, TwoHundredConnectionsAtOnce) {
  const int kConns = 200;
  Acceptor acceptor;
  acceptor.on_new = [](Peer& p) { p.echo = true; };
  std::unique_ptr<Listener> listener;
  Address at = listen(*setup_.server, acceptor, &listener);
  std::vector<std::unique_ptr<Peer>> clients;
  for (int i = 0; i < kConns; ++i) {
    clients.push_back(connect(at));
    clients.back()->send("client " + std::to_string(i) + ";");
  }
  ASSERT_TRUE(pump_.until([&] {
    for (auto& c : clients)
      if (c->in.empty() || c->in.back() != ';') return false;
    return true;
  }));
  EXPECT_EQ(int(acceptor.peers.size()), kConns);
  std::set<uint16_t> ports;
  for (int i = 0; i < kConns; ++i) {
    EXPECT_EQ(clients[i]->in, "client " + std::to_string(i) + ";");
    ports.insert(clients[i]->conn->local_address().port);
    clients[i]->conn->close();
  }
  EXPECT_EQ(int(ports.size()), kConns);
  ASSERT_TRUE(pump_.until([&] {
    for (auto& p : acceptor.peers)
      if (!p->eof) return false;
    return true;
  }));
}

TEST_P(TransportContract, TwoServersShareOneListenAddress) {
  auto second = factory_->make_server_peer(loop_);
  if (!second) GTEST_SKIP() << "implementation has no second server worker";
  pump_.add(second.get());
  Acceptor a1, a2;
  std::unique_ptr<Listener> l1, l2;
  Address at = listen(*setup_.server, a1, &l1);
  ASSERT_EQ(listen(*second, a2, &l2, at), at);

  std::vector<std::unique_ptr<Peer>> clients;
  for (int i = 0; i < 64; ++i) clients.push_back(connect(at));
  ASSERT_TRUE(pump_.until([&] { return a1.peers.size() + a2.peers.size() == 64; }));
  EXPECT_GE(a1.peers.size(), 1u);
  EXPECT_GE(a2.peers.size(), 1u);
  for (auto& c : clients) EXPECT_TRUE(c->connected);
  pump_.remove(second.get());
  clients.clear();
  a1.peers.clear();
  a2.peers.clear();
  l2.reset();
  second.reset();  // whatever it still owned goes with it
}

TEST_P(TransportContract, HandlesOutliveTheirTransport) {
  Acceptor acceptor;
  std::unique_ptr<Listener> listener;
  std::unique_ptr<Peer> client;
  connect_pair(acceptor, &listener, &client);
  pump_.remove(setup_.server.get());
  pump_.remove(setup_.client.get());
  setup_.server.reset();
  setup_.client.reset();
  BufChain b;
  b.append_copy("anyone there?");
  EXPECT_EQ(client->conn->write(b), 0u);
  EXPECT_EQ(client->conn->read(b), 0u);
  EXPECT_FALSE(client->conn->is_open());
  client->conn->close();
  acceptor.peers.clear();
  listener.reset();
  client.reset();
}

}  // namespace
}  // namespace sluice::transport::testing
