// The client role for https upstreams: tls::ClientContext and wrap_client() against the real
// server side over an in-memory pair. The ClientHello waits for the TCP connect; the server's chain
// (RFC 5280 6) and name (RFC 6125 6) are verified; SNI follows RFC 6066 3; a client certificate
// is presented when configured.
#include <openssl/x509.h>

#include "tests/tls/tls_harness.h"
#include "tls/client_context.h"

namespace sluice::testing {
namespace {

class ClientContextTest : public TlsBench {
 protected:
  void SetUp() override {
    load_servers({tls_server("\"a.test\"", "{ cert = \"" + cert("ecdsa").cert + "\", key = \"" + cert("ecdsa").key + "\" }")});
  }

  // a.test's self-signed certificate is its own trust anchor.
  static conf::ProxySslConfig verified(const std::string& name = "a.test") {
    conf::ProxySslConfig c;
    c.trusted_certificate = cert("ecdsa").cert;
    c.name = name;
    return c;
  }

  struct Upstream {
    MemPipe pipe;
    App app, server_app;
    std::unique_ptr<transport::Connection> server;
    std::unique_ptr<tls::TlsConnection> client;
    tls::TlsConnection& server_tls() { return static_cast<tls::TlsConnection&>(*server); }
    // What the transport does when the active open completes.
    void tcp_connected() { pipe.state().side[0].handler->on_connected(*pipe.state().side[0].handle); }
  };

  // A client connection over a pipe whose TCP side has not connected yet; `server_setup` runs on
  // the server's SSL before the handshake.
  std::unique_ptr<Upstream> open(const conf::ProxySslConfig& cfg, void (*server_setup)(SSL*) = nullptr) {
    std::string err;
    std::shared_ptr<const tls::ClientContext> cc = tls::ClientContext::build(cfg, &err);
    EXPECT_TRUE(cc) << err;
    if (!cc) return nullptr;
    return open_with(cc, server_setup);
  }
  std::unique_ptr<Upstream> open_with(std::shared_ptr<const tls::ClientContext> cc, void (*server_setup)(SSL*) = nullptr,
                                      const transport::Address& peer = *transport::Address::parse("198.18.1.2:443")) {
    auto u = std::make_unique<Upstream>();
    std::string err;
    u->server = workers[0]->wrap_accepted(listen, u->pipe.end(1));
    u->server->set_handler(&u->server_app);
    u->server_app.conn = u->server.get();
    if (server_setup) server_setup(u->server_tls().ssl());
    tls::SslPtr ssl = cc->new_ssl(peer, &err);
    EXPECT_TRUE(ssl) << err;
    u->client = tls::wrap_client(client_side->runtime(), cc, std::move(ssl), u->pipe.end(0), Duration::seconds(10));
    u->client->set_handler(&u->app);
    u->app.conn = u->client.get();
    return u;
  }

  std::unique_ptr<Upstream> handshake(const conf::ProxySslConfig& cfg, void (*server_setup)(SSL*) = nullptr) {
    return finish(open(cfg, server_setup));
  }
  std::unique_ptr<Upstream> finish(std::unique_ptr<Upstream> u) {
    if (!u) return nullptr;
    u->pipe.pump(loop);
    u->tcp_connected();
    u->pipe.pump(loop);
    return u;
  }
};

TEST_F(ClientContextTest, ClientHelloWaitsForTheTcpConnect) {
  auto u = open(verified());
  ASSERT_TRUE(u);
  u->pipe.pump(loop);
  EXPECT_TRUE(u->pipe.state().side[1].inbound.empty());  // nothing written before on_connected()
  EXPECT_EQ(u->app.connected, 0);
  u->tcp_connected();
  u->pipe.pump(loop);
  EXPECT_EQ(u->app.connected, 1);  // once the handshake is done
  EXPECT_TRUE(u->client->handshake_done());
}

TEST_F(ClientContextTest, VerifiedHandshakeSendsSniAndCarriesData) {
  auto u = handshake(verified());
  ASSERT_TRUE(u);
  ASSERT_EQ(u->app.connected, 1) << u->client->error();
  EXPECT_EQ(u->server_tls().server_name(), "a.test");
  u->app.to_send.append_copy("GET / HTTP/1.1\r\n\r\n");
  u->app.push();
  u->pipe.pump(loop);
  EXPECT_EQ(u->server_app.received, "GET / HTTP/1.1\r\n\r\n");
  EXPECT_GE(SSL_version(u->client->ssl()), TLS1_2_VERSION);
}

// RFC 5280 6: a chain that does not lead to the configured CA fails the handshake.
TEST_F(ClientContextTest, UntrustedCertificateFailsWithTheReason) {
  conf::ProxySslConfig c = verified();
  c.trusted_certificate = cert("b").cert;  // another CA
  auto u = handshake(c);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->app.connected, 0);
  ASSERT_TRUE(u->app.closed);
  EXPECT_EQ(*u->app.closed, transport::CloseReason::kError);
  EXPECT_NE(u->client->error().find("certificate verify failed"), std::string::npos) << u->client->error();
  EXPECT_NE(u->client->error().find("self-signed certificate"), std::string::npos) << u->client->error();
}

// RFC 6125 6: the certificate must name proxy_ssl_name.
TEST_F(ClientContextTest, NameMismatchFails) {
  auto u = handshake(verified("other.test"));
  ASSERT_TRUE(u);
  EXPECT_EQ(u->app.connected, 0);
  ASSERT_TRUE(u->app.closed);
  EXPECT_NE(u->client->error().find("hostname mismatch"), std::string::npos) << u->client->error();
}

TEST_F(ClientContextTest, VerifyOffAcceptsAnyCertificate) {
  conf::ProxySslConfig c;
  c.verify = false;
  c.name = "other.test";
  auto u = handshake(c);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->app.connected, 1) << u->client->error();
}

// RFC 6066 3: no IP literal in server_name; proxy_ssl_server_name = false sends none at all.
TEST_F(ClientContextTest, NoSniForIpLiteralsOrWhenOff) {
  conf::ProxySslConfig c;
  c.verify = false;
  c.name = "198.18.1.2";
  auto u = handshake(c);
  ASSERT_TRUE(u);
  ASSERT_EQ(u->app.connected, 1);
  EXPECT_EQ(u->server_tls().server_name(), "");
  c = verified();
  c.server_name = false;
  u = handshake(c);
  ASSERT_TRUE(u);
  ASSERT_EQ(u->app.connected, 1) << u->client->error();  // still verified against a.test
  EXPECT_EQ(u->server_tls().server_name(), "");
}

int accept_any(int, X509_STORE_CTX*) { return 1; }

TEST_F(ClientContextTest, ClientCertificateIsPresented) {
  conf::ProxySslConfig c = verified();
  c.certificate = cert("b").cert;
  c.certificate_key = cert("b").key;
  auto u = handshake(c, [](SSL* s) { SSL_set_verify(s, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any); });
  ASSERT_TRUE(u);
  ASSERT_EQ(u->app.connected, 1) << u->client->error();
  u->app.to_send.append_copy("x");
  u->app.push();
  u->pipe.pump(loop);  // TLS 1.3: the server checks the client's certificate after the client is done
  EXPECT_EQ(peer_common_name(u->server_tls().ssl()), "b.test");
}

TEST_F(ClientContextTest, BuildRefusesAKeyThatDoesNotMatch) {
  conf::ProxySslConfig c = verified();
  c.certificate = cert("b").cert;
  c.certificate_key = cert("ecdsa").key;
  std::string err;
  EXPECT_FALSE(tls::ClientContext::build(c, &err));
  EXPECT_NE(err.find(cert("ecdsa").key), std::string::npos) << err;
}

// RFC 8446 2.2: the session a server gave is resumed on the next connection to it, once
// (RFC 8446 C.4), and never offered to another server.
TEST_F(ClientContextTest, SessionsResumePerServer) {
  std::string err;
  std::shared_ptr<const tls::ClientContext> cc = tls::ClientContext::build(verified(), &err);
  ASSERT_TRUE(cc) << err;
  auto first = finish(open_with(cc));
  ASSERT_TRUE(first && first->app.connected == 1);
  EXPECT_FALSE(SSL_session_reused(first->client->ssl()));
  auto other = finish(open_with(cc, nullptr, *transport::Address::parse("198.18.1.3:443")));
  ASSERT_TRUE(other && other->app.connected == 1);
  EXPECT_FALSE(SSL_session_reused(other->client->ssl()));
  auto second = finish(open_with(cc));
  ASSERT_TRUE(second && second->app.connected == 1) << second->client->error();
  EXPECT_TRUE(SSL_session_reused(second->client->ssl()));
  EXPECT_EQ(second->app.connected, 1);
}

TEST_F(ClientContextTest, HandshakeTimeoutIsReported) {
  auto u = open(verified());
  ASSERT_TRUE(u);
  clock.t = clock.t + Duration::seconds(11);  // the TCP side never connects
  loop.update_time();
  loop.run_due();
  ASSERT_TRUE(u->app.closed);
  EXPECT_EQ(*u->app.closed, transport::CloseReason::kTimedOut);
  EXPECT_EQ(u->client->error(), "TLS handshake timed out");
}

}  // namespace
}  // namespace sluice::testing
