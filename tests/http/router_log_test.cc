#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "http/access_log.h"
#include "http/router.h"
#include "tests/http/harness.h"

namespace sluice::testing {
namespace {

class NamedHandler final : public http::ContentHandler {
 public:
  explicit NamedHandler(std::string n) : name(std::move(n)) {}
  void handle(http::Exchange&) override {}
  std::string name;
};

class NamingModule final : public http::Module {
 public:
  std::string_view name() const override { return "naming"; }
  std::unique_ptr<http::ContentHandler> make_handler(const http::LocationScope& s,
                                                     std::string* err) const override {
    if (s.location.path == "/refuse") {
      *err = "refused";
      return nullptr;
    }
    return std::make_unique<NamedHandler>(s.server.server_name.at(0) + ":" + s.location.path);
  }
};

std::string handler_name(const http::RouteLocation* l) {
  return l ? static_cast<NamedHandler*>(l->handler.get())->name : "none";
}

conf::Config router_config() {
  conf::Config c;
  conf::ServerConfig a;
  a.listen = {*transport::Address::parse("127.0.0.1:80")};
  a.server_name = {"a.test", "www.a.test"};
  a.access_log = "off";
  a.locations = {location("/"), location("/img"), location("/img/icons"),
                 location("/exact", conf::MatchKind::kExact), location("/exact")};
  conf::ServerConfig b;
  b.listen = {*transport::Address::parse("127.0.0.1:80"), *transport::Address::parse("127.0.0.1:81")};
  b.server_name = {"B.test"};
  b.access_log = "off";
  b.locations = {location("/b")};
  c.servers = {a, b};
  return c;
}

TEST(Router, SelectsServerByAddressAndHost) {
  conf::Config c = router_config();
  http::ModuleRegistry mods;
  mods.add(std::make_unique<NamingModule>());
  std::string err;
  auto r = http::Router::build(c, mods, [](const std::string&, std::string*) { return nullptr; }, &err);
  ASSERT_TRUE(r) << err;
  const http::ServerGroup* g80 = r->group(*transport::Address::parse("127.0.0.1:80"));
  const http::ServerGroup* g81 = r->group(*transport::Address::parse("127.0.0.1:81"));
  ASSERT_TRUE(g80 && g81);
  EXPECT_EQ(r->group(*transport::Address::parse("127.0.0.1:82")), nullptr);
  EXPECT_EQ(handler_name(g80->select("b.test").match("/b")), "B.test:/b");
  EXPECT_EQ(handler_name(g80->select("www.a.test").match("/")), "a.test:/");
  EXPECT_EQ(handler_name(g80->select("unknown").match("/")), "a.test:/");  // default: first
  EXPECT_EQ(handler_name(g80->select("").match("/")), "a.test:/");
  EXPECT_EQ(handler_name(g81->select("a.test").match("/b")), "B.test:/b");  // only b on :81
  EXPECT_EQ(handler_name(g81->select("").match("/x")), "none");
}

TEST(Router, ExactThenLongestPrefix) {
  conf::Config c = router_config();
  http::ModuleRegistry mods;
  mods.add(std::make_unique<NamingModule>());
  std::string err;
  auto r = http::Router::build(c, mods, [](const std::string&, std::string*) { return nullptr; }, &err);
  ASSERT_TRUE(r) << err;
  const http::VirtualServer& a = r->group(*transport::Address::parse("127.0.0.1:80"))->select("a.test");
  EXPECT_EQ(handler_name(a.match("/")), "a.test:/");
  EXPECT_EQ(handler_name(a.match("/index.html")), "a.test:/");
  EXPECT_EQ(handler_name(a.match("/img/x.png")), "a.test:/img");
  EXPECT_EQ(handler_name(a.match("/imgfoo")), "a.test:/img");  // nginx prefixes are plain strings
  EXPECT_EQ(handler_name(a.match("/img/icons/a.ico")), "a.test:/img/icons");
  EXPECT_EQ(a.match("/exact")->conf->match, conf::MatchKind::kExact);
  EXPECT_EQ(a.match("/exact/")->conf->match, conf::MatchKind::kPrefix);
}

TEST(Router, ModuleErrorAndUnservedProxyPassFailTheBuild) {
  conf::Config c = router_config();
  c.servers[0].locations.push_back(location("/refuse"));
  http::ModuleRegistry mods;
  mods.add(std::make_unique<NamingModule>());
  std::string err;
  EXPECT_FALSE(http::Router::build(c, mods, [](const std::string&, std::string*) { return nullptr; }, &err));
  EXPECT_NE(err.find("refused"), std::string::npos);

  conf::Config p = router_config();
  auto loc = location("/api");
  loc.proxy_pass = "http://127.0.0.1:9000";
  p.servers[0].locations.push_back(loc);
  http::ModuleRegistry none;
  err.clear();
  EXPECT_FALSE(http::Router::build(p, none, [](const std::string&, std::string*) { return nullptr; }, &err));
  EXPECT_NE(err.find("proxy_pass needs the proxy module"), std::string::npos) << err;
}

TEST(AccessLog, CombinedFormatEscapesLikeNginx) {
  http::AccessLogEntry e;
  e.remote_addr = "192.0.2.7";
  e.time_local = "06/Nov/1994:08:49:37 +0000";
  e.request_line = "GET /a\"b HTTP/1.1";
  e.status = 200;
  e.body_bytes_sent = 1234;
  e.user_agent = "curl/8\x01";
  EXPECT_EQ(http::format_combined(e),
            "192.0.2.7 - - [06/Nov/1994:08:49:37 +0000] \"GET /a\\x22b HTTP/1.1\" 200 1234 \"-\" "
            "\"curl/8\\x01\"\n");
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(AccessLog, SessionWritesOneLinePerRequestAndReopens) {
  char dir[] = "/tmp/sluice-log-XXXXXX";
  ASSERT_TRUE(mkdtemp(dir));
  std::string path = std::string(dir) + "/access.log";
  auto cfg = test_config();
  cfg->servers[0].access_log = path;
  Harness h(cfg);
  auto c = h.connect();
  h.send(*c, "GET /fixed?q=1 HTTP/1.1\r\nHost: a\r\nReferer: http://r/\r\nUser-Agent: ua/1\r\n\r\n");
  h.send(*c, "HEAD /fixed HTTP/1.1\r\nHost: a\r\n\r\n");
  h.send(*c, "GET /x HTTP/1.1\r\nHost : a\r\n\r\n");
  std::string t = http::format_log_time(784111777);
  EXPECT_EQ(read_file(path),
            "192.0.2.7 - - [" + t + "] \"GET /fixed?q=1 HTTP/1.1\" 200 12 \"http://r/\" \"ua/1\"\n" +
            "192.0.2.7 - - [" + t + "] \"HEAD /fixed HTTP/1.1\" 200 0 \"-\" \"-\"\n" +
            "192.0.2.7 - - [" + t + "] \"GET /x HTTP/1.1\" 400 " +
            std::to_string(http::error_page_html(400, "sluice/0.1.0").size()) + " \"-\" \"-\"\n");
  std::string rotated = path + ".1";
  ASSERT_EQ(::rename(path.c_str(), rotated.c_str()), 0);
  h.server->reopen_logs();
  auto d = h.connect();
  h.send(*d, "GET /fixed HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_NE(read_file(path).find("\"GET /fixed HTTP/1.1\" 200"), std::string::npos);
  ::unlink(path.c_str());
  ::unlink(rotated.c_str());
  ::rmdir(dir);
}

}  // namespace
}  // namespace sluice::testing
