// [[upstream]] and the location proxy keys: values, defaults, and every error with its position.
#include <gtest/gtest.h>

#include "conf/load.h"
#include "tests/conf/temp_dir.h"

namespace sluice::conf {
namespace {

using testing::TempDir;
using Lines = std::vector<std::string>;

// Lines 1..4; an [[upstream]] snippet follows from line 5, then the server.
constexpr const char* kHead = R"([network]
backend = "kernel"
[http]
client_max_body_size = "1m"
)";

class UpstreamTest : public ::testing::Test {
 protected:
  LoadResult load(const std::string& text) { return load_string(text, "sluice.toml", dir.path()); }
  // kHead, `upstreams` (from line 5), then one server whose only location has `location` keys.
  std::string file(const std::string& upstreams, const std::string& location) {
    return std::string(kHead) + upstreams + "[[server]]\nlisten = [\"8080\"]\n[[server.location]]\npath = \"/api/\"\n" +
           location;
  }
  Lines errors(const std::string& text) {
    LoadResult r = load(text);
    EXPECT_FALSE(r.ok());
    Lines out;
    for (const Error& e : r.errors) out.push_back(e.to_string());
    return out;
  }
  TempDir dir;
};

constexpr const char* kApp = R"([[upstream]]
name = "app"
servers = [ { address = "198.18.1.2:8080", weight = 2 },
            { address = "198.18.1.3:8080", backup = true } ]
)";

TEST_F(UpstreamTest, IssueExampleLoads) {
  LoadResult r = load(file(std::string(kApp) + "balance = \"round_robin\"\nkeepalive = 32\n", "proxy_pass = \"app\"\n"));
  ASSERT_TRUE(r.ok()) << r.errors[0].to_string();
  ASSERT_EQ(r.config->upstreams.size(), 1u);
  const UpstreamConfig& u = r.config->upstreams[0];
  EXPECT_EQ(u.name, "app");
  EXPECT_EQ(u.balance, Balance::kRoundRobin);
  EXPECT_EQ(u.keepalive, 32u);
  ASSERT_EQ(u.servers.size(), 2u);
  EXPECT_EQ(u.servers[0].address.to_string(), "198.18.1.2:8080");
  EXPECT_EQ(u.servers[0].weight, 2u);
  EXPECT_FALSE(u.servers[0].backup);
  EXPECT_TRUE(u.servers[1].backup);
  EXPECT_EQ(u.servers[1].max_fails, 1u);
  EXPECT_EQ(u.servers[1].fail_timeout, Duration::seconds(10));
  const LocationConfig& loc = r.config->servers[0].locations[0];
  EXPECT_EQ(loc.proxy_pass, "app");
  EXPECT_EQ(loc.proxy.upstream, "app");
  EXPECT_FALSE(loc.proxy.address);
  EXPECT_FALSE(loc.proxy.uri);
  EXPECT_EQ(loc.proxy.proxy_host, "app");
  EXPECT_EQ(loc.proxy.next_upstream, unsigned(kNextError | kNextTimeout | kNextHttp502 | kNextHttp503));
  EXPECT_FALSE(loc.proxy.request_buffering);
}

TEST_F(UpstreamTest, EveryKey) {
  std::string up = R"([[upstream]]
name = "cdn"
balance = "hash"
hash = "$request_uri"
hash_points = 40
keepalive = 8
keepalive_timeout = "5s"
keepalive_requests = 100
servers = [ { address = "10.0.0.1:81", weight = 3, max_fails = 2, fail_timeout = "30s" },
            { address = "10.0.0.2", down = true } ]
health_check = { path = "/health", host = "h.test", interval = "2s", timeout = "500ms", rise = 3, fall = 4 }
)";
  std::string loc = R"(proxy_pass = "http://cdn/v1/"
proxy_connect_timeout = "1s"
proxy_send_timeout = "2s"
proxy_read_timeout = "3s"
proxy_next_upstream = ["error", "http_500", "non_idempotent"]
proxy_next_upstream_tries = 2
proxy_set_header = { "X-Real-IP" = "", "X-Key" = "k-$host" }
proxy_hide_header = ["X-Powered-By"]
proxy_host = "backend.test"
proxy_buffer_size = "16k"
via = true
proxy_request_buffering = true
proxy_websocket = false
proxy_redirect = false
)";
  LoadResult r = load(file(up, loc));
  ASSERT_TRUE(r.ok()) << r.errors[0].to_string();
  const UpstreamConfig& u = r.config->upstreams[0];
  EXPECT_EQ(u.balance, Balance::kHash);
  EXPECT_EQ(u.hash, "$request_uri");
  EXPECT_EQ(u.hash_points, 40u);
  EXPECT_EQ(u.keepalive, 8u);
  EXPECT_EQ(u.keepalive_timeout, Duration::seconds(5));
  EXPECT_EQ(u.keepalive_requests, 100u);
  EXPECT_EQ(u.servers[0].max_fails, 2u);
  EXPECT_EQ(u.servers[0].fail_timeout, Duration::seconds(30));
  EXPECT_EQ(u.servers[1].address.to_string(), "10.0.0.2:80");
  EXPECT_TRUE(u.servers[1].down);
  ASSERT_TRUE(u.health_check);
  EXPECT_EQ(u.health_check->path, "/health");
  EXPECT_EQ(u.health_check->host, "h.test");
  EXPECT_EQ(u.health_check->interval, Duration::seconds(2));
  EXPECT_EQ(u.health_check->timeout, Duration::millis(500));
  EXPECT_EQ(u.health_check->rise, 3u);
  EXPECT_EQ(u.health_check->fall, 4u);
  const ProxyConfig& p = r.config->servers[0].locations[0].proxy;
  EXPECT_EQ(p.upstream, "cdn");
  EXPECT_EQ(p.uri, "/v1/");
  EXPECT_EQ(p.connect_timeout, Duration::seconds(1));
  EXPECT_EQ(p.send_timeout, Duration::seconds(2));
  EXPECT_EQ(p.read_timeout, Duration::seconds(3));
  EXPECT_EQ(p.next_upstream, unsigned(kNextError | kNextHttp500 | kNextNonIdempotent));
  EXPECT_EQ(p.next_upstream_tries, 2u);
  ASSERT_EQ(p.set_header.size(), 2u);  // TOML tables are ordered by key
  EXPECT_EQ(p.set_header[0], (std::pair<std::string, std::string>("X-Key", "k-$host")));
  EXPECT_EQ(p.set_header[1], (std::pair<std::string, std::string>("X-Real-IP", "")));
  EXPECT_EQ(p.hide_header, std::vector<std::string>{"X-Powered-By"});
  EXPECT_EQ(p.proxy_host, "backend.test");
  EXPECT_EQ(p.buffer_size, 16u * 1024);
  EXPECT_TRUE(p.via);
  EXPECT_TRUE(p.request_buffering);
  EXPECT_FALSE(p.websocket);
  EXPECT_FALSE(p.redirect);
}

TEST_F(UpstreamTest, UrlProxyPass) {
  LoadResult r = load(file("", "proxy_pass = \"http://127.0.0.1:9000\"\nproxy_pass_host = true\n"));
  ASSERT_TRUE(r.ok()) << r.errors[0].to_string();
  const ProxyConfig& p = r.config->servers[0].locations[0].proxy;
  EXPECT_TRUE(p.upstream.empty());
  ASSERT_TRUE(p.address);
  EXPECT_EQ(p.address->to_string(), "127.0.0.1:9000");
  EXPECT_FALSE(p.uri);
  EXPECT_EQ(p.proxy_host, "127.0.0.1:9000");
  EXPECT_TRUE(p.pass_host);
  r = load(file("", "proxy_pass = \"http://10.1.2.3/\"\n"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config->servers[0].locations[0].proxy.address->port, 80);
  EXPECT_EQ(r.config->servers[0].locations[0].proxy.uri, "/");
}

TEST_F(UpstreamTest, UnknownUpstreamIsReportedAtProxyPass) {
  EXPECT_EQ(errors(file(kApp, "proxy_pass = \"apq\"\n")),
            Lines{"sluice.toml:13:14: server[0].location[0].proxy_pass: no [[upstream]] named \"apq\"; did you mean \"app\"?"});
  EXPECT_EQ(errors(file("", "proxy_pass = \"http://nowhere/x\"\n")),
            Lines{"sluice.toml:9:14: server[0].location[0].proxy_pass: no [[upstream]] named \"nowhere\""});
}

// issue 6: https upstreams, by address (default port 443) or [[upstream]] name.
TEST_F(UpstreamTest, HttpsProxyPass) {
  LoadResult r = load(file(kApp, "proxy_pass = \"https://app/v1/\"\nproxy_ssl_verify = false\n"));
  ASSERT_TRUE(r.ok()) << r.errors[0].to_string();
  const ProxyConfig& p = r.config->servers[0].locations[0].proxy;
  EXPECT_EQ(p.upstream, "app");
  EXPECT_EQ(p.uri, "/v1/");
  ASSERT_TRUE(p.ssl);
  EXPECT_FALSE(p.ssl->verify);
  EXPECT_EQ(p.ssl->name, "app");  // proxy_ssl_name defaults to the upstream's name
  EXPECT_TRUE(p.ssl->server_name);
  EXPECT_TRUE(p.ssl->certificate.empty());
  r = load(file("", "proxy_pass = \"https://198.18.1.2\"\nproxy_ssl_verify = false\nproxy_ssl_name = \"app.internal\"\n"
                    "proxy_ssl_server_name = false\n"));
  ASSERT_TRUE(r.ok()) << r.errors[0].to_string();
  const ProxyConfig& q = r.config->servers[0].locations[0].proxy;
  ASSERT_TRUE(q.address);
  EXPECT_EQ(q.address->to_string(), "198.18.1.2:443");  // RFC 9110 4.2.2
  EXPECT_EQ(q.ssl->name, "app.internal");
  EXPECT_FALSE(q.ssl->server_name);
  r = load(file("", "proxy_pass = \"https://198.18.1.2:8443\"\nproxy_ssl_verify = false\n"));
  ASSERT_TRUE(r.ok()) << r.errors[0].to_string();
  EXPECT_EQ(r.config->servers[0].locations[0].proxy.ssl->name, "198.18.1.2");  // the host of proxy_pass
  EXPECT_EQ(r.config->servers[0].locations[0].proxy.address->to_string(), "198.18.1.2:8443");
}

TEST_F(UpstreamTest, HttpsVerifyNeedsTrustedCertificates) {
  EXPECT_EQ(errors(file("", "proxy_pass = \"https://10.0.0.1:443\"\n")),
            Lines{"sluice.toml:9:14: server[0].location[0].proxy_ssl_trusted_certificate: missing; an https:// "
                  "upstream is verified (proxy_ssl_verify = true) against these PEM CA certificates; set it, or "
                  "proxy_ssl_verify = false"});
}

TEST_F(UpstreamTest, TrustedCertificateMustBePemCertificates) {
  dir.write("junk.pem", "not a certificate\n");
  auto e = errors(file("", "proxy_pass = \"https://10.0.0.1:443\"\nproxy_ssl_trusted_certificate = \"nope.pem\"\n"));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0], "sluice.toml:10:33: server[0].location[0].proxy_ssl_trusted_certificate: " + dir / "nope.pem" +
                      " does not exist");
  e = errors(file("", "proxy_pass = \"https://10.0.0.1:443\"\nproxy_ssl_trusted_certificate = \"junk.pem\"\n"));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("sluice.toml:10:33: server[0].location[0].proxy_ssl_trusted_certificate: " + dir / "junk.pem" +
                      " holds no PEM certificate"), std::string::npos) << e[0];
}

TEST_F(UpstreamTest, ClientCertificateNeedsBothFiles) {
  auto e = errors(file("", "proxy_pass = \"https://10.0.0.1:443\"\nproxy_ssl_verify = false\n"
                           "proxy_ssl_certificate = \"c.pem\"\n"));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0], "sluice.toml:11:25: server[0].location[0].proxy_ssl_certificate: needs proxy_ssl_certificate_key too");
  e = errors(file("", "proxy_pass = \"https://10.0.0.1:443\"\nproxy_ssl_verify = false\n"
                      "proxy_ssl_certificate_key = \"c.key\"\n"));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0], "sluice.toml:11:29: server[0].location[0].proxy_ssl_certificate_key: needs proxy_ssl_certificate too");
}

TEST_F(UpstreamTest, SslKeysNeedAnHttpsProxyPass) {
  EXPECT_EQ(errors(file("", "proxy_pass = \"http://10.0.0.1:80\"\nproxy_ssl_verify = false\n")),
            Lines{"sluice.toml:10:20: server[0].location[0].proxy_ssl_verify: has no effect without an https:// "
                  "proxy_pass"});
  EXPECT_EQ(errors(file("", "root = \"/tmp\"\nproxy_ssl_name = \"a.test\"\n")),
            Lines{"sluice.toml:10:18: server[0].location[0].proxy_ssl_name: has no effect without proxy_pass in "
                  "this location"});
  auto e = errors(file("", "proxy_pass = \"https://10.0.0.1:443\"\nproxy_ssl_verify = false\n"
                           "proxy_ssl_name = \"a b\"\n"));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("proxy_ssl_name: expected a host name"), std::string::npos) << e[0];
}

TEST_F(UpstreamTest, BadProxyPassValues) {
  auto e = errors(file("", "proxy_pass = \"http://[::1\"\n"));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("sluice.toml:9:14: server[0].location[0].proxy_pass: expected \"http[s]://IP:PORT[/uri]\""),
            std::string::npos) << e[0];
  e = errors(file("", "proxy_pass = \"ftp://10.0.0.1\"\n"));
  EXPECT_NE(e[0].find("only http:// and https:// upstreams are supported"), std::string::npos) << e[0];
  e = errors(file("", "proxy_pass = \"app with space\"\n"));
  EXPECT_NE(e[0].find("expected an [[upstream]] name"), std::string::npos) << e[0];
}

TEST_F(UpstreamTest, ProxyKeysWithoutProxyPass) {
  EXPECT_EQ(errors(file("", "root = \"/tmp\"\nproxy_read_timeout = \"5s\"\n")),
            Lines{"sluice.toml:10:22: server[0].location[0].proxy_read_timeout: has no effect without proxy_pass "
                  "in this location"});
}

TEST_F(UpstreamTest, ProxyPassWithRoot) {
  EXPECT_EQ(errors(file("", "proxy_pass = \"http://10.0.0.1:80\"\nroot = \"/tmp\"\n")),
            Lines{"sluice.toml:10:8: server[0].location[0].root: cannot be combined with proxy_pass (content comes "
                  "from the upstream)"});
}

TEST_F(UpstreamTest, UpstreamErrors) {
  std::string up = R"([[upstream]]
name = "a b"
balance = "least_con"
servers = [ { address = "example.com:80" }, { address = "10.0.0.1:80", weight = 0 },
            { address = "10.0.0.1:80" } ]
[[upstream]]
servers = []
)";
  Lines e = errors(file(up, "proxy_pass = \"http://10.0.0.9:80\"\n"));
  Lines want = {
      "sluice.toml:6:8: upstream[0].name: expected letters, digits, '_', '-' or '.', got string \"a b\"",
      "sluice.toml:7:11: upstream[0].balance: expected \"round_robin\", \"least_conn\", \"ip_hash\" or \"hash\", got "
      "string \"least_con\"; did you mean \"least_conn\"?",
      "sluice.toml:8:25: upstream[0].servers[0].address: expected \"IP:PORT\" or \"[IPv6]:PORT\" (no host names: "
      "there is no resolver), got string \"example.com:80\"",
      "sluice.toml:8:81: upstream[0].servers[1].weight: 0 is out of range; expected an integer in 1..1000",
      "sluice.toml:9:13: upstream[0].servers[2]: 10.0.0.1:80 is listed twice",
      "sluice.toml:10:1: upstream[1].name: missing; an upstream needs a name for proxy_pass to use",
      "sluice.toml:11:11: upstream[1].servers: an upstream needs at least one server, such as servers = "
      "[{ address = \"198.18.1.2:8080\" }]",
  };
  EXPECT_EQ(e, want);
}

TEST_F(UpstreamTest, DuplicateNamesAndOnlyBackups) {
  std::string up = R"([[upstream]]
name = "a"
servers = [ { address = "10.0.0.1:80", backup = true } ]
[[upstream]]
name = "a"
servers = [ { address = "10.0.0.2:80" } ]
)";
  EXPECT_EQ(errors(file(up, "proxy_pass = \"a\"\n")),
            (Lines{"sluice.toml:7:11: upstream[0].servers: every server is a backup or down; at least one primary "
                   "server must be usable",
                   "sluice.toml:9:8: upstream[1].name: \"a\" is already an upstream (line 5)"}));
}

TEST_F(UpstreamTest, HashRules) {
  EXPECT_EQ(errors(file("[[upstream]]\nname = \"h\"\nbalance = \"hash\"\nservers = [{ address = \"10.0.0.1:80\" }]\n",
                        "proxy_pass = \"h\"\n")),
            Lines{"sluice.toml:7:11: upstream[0].balance: \"hash\" needs a key, such as hash = \"$request_uri\" or "
                  "\"$remote_addr\""});
  EXPECT_EQ(errors(file("[[upstream]]\nname = \"h\"\nhash = \"$uri\"\nservers = [{ address = \"10.0.0.1:80\" }]\n",
                        "proxy_pass = \"h\"\n")),
            Lines{"sluice.toml:7:8: upstream[0].hash: a hash key needs balance = \"hash\""});
  EXPECT_EQ(errors(file("[[upstream]]\nname = \"h\"\nbalance = \"hash\"\nhash = \"$request_ur\"\n"
                        "servers = [{ address = \"10.0.0.1:80\" }]\n",
                        "proxy_pass = \"h\"\n")),
            Lines{"sluice.toml:8:8: upstream[0].hash: unknown variable $request_ur; did you mean $request_uri?"});
}

TEST_F(UpstreamTest, HealthCheckTimeoutWithinInterval) {
  EXPECT_EQ(errors(file("[[upstream]]\nname = \"h\"\nservers = [{ address = \"10.0.0.1:80\" }]\n"
                        "health_check = { path = \"health\", interval = \"1s\", timeout = \"2s\" }\n",
                        "proxy_pass = \"h\"\n")),
            (Lines{"sluice.toml:8:25: upstream[0].health_check.path: expected a path starting with \"/\", got string "
                   "\"health\"",
                   "sluice.toml:8:62: upstream[0].health_check.timeout: must not exceed interval (a check finishes "
                   "before the next starts)"}));
}

TEST_F(UpstreamTest, NextUpstreamAndHeaders) {
  Lines e = errors(file("", "proxy_pass = \"http://10.0.0.1:80\"\nproxy_next_upstream = [\"eror\", \"off\"]\n"
                            "proxy_set_header = { \"Bad Name\" = \"x\", \"X-A\" = \"$nope\" }\n"
                            "proxy_hide_header = [\"ok\", \"no:\"]\n"));
  Lines want = {
      "sluice.toml:10:24: server[0].location[0].proxy_next_upstream[0]: unknown condition string \"eror\"; did you "
      "mean \"error\"?",
      "sluice.toml:10:32: server[0].location[0].proxy_next_upstream[1]: \"off\" cannot be combined with other "
      "conditions",
      "sluice.toml:11:22: server[0].location[0].proxy_set_header.Bad Name: a field name must be a token (RFC 9110 "
      "5.1)",
      "sluice.toml:11:48: server[0].location[0].proxy_set_header.X-A: unknown variable $nope",
      "sluice.toml:12:28: server[0].location[0].proxy_hide_header[1]: a field name must be a token (RFC 9110 5.1)",
  };
  EXPECT_EQ(e, want);
}

TEST_F(UpstreamTest, ProxyHostConflictsWithPassHost) {
  EXPECT_EQ(errors(file("", "proxy_pass = \"http://10.0.0.1:80\"\nproxy_pass_host = true\nproxy_host = \"x\"\n")),
            Lines{"sluice.toml:11:14: server[0].location[0].proxy_host: cannot be combined with proxy_pass_host = "
                  "true (which sends the client's Host)"});
}

}  // namespace
}  // namespace sluice::conf
