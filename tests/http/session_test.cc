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
