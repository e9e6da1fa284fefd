// TlsConnection over an in-memory connection pair: handshakes (RFC 8446, RFC 5246), data both ways
// under backpressure, closure (RFC 8446 6.1), errors, the handshake timeout and the Drain.
#include <random>

#include "tests/tls/tls_harness.h"

namespace sluice::testing {
namespace {

class TlsConnectionTest : public TlsBench {
 protected:
  void SetUp() override {
    load_servers({tls_server("\"a.test\"", "{ cert = \"" + cert("ecdsa").cert + "\", key = \"" + cert("ecdsa").key + "\" }")});
  }
  const tls::TlsCounters& server_counters() { return workers[0]->counters(); }
};

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = char(rng());
  return s;
}

// Queues `bytes` in `app` as slices of varying sizes (1 byte to 20 KiB).
void queue_mixed(App& app, const std::string& bytes, unsigned seed) {
  std::mt19937 rng(seed);
  for (size_t i = 0; i < bytes.size();) {
    size_t n = std::min(bytes.size() - i, size_t(1 + rng() % 20000));
    app.to_send.append_copy(std::string_view(bytes).substr(i, n));
    i += n;
  }
}

TEST_F(TlsConnectionTest, Tls13HandshakeNegotiatesAlpnHttp11) {
  auto l = connect({.sni = "a.test"});
  ASSERT_TRUE(l->client->handshake_done());
  ASSERT_TRUE(l->server_tls()->handshake_done());
  EXPECT_EQ(SSL_version(l->client->ssl()), TLS1_3_VERSION);
  EXPECT_EQ(l->client->alpn(), "http/1.1");
  EXPECT_EQ(l->server_tls()->server_name(), "a.test");
  EXPECT_EQ(l->client_app.connected, 1);  // a client hears on_connected once TLS is up
  EXPECT_EQ(server_counters().handshakes, 1u);
  EXPECT_EQ(server_counters().tls1_3, 1u);
}

TEST_F(TlsConnectionTest, Tls12Handshake) {
  auto l = connect({.sni = "a.test", .max_version = TLS1_2_VERSION});
  ASSERT_TRUE(l->server_tls()->handshake_done());
  EXPECT_EQ(SSL_version(l->server_tls()->ssl()), TLS1_2_VERSION);
  EXPECT_EQ(server_counters().tls1_2, 1u);
  EXPECT_EQ(l->client->alpn(), "http/1.1");
}

TEST_F(TlsConnectionTest, HandshakeInOneByteSlices) {
  auto l = connect({.sni = "a.test"}, 0, SIZE_MAX, 1);
  EXPECT_TRUE(l->server_tls()->handshake_done());
}

TEST_F(TlsConnectionTest, DataBothWaysByteExactUnderBackpressure) {
  // 3000 bytes in flight per direction: every record needs several rounds of on_writable.
  auto l = connect({.sni = "a.test"}, 0, 3000, 700);
  ASSERT_TRUE(l->server_tls()->handshake_done());
  std::string up = random_bytes(1 << 20, 1), down = random_bytes((1 << 20) + 12345, 2);
  queue_mixed(l->client_app, up, 3);
  queue_mixed(l->server_app, down, 4);
  l->client_app.push();
  l->server_app.push();
  pump(*l);
  EXPECT_TRUE(l->client_app.to_send.empty());
  EXPECT_TRUE(l->server_app.to_send.empty());
  EXPECT_EQ(l->server_app.received.size(), up.size());
  EXPECT_TRUE(l->server_app.received == up);
  EXPECT_TRUE(l->client_app.received == down);
  EXPECT_GT(l->server_app.writable, 10);  // backpressure really happened
}

TEST_F(TlsConnectionTest, WriteAcceptsOnlyWhatTheInnerConnectionTakes) {
  auto l = connect({.sni = "a.test"}, 0, 50000);
  std::string bytes = random_bytes(200000, 5);
  BufChain big;
  big.append_copy(bytes);
  size_t space = l->server->write_space();
  EXPECT_EQ(space, tls::TlsConnection::plaintext_fitting(50000));
  size_t n = l->server->write(big);
  EXPECT_GE(n, space);
  EXPECT_LE(n, space + 4096 + 1024);
  // Records are sized to the space left; the last one overflows it so that the inner connection's
  // short write brings on_writable() back. Only that one record waits here.
  EXPECT_GT(l->server->unsent_bytes(), 0u);
  EXPECT_LE(l->server->unsent_bytes(), 4096u + 128u);
  EXPECT_EQ(l->server->write_space(), 0u);
  l->server_app.to_send = std::move(big);  // the rest goes as on_writable() allows
  pump(*l);
  EXPECT_TRUE(l->client_app.received == bytes);
}

TEST_F(TlsConnectionTest, SlowReaderPushesBack) {
  auto l = connect({.sni = "a.test"}, 0, 20000);
  l->server_app.read_enabled = false;
  l->client_app.to_send.append_copy(random_bytes(1 << 20, 6));
  l->client_app.push();
  pump(*l);
  // The server buffers at most kPlainCap of plaintext plus what the pipe holds; the rest waits.
  EXPECT_FALSE(l->client_app.to_send.empty());
  l->server_app.read_enabled = true;
  for (int i = 0; i < 5 && l->server_app.received.size() < (1u << 20); ++i) {
    l->server_app.drain(*l->server);  // reading pulls more, which reopens the window
    pump(*l);
  }
  EXPECT_TRUE(l->client_app.to_send.empty());
  EXPECT_TRUE(l->server_app.received == random_bytes(1 << 20, 6));
}

TEST_F(TlsConnectionTest, WriteBeforeHandshakeIsRefusedThenOnWritable) {
  MemPipe pipe;
  App app;
  auto server = workers[0]->wrap_accepted(listen, pipe.end(1));
  server->set_handler(&app);
  BufChain data;
  data.append_copy("early");
  EXPECT_EQ(server->write(data), 0u);
  EXPECT_EQ(server->write_space(), 0u);
  // The client arrives; the server owes on_writable once the handshake is done.
  SSL* ssl = SSL_new(client_ctx);
  SSL_set_connect_state(ssl);
  App capp;
  tls::TlsConnection client(client_side->runtime(), pipe.end(0), tls::SslPtr(ssl), Duration::seconds(5));
  client.set_handler(&capp);
  client.start();
  pipe.pump(loop);
  EXPECT_EQ(app.writable, 1);
}

TEST_F(TlsConnectionTest, CloseSendsCloseNotify) {
  auto l = connect({.sni = "a.test"});
  l->server_app.to_send.append_copy("last words");
  l->server_app.push();
  l->server->close();
  pump(*l);
  EXPECT_EQ(l->client_app.received, "last words");
  EXPECT_TRUE(l->client_app.eof);
  EXPECT_EQ(client_side->counters().close_notify, 1u);
  EXPECT_EQ(client_side->counters().eof_without_close_notify, 0u);
}

TEST_F(TlsConnectionTest, ShutdownWriteKeepsReading) {
  auto l = connect({.sni = "a.test"});
  l->server->shutdown_write();
  pump(*l);
  EXPECT_TRUE(l->client_app.eof);
  l->client_app.to_send.append_copy("after half close");
  l->client_app.push();
  pump(*l);
  EXPECT_EQ(l->server_app.received, "after half close");
}

TEST_F(TlsConnectionTest, BareFinIsEndOfStreamNotError) {
  auto l = connect({.sni = "a.test"});
  l->pipe.state().side[1].eof = true;  // the client's TCP FIN without close_notify
  l->pipe.state().side[1].readable_pending = true;
  pump(*l);
  EXPECT_TRUE(l->server_app.eof);
  EXPECT_FALSE(l->server_app.closed.has_value());
  EXPECT_EQ(server_counters().eof_without_close_notify, 1u);
}

TEST_F(TlsConnectionTest, CorruptedRecordIsAnErrorNotACrash) {
  auto l = connect({.sni = "a.test"});
  l->client_app.to_send.append_copy("hello");
  l->client_app.push();
  // Flip a byte inside the record before the server reads it.
  std::string wire = l->pipe.state().side[1].inbound.to_string();
  ASSERT_GT(wire.size(), 10u);
  wire[wire.size() - 3] ^= 0x55;
  l->pipe.state().side[1].inbound.clear();
  l->pipe.state().side[1].inbound.append_copy(wire);
  pump(*l);
  ASSERT_TRUE(l->server_app.closed.has_value());
  EXPECT_EQ(*l->server_app.closed, transport::CloseReason::kError);
  EXPECT_EQ(server_counters().record_errors, 1u);
  EXPECT_EQ(l->server_app.received, "");
  // OpenSSL's bad_record_mac alert reached the client, which fails too.
  ASSERT_TRUE(l->client_app.closed.has_value());
  EXPECT_EQ(*l->client_app.closed, transport::CloseReason::kError);
}

TEST_F(TlsConnectionTest, GarbageInsteadOfClientHelloFailsTheHandshake) {
  MemPipe pipe;
  App app;
  auto server = workers[0]->wrap_accepted(listen, pipe.end(1));
  server->set_handler(&app);
  auto client = pipe.end(0);
  BufChain junk;
  junk.append_copy("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n");
  client->write(junk);
  pipe.pump(loop);
  ASSERT_TRUE(app.closed.has_value());
  EXPECT_EQ(*app.closed, transport::CloseReason::kError);
  EXPECT_EQ(server_counters().handshake_failures, 1u);
  EXPECT_TRUE(pipe.state().side[1].closed);
}

TEST_F(TlsConnectionTest, PeerLeavingMidHandshakeIsCountedQuietly) {
  MemPipe pipe;
  App app;
  auto server = workers[0]->wrap_accepted(listen, pipe.end(1));
  server->set_handler(&app);
  pipe.end(0).reset();  // connect and close at once, as port scanners do
  pipe.pump(loop);
  ASSERT_TRUE(app.closed.has_value());
  EXPECT_EQ(*app.closed, transport::CloseReason::kClosed);
  EXPECT_EQ(server_counters().handshake_eof, 1u);
  EXPECT_EQ(server_counters().handshake_failures, 0u);
}

TEST_F(TlsConnectionTest, HandshakeTimeout) {
  MemPipe pipe;
  App app;
  auto server = workers[0]->wrap_accepted(listen, pipe.end(1));
  server->set_handler(&app);
  clock.t = clock.t + Duration::seconds(11);  // handshake_timeout defaults to 10s
  loop.update_time();
  loop.run_due();
  ASSERT_TRUE(app.closed.has_value());
  EXPECT_EQ(*app.closed, transport::CloseReason::kTimedOut);
  EXPECT_EQ(server_counters().handshake_timeouts, 1u);
  EXPECT_TRUE(pipe.state().side[1].closed);
}

TEST_F(TlsConnectionTest, CloseWithRecordsWaitingHandsThemToTheDrain) {
  auto l = connect({.sni = "a.test"}, 0, 2000);
  std::string body = random_bytes(100000, 7);
  BufChain data;
  data.append_copy(body);
  size_t accepted = l->server->write(data);  // what fits in 2000 bytes
  accepted += l->server->write(data);        // no room: 4 KiB are encrypted anyway, and wait
  EXPECT_GT(l->server->unsent_bytes(), 0u);
  l->server->close();
  l->server.reset();     // the application is gone
  EXPECT_EQ(workers[0]->draining(), 1u);
  EXPECT_EQ(workers[0]->counters().drained, 1u);
  pump(*l);
  EXPECT_EQ(workers[0]->draining(), 0u);
  EXPECT_TRUE(l->client_app.eof);  // everything accepted arrived, then close_notify
  EXPECT_TRUE(l->client_app.received == body.substr(0, accepted));
  EXPECT_EQ(client_side->counters().close_notify, 1u);
}

TEST(TlsFitting, RecordOverheadIsReserved) {
  EXPECT_EQ(tls::TlsConnection::plaintext_fitting(0), 0u);
  EXPECT_EQ(tls::TlsConnection::plaintext_fitting(256), 0u);
  EXPECT_EQ(tls::TlsConnection::plaintext_fitting(1000), 1000u - 256u);
  EXPECT_EQ(tls::TlsConnection::plaintext_fitting(128 + 2 * (16384 + 128)), 2u * 16384u);
}

}  // namespace
}  // namespace sluice::testing
