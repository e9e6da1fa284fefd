// proxy_ssl_* in conf with real certificate files: paths resolve against the config's directory,
// and a client certificate is checked like [server.tls] ones (both files, valid, matching key).
#include <gtest/gtest.h>

#include "conf/load.h"
#include "tests/tls/test_certs.h"

namespace sluice::testing {
namespace {

class ConfProxySslTest : public ::testing::Test {
 protected:
  static CertDir& dir() {
    static CertDir d;
    return d;
  }
  static const CertFiles& files(const std::string& name) {
    static CertFiles a = dir().make("ca", CertSpec{"ca.test", {}, KeyKind::kEcdsaP256});
    static CertFiles c = dir().make("client", CertSpec{"client.test", {}, KeyKind::kEcdsaP256});
    static CertFiles old = dir().make("old", CertSpec{"old.test", {}, KeyKind::kEcdsaP256, -7200, -60});
    return name == "ca" ? a : name == "client" ? c : old;
  }

  // One location proxying to an https address; `keys` from line 6.
  conf::LoadResult load(const std::string& keys) {
    std::string toml =
        "[network]\nbackend = \"kernel\"\n"            // 1, 2
        "[[server]]\nlisten = [\"8080\"]\n"            // 3, 4
        "[[server.location]]\n"                         // 5
        + keys + "\nproxy_pass = \"https://198.18.1.2:8443\"\n";
    return conf::load_string(toml, "t.toml", dir().path());
  }
  std::vector<std::string> errors(const std::string& keys) {
    conf::LoadResult r = load(keys);
    EXPECT_FALSE(r.ok());
    std::vector<std::string> out;
    for (const auto& e : r.errors) out.push_back(e.to_string());
    return out;
  }
};

TEST_F(ConfProxySslTest, RelativePathsResolveAndLoad) {
  files("ca");
  files("client");
  conf::LoadResult r = load("path = \"/\"\nproxy_ssl_trusted_certificate = \"ca.pem\"\n"
                            "proxy_ssl_certificate = \"client.pem\"\nproxy_ssl_certificate_key = \"client.key\"");
  ASSERT_TRUE(r.ok()) << r.errors[0].to_string();
  const conf::ProxySslConfig& s = *r.config->servers[0].locations[0].proxy.ssl;
  EXPECT_TRUE(s.verify);
  EXPECT_EQ(s.trusted_certificate, dir().file("ca.pem"));
  EXPECT_EQ(s.certificate, dir().file("client.pem"));
  EXPECT_EQ(s.certificate_key, dir().file("client.key"));
  EXPECT_EQ(s.name, "198.18.1.2");
}

TEST_F(ConfProxySslTest, KeyMustMatchTheClientCertificate) {
  files("ca");
  files("client");
  auto e = errors("path = \"/\"\nproxy_ssl_trusted_certificate = \"ca.pem\"\n"
                  "proxy_ssl_certificate = \"client.pem\"\nproxy_ssl_certificate_key = \"ca.key\"");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0], "t.toml:9:29: server[0].location[0].proxy_ssl_certificate_key: " + dir().file("ca.key") +
                      " does not match the certificate in " + dir().file("client.pem"));
}

TEST_F(ConfProxySslTest, ExpiredClientCertificateIsRefused) {
  files("old");
  auto e = errors("path = \"/\"\nproxy_ssl_verify = false\n"
                  "proxy_ssl_certificate = \"old.pem\"\nproxy_ssl_certificate_key = \"old.key\"");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("t.toml:8:25: server[0].location[0].proxy_ssl_certificate: " + dir().file("old.pem") +
                      " expired on "), std::string::npos) << e[0];
}

TEST_F(ConfProxySslTest, AKeyIsNotATrustedCertificate) {
  files("ca");
  auto e = errors("path = \"/\"\nproxy_ssl_trusted_certificate = \"ca.key\"");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("proxy_ssl_trusted_certificate: " + dir().file("ca.key") + " holds no PEM certificate"),
            std::string::npos) << e[0];
}

}  // namespace
}  // namespace sluice::testing
