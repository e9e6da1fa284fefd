// try_files, the file cache behind the static handler (revalidation on the loop's clock), one
// write for small responses, and sendfile for large uncached files.
#include "tests/modules/static_fixture.h"

namespace sluice::testing {
namespace {

TEST_F(StaticTest, TryFiles) {
  Harness h(config(), modules::builtin_modules());
  EXPECT_EQ(get(h, "/app/real.txt").body, "real file\n");       // $uri
  auto dir = get(h, "/app/dir");                                // $uri/ -> the directory's index
  EXPECT_EQ(dir.status, 200);
  EXPECT_EQ(dir.body, "dir index\n");
  auto fallback = get(h, "/app/deep/link/route");               // fallback URI, same location
  EXPECT_EQ(fallback.status, 200);
  EXPECT_EQ(fallback.body, "app shell\n");
  EXPECT_EQ(fallback.header("Content-Type"), "text/html");
  auto other = get(h, "/fb/anything");                          // fallback into location "/"
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.body, "hello static\n");
  auto code = get(h, "/code/missing");                          // =CODE
  EXPECT_EQ(code.status, 403);
  EXPECT_NE(code.body.find("403 Forbidden"), std::string::npos);
  EXPECT_EQ(get(h, "/code/a.txt").status, 403);                 // root + /code/a.txt: not there
  EXPECT_EQ(get(h, "/loop/x").status, 500);                     // a redirect cycle
  EXPECT_EQ(get(h, "/app/real.txt", "", "POST").status, 405);
}

// nginx's error_page: the mapped URI's content with the original status, built-in page otherwise.
TEST_F(StaticTest, ErrorPageMapping) {
  auto cfg = config();
  cfg->servers[0].error_page[403] = "/404.html";  // server level, under the location's 404
  cfg->servers[0].locations[0].error_page[416] = "/missing-page.html";
  Harness h(cfg, modules::builtin_modules());
  auto nf = get(h, "/nope");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.body, "custom not found\n");
  EXPECT_EQ(nf.header("Content-Type"), "text/html");
  EXPECT_FALSE(nf.has("Accept-Ranges"));
  auto head = get(h, "/nope", "", "HEAD");
  EXPECT_EQ(head.status, 404);
  EXPECT_EQ(head.header("Content-Length"), "17");
  // Conditional fields do not apply to the error page itself.
  EXPECT_EQ(get(h, "/nope", "If-None-Match: *\r\nRange: bytes=0-1\r\n").status, 404);
  // The page of a missing error_page target: the built-in page, the original status and fields.
  auto r416 = get(h, "/a.txt", "Range: bytes=99-\r\n");
  EXPECT_EQ(r416.status, 416);
  EXPECT_EQ(r416.header("Content-Range"), "bytes */13");
  EXPECT_NE(r416.body.find("416"), std::string::npos);
  // /plain/ has no error_page of its own: the server's 403 -> /404.html, served with 403.
  auto forbidden = get(h, "/plain/dir/");
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_EQ(forbidden.body, "custom not found\n");
}

TEST_F(StaticTest, CacheServesHitsAndRevalidatesOnTheLoopClock) {
  http::ModuleRegistry mods = modules::builtin_modules();
  modules::FileCache& cache = static_module(mods).cache();
  Harness h(config(), std::move(mods));
  EXPECT_EQ(get(h, "/a.txt").body, "hello static\n");
  EXPECT_EQ(cache.stats().misses, 1u);
  EXPECT_EQ(get(h, "/a.txt").body, "hello static\n");
  EXPECT_EQ(cache.stats().hits, 1u);
  write("a.txt", "changed on disk\n");
  h.advance(Duration::millis(500));
  EXPECT_EQ(get(h, "/a.txt").body, "hello static\n");  // trusted for revalidate = 1s
  h.advance(Duration::millis(500));
  auto fresh = get(h, "/a.txt");  // the first request after the interval sees the change
  EXPECT_EQ(fresh.body, "changed on disk\n");
  EXPECT_EQ(fresh.header("ETag"), http::make_etag(kMtime, 16));
  EXPECT_EQ(cache.stats().changed, 1u);
  h.advance(Duration::seconds(2));
  EXPECT_EQ(get(h, "/a.txt").body, "changed on disk\n");
  EXPECT_EQ(cache.stats().revalidated, 1u);
  fs::remove(www_ + "/a.txt");
  h.advance(Duration::seconds(2));
  EXPECT_EQ(get(h, "/a.txt").status, 404);  // deleted: the entry goes too
  EXPECT_EQ(cache.find_fresh("B" + www_ + "/a.txt", h.loop.now()), nullptr);
  EXPECT_EQ(get(h, "/big.bin", "", "HEAD").status, 200);  // 5 MB > max_file_size: not cached
  EXPECT_EQ(cache.stats().uncacheable, 1u);
}

TEST_F(StaticTest, DisabledCacheStillServes) {
  auto cfg = config();
  cfg->file_cache.enabled = false;
  http::ModuleRegistry mods = modules::builtin_modules();
  modules::FileCache& cache = static_module(mods).cache();
  Harness h(cfg, std::move(mods));
  EXPECT_EQ(get(h, "/a.txt").body, "hello static\n");
  EXPECT_EQ(get(h, "/digits.txt", "Range: bytes=10-19\r\n").body, "0123456789");
  EXPECT_EQ(cache.entries(), 0u);
  EXPECT_EQ(cache.stats().hits + cache.stats().misses, 0u);
}

// Issue 4: a 600-byte file leaves with its head in one write, the body without a copy.
TEST_F(StaticTest, SmallFileIsOneWriteFromTheCache) {
  Harness h(config(), modules::builtin_modules());
  auto c = h.connect();
  h.send(*c, "GET /six.bin HTTP/1.1\r\nHost: example.test\r\n\r\n");
  EXPECT_EQ(c->writes, 1u);
  EXPECT_EQ(c->slice_kinds, (std::vector<size_t>{kOwnerHeap, kOwnerFileCache}));
  auto r = parse_one(c->take());
  EXPECT_EQ(r.body, std::string(600, 's'));
  // Uncached (cache off): still one write, the body read into the same queue.
  auto cfg = config();
  cfg->file_cache.enabled = false;
  Harness off(cfg, modules::builtin_modules());
  auto d = off.connect();
  d->sendfile = true;  // too small for sendfile: pulled so it can share the write
  off.send(*d, "GET /six.bin HTTP/1.1\r\nHost: example.test\r\n\r\n");
  EXPECT_EQ(d->writes, 1u);
  EXPECT_EQ(d->sendfile_calls, 0u);
  EXPECT_EQ(parse_one(d->take()).body, std::string(600, 's'));
}

// Large uncached files go through the transport's send_file(), under backpressure too.
TEST_F(StaticTest, LargeFileUsesSendFileUnderBackpressure) {
  Harness h(config(), modules::builtin_modules());
  auto c = h.connect();
  c->sendfile = true;
  c->space = 0;
  h.send(*c, "GET /big.bin HTTP/1.1\r\nHost: example.test\r\n\r\n");
  auto body_bytes = [&] {
    size_t head = c->output.find("\r\n\r\n");
    return head == std::string::npos ? 0 : c->output.size() - head - 4;
  };
  std::mt19937 rng(5);
  for (size_t rounds = 0; body_bytes() < big_.size(); ++rounds) {
    ASSERT_LT(rounds, 100000u);
    c->set_space(1 + rng() % (300 * 1024));
    h.settle();
  }
  h.settle();
  auto r = parse_one(c->take());
  EXPECT_EQ(r.status, 200);
  ASSERT_EQ(r.body.size(), big_.size());
  EXPECT_TRUE(r.body == big_);
  EXPECT_GT(c->sendfile_calls, 10u);
  EXPECT_EQ(c->sendfile_bytes, big_.size());
  EXPECT_TRUE(c->open());
  // The connection is usable afterwards, and a range of the file goes the same way.
  c->set_space(SIZE_MAX);
  h.send(*c, "GET /big.bin HTTP/1.1\r\nHost: example.test\r\nRange: bytes=100000-299999\r\n\r\n");
  auto part = parse_one(c->take());
  EXPECT_EQ(part.status, 206);
  EXPECT_TRUE(part.body == big_.substr(100000, 200000));
  EXPECT_EQ(c->sendfile_bytes, big_.size() + 200000);
}

}  // namespace
}  // namespace sluice::testing
