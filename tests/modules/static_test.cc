// The static module through a real session over the fake transport, against a temporary tree.
#include "modules/static/autoindex.h"
#include "tests/modules/static_fixture.h"

namespace sluice::testing {
namespace {

TEST_F(StaticTest, ServesFileWithExactHeaders) {
  Harness h(config(), modules::builtin_modules());
  auto c = h.connect();
  h.send(*c, "GET /a.txt HTTP/1.1\r\nHost: example.test\r\n\r\n");
  std::string etag = http::make_etag(kMtime, 13);
  EXPECT_EQ(c->take(),
            "HTTP/1.1 200 OK\r\nServer: sluice/0.1.0\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Content-Type: text/plain\r\nLast-Modified: " + http::format_http_date(kMtime) +
            "\r\nETag: " + etag + "\r\nAccept-Ranges: bytes\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\n"
            "hello static\n");
  EXPECT_EQ(etag, "\"2ebc9598-d\"");
}

TEST_F(StaticTest, HeadHasNoBody) {
  Harness h(config(), modules::builtin_modules());
  auto c = h.connect();
  h.send(*c, "HEAD /a.txt HTTP/1.1\r\nHost: example.test\r\n\r\n");
  std::string raw = c->take();
  EXPECT_NE(raw.find("Content-Length: 13\r\n"), std::string::npos);
  EXPECT_TRUE(raw.ends_with("keep-alive\r\n\r\n")) << raw;
}

TEST_F(StaticTest, IndexFiles) {
  Harness h(config(), modules::builtin_modules());
  auto r = get(h, "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<h1>home</h1>\n");
  EXPECT_EQ(r.header("Content-Type"), "text/html");
  EXPECT_EQ(get(h, "/sub/").body, "sub index\n");
  EXPECT_EQ(get(h, "/sub/./").body, "sub index\n");
}

TEST_F(StaticTest, NotFoundUsesErrorPageFile) {
  Harness h(config(), modules::builtin_modules());
  auto r = get(h, "/missing.txt");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "custom not found\n");
  auto p = get(h, "/plain/missing.txt");  // no error_page here: the built-in page
  EXPECT_EQ(p.status, 404);
  EXPECT_NE(p.body.find("<title>404 Not Found</title>"), std::string::npos);
  EXPECT_EQ(get(h, "/a.txt/").status, 404);
}

TEST_F(StaticTest, DirectoryWithoutIndexIsForbidden) {
  Harness h(config(), modules::builtin_modules());
  auto r = get(h, "/dir/");
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("403 Forbidden"), std::string::npos);
}

TEST_F(StaticTest, DirectoryWithoutSlashRedirects) {
  Harness h(config(), modules::builtin_modules());
  auto r = get(h, "/dir");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.header("Location"), "/dir/");
  EXPECT_EQ(get(h, "/sub?x=1").header("Location"), "/sub/?x=1");
  EXPECT_EQ(get(h, "/auto/sub%20dir").header("Location"), "/auto/sub%20dir/");
}

TEST_F(StaticTest, OnlyGetAndHead) {
  Harness h(config(), modules::builtin_modules());
  for (const char* m : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"}) {
    auto c = h.connect();
    h.send(*c, std::string(m) + " /a.txt HTTP/1.1\r\nHost: example.test\r\nContent-Length: 0\r\n\r\n");
    auto r = parse_one(c->take());
    EXPECT_EQ(r.status, 405) << m;
    EXPECT_EQ(r.header("Allow"), "GET, HEAD") << m;
    EXPECT_EQ(r.status_line, "HTTP/1.1 405 Not Allowed");
  }
}

// RFC 9110 13.1.2, 13.1.3, 13.2.2.
TEST_F(StaticTest, ConditionalRequests) {
  Harness h(config(), modules::builtin_modules());
  std::string etag = http::make_etag(kMtime, 13);
  std::string lm = http::format_http_date(kMtime);
  auto r = get(h, "/a.txt", "If-None-Match: " + etag + "\r\n");
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.header("ETag"), etag);
  EXPECT_EQ(r.header("Last-Modified"), lm);
  EXPECT_FALSE(r.has("Content-Length"));
  EXPECT_EQ(get(h, "/a.txt", "If-None-Match: W/" + etag + ", \"x\"\r\n").status, 304);
  EXPECT_EQ(get(h, "/a.txt", "If-None-Match: *\r\n").status, 304);
  EXPECT_EQ(get(h, "/a.txt", "If-None-Match: \"other\"\r\n").status, 200);
  EXPECT_EQ(get(h, "/a.txt", "If-Modified-Since: " + lm + "\r\n").status, 304);
  EXPECT_EQ(get(h, "/a.txt", "If-Modified-Since: " + http::format_http_date(kMtime + 100) + "\r\n").status, 304);
  EXPECT_EQ(get(h, "/a.txt", "If-Modified-Since: " + http::format_http_date(kMtime - 1) + "\r\n").status, 200);
  EXPECT_EQ(get(h, "/a.txt", "If-Modified-Since: yesterday\r\n").status, 200);
  // If-None-Match wins over If-Modified-Since.
  EXPECT_EQ(get(h, "/a.txt", "If-None-Match: \"other\"\r\nIf-Modified-Since: " + lm + "\r\n").status, 200);
  EXPECT_EQ(get(h, "/a.txt", "If-Match: \"other\"\r\n").status, 412);
  EXPECT_EQ(get(h, "/a.txt", "If-Match: " + etag + "\r\n").status, 200);
  EXPECT_EQ(get(h, "/a.txt", "If-Unmodified-Since: " + http::format_http_date(kMtime - 1) + "\r\n").status, 412);
  EXPECT_EQ(get(h, "/a.txt", "If-None-Match: " + etag + "\r\n", "HEAD").status, 304);
}

TEST_F(StaticTest, SymlinksLeavingRootAreRefused) {
  Harness h(config(), modules::builtin_modules());
  EXPECT_EQ(get(h, "/escape/passwd").status, 403);
  EXPECT_EQ(get(h, "/secret-link").status, 403);
  EXPECT_EQ(get(h, "/plain/escape/hostname").status, 403);
  auto inside = get(h, "/inlink");  // a link that stays under root is fine
  EXPECT_EQ(inside.status, 200);
  EXPECT_EQ(inside.body, "hello static\n");
  auto allowed = get(h, "/allow/secret-link");
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(allowed.body, "outside root\n");
}

TEST_F(StaticTest, TraversalNeverReachesOutside) {
  Harness h(config(), modules::builtin_modules());
  for (const char* t : {"/../secret.txt", "/%2e%2e/secret.txt", "/static/..%2fsecret.txt",
                        "/static/%2e%2e/%2e%2e/secret.txt", "/%c0%ae%c0%ae/secret.txt",
                        "/static/../../secret.txt"}) {
    auto r = get(h, t);
    EXPECT_TRUE(r.status == 400 || r.status == 403 || r.status == 404) << t << " " << r.status;
    EXPECT_EQ(r.body.find("outside root"), std::string::npos) << t;
  }
  EXPECT_EQ(get(h, "/static/../a.txt").body, "hello static\n");  // normalized to /a.txt
}

TEST_F(StaticTest, AliasAndCacheHeaders) {
  Harness h(config(), modules::builtin_modules());
  auto r = get(h, "/static/a.txt");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello static\n");
  EXPECT_EQ(r.header("Expires"), http::format_http_date(784111777 + 3600));
  EXPECT_EQ(r.header("Cache-Control"), "max-age=3600");
  EXPECT_EQ(get(h, "/cc/a.txt").header("Cache-Control"), "public, max-age=60");
  EXPECT_EQ(get(h, "/static/").body, "<h1>home</h1>\n");
}

TEST_F(StaticTest, AutoindexListsEscapedNames) {
  Harness h(config(), modules::builtin_modules());
  auto r = get(h, "/auto/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "text/html");
  EXPECT_NE(r.body.find("<title>Index of /auto/</title>"), std::string::npos);
  EXPECT_NE(r.body.find("<a href=\"b.txt\">b.txt</a>"), std::string::npos);
  EXPECT_NE(r.body.find("<a href=\"%3Cx%3E&amp;%22y%22.txt\">&lt;x&gt;&amp;&quot;y&quot;.txt</a>"),
            std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<a href=\"sub%20dir/\">sub dir/</a>"), std::string::npos);
  EXPECT_EQ(r.body.find(".hidden"), std::string::npos);
  EXPECT_EQ(modules::html_escape("<a href='x'>&"), "&lt;a href=&#39;x&#39;&gt;&amp;");
}

TEST_F(StaticTest, BigFileStreamsInBoundedChunksUnderBackpressure) {
  Harness h(config(), modules::builtin_modules());
  auto c = h.connect();
  c->space = 0;
  h.send(*c, "GET /big.bin HTTP/1.1\r\nHost: example.test\r\n\r\n");
  std::mt19937 rng(11);
  size_t rounds = 0;
  while ((c->conn && c->output.find("\r\n\r\n") == std::string::npos) ||
         c->output.size() < big_.size()) {
    c->set_space(1 + rng() % (200 * 1024));
    h.settle();
    ASSERT_LT(++rounds, 100000u) << c->output.size() << " short=" << c->short_write
                                 << " space=" << c->space << " conn=" << (c->conn != nullptr);
    // Memory stays bounded: the session never offers more than one pull's worth at a time.
    ASSERT_LE(c->max_write_seen, 64u * 1024 + 512);
    if (c->output.size() > big_.size() + 400) break;
  }
  auto r = parse_one(c->take());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(r.header("Content-Length"), std::to_string(big_.size()));
  ASSERT_EQ(r.body.size(), big_.size());
  EXPECT_TRUE(r.body == big_);
  EXPECT_TRUE(c->open());
}

TEST_F(StaticTest, RelativeRootResolvesAgainstConfigDir) {
  auto cfg = config();
  cfg->base_dir = dir_;
  cfg->servers[0].locations[0].root = "www";
  Harness h(cfg, modules::builtin_modules());
  EXPECT_EQ(get(h, "/a.txt").body, "hello static\n");
}

}  // namespace
}  // namespace sluice::testing
