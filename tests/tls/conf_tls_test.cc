// [server.tls] in conf: what `sluice -t` accepts and the FILE:LINE:COL messages for what it refuses.
#include <gtest/gtest.h>

#include "conf/load.h"
#include "tests/tls/test_certs.h"

namespace sluice::testing {
namespace {

class ConfTlsTest : public ::testing::Test {
 protected:
  static CertDir& dir() {
    static CertDir d;
    return d;
  }
  static const CertFiles& rsa() {
    static CertFiles f = dir().make("rsa", CertSpec{"a.test", {"a.test"}, KeyKind::kRsa2048});
    return f;
  }
  static const CertFiles& ec() {
    static CertFiles f = dir().make("ec", CertSpec{"a.test", {"a.test"}, KeyKind::kEcdsaP256});
    return f;
  }
  static const CertFiles& ec2() {
    static CertFiles f = dir().make("ec2", CertSpec{"b.test", {"b.test"}, KeyKind::kEcdsaP256});
    return f;
  }

  // One server on 127.0.0.1:8443 whose [server.tls] body is `tls` (line 7 onwards).
  conf::LoadResult load(const std::string& tls, const std::string& more = "") {
    std::string toml =
        "[network]\n"                                    // 1
        "backend = \"kernel\"\n"                         // 2
        "[[server]]\n"                                   // 3
        "listen = [\"127.0.0.1:8443\"]\n"                // 4
        "[[server.location]]\n"                          // 5
        "path = \"/\"\nroot = \".\"\n"                   // 6, 7
        "[server.tls]\n" +                               // 8
        tls + "\n" + more;
    return conf::load_string(toml, "t.toml", dir().path());
  }
  static std::string pair(const CertFiles& c) { return "{ cert = \"" + c.cert + "\", key = \"" + c.key + "\" }"; }
  static std::string all_errors(const conf::LoadResult& r) {
    std::string s;
    for (const auto& e : r.errors) s += e.to_string() + "\n";
    return s;
  }
};

TEST_F(ConfTlsTest, RsaAndEcdsaWithDefaultsLoad) {
  auto r = load("certificates = [" + pair(rsa()) + ", " + pair(ec()) + "]");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  const conf::TlsConfig& t = *r.config->servers[0].tls;
  ASSERT_EQ(t.certificates.size(), 2u);
  EXPECT_EQ(t.certificates[0].key_type, "RSA");
  EXPECT_EQ(t.certificates[1].key_type, "ECDSA");
  EXPECT_TRUE(t.tls1_2 && t.tls1_3);
  EXPECT_NE(t.ciphers.find("ECDHE-ECDSA-AES128-GCM-SHA256"), std::string::npos);
  EXPECT_TRUE(t.session_tickets);
  EXPECT_EQ(t.ticket_key_rotation, Duration::seconds(12 * 3600));
  EXPECT_EQ(t.line, 8);
}

TEST_F(ConfTlsTest, ModernProfileAndExplicitProtocols) {
  auto modern = load("certificates = [" + pair(ec()) + "]\nprofile = \"modern\"");
  ASSERT_TRUE(modern.ok()) << all_errors(modern);
  EXPECT_FALSE(modern.config->servers[0].tls->tls1_2);
  auto only12 = load("certificates = [" + pair(ec()) + "]\nprotocols = [\"TLSv1.2\"]");
  ASSERT_TRUE(only12.ok()) << all_errors(only12);
  EXPECT_FALSE(only12.config->servers[0].tls->tls1_3);
}

TEST_F(ConfTlsTest, MismatchedKeyIsRefusedAtTheKey) {
  auto r = load("certificates = [ { cert = \"" + rsa().cert + "\", key = \"" + ec().key + "\" } ]");
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.errors[0].line, 9);
  EXPECT_GT(r.errors[0].col, 1);
  EXPECT_NE(r.errors[0].message.find("server[0].tls.certificates[0].key"), std::string::npos);
  EXPECT_NE(r.errors[0].message.find("does not match the certificate"), std::string::npos) << all_errors(r);
}

TEST_F(ConfTlsTest, ExpiredAndNotYetValidCertificatesAreRefused) {
  CertFiles old = dir().make("old", CertSpec{"a.test", {}, KeyKind::kEcdsaP256, -86400 * 30, -86400});
  auto r = load("certificates = [" + pair(old) + "]");
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  EXPECT_NE(r.errors[0].message.find("expired on"), std::string::npos) << all_errors(r);
  EXPECT_EQ(r.errors[0].to_string().rfind("t.toml:9:", 0), 0u) << all_errors(r);
  CertFiles future = dir().make("future", CertSpec{"a.test", {}, KeyKind::kEcdsaP256, 86400, 86400 * 30});
  auto f = load("certificates = [" + pair(future) + "]");
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_NE(f.errors[0].message.find("is not valid until"), std::string::npos);
}

TEST_F(ConfTlsTest, MissingUnreadableAndNotPemFiles) {
  dir().write("junk.pem", "not a certificate\n");
  auto r = load("certificates = [ { cert = \"nope.pem\", key = \"junk.pem\" } ]");
  std::string all = all_errors(r);
  EXPECT_NE(all.find("nope.pem does not exist"), std::string::npos) << all;
  EXPECT_NE(all.find("junk.pem holds no PEM private key"), std::string::npos) << all;
  auto missing = load("certificates = [ { cert = \"" + ec().cert + "\" } ]");
  EXPECT_NE(all_errors(missing).find("key: missing"), std::string::npos) << all_errors(missing);
}

TEST_F(ConfTlsTest, WeakKeysAndTwoCertificatesOfOneType) {
  CertFiles weak = dir().make("weak", CertSpec{"a.test", {}, KeyKind::kRsa1024});
  auto r = load("certificates = [" + pair(weak) + "]");
  EXPECT_NE(all_errors(r).find("RSA key of 1024 bits"), std::string::npos) << all_errors(r);
  auto twice = load("certificates = [" + pair(ec()) + ", " + pair(ec2()) + "]");
  EXPECT_NE(all_errors(twice).find("a second ECDSA certificate"), std::string::npos) << all_errors(twice);
}

TEST_F(ConfTlsTest, BadProtocolsCiphersAndTicketKeys) {
  dir().write("short.key", std::string(32, 'k'));
  auto r = load("certificates = [" + pair(ec()) +
                "]\nprotocols = [\"TLSv1.1\", \"TLSv9\"]\nciphersuites = \"TLS_NOPE\"\nticket_key_file = \"short.key\""
                "\nticket_key_rotation = \"1s\"\nsesion_cache = 5");
  std::string all = all_errors(r);
  EXPECT_NE(all.find("\"TLSv1.1\" is deprecated (RFC 8996)"), std::string::npos) << all;
  EXPECT_NE(all.find("expected \"TLSv1.2\" or \"TLSv1.3\""), std::string::npos) << all;
  EXPECT_NE(all.find("ciphersuites: \"TLS_NOPE\""), std::string::npos) << all;
  EXPECT_NE(all.find("has 32 bytes"), std::string::npos) << all;
  EXPECT_NE(all.find("ticket_key_rotation"), std::string::npos) << all;
  EXPECT_NE(all.find("session_cache"), std::string::npos) << all;  // did you mean
}

TEST_F(ConfTlsTest, ServersSharingAnAddressMustAgreeOnTls) {
  std::string plain = "[[server]]\nlisten = [\"127.0.0.1:8443\"]\n[[server.location]]\npath = \"/\"\nroot = \".\"\n";
  auto mixed = load("certificates = [" + pair(ec()) + "]", plain);
  EXPECT_NE(all_errors(mixed).find("only one of them has [server.tls]"), std::string::npos) << all_errors(mixed);
  std::string other = plain + "[server.tls]\ncertificates = [" + pair(ec2()) + "]\nprotocols = [\"TLSv1.3\"]\n";
  auto differ = load("certificates = [" + pair(ec()) + "]", other);
  EXPECT_NE(all_errors(differ).find("protocols/ciphers/groups differ"), std::string::npos) << all_errors(differ);
  std::string same = plain + "[server.tls]\ncertificates = [" + pair(ec2()) + "]\n";
  auto ok = load("certificates = [" + pair(ec()) + "]", same);
  EXPECT_TRUE(ok.ok()) << all_errors(ok);
}

TEST_F(ConfTlsTest, OcspFileMustBeASuccessfulResponse) {
  dir().write("bad.ocsp", "garbage");
  auto bad = load("certificates = [ { cert = \"" + ec().cert + "\", key = \"" + ec().key +
                  "\", ocsp_stapling_file = \"bad.ocsp\" } ]");
  EXPECT_NE(all_errors(bad).find("is not a DER OCSP response"), std::string::npos) << all_errors(bad);
  std::string good = dir().make_ocsp("ec", ec());
  auto ok = load("certificates = [ { cert = \"" + ec().cert + "\", key = \"" + ec().key +
                 "\", ocsp_stapling_file = \"" + good + "\" } ]");
  EXPECT_TRUE(ok.ok()) << all_errors(ok);
}

}  // namespace
}  // namespace sluice::testing
