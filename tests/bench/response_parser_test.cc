#include "bench/load/response_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::bench {
namespace {

using R = ResponseParser::Result;

// Feeds `s` in pieces of `step` bytes; returns the final result and the bytes used in total.
R feed_all(ResponseParser& p, const std::string& s, size_t step, size_t* used_total) {
  *used_total = 0;
  R r = R::kNeedMore;
  for (size_t off = 0; off < s.size() && r == R::kNeedMore; off += step) {
    size_t n = std::min(step, s.size() - off), used = 0;
    r = p.feed(reinterpret_cast<const uint8_t*>(s.data() + off), n, &used);
    *used_total += used;
  }
  return r;
}

const std::string kSmall = "HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 5\r\n\r\nhello";

// `s` is one 200 response with `body` bytes: it parses the same in pieces of every size.
void expect_in_every_split(const std::string& s, uint64_t body, bool keep_alive) {
  for (size_t step = 1; step <= s.size(); ++step) {
    ResponseParser p;
    size_t used;
    ASSERT_EQ(feed_all(p, s, step, &used), R::kDone) << step;
    EXPECT_EQ(used, s.size());
    EXPECT_EQ(p.status(), 200);
    EXPECT_EQ(p.body_bytes(), body);
    EXPECT_EQ(p.keep_alive(), keep_alive) << step;
  }
}

TEST(ResponseParser, ContentLengthInAnySplit) { expect_in_every_split(kSmall, 5, true); }

// Lines are taken in bulk (memchr for LF): a CR at a piece's end, bare LFs, a bare CR inside a
// value and an over-long header read the same in every split.
TEST(ResponseParser, LineEndingsInAnySplit) {
  const std::string s = "HTTP/1.1 200 OK\nX-Odd: a\rb\r\nX-Long: " + std::string(400, 'v') +
                        "\r\nConnection: close\r\nContent-Length: 3\n\r\nabc";
  expect_in_every_split(s, 3, false);
}

TEST(ResponseParser, HeaderSectionOverTheLimitIsAnError) {
  std::string s = "HTTP/1.1 200 OK\r\n";
  while (s.size() <= ResponseParser::kHeaderMax) s += "X-Pad: " + std::string(100, 'p') + "\r\n";
  s += "Content-Length: 0\r\n\r\n";
  for (size_t step : {size_t(7), size_t(4096), s.size()}) {
    ResponseParser p;
    size_t used;
    EXPECT_EQ(feed_all(p, s, step, &used), R::kError) << step;
  }
}

TEST(ResponseParser, LeavesTheNextResponseUnused) {
  ResponseParser p;
  std::string two = kSmall + kSmall;
  size_t used;
  EXPECT_EQ(feed_all(p, two, two.size(), &used), R::kDone);
  EXPECT_EQ(used, kSmall.size());
}

TEST(ResponseParser, ChunkedWithExtensionsAndTrailers) {
  std::string s = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: y\r\n\r\n";
  for (size_t step = 1; step <= s.size(); ++step) {
    ResponseParser p;
    size_t used;
    ASSERT_EQ(feed_all(p, s, step, &used), R::kDone) << step;
    EXPECT_EQ(used, s.size());
    EXPECT_EQ(p.body_bytes(), 15u);
  }
}

TEST(ResponseParser, ConnectionCloseAndHttp10) {
  ResponseParser p;
  size_t used;
  EXPECT_EQ(feed_all(p, "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n", 64, &used), R::kDone);
  EXPECT_FALSE(p.keep_alive());
  p.reset();
  EXPECT_EQ(feed_all(p, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 64, &used), R::kDone);
  EXPECT_FALSE(p.keep_alive());
  p.reset();
  EXPECT_EQ(feed_all(p, "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", 64, &used), R::kDone);
  EXPECT_TRUE(p.keep_alive());
}

TEST(ResponseParser, BodyUntilCloseCompletesAtEof) {
  ResponseParser p;
  size_t used;
  EXPECT_EQ(feed_all(p, "HTTP/1.1 200 OK\r\n\r\nabcdef", 4, &used), R::kNeedMore);
  EXPECT_EQ(p.finish_eof(), R::kDone);
  EXPECT_EQ(p.body_bytes(), 6u);
  EXPECT_FALSE(p.keep_alive());
}

TEST(ResponseParser, EofMidBodyIsAnError) {
  ResponseParser p;
  size_t used;
  EXPECT_EQ(feed_all(p, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 64, &used), R::kNeedMore);
  EXPECT_EQ(p.finish_eof(), R::kError);
  ResponseParser q;
  EXPECT_TRUE(q.idle());
  EXPECT_EQ(q.finish_eof(), R::kError);
}

TEST(ResponseParser, NoBodyFor204And304AndHead) {
  for (const char* s : {"HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n", "HTTP/1.1 304 Not Modified\r\n\r\n"}) {
    ResponseParser p;
    size_t used;
    EXPECT_EQ(feed_all(p, s, 64, &used), R::kDone) << s;
    EXPECT_TRUE(p.keep_alive());
  }
  ResponseParser p;
  p.reset(true);
  size_t used;
  EXPECT_EQ(feed_all(p, "HTTP/1.1 200 OK\r\nContent-Length: 600\r\n\r\n", 64, &used), R::kDone);
}

TEST(ResponseParser, InterimResponsesAreSkipped) {
  ResponseParser p;
  size_t used;
  std::string s = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n" + kSmall;
  EXPECT_EQ(feed_all(p, s, 3, &used), R::kDone);
  EXPECT_EQ(p.status(), 200);
  EXPECT_EQ(used, s.size());
}

TEST(ResponseParser, StatusClasses) {
  ResponseParser p;
  size_t used;
  EXPECT_EQ(feed_all(p, "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnah", 64, &used), R::kDone);
  EXPECT_EQ(p.status(), 404);
  p.reset();
  EXPECT_EQ(feed_all(p, "HTTP/1.1 503\r\nContent-Length: 0\r\n\r\n", 64, &used), R::kDone);  // no reason phrase
  EXPECT_EQ(p.status(), 503);
}

TEST(ResponseParser, BareLfLineEndingsAreTolerated) {
  ResponseParser p;
  size_t used;
  EXPECT_EQ(feed_all(p, "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", 64, &used), R::kDone);
  EXPECT_EQ(p.body_bytes(), 2u);
}

TEST(ResponseParser, LongHeaderLinesKeepTheirPrefix) {
  ResponseParser p;
  size_t used;
  std::string s = "HTTP/1.1 200 OK\r\nX-Long: " + std::string(5000, 'a') + "\r\nContent-Length: 1\r\n\r\nz";
  EXPECT_EQ(feed_all(p, s, 100, &used), R::kDone);
  EXPECT_EQ(p.body_bytes(), 1u);
}

class Malformed : public testing::TestWithParam<const char*> {};

TEST_P(Malformed, IsAnError) {
  ResponseParser p;
  size_t used;
  EXPECT_EQ(feed_all(p, GetParam(), 7, &used), R::kError);
  EXPECT_STRNE(p.error(), "");
}

INSTANTIATE_TEST_SUITE_P(ResponseParser, Malformed, testing::Values(
    "HTTP/2 200 OK\r\n\r\n",
    "HTTP/1.1 20 OK\r\n\r\n",
    "HTTP/1.1 2x0 OK\r\n\r\n",
    "HTTP/1.1 200OK\r\n\r\n",
    "ICY 200 OK\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n",
    "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
    "HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n"));

TEST(ResponseParser, HeaderSectionIsBounded) {
  ResponseParser p;
  std::string s = "HTTP/1.1 200 OK\r\n";
  while (s.size() < ResponseParser::kHeaderMax + 100) s += "X-Filler: 0123456789012345678901234567890123456789\r\n";
  size_t used;
  EXPECT_EQ(feed_all(p, s, 4096, &used), R::kError);
}

TEST(ResponseParser, ManyChunksAreNotLimitedByTheHeaderBound) {
  std::string s = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 20000; ++i) s += "1\r\nx\r\n";
  s += "0\r\n\r\n";
  ResponseParser p;
  size_t used;
  EXPECT_EQ(feed_all(p, s, 1000, &used), R::kDone);
  EXPECT_EQ(p.body_bytes(), 20000u);
}

}  // namespace
}  // namespace sluice::bench
