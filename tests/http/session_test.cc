// HttpSession and HttpServer over the fake transport: persistence, pipelining, limits, smuggling
// defenses, 100-continue, timeouts, graceful shutdown, reload.
#include <gtest/gtest.h>

#include "tests/http/harness.h"

namespace sluice::testing {
namespace {

using http::BadRequest;

constexpr const char* kGet = "GET /fixed HTTP/1.1\r\nHost: example.test\r\n\r\n";

TEST(Session, GetKeepAliveWithExactHeaders) {
  Harness h;
  auto c = h.connect();
  h.send(*c, kGet);
  std::string raw = c->take();
  EXPECT_EQ(raw,
            "HTTP/1.1 200 OK\r\nServer: sluice/0.1.0\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Content-Type: text/plain\r\nContent-Length: 12\r\nConnection: keep-alive\r\n\r\n"
            "fixed:/fixed");
  EXPECT_TRUE(c->open());
  EXPECT_FALSE(c->shut_wr);
  h.send(*c, kGet);
  EXPECT_EQ(parse_one(c->take()).status, 200);
  EXPECT_EQ(h.server->counters().requests, 2u);
  EXPECT_EQ(h.server->counters().keepalive_reused, 1u);
  EXPECT_EQ(h.server->counters().responses[2], 2u);
  EXPECT_EQ(h.server->active_connections(), 1u);
}

TEST(Session, ServerTokensOff) {
  auto cfg = test_config();
  cfg->http.server_tokens = false;
  Harness h(cfg);
  auto c = h.connect();
  h.send(*c, kGet);
  EXPECT_EQ(parse_one(c->take()).header("Server"), "sluice");
}

// RFC 9112 9.3 and 9.6: a closing response, then lingering close until the client's FIN.
TEST(Session, Http10ClosesAfterResponseWithLingeringClose) {
  Harness h;
  auto c = h.connect();
  h.send(*c, "GET /fixed HTTP/1.0\r\n\r\n");
  auto r = parse_one(c->take());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Connection"), "close");
  EXPECT_TRUE(c->shut_wr);   // FIN after the response...
  EXPECT_FALSE(c->closed);   // ...but still reading what the client sends
  h.send(*c, "junk the client was still sending");
  EXPECT_FALSE(c->closed);
  c->send_eof();
  h.settle();
  EXPECT_TRUE(c->closed);
  EXPECT_EQ(h.server->active_connections(), 0u);
}

TEST(Session, Http10KeepAliveAndConnectionClose) {
  Harness h;
  auto c = h.connect();
  h.send(*c, "GET /fixed HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(parse_one(c->take()).header("Connection"), "keep-alive");
  EXPECT_FALSE(c->shut_wr);
  h.send(*c, "GET /fixed HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(parse_one(c->take()).header("Connection"), "close");
  EXPECT_TRUE(c->shut_wr);
}

TEST(Session, LingerEndsAfterLingeringTimeout) {
  Harness h;
  auto c = h.connect();
  h.send(*c, "GET /fixed HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(c->shut_wr);
  h.advance(Duration::seconds(4));
  EXPECT_FALSE(c->closed);
  h.advance(Duration::seconds(2));  // lingering_timeout 5s without input
  EXPECT_TRUE(c->closed);
}

TEST(Session, PipelinedRequestsAnsweredInOrder) {
  Harness h;
  auto c = h.connect();
  h.send(*c,
         "GET /fixed/1 HTTP/1.1\r\nHost: a\r\n\r\n"
         "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
         "HEAD /fixed/3 HTTP/1.1\r\nHost: a\r\n\r\n"
         "GET /fixed/4 HTTP/1.1\r\nHost: a\r\n\r\n");
  auto rs = parse_responses(c->take(), {false, false, true, false});
  ASSERT_EQ(rs.size(), 4u);
  EXPECT_EQ(rs[0].body, "fixed:/fixed/1");
  EXPECT_EQ(rs[1].body, "echo:abc");
  EXPECT_EQ(rs[2].header("Content-Length"), "14");
  EXPECT_EQ(rs[2].body, "");
  EXPECT_EQ(rs[3].body, "fixed:/fixed/4");
  EXPECT_TRUE(c->open());
}

TEST(Session, PipelinedRequestsSplitAtEveryByte) {
  std::string two = "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "3\r\nabc\r\n0\r\n\r\nGET /fixed/2 HTTP/1.1\r\nHost: a\r\n\r\n";
  for (size_t k = 0; k <= two.size(); ++k) {
    Harness h;
    auto c = h.connect();
    h.send(*c, two.substr(0, k));
    h.send(*c, two.substr(k));
    auto rs = parse_responses(c->take());
    ASSERT_EQ(rs.size(), 2u) << "split at " << k;
    EXPECT_EQ(rs[0].body, "echo:abc");
    EXPECT_EQ(rs[1].body, "fixed:/fixed/2");
  }
  Harness h;  // and one byte per slice
  auto c = h.connect();
  c->send_split(two, 1);
  h.settle();
  EXPECT_EQ(parse_responses(c->take()).size(), 2u);
}

TEST(Session, NextRequestWaitsUntilResponseIsHandedOver) {
  Harness h;
  auto c = h.connect();
  c->space = 10;  // the first response cannot be written at once
  h.send(*c, "GET /fixed/1 HTTP/1.1\r\nHost: a\r\n\r\nGET /fixed/2 HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(c->output.size(), 10u);
  EXPECT_EQ(h.server->counters().requests, 1u);  // the second is not parsed yet
  c->set_space(SIZE_MAX);
  h.settle();
  auto rs = parse_responses(c->take());
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[1].body, "fixed:/fixed/2");
}

TEST(Session, ChunkedResponseForUnknownLength) {
  Harness h;
  auto c = h.connect();
  h.send(*c, "GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n");
  std::string raw = c->take();
  EXPECT_NE(raw.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(raw.find("\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n"), std::string::npos) << raw;
  EXPECT_TRUE(c->open());
  // HTTP/1.0 has no chunked coding: the body ends at close.
  h.send(*c, "GET /chunked HTTP/1.0\r\n\r\n");
  auto r = parse_one(c->take());
  EXPECT_FALSE(r.has("Transfer-Encoding"));
  EXPECT_EQ(r.header("Connection"), "close");
  EXPECT_EQ(r.body, "hello world");
  EXPECT_TRUE(c->shut_wr);
}

TEST(Session, HeadHasLengthButNoBody) {
  Harness h;
  auto c = h.connect();
  h.send(*c, "HEAD /fixed HTTP/1.1\r\nHost: a\r\n\r\n");
  std::string raw = c->take();
  EXPECT_NE(raw.find("Content-Length: 12\r\n"), std::string::npos);
  EXPECT_TRUE(raw.ends_with("\r\n\r\n"));
}

TEST(Session, UnreadBodyIsDiscardedAndConnectionKept) {
  Harness h;
  auto c = h.connect();
  h.send(*c, "POST /fixed HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab");
  EXPECT_EQ(parse_one(c->take()).header("Connection"), "keep-alive");
  h.send(*c, "cdeGET /fixed/2 HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(parse_one(c->take()).body, "fixed:/fixed/2");
}

// RFC 9110 10.1.1.
TEST(Session, ExpectContinueOnlyWhenBodyIsRead) {
  Harness h;
  auto c = h.connect();
  h.send(*c, "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(c->take(), "HTTP/1.1 100 Continue\r\n\r\n");
  h.send(*c, "hello");
  EXPECT_EQ(parse_one(c->take()).body, "echo:hello");

  auto d = h.connect();
  h.send(*d, "POST /fixed HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  std::string raw = d->take();
  EXPECT_TRUE(raw.starts_with("HTTP/1.1 200 OK\r\n")) << raw;
  EXPECT_NE(raw.find("Connection: close"), std::string::npos);
}

TEST(Session, KeepaliveRequestsLimit) {
  auto cfg = test_config();
  cfg->http.keepalive_requests = 2;
  Harness h(cfg);
  auto c = h.connect();
  h.send(*c, kGet);
  EXPECT_EQ(parse_one(c->take()).header("Connection"), "keep-alive");
  h.send(*c, kGet);
  EXPECT_EQ(parse_one(c->take()).header("Connection"), "close");
  EXPECT_TRUE(c->shut_wr);
}

struct Refusal {
  const char* name;
  std::string request;
  int status;
  BadRequest reason;
};

void expect_refused(const Refusal& r) {
  Harness h;
  auto c = h.connect();
  h.send(*c, r.request);
  auto resp = parse_responses(c->take());
  ASSERT_EQ(resp.size(), 1u) << r.name;
  EXPECT_EQ(resp[0].status, r.status) << r.name;
  EXPECT_EQ(resp[0].header("Connection"), "close") << r.name;
  EXPECT_EQ(resp[0].header("Content-Type"), "text/html") << r.name;
  EXPECT_TRUE(c->shut_wr || c->closed) << r.name;
  EXPECT_EQ(h.server->counters().bad(r.reason), 1u) << r.name;
  c->send_eof();
  h.settle();
  EXPECT_TRUE(c->closed) << r.name;
  EXPECT_EQ(h.server->active_connections(), 0u) << r.name;
}

// RFC 9112 6.3 (issue 4): every ambiguity in framing or field syntax is a 400 and a close.
TEST(Session, SmugglingAndMalformedCorpus) {
  const std::string p = "POST /echo HTTP/1.1\r\nHost: a\r\n";
  const std::string g = "GET /fixed HTTP/1.1\r\n";
  const Refusal corpus[] = {
      {"CL+TE", p + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, BadRequest::kBadFraming},
      {"TE+CL", p + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", 400, BadRequest::kBadFraming},
      {"dup CL same", p + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400, BadRequest::kBadFraming},
      {"dup CL differ", p + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400, BadRequest::kBadFraming},
      {"CL list", p + "Content-Length: 3, 3\r\n\r\nabc", 400, BadRequest::kBadFraming},
      {"CL plus", p + "Content-Length: +3\r\n\r\nabc", 400, BadRequest::kBadFraming},
      {"CL minus", p + "Content-Length: -1\r\n\r\n", 400, BadRequest::kBadFraming},
      {"CL hex", p + "Content-Length: 0x3\r\n\r\nabc", 400, BadRequest::kBadFraming},
      {"CL space", p + "Content-Length: 1 2\r\n\r\nabc", 400, BadRequest::kBadFraming},
      {"CL empty", p + "Content-Length: \r\n\r\n", 400, BadRequest::kBadFraming},
      {"CL huge", p + "Content-Length: 99999999999999999999999\r\n\r\n", 400, BadRequest::kBadFraming},
      {"TE twice", p + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, BadRequest::kBadFraming},
      {"TE chunked,chunked", p + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400, BadRequest::kBadFraming},
      {"TE gzip,chunked", p + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 400, BadRequest::kBadFraming},
      {"TE chunked,gzip", p + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400, BadRequest::kBadFraming},
      {"TE identity", p + "Transfer-Encoding: identity\r\n\r\n", 400, BadRequest::kBadFraming},
      {"TE xchunked", p + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 400, BadRequest::kBadFraming},
      {"TE in 1.0", "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, BadRequest::kBadFraming},
      {"obs-fold", g + "Host: a\r\nX-A: one\r\n two\r\n\r\n", 400, BadRequest::kBadHeader},
      {"obs-fold tab", g + "Host: a\r\nX-A: one\r\n\ttwo\r\n\r\n", 400, BadRequest::kBadHeader},
      {"ws before first field", g + " Host: a\r\n\r\n", 400, BadRequest::kBadHeader},
      {"space before colon", g + "Host : a\r\n\r\n", 400, BadRequest::kBadHeader},
      {"tab before colon", g + "Host\t: a\r\n\r\n", 400, BadRequest::kBadHeader},
      {"TE space before colon", p + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400, BadRequest::kBadHeader},
      {"bare CR in value", g + "Host: a\r\nX: a\rb\r\n\r\n", 400, BadRequest::kBadHeader},
      {"bare CR line end", g + "Host: a\rX: b\r\n\r\n", 400, BadRequest::kBadHeader},
      {"bare LF", "GET /fixed HTTP/1.1\nHost: a\n\n", 400, BadRequest::kBadHeader},
      {"bare LF in fields", g + "Host: a\nX: b\r\n\r\n", 400, BadRequest::kBadHeader},
      {"CTL in name", g + "Host: a\r\nX\x01Y: b\r\n\r\n", 400, BadRequest::kBadHeader},
      {"CTL in value", g + "Host: a\r\nX: a\x01" "b\r\n\r\n", 400, BadRequest::kBadHeader},
      {"NUL in value", g + "Host: a\r\nX: a" + std::string(1, '\0') + "b\r\n\r\n", 400, BadRequest::kBadHeader},
      {"DEL in value", g + "Host: a\r\nX: a\x7f\r\n\r\n", 400, BadRequest::kBadHeader},
      {"empty name", g + "Host: a\r\n: b\r\n\r\n", 400, BadRequest::kBadHeader},
      {"space in name", g + "Host: a\r\nX Y: b\r\n\r\n", 400, BadRequest::kBadHeader},
      {"no colon", g + "Host: a\r\nXY\r\n\r\n", 400, BadRequest::kBadHeader},
      {"two Hosts", g + "Host: a\r\nHost: b\r\n\r\n", 400, BadRequest::kMissingHost},
      {"no Host", g + "\r\n", 400, BadRequest::kMissingHost},
      {"bad Host", g + "Host: a/b\r\n\r\n", 400, BadRequest::kMissingHost},
      {"bad Host port", g + "Host: a:8x\r\n\r\n", 400, BadRequest::kMissingHost},
      {"bad chunk size", p + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400, BadRequest::kMalformed},
      {"chunk size overflow", p + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\nabc\r\n", 400, BadRequest::kMalformed},
      {"chunk data too long", p + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n", 400, BadRequest::kMalformed},
      {"traversal", "GET /../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", 400, BadRequest::kBadTarget},
      {"encoded traversal", "GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", 400, BadRequest::kBadTarget},
      {"NUL in path", "GET /a%00b HTTP/1.1\r\nHost: a\r\n\r\n", 400, BadRequest::kBadTarget},
      {"double space", "GET  /fixed HTTP/1.1\r\nHost: a\r\n\r\n", 400, BadRequest::kMalformed},
      {"no version", "GET /fixed\r\nHost: a\r\n\r\n", 400, BadRequest::kMalformed},
      {"garbage", std::string("\x16\x03\x01\x02\x00\x01\xfc\x03\x03\r\n\r\n", 13), 400, BadRequest::kMalformed},
  };
  for (const Refusal& r : corpus) expect_refused(r);
}

TEST(Session, LimitsAnswerWithTheRightStatus) {
  const Refusal cases[] = {
      {"414", "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, BadRequest::kRequestLineTooLong},
      {"431 size", "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(33000, 'b') + "\r\n\r\n", 431, BadRequest::kHeaderTooLarge},
      {"431 count", [] {
         std::string s = "GET / HTTP/1.1\r\nHost: a\r\n";
         for (int i = 0; i < 101; ++i) s += "X-" + std::to_string(i) + ": v\r\n";
         return s + "\r\n";
       }(), 431, BadRequest::kTooManyHeaders},
      {"413 declared", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n", 413, BadRequest::kBodyTooLarge},
      {"505", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, BadRequest::kBadVersion},
      {"501", "BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n", 501, BadRequest::kUnknownMethod},
      {"417", "GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", 417, BadRequest::kExpectation},
  };
  for (const Refusal& r : cases) expect_refused(r);
}

TEST(Session, ChunkedBodyOverLimitWhileStreamingIs413) {
  auto cfg = test_config();
  cfg->http.client_max_body_size = 8;
  Harness h(cfg);
  auto c = h.connect();
  h.send(*c, "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
  EXPECT_EQ(c->output, "");
  h.send(*c, "5\r\nworld\r\n0\r\n\r\n");
  auto r = parse_one(c->take());
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.header("Connection"), "close");
  EXPECT_EQ(h.server->counters().bad(BadRequest::kBodyTooLarge), 1u);
}

TEST(Session, HeaderTimeoutSends408) {
  Harness h;
  auto c = h.connect();
  h.send(*c, "GET /fixed HT");
  h.advance(Duration::seconds(59));
  EXPECT_EQ(c->output, "");
  h.advance(Duration::seconds(2));
  auto r = parse_one(c->take());
  EXPECT_EQ(r.status, 408);
  EXPECT_EQ(r.header("Connection"), "close");
  EXPECT_EQ(h.server->counters().bad(BadRequest::kTimeout), 1u);
}

TEST(Session, SilentConnectionIsClosedWithoutResponse) {
  Harness h;
  auto c = h.connect();
  h.advance(Duration::seconds(61));
  EXPECT_TRUE(c->closed);
  EXPECT_EQ(c->output, "");
  h.settle();
  EXPECT_EQ(h.server->active_connections(), 0u);
}

TEST(Session, KeepaliveIdleTimeoutCloses) {
  Harness h;
  auto c = h.connect();
  h.send(*c, kGet);
  c->take();
  h.advance(Duration::seconds(74));
  EXPECT_FALSE(c->closed);
  h.advance(Duration::seconds(2));
  EXPECT_TRUE(c->closed);
  EXPECT_EQ(c->output, "");
  EXPECT_EQ(h.server->counters().timeouts_idle, 1u);
}

TEST(Session, FirstByteSwitchesIdleToHeaderTimeout) {
  auto cfg = test_config();
  cfg->http.keepalive_timeout = Duration::seconds(5);
  cfg->http.client_header_timeout = Duration::seconds(20);
  Harness h(cfg);
  auto c = h.connect();
  h.send(*c, kGet);
  c->take();
  h.advance(Duration::seconds(3));
  h.send(*c, "GET /fi");
  h.advance(Duration::seconds(10));  // past keepalive_timeout, within client_header_timeout
  EXPECT_FALSE(c->closed);
  h.send(*c, "xed HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(parse_one(c->take()).status, 200);
}

TEST(Session, BodyTimeoutSends408) {
  Harness h;
  auto c = h.connect();
  h.send(*c, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
  h.advance(Duration::seconds(30));
  h.send(*c, "def");  // progress re-arms the timer
  h.advance(Duration::seconds(59));
  EXPECT_EQ(c->output, "");
  h.advance(Duration::seconds(2));
  auto r = parse_one(c->take());
  EXPECT_EQ(r.status, 408);
  EXPECT_EQ(r.header("Connection"), "close");
}

TEST(Session, SendTimeoutAborts) {
  Harness h;
  auto c = h.connect();
  c->space = 0;
  h.send(*c, kGet);
  EXPECT_FALSE(c->aborted);
  h.advance(Duration::seconds(61));
  EXPECT_TRUE(c->aborted);
  EXPECT_EQ(h.server->counters().timeouts_send, 1u);
  h.settle();
  EXPECT_EQ(h.server->active_connections(), 0u);
}

TEST(Session, ClientResetMidResponseFreesTheSession) {
  Harness h;
  auto c = h.connect();
  c->space = 5;
  h.send(*c, kGet);
  c->reset();
  h.settle();
  EXPECT_EQ(h.server->active_connections(), 0u);
  EXPECT_EQ(c->conn, nullptr);  // destroyed after the iteration, not inside the callback
}

TEST(Session, ErrorPageIsAnInternalRedirectWithTheOriginalStatus) {
  auto cfg = test_config();
  for (auto& l : cfg->servers[0].locations) {
    if (l.path == "/err") l.error_page[404] = "/fixed/notfound.html";
  }
  Harness h(cfg);
  auto c = h.connect();
  h.send(*c, "GET /err/x HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = parse_one(c->take());
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "fixed:/fixed/notfound.html");
  // Without a mapping: the built-in page.
  h.send(*c, "GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n");
  auto d = parse_one(c->take());
  EXPECT_EQ(d.status, 200);  // "/" is served by the fixed handler in the test config
}

TEST(Session, BuiltInErrorPageLooksLikeNginx) {
  Harness h;
  auto c = h.connect();
  h.send(*c, "GET /err HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = parse_one(c->take());
  EXPECT_EQ(r.status_line, "HTTP/1.1 404 Not Found");
  EXPECT_EQ(r.body,
            "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
            "<center><h1>404 Not Found</h1></center>\r\n<hr><center>sluice/0.1.0</center>\r\n"
            "</body>\r\n</html>\r\n");
  EXPECT_EQ(r.header("Connection"), "keep-alive");
}

TEST(Session, OptionsAsterisk) {
  Harness h;
  auto c = h.connect();
  h.send(*c, "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = parse_one(c->take());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(r.header("Content-Length"), "0");
}

TEST(Server, GracefulShutdown) {
  Harness h;
  auto idle = h.connect();
  h.send(*idle, kGet);
  idle->take();
  auto busy = h.connect();
  h.send(*busy, "GET /fixed HTTP/1.1\r\nHost: a\r\n");  // head not complete yet
  h.server->begin_shutdown();
  h.settle();
  EXPECT_TRUE(idle->closed);
  EXPECT_FALSE(busy->closed);
  EXPECT_TRUE(h.transport.listeners.empty());
  h.send(*busy, "\r\n");
  auto r = parse_one(busy->take());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Connection"), "close");
  busy->send_eof();
  h.settle();
  EXPECT_EQ(h.server->active_connections(), 0u);
}

TEST(Server, ReloadKeepsOldConnectionsOnTheirSnapshot) {
  Harness h;
  auto old_conn = h.connect();
  h.send(*old_conn, "GET /err HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(parse_one(old_conn->take()).status, 404);

  auto cfg = test_config();
  cfg->servers[0].error_page[404] = "/fixed/custom404";
  cfg->servers[0].listen.push_back(*transport::Address::parse("127.0.0.1:8081"));
  std::string err;
  ASSERT_TRUE(h.server->reload(cfg, &err)) << err;
  EXPECT_EQ(h.transport.listeners.size(), 2u);

  h.send(*old_conn, "GET /err HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(parse_one(old_conn->take()).body.find("fixed:"), std::string::npos);
  auto new_conn = h.connect();
  h.send(*new_conn, "GET /err HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = parse_one(new_conn->take());
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "fixed:/fixed/custom404");

  // A reload that cannot listen keeps everything as it was.
  auto bad = test_config();
  bad->servers[0].listen = {*transport::Address::parse("127.0.0.1:9999")};
  h.transport.fail_listen = true;
  EXPECT_FALSE(h.server->reload(bad, &err));
  EXPECT_EQ(h.transport.listeners.size(), 2u);
  h.transport.fail_listen = false;
  ASSERT_TRUE(h.server->reload(bad, &err)) << err;
  ASSERT_EQ(h.transport.listeners.size(), 1u);
  EXPECT_EQ(h.transport.listeners[0]->address().port, 9999);
}

}  // namespace
}  // namespace sluice::testing
