// The parser wrapper: requests split at every byte boundary, limits, framing (RFC 9112 6, 7.1).
#include "http/parser.h"

#include <gtest/gtest.h>

namespace sluice::http {
namespace {

struct Parsed {
  ParseStatus status = ParseStatus::kNeedMore;
  int error = 0;
  std::string method, path, query, host, body, ua;
  bool keep_alive = false, chunked = false, expect = false;
  size_t headers = 0;
  std::string leftover;
};

// Feeds `slices` one at a time, as a connection would deliver them.
Parsed run(const std::vector<std::string>& slices, ParserLimits limits = {}) {
  RequestParser p(limits);
  BufChain in;
  Parsed out;
  bool head = false;
  BufChain body;
  size_t fed = 0;
  for (const std::string& s : slices) {
    ++fed;
    in.append_copy(s);
    if (!head) {
      out.status = p.parse_head(in);
      if (out.status == ParseStatus::kError) break;
      if (out.status == ParseStatus::kNeedMore) continue;
      head = true;
    }
    out.status = p.parse_body(in, body);
    if (out.status != ParseStatus::kNeedMore) break;
  }
  out.error = p.error_status();
  if (head) {
    const Request& r = p.request();
    out.method = to_string(r.method);
    out.path = r.path();
    out.query = std::string(r.parsed.query);
    out.host = r.host;
    out.keep_alive = r.keep_alive;
    out.chunked = r.chunked;
    out.expect = r.expect_continue;
    out.headers = r.headers.size();
    out.ua = std::string(r.header("user-agent"));
  }
  out.body = body.to_string();
  out.leftover = in.to_string();
  for (size_t i = fed; i < slices.size(); ++i) out.leftover += slices[i];
  return out;
}

Parsed run1(const std::string& raw, ParserLimits limits = {}) { return run({raw}, limits); }

const char* kValid[] = {
    "GET /index.html?x=1 HTTP/1.1\r\nHost: Example.TEST:8080\r\nUser-Agent: t/1\r\n\r\n",
    "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
    "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n",
    "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "\r\nGET /a/../b HTTP/1.1\r\nHost: a\r\nConnection: close\r\nAccept:  */*  \r\n\r\n",
};

TEST(Parser, ValidRequestsSplitAtEveryByteBoundary) {
  for (const char* req : kValid) {
    std::string raw = req;
    Parsed whole = run1(raw + "GET /next");
    ASSERT_EQ(whole.status, ParseStatus::kDone) << raw;
    EXPECT_EQ(whole.leftover, "GET /next");
    for (size_t a = 0; a <= raw.size(); ++a) {
      Parsed p = run({raw.substr(0, a), raw.substr(a) + "GET /next"});
      ASSERT_EQ(p.status, ParseStatus::kDone) << raw << " split at " << a;
      EXPECT_EQ(p.method, whole.method);
      EXPECT_EQ(p.path, whole.path);
      EXPECT_EQ(p.host, whole.host);
      EXPECT_EQ(p.body, whole.body);
      EXPECT_EQ(p.headers, whole.headers);
      EXPECT_EQ(p.leftover, "GET /next") << " split at " << a;
    }
    std::vector<std::string> bytes;
    for (char c : raw) bytes.emplace_back(1, c);
    Parsed one = run(bytes);
    EXPECT_EQ(one.status, ParseStatus::kDone);
    EXPECT_EQ(one.body, whole.body);
  }
}

TEST(Parser, RequestFields) {
  Parsed p = run1(kValid[0]);
  EXPECT_EQ(p.method, "GET");
  EXPECT_EQ(p.path, "/index.html");
  EXPECT_EQ(p.query, "x=1");
  EXPECT_EQ(p.host, "example.test");
  EXPECT_EQ(p.ua, "t/1");
  EXPECT_TRUE(p.keep_alive);
  EXPECT_EQ(run1(kValid[1]).body, "hello world");
  Parsed c = run1(kValid[2]);
  EXPECT_TRUE(c.chunked);
  EXPECT_EQ(c.body, "hello world");
  EXPECT_EQ(run1(kValid[4]).path, "/b");
}

// RFC 9112 6.3 (7): a head without Content-Length or Transfer-Encoding ends its request (llhttp
// is not run for it); the same parser then frames a body of the next request on the connection.
TEST(Parser, BodilessRequestThenOneWithABodyOnOneParser) {
  RequestParser p{ParserLimits{}};
  BufChain in, body;
  in.append_copy("GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
                 "POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nxyzGET");
  ASSERT_EQ(p.parse_head(in), ParseStatus::kDone);
  EXPECT_TRUE(p.body_done());
  ASSERT_EQ(p.parse_body(in, body), ParseStatus::kDone);
  EXPECT_EQ(body.to_string(), "");
  p.reset();
  ASSERT_EQ(p.parse_head(in), ParseStatus::kDone);
  EXPECT_EQ(p.request().path(), "/b");
  ASSERT_EQ(p.parse_body(in, body), ParseStatus::kDone);
  EXPECT_EQ(body.to_string(), "xyz");
  EXPECT_EQ(in.to_string(), "GET");
}

// A parser that adopts a finished parser's buffers parses into their storage, from a clean state.
TEST(Parser, AdoptedBuffersKeepTheirCapacityNotTheirContent) {
  ParserBufferPool pool;
  const char* raw = "GET /first HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nX-B: 2\r\n\r\n";
  {
    RequestParser p{ParserLimits{}};
    p.adopt_buffers(pool.take());
    BufChain in;
    in.append_copy(raw);
    ASSERT_EQ(p.parse_head(in), ParseStatus::kDone);
    pool.give(p.release_buffers());
  }
  ASSERT_EQ(pool.spare(), 1u);
  ParserBuffers b = pool.take();
  EXPECT_TRUE(b.head.empty());
  EXPECT_TRUE(b.headers.empty());
  EXPECT_GE(b.head.capacity(), std::string_view(raw).size());
  EXPECT_GE(b.headers.capacity(), 3u);
  RequestParser q{ParserLimits{}};
  q.adopt_buffers(std::move(b));
  BufChain in;
  in.append_copy("GET /second HTTP/1.1\r\nHost: b\r\n\r\n");
  ASSERT_EQ(q.parse_head(in), ParseStatus::kDone);
  EXPECT_EQ(q.request().path(), "/second");
  EXPECT_EQ(q.request().host, "b");
  EXPECT_EQ(q.request().headers.size(), 1u);
}

// The pool keeps neither a huge head's buffer nor more than its bound of spares.
TEST(Parser, BufferPoolIsBounded) {
  ParserBufferPool pool;
  ParserBuffers big;
  big.head.reserve(ParserBufferPool::kMaxKeptHead * 4);
  pool.give(std::move(big));
  EXPECT_LE(pool.take().head.capacity(), ParserBufferPool::kMaxKeptHead);
  for (size_t i = 0; i < ParserBufferPool::kMaxSpare + 10; ++i) pool.give({});
  EXPECT_EQ(pool.spare(), ParserBufferPool::kMaxSpare);
}

// RFC 9112 9.3.
TEST(Parser, PersistenceRules) {
  EXPECT_TRUE(run1("GET / HTTP/1.1\r\nHost: a\r\n\r\n").keep_alive);
  EXPECT_FALSE(run1("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").keep_alive);
  EXPECT_FALSE(run1("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, Close\r\n\r\n").keep_alive);
  EXPECT_FALSE(run1("GET / HTTP/1.0\r\n\r\n").keep_alive);
  EXPECT_TRUE(run1("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive);
  EXPECT_FALSE(run1("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").keep_alive);
}

TEST(Parser, AbsoluteFormAuthorityWinsOverHost) {
  Parsed p = run1("GET http://Other.Test/x HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(p.host, "other.test");
  EXPECT_EQ(p.path, "/x");
}

TEST(Parser, ExpectContinue) {
  EXPECT_TRUE(run1("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx").expect);
  EXPECT_EQ(run1("GET / HTTP/1.1\r\nHost: a\r\nExpect: tea\r\n\r\n").error, 417);
}

TEST(Parser, Limits) {
  ParserLimits l;
  l.max_request_line = 64;
  l.max_header_size = 128;
  l.max_headers = 4;
  l.max_body = 10;
  std::string long_uri = "GET /" + std::string(100, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n";
  EXPECT_EQ(run1(long_uri, l).error, 414);
  EXPECT_EQ(run1("GET /" + std::string(100, 'a'), l).error, 414);  // before the line even ends
  std::string big = "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(200, 'b') + "\r\n\r\n";
  EXPECT_EQ(run1(big, l).error, 431);
  EXPECT_EQ(run1("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(200, 'b'), l).error, 431);
  std::string many = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n\r\n";
  EXPECT_EQ(run1(many, l).error, 431);
  EXPECT_EQ(run1("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", l).error, 413);
  EXPECT_EQ(run1("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789", l).status,
            ParseStatus::kDone);
  std::string chunked = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "6\r\n012345\r\n6\r\n012345\r\n0\r\n\r\n";
  EXPECT_EQ(run1(chunked, l).error, 413);
}

TEST(Parser, StatusForBadRequestLines) {
  EXPECT_EQ(run1("GET / HTTP/2.0\r\nHost: a\r\n\r\n").error, 505);
  EXPECT_EQ(run1("GET / HTTP/1.2\r\nHost: a\r\n\r\n").error, 505);
  EXPECT_EQ(run1("GET / HTTP/0.9\r\nHost: a\r\n\r\n").error, 505);
  EXPECT_EQ(run1("GET / HTTPS/1.1\r\nHost: a\r\n\r\n").error, 400);
  EXPECT_EQ(run1("GET / HTTP/11\r\nHost: a\r\n\r\n").error, 400);
  EXPECT_EQ(run1("BREW / HTTP/1.1\r\nHost: a\r\n\r\n").error, 501);
  EXPECT_EQ(run1("get / HTTP/1.1\r\nHost: a\r\n\r\n").error, 501);  // methods are case-sensitive
  EXPECT_EQ(run1("CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n").error, 501);
  EXPECT_EQ(run1("G(T / HTTP/1.1\r\nHost: a\r\n\r\n").error, 400);
  EXPECT_EQ(run1("GET  / HTTP/1.1\r\nHost: a\r\n\r\n").error, 400);
  EXPECT_EQ(run1("GET / HTTP/1.1 \r\nHost: a\r\n\r\n").error, 400);
  EXPECT_EQ(run1("GET /\r\n\r\n").error, 400);
  EXPECT_EQ(run1("GET / HTTP/1.1\r\n\r\n").error, 400);  // RFC 9112 3.2: Host required
  EXPECT_EQ(run1("GET / HTTP/1.0\r\n\r\n").status, ParseStatus::kDone);
  EXPECT_EQ(run1("GET /../x HTTP/1.1\r\nHost: a\r\n\r\n").error, 400);
  EXPECT_EQ(run1("GET * HTTP/1.1\r\nHost: a\r\n\r\n").error, 400);
  EXPECT_EQ(run1("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").status, ParseStatus::kDone);
}

}  // namespace
}  // namespace sluice::http
