// proxy_pass = "https://...": the upstream attempt is a client-role TlsConnection over the new
// connection. The test plays the TLS server on the fake upstream with OpenSSL over memory BIOs.
// Covered: the request travels encrypted only after the TCP connect; a certificate the location
// does not trust is a connect error (counted, next server, 502 when none is left; RFC 5280 6);
// keep-alive connections are pooled by TLS settings, never handed to a plain-HTTP location.
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tests/proxy/fixture.h"
#include "tests/tls/test_certs.h"

namespace sluice::testing {
namespace {

constexpr const char* kSecure = "GET /secure/x HTTP/1.1\r\nHost: example.test\r\n\r\n";
constexpr const char* kPlain = "GET /plain/x HTTP/1.1\r\nHost: example.test\r\n\r\n";

CertDir& certs() {
  static CertDir d;
  return d;
}
const CertFiles& cert(const std::string& name) {
  static CertFiles a = certs().make("a", CertSpec{"a.test", {"a.test"}, KeyKind::kEcdsaP256});
  static CertFiles b = certs().make("b", CertSpec{"b.test", {"b.test"}, KeyKind::kEcdsaP256});
  return name == "a" ? a : b;
}

// A TLS server on the far end of one fake upstream connection.
class TlsPeer {
 public:
  explicit TlsPeer(const CertFiles& files) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    EXPECT_EQ(SSL_CTX_use_certificate_chain_file(ctx_, files.cert.c_str()), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey_file(ctx_, files.key.c_str(), SSL_FILETYPE_PEM), 1);
    ssl_ = SSL_new(ctx_);
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl_, in_, out_);
    SSL_set_accept_state(ssl_);
  }
  ~TlsPeer() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }
  // Takes what the proxy wrote, decrypts it into `plain`, and sends what OpenSSL has to say.
  void pump(FakePeer& p) {
    if (p.output.size() > taken_) {
      BIO_write(in_, p.output.data() + taken_, int(p.output.size() - taken_));
      taken_ = p.output.size();
    }
    char buf[16384];
    int n;
    while ((n = SSL_read(ssl_, buf, sizeof buf)) > 0) plain.append(buf, size_t(n));
    ERR_clear_error();
    flush(p);
  }
  void send(FakePeer& p, const std::string& bytes) {
    SSL_write(ssl_, bytes.data(), int(bytes.size()));
    flush(p);
  }
  std::string plain;

 private:
  void flush(FakePeer& p) {
    char buf[16384];
    int n;
    std::string wire;
    while ((n = BIO_read(out_, buf, sizeof buf)) > 0) wire.append(buf, size_t(n));
    if (!wire.empty() && p.conn) p.send(wire);
  }
  SSL_CTX* ctx_;
  SSL* ssl_;
  BIO *in_, *out_;
  size_t taken_ = 0;
};

// "/secure/" proxies to https://10.0.0.7:443 (trusting a.test's certificate, name a.test), or to
// upstream "sec" (10.0.0.7:443, 10.0.0.8:443) when `two_servers`; "/plain/" to http://10.0.0.7:443.
std::shared_ptr<conf::Config> https_config(bool two_servers) {
  auto c = proxy_config();
  c->upstreams.push_back(upstream("sec", {"10.0.0.7:443", "10.0.0.8:443"}));
  conf::LocationConfig secure = proxy_location("/secure/");
  if (two_servers) secure.proxy.upstream = "sec";
  else secure.proxy.address = *transport::Address::parse("10.0.0.7:443");
  secure.proxy.proxy_host = "a.test";
  secure.proxy.ssl.emplace();
  secure.proxy.ssl->trusted_certificate = cert("a").cert;
  secure.proxy.ssl->name = "a.test";
  c->servers[0].locations.push_back(secure);
  conf::LocationConfig plain = proxy_location("/plain/");
  plain.proxy.address = *transport::Address::parse("10.0.0.7:443");
  plain.proxy.proxy_host = "10.0.0.7";
  c->servers[0].locations.push_back(plain);
  return c;
}

// Runs the TLS conversation on upstream connection `i` until it goes quiet (by index: a retry
// adds connections, which may move the vector).
void converse(ProxyHarness& h, TlsPeer& server, size_t i) {
  std::shared_ptr<FakePeer> peer = h.upstreams.conns[i].peer;
  for (int round = 0; round < 20; ++round) {
    server.pump(*peer);
    h.settle();
  }
}

TEST(ProxyHttps, RequestGoesEncryptedAfterTheHandshake) {
  ProxyHarness h(https_config(false));
  auto c = h.connect();
  h.send(*c, kSecure);
  ASSERT_EQ(h.upstreams.conns.size(), 1u);
  Upstream& u = h.upstreams.conns[0];
  ASSERT_FALSE(u.peer->output.empty());
  EXPECT_EQ(u.peer->output[0], '\x16');  // RFC 8446 5.1: a handshake record (the ClientHello) first
  TlsPeer server(cert("a"));
  converse(h, server, 0);
  EXPECT_EQ(u.peer->output.find("GET /secure/x"), std::string::npos);  // never in the clear
  ASSERT_EQ(server.plain.rfind("GET /secure/x HTTP/1.1\r\n", 0), 0u) << server.plain;
  EXPECT_NE(server.plain.find("\r\nHost: a.test\r\n"), std::string::npos) << server.plain;
  server.send(*u.peer, ok_response("secret"));
  converse(h, server, 0);
  auto r = parse_one(c->take());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "secret");
  EXPECT_EQ(h.rt->counters().tls_failures, 0u);
}

// The ClientHello waits for the transport's on_connected(): nothing goes to a connection that is
// still opening.
TEST(ProxyHttps, NothingIsWrittenBeforeTheTcpConnect) {
  ProxyHarness h(https_config(false));
  h.upstreams.modes[*transport::Address::parse("10.0.0.7:443")] = UpstreamTransport::Mode::kBlackHole;
  auto c = h.connect();
  h.send(*c, kSecure);
  ASSERT_EQ(h.upstreams.conns.size(), 1u);
  EXPECT_TRUE(h.upstreams.conns[0].peer->output.empty());
  h.advance(Duration::seconds(1));  // proxy_connect_timeout covers the TCP connect and the handshake
  EXPECT_EQ(parse_one(c->take()).status, 504);
}

// A certificate the location does not trust: each server is a connect error, then 502.
TEST(ProxyHttps, UntrustedCertificateFailsOverThen502) {
  ProxyHarness h(https_config(true));
  auto c = h.connect();
  h.send(*c, kSecure);
  std::vector<std::unique_ptr<TlsPeer>> servers;
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_EQ(h.upstreams.conns.size(), i + 1);
    servers.push_back(std::make_unique<TlsPeer>(cert("b")));  // b.test: not what the location trusts
    converse(h, *servers.back(), i);
  }
  EXPECT_EQ(parse_one(c->take()).status, 502);
  EXPECT_EQ(h.upstreams.conns.size(), 2u);
  EXPECT_EQ(h.rt->counters().tls_failures, 2u);
  EXPECT_EQ(h.rt->counters().connect_errors, 2u);
  EXPECT_EQ(h.rt->counters().retries, 1u);
}

// The pool is keyed on the TLS settings: the plain location to the same address opens its own
// connection, and the https location takes its kept TLS connection back.
TEST(ProxyHttps, KeptAliveTlsConnectionsServeOnlyHttpsLocations) {
  ProxyHarness h(https_config(false));
  auto c = h.connect();
  h.send(*c, kSecure);
  TlsPeer server(cert("a"));
  converse(h, server, 0);
  server.send(*h.upstreams.conns[0].peer, ok_response("one"));
  converse(h, server, 0);
  EXPECT_EQ(parse_one(c->take()).body, "one");
  h.send(*c, kPlain);
  ASSERT_EQ(h.upstreams.conns.size(), 2u);  // not the kept TLS connection
  EXPECT_EQ(h.upstreams.conns[1].peer->output.rfind("GET /plain/x HTTP/1.1\r\n", 0), 0u);
  h.answer(h.upstreams.conns[1], ok_response("plain"));
  EXPECT_EQ(parse_one(c->take()).body, "plain");
  h.send(*c, kSecure);
  converse(h, server, 0);
  EXPECT_EQ(h.upstreams.conns.size(), 2u);  // the kept TLS connection again
  EXPECT_NE(server.plain.find("GET /secure/x", 10), std::string::npos) << server.plain;
}

}  // namespace
}  // namespace sluice::testing
