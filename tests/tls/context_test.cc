// Server contexts end to end over the in-memory pair: SNI (RFC 6066 3), certificate choice by
// signature algorithms (RFC 8446 4.4.2.2), ALPN (RFC 7301 3.2), OCSP stapling (RFC 6066 8), and
// resumption by ticket on another worker (RFC 8446 4.6.1, RFC 5077) or by the session cache.
#include <fstream>
#include <iterator>

#include "tests/tls/tls_harness.h"

namespace sluice::testing {
namespace {

std::string pair_toml(const CertFiles& c, const std::string& ocsp = "") {
  std::string s = "{ cert = \"" + c.cert + "\", key = \"" + c.key + "\"";
  if (!ocsp.empty()) s += ", ocsp_stapling_file = \"" + ocsp + "\"";
  return s + " }";
}

class TlsContextTest : public TlsBench {
 protected:
  // The client's session; TLS 1.3 tickets arrive after the handshake and were read by then.
  static SSL_SESSION* session_of(Link& l) { return SSL_get1_session(l.client->ssl()); }
};

TEST_F(TlsContextTest, SniPicksTheNamedServersCertificate) {
  load_servers({tls_server("\"a.test\"", pair_toml(cert("ecdsa"))), tls_server("\"b.test\"", pair_toml(cert("b")))});
  auto a = connect({.sni = "a.test"});
  auto b = connect({.sni = "B.Test"});
  auto none = connect({});
  auto other = connect({.sni = "c.test"});
  EXPECT_EQ(peer_common_name(a->client->ssl()), "a.test");
  EXPECT_EQ(peer_common_name(b->client->ssl()), "b.test");
  EXPECT_EQ(peer_common_name(none->client->ssl()), "a.test");   // no SNI: the first server
  EXPECT_EQ(peer_common_name(other->client->ssl()), "a.test");  // unknown: the first server
  EXPECT_EQ(workers[0]->counters().sni_unknown, 1u);
}

TEST_F(TlsContextTest, RsaAndEcdsaTogetherChosenBySignatureAlgorithms) {
  load_servers({tls_server("\"a.test\"", pair_toml(cert("rsa")) + ", " + pair_toml(cert("ecdsa")))});
  auto ec = connect({.sni = "a.test", .sigalgs = "ECDSA+SHA256"});
  auto rsa13 = connect({.sni = "a.test", .sigalgs = "rsa_pss_rsae_sha256"});
  auto rsa12 = connect({.sni = "a.test", .max_version = TLS1_2_VERSION, .sigalgs = "RSA+SHA256"});
  EXPECT_EQ(peer_key_type(ec->client->ssl()), "EC");
  EXPECT_EQ(peer_key_type(rsa13->client->ssl()), "RSA");
  EXPECT_EQ(peer_key_type(rsa12->client->ssl()), "RSA");
}

TEST_F(TlsContextTest, AlpnWithoutHttp11IsRefused) {
  load_servers({tls_server("\"a.test\"", pair_toml(cert("ecdsa")))});
  auto l = connect({.sni = "a.test", .alpn = "h2"});
  EXPECT_FALSE(l->server_tls()->handshake_done());
  EXPECT_EQ(workers[0]->counters().alpn_refused, 1u);
  EXPECT_EQ(workers[0]->counters().handshake_failures, 1u);
  auto none = connect({.sni = "a.test", .alpn = ""});  // no ALPN at all is fine
  EXPECT_TRUE(none->server_tls()->handshake_done());
  EXPECT_EQ(none->client->alpn(), "");
}

TEST_F(TlsContextTest, ModernProfileRefusesTls12) {
  load_servers({tls_server("\"a.test\"", pair_toml(cert("ecdsa")), "profile = \"modern\"")});
  auto l = connect({.sni = "a.test", .max_version = TLS1_2_VERSION});
  EXPECT_FALSE(l->server_tls()->handshake_done());
  EXPECT_EQ(workers[0]->counters().handshake_failures, 1u);
}

int capture_ocsp(SSL* s, void* arg) {
  const unsigned char* p = nullptr;
  long len = SSL_get_tlsext_status_ocsp_resp(s, &p);
  if (p) static_cast<std::string*>(arg)->assign(reinterpret_cast<const char*>(p), size_t(len));
  return 1;
}

TEST_F(TlsContextTest, OcspResponseIsStapledWhenAsked) {
  std::string ocsp = certs().make_ocsp("ecdsa", cert("ecdsa"));
  load_servers({tls_server("\"a.test\"", pair_toml(cert("ecdsa"), ocsp))});
  std::string stapled;
  SSL_CTX_set_tlsext_status_cb(client_ctx, capture_ocsp);
  SSL_CTX_set_tlsext_status_arg(client_ctx, &stapled);
  auto l = connect({.sni = "a.test", .want_ocsp = true});
  ASSERT_TRUE(l->client->handshake_done());
  std::ifstream f(ocsp, std::ios::binary);
  std::string expected((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(stapled, expected);
  EXPECT_EQ(workers[0]->counters().ocsp_stapled, 1u);
}

TEST_F(TlsContextTest, TicketFromOneWorkerResumesOnAnother) {
  load_servers({tls_server("\"a.test\"", pair_toml(cert("ecdsa")))});
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    auto first = connect({.sni = "a.test", .max_version = version}, 0);
    SSL_SESSION* s = session_of(*first);
    ASSERT_TRUE(s);
    auto again = connect({.sni = "a.test", .max_version = version, .session = s}, 1);
    EXPECT_TRUE(SSL_session_reused(again->client->ssl())) << version;
    SSL_SESSION_free(s);
  }
  EXPECT_EQ(workers[1]->counters().resumed, 2u);
}

// Clients keep the session of their latest connection (wrk, browsers): with TLS 1.3 that is
// resumable only if the resumption itself brought a fresh ticket (RFC 8446 C.4: one use each).
TEST_F(TlsContextTest, EveryResumptionHandsOutATicketForTheNext) {
  load_servers({tls_server("\"a.test\"", pair_toml(cert("ecdsa")))});
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    auto first = connect({.sni = "a.test", .max_version = version}, 0);
    SSL_SESSION* s = session_of(*first);
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(s);
      auto next = connect({.sni = "a.test", .max_version = version, .session = s}, i % 2);
      EXPECT_TRUE(SSL_session_reused(next->client->ssl())) << version << " connection " << i;
      SSL_SESSION_free(s);
      s = session_of(*next);
    }
    SSL_SESSION_free(s);
  }
}

TEST_F(TlsContextTest, RotatedKeysStillOpenOldTicketsThenForgetThem) {
  load_servers({tls_server("\"a.test\"", pair_toml(cert("ecdsa")))});
  auto first = connect({.sni = "a.test"}, 0);
  SSL_SESSION* s = session_of(*first);
  std::string err;
  auto ring2 = tls::TicketKeyRing::rotate(*ring, &err);
  workers[1]->set_ticket_keys(ring2);
  EXPECT_TRUE(SSL_session_reused(connect({.sni = "a.test", .session = s}, 1)->client->ssl()));
  auto ring3 = tls::TicketKeyRing::rotate(*ring2, &err);
  auto ring4 = tls::TicketKeyRing::rotate(*ring3, &err);  // the first key has left the ring
  workers[1]->set_ticket_keys(ring4);
  EXPECT_FALSE(SSL_session_reused(connect({.sni = "a.test", .session = s}, 1)->client->ssl()));
  SSL_SESSION_free(s);
}

TEST_F(TlsContextTest, TicketKeyFileIsSharedAcrossRestarts) {
  std::string key(80, '\0');
  for (size_t i = 0; i < key.size(); ++i) key[i] = char(i * 7 + 1);
  certs().write("ticket.key", key);
  load_servers({tls_server("\"a.test\"", pair_toml(cert("ecdsa")), "ticket_key_file = \"ticket.key\"")});
  auto first = connect({.sni = "a.test"}, 0);
  SSL_SESSION* s = session_of(*first);
  // A worker with different generated keys still resumes: the file's key is what counts.
  std::string err;
  workers[1]->set_ticket_keys(tls::TicketKeyRing::generate(&err));
  EXPECT_TRUE(SSL_session_reused(connect({.sni = "a.test", .session = s}, 1)->client->ssl()));
  SSL_SESSION_free(s);
}

TEST_F(TlsContextTest, WithoutTicketsTheSessionCacheResumesOnTheSameWorker) {
  load_servers({tls_server("\"a.test\"", pair_toml(cert("ecdsa")), "session_tickets = false")});
  auto first = connect({.sni = "a.test", .max_version = TLS1_2_VERSION}, 0);
  SSL_SESSION* s = session_of(*first);
  EXPECT_TRUE(SSL_session_reused(connect({.sni = "a.test", .max_version = TLS1_2_VERSION, .session = s}, 0)->client->ssl()));
  EXPECT_FALSE(SSL_session_reused(connect({.sni = "a.test", .max_version = TLS1_2_VERSION, .session = s}, 1)->client->ssl()));
  SSL_SESSION_free(s);
}

}  // namespace
}  // namespace sluice::testing
