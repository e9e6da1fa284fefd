// Range / If-Range (RFC 9110 14, 13.1.5) and gzip_static (RFC 9110 12.5.3, 8.4) through a real
// session, on cached content (digits.txt, a.txt) and on streamed files (big.bin).
#include "tests/modules/static_fixture.h"

namespace sluice::testing {
namespace {

// The parts of a multipart/byteranges body: (Content-Range, data) in order.
std::vector<std::pair<std::string, std::string>> parts_of(const ParsedResponse& r) {
  std::string ct = r.header("Content-Type");
  std::string boundary = ct.substr(ct.find("boundary=") + 9);
  std::vector<std::pair<std::string, std::string>> out;
  std::string delim = "\r\n--" + boundary;
  size_t i = 0;
  while (true) {
    size_t d = r.body.find(delim, i);
    if (d == std::string::npos) break;
    size_t after = d + delim.size();
    if (r.body.compare(after, 4, "--\r\n") == 0) {
      EXPECT_EQ(after + 4, r.body.size());  // nothing after the close delimiter
      break;
    }
    size_t head_end = r.body.find("\r\n\r\n", after);
    std::string head = r.body.substr(after, head_end - after);
    size_t cr = head.find("Content-Range: ");
    std::string range = head.substr(cr + 15, head.find("\r\n", cr) - cr - 15);
    size_t next = r.body.find(delim, head_end + 4);
    out.emplace_back(range, r.body.substr(head_end + 4, next - head_end - 4));
    i = next;
  }
  return out;
}

TEST_F(StaticTest, SingleRanges) {
  Harness h(config(), modules::builtin_modules());
  auto r = get(h, "/a.txt", "Range: bytes=0-4\r\n");
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.status_line, "HTTP/1.1 206 Partial Content");
  EXPECT_EQ(r.header("Content-Range"), "bytes 0-4/13");
  EXPECT_EQ(r.header("Content-Length"), "5");
  EXPECT_EQ(r.header("Content-Type"), "text/plain");
  EXPECT_EQ(r.header("ETag"), http::make_etag(kMtime, 13));
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(get(h, "/a.txt", "Range: bytes=-7\r\n").body, "static\n");    // suffix
  EXPECT_EQ(get(h, "/a.txt", "Range: bytes=6-\r\n").body, "static\n");    // open
  EXPECT_EQ(get(h, "/a.txt", "Range: bytes=6-999\r\n").header("Content-Range"), "bytes 6-12/13");
  // A streamed (uncached) file.
  auto big = get(h, "/big.bin", "Range: bytes=5000000-5000009\r\n");
  EXPECT_EQ(big.status, 206);
  EXPECT_EQ(big.body, big_.substr(5000000, 10));
  EXPECT_EQ(big.header("Content-Range"), "bytes 5000000-5000009/" + std::to_string(big_.size()));
}

TEST_F(StaticTest, MultipleRangesAreMultipartByteranges) {
  Harness h(config(), modules::builtin_modules());
  auto r = get(h, "/digits.txt", "Range: bytes=0-9,500-504,-3\r\n");
  ASSERT_EQ(r.status, 206);
  std::string ct = r.header("Content-Type");
  ASSERT_TRUE(ct.starts_with("multipart/byteranges; boundary=")) << ct;
  std::string b = ct.substr(31);
  std::string expected = "\r\n--" + b + "\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-9/1000\r\n\r\n0123456789" +
                         "\r\n--" + b + "\r\nContent-Type: text/plain\r\nContent-Range: bytes 500-504/1000\r\n\r\n01234" +
                         "\r\n--" + b + "\r\nContent-Type: text/plain\r\nContent-Range: bytes 997-999/1000\r\n\r\n789" +
                         "\r\n--" + b + "--\r\n";
  EXPECT_EQ(r.body, expected);
  EXPECT_EQ(r.header("Content-Length"), std::to_string(expected.size()));
  EXPECT_FALSE(r.has("Content-Range"));  // RFC 9110 14.6: only in the parts
  // A streamed file, parts from the open file.
  auto big = get(h, "/big.bin", "Range: bytes=0-9,4000000-4000009\r\n");
  auto parts = parts_of(big);
  ASSERT_EQ(parts.size(), 2u);
  std::string len = std::to_string(big_.size());
  EXPECT_EQ(parts[0], std::make_pair("bytes 0-9/" + len, big_.substr(0, 10)));
  EXPECT_EQ(parts[1], std::make_pair("bytes 4000000-4000009/" + len, big_.substr(4000000, 10)));
  // Each response gets its own boundary.
  EXPECT_NE(get(h, "/digits.txt", "Range: bytes=0-0,900-900\r\n").header("Content-Type"), ct);
}

TEST_F(StaticTest, UnsatisfiableRangeIs416) {
  Harness h(config(), modules::builtin_modules());
  auto r = get(h, "/a.txt", "Range: bytes=13-\r\n");
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(r.header("Content-Range"), "bytes */13");
  EXPECT_EQ(r.header("Content-Type"), "text/html");
  EXPECT_NE(r.body.find("416"), std::string::npos);
}

TEST_F(StaticTest, RangeIgnoredWhereItDoesNotApply) {
  Harness h(config(), modules::builtin_modules());
  EXPECT_EQ(get(h, "/a.txt", "Range: bytes=0-4\r\n", "HEAD").status, 200);  // RFC 9110 14.2: GET only
  EXPECT_EQ(get(h, "/a.txt", "Range: items=0-4\r\n").status, 200);
  EXPECT_EQ(get(h, "/a.txt", "Range: bytes=4-0\r\n").status, 200);
  auto abusive = get(h, "/digits.txt", "Range: bytes=0-,0-,0-\r\n");
  EXPECT_EQ(abusive.status, 200);
  EXPECT_EQ(abusive.body, digits_);
  std::string many = "Range: bytes=0-0";
  for (int i = 1; i <= 16; ++i) many += "," + std::to_string(i * 1000) + "-" + std::to_string(i * 1000);
  EXPECT_EQ(get(h, "/big.bin", many + "\r\n", "HEAD").status, 200);
  auto over = get(h, "/big.bin", many + "\r\n");
  EXPECT_EQ(over.status, 200);  // 17 ranges > max_ranges 16: the whole file
  EXPECT_EQ(over.body.size(), big_.size());
  // max_ranges = 0 turns ranges off, and Accept-Ranges with them.
  auto cfg = config();
  cfg->servers[0].locations[0].max_ranges = 0;
  Harness off(cfg, modules::builtin_modules());
  auto r = get(off, "/a.txt", "Range: bytes=0-4\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.has("Accept-Ranges"));
}

// RFC 9110 13.1.5 and the order of 13.2.2 (preconditions before Range).
TEST_F(StaticTest, IfRangeAndPreconditions) {
  Harness h(config(), modules::builtin_modules());
  std::string etag = http::make_etag(kMtime, 13);
  std::string lm = http::format_http_date(kMtime);
  EXPECT_EQ(get(h, "/a.txt", "Range: bytes=0-4\r\nIf-Range: " + etag + "\r\n").status, 206);
  EXPECT_EQ(get(h, "/a.txt", "Range: bytes=0-4\r\nIf-Range: " + lm + "\r\n").status, 206);
  auto changed = get(h, "/a.txt", "Range: bytes=0-4\r\nIf-Range: \"old\"\r\n");
  EXPECT_EQ(changed.status, 200);
  EXPECT_EQ(changed.body, "hello static\n");
  EXPECT_EQ(get(h, "/a.txt", "Range: bytes=0-4\r\nIf-Range: W/" + etag + "\r\n").status, 200);
  EXPECT_EQ(get(h, "/a.txt", "Range: bytes=0-4\r\nIf-Range: " + http::format_http_date(kMtime + 1) + "\r\n").status, 200);
  EXPECT_EQ(get(h, "/a.txt", "If-Range: " + etag + "\r\n").status, 200);  // no Range: nothing to do
  EXPECT_EQ(get(h, "/a.txt", "Range: bytes=0-4\r\nIf-None-Match: " + etag + "\r\n").status, 304);
  EXPECT_EQ(get(h, "/a.txt", "Range: bytes=0-4\r\nIf-Match: \"other\"\r\n").status, 412);
  EXPECT_EQ(get(h, "/a.txt", "Range: bytes=0-4\r\nIf-Unmodified-Since: " +
                                 http::format_http_date(kMtime - 10) + "\r\n").status, 412);
  EXPECT_EQ(get(h, "/a.txt", "Range: bytes=0-4\r\nIf-Match: " + etag + "\r\n").status, 206);
}

TEST_F(StaticTest, GzipStaticNegotiation) {
  Harness h(config(), modules::builtin_modules());
  auto gz = get(h, "/gz/g.txt", "Accept-Encoding: gzip, deflate\r\n");
  EXPECT_EQ(gz.status, 200);
  EXPECT_EQ(gz.body, "GZDATA");
  EXPECT_EQ(gz.header("Content-Encoding"), "gzip");
  EXPECT_EQ(gz.header("Content-Type"), "text/plain");  // the type of what was asked for
  EXPECT_EQ(gz.header("Vary"), "Accept-Encoding");
  EXPECT_EQ(gz.header("ETag"), http::make_etag(kMtime, 6, "gz"));
  auto plain = get(h, "/gz/g.txt");
  EXPECT_EQ(plain.body, "plain text, uncompressed\n");
  EXPECT_FALSE(plain.has("Content-Encoding"));
  EXPECT_EQ(plain.header("Vary"), "Accept-Encoding");  // also on the uncompressed answer
  EXPECT_NE(plain.header("ETag"), gz.header("ETag"));
  EXPECT_EQ(get(h, "/gz/g.txt", "Accept-Encoding: gzip;q=0, deflate\r\n").body, "plain text, uncompressed\n");
  EXPECT_EQ(get(h, "/gz/g.txt", "Accept-Encoding: br, *;q=0.1\r\n").body, "GZDATA");
  EXPECT_EQ(get(h, "/gz/g.txt", "Accept-Encoding: identity\r\n").body, "plain text, uncompressed\n");
  EXPECT_EQ(get(h, "/gz/only.txt", "Accept-Encoding: gzip\r\n").body, "ONLYGZ");  // as nginx
  EXPECT_EQ(get(h, "/gz/only.txt").status, 404);
  auto no_sibling = get(h, "/gz/a.txt", "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(no_sibling.body, "hello static\n");
  EXPECT_EQ(no_sibling.header("Vary"), "Accept-Encoding");
  auto off = get(h, "/g.txt", "Accept-Encoding: gzip\r\n");  // gzip_static off here
  EXPECT_EQ(off.body, "plain text, uncompressed\n");
  EXPECT_FALSE(off.has("Vary"));
  EXPECT_EQ(get(h, "/gz/g.txt", "Accept-Encoding: gzip\r\n", "HEAD").header("Content-Length"), "6");
}

TEST_F(StaticTest, GzipVariantValidatorsAndRanges) {
  Harness h(config(), modules::builtin_modules());
  std::string gz_etag = http::make_etag(kMtime, 6, "gz");
  auto nm = get(h, "/gz/g.txt", "Accept-Encoding: gzip\r\nIf-None-Match: " + gz_etag + "\r\n");
  EXPECT_EQ(nm.status, 304);
  EXPECT_EQ(nm.header("Vary"), "Accept-Encoding");  // RFC 9110 15.4.5
  EXPECT_EQ(nm.header("ETag"), gz_etag);
  // The gzip variant's tag does not validate the plain one.
  EXPECT_EQ(get(h, "/gz/g.txt", "If-None-Match: " + gz_etag + "\r\n").status, 200);
  auto part = get(h, "/gz/g.txt", "Accept-Encoding: gzip\r\nRange: bytes=0-1\r\n");
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, "GZ");
  EXPECT_EQ(part.header("Content-Range"), "bytes 0-1/6");
  EXPECT_EQ(part.header("Content-Encoding"), "gzip");
}

}  // namespace
}  // namespace sluice::testing
