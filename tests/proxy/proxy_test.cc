// The proxy end to end in memory: a real HttpSession in front, fake upstream connections behind,
// a test clock. Forwarding, balancing, keep-alive pool reuse and expiry, framing (chunked, HEAD,
// interim responses), streaming both ways with bounded buffering, the client going away.
#include <gtest/gtest.h>

#include "tests/proxy/fixture.h"

namespace sluice::testing {
namespace {

TEST(Proxy, GetGoesUpstreamAndBack) {
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, "GET /api/x?y=1 HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n");
  ASSERT_EQ(h.upstreams.conns.size(), 1u);
  Upstream& u = h.upstreams.conns[0];
  EXPECT_EQ(u.remote.to_string(), "10.0.0.1:80");
  std::string forwarded = proxy::session_hooks().remote_addr
                              ? "X-Real-IP: 192.0.2.7\r\nX-Forwarded-For: 192.0.2.7\r\n"
                              : "";  // the session does not say who the client is yet
  EXPECT_EQ(u.peer->output, "GET /api/x?y=1 HTTP/1.1\r\nHost: app\r\nAccept: */*\r\n" + forwarded +
                                "X-Forwarded-Proto: http\r\n\r\n");
  EXPECT_TRUE(c->output.empty());
  h.answer(u, ok_response("hello", "Server: nginx\r\nX-Up: 1\r\nConnection: keep-alive\r\n"));
  std::string raw = c->take();
  EXPECT_EQ(raw,
            "HTTP/1.1 200 OK\r\nServer: sluice/0.1.0\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nX-Up: 1\r\n"
            "Content-Length: 5\r\nConnection: keep-alive\r\n\r\nhello");
  EXPECT_EQ(h.rt->counters().requests, 1u);
  EXPECT_EQ(proxy::to_string(h.rt->counters()).substr(0, 21), "requests=1 attempts=1");
  EXPECT_EQ(h.rt->active_requests(), 0u);
  EXPECT_TRUE(u.peer->open());  // kept for the next request
}

TEST(Proxy, RoundRobinOverTheUpstream) {
  ProxyHarness h;
  auto c = h.connect();
  std::map<std::string, int> per_backend;
  for (int i = 0; i < 10; ++i) {
    h.send(*c, kGet);
    h.answer_all();
    auto r = parse_one(c->take());
    EXPECT_EQ(r.status, 200);
    ++per_backend[r.header("X-Backend")];
  }
  EXPECT_EQ(per_backend["10.0.0.1:80"], 5);
  EXPECT_EQ(per_backend["10.0.0.2:80"], 5);
  EXPECT_EQ(h.upstreams.conns.size(), 2u);  // one kept-alive connection per server
}

TEST(Proxy, KeepAlivePoolReusesAndExpires) {
  ProxyHarness h;
  auto c = h.connect();
  for (int i = 0; i < 3; ++i) {
    h.send(*c, kGetOne);
    h.answer_all();
    EXPECT_EQ(parse_one(c->take()).status, 200);
  }
  ASSERT_EQ(h.upstreams.conns.size(), 1u);
  EXPECT_EQ(h.upstreams.conns[0].answered, 3u);
  h.advance(Duration::seconds(59));
  EXPECT_TRUE(h.upstreams.conns[0].peer->open());
  h.advance(Duration::seconds(1));  // keepalive_timeout 60s
  h.settle();
  EXPECT_FALSE(h.upstreams.conns[0].peer->open());
  h.send(*c, kGetOne);
  EXPECT_EQ(h.upstreams.conns.size(), 2u);
}

TEST(Proxy, GracefulStopClosesIdleConnectionsAndKeepsNoMore) {
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, kGetOne);
  h.answer_all();
  c->take();
  h.rt->begin_shutdown();
  h.settle();
  EXPECT_TRUE(h.upstreams.conns[0].peer->closed);
  h.send(*c, kGetOne);
  h.answer_all();
  EXPECT_EQ(parse_one(c->take()).status, 200);
  EXPECT_FALSE(h.upstreams.conns[1].peer->open());  // not kept
}

TEST(Proxy, PoolHonoursRequestsPerConnection) {
  auto cfg = proxy_config();
  cfg->upstreams[0].keepalive_requests = 2;
  ProxyHarness h(cfg);
  auto c = h.connect();
  for (int i = 0; i < 4; ++i) {
    h.send(*c, kGet);
    h.answer_all();
    EXPECT_EQ(parse_one(c->take()).status, 200);
  }
  EXPECT_EQ(h.upstreams.conns.size(), 2u);  // two servers, two requests each, then closed
  EXPECT_FALSE(h.upstreams.conns[0].peer->open());
}

TEST(Proxy, StaleIdleConnectionIsDroppedAndRaceIsRetried) {
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, kGetOne);
  h.answer_all();
  c->take();
  // The server closes its idle connection: the pool notices and drops it.
  h.upstreams.conns[0].peer->send_eof();
  h.settle();
  EXPECT_TRUE(h.upstreams.conns[0].peer->closed);
  h.send(*c, kGetOne);
  ASSERT_EQ(h.upstreams.conns.size(), 2u);
  h.answer_all();
  c->take();
  // The race: the server resets a kept connection just as a request goes out on it.
  h.send(*c, kGetOne);
  EXPECT_EQ(h.upstreams.conns.size(), 2u);  // reused
  h.upstreams.conns[1].peer->reset();
  h.settle();
  ASSERT_EQ(h.upstreams.conns.size(), 3u);  // tried again on a fresh connection
  h.answer_all();
  EXPECT_EQ(parse_one(c->take()).status, 200);
  EXPECT_EQ(h.rt->counters().stale_retries, 1u);
  EXPECT_EQ(h.rt->counters().responses_502, 0u);
}

// Whether http::ChunkedBody passes its inner source's ready notification on (the session waits
// for it when a proxied body of unknown length is blocked).
bool chunked_body_forwards_ready() {
  struct Probe final : http::BodySource {
    http::PullResult pull(BufChain&, size_t) override { return http::PullResult::kBlocked; }
    std::optional<uint64_t> length() const override { return std::nullopt; }
    void ready() { notify_ready(); }
  };
  auto probe = std::make_unique<Probe>();
  Probe* inner = probe.get();
  http::ChunkedBody outer(std::move(probe));
  bool fired = false;
  outer.set_ready_callback([&] { fired = true; });
  inner->ready();
  return fired;
}

TEST(Proxy, ChunkedResponsePassesThrough) {
  if (!chunked_body_forwards_ready()) GTEST_SKIP() << "needs http::ChunkedBody to forward ready notifications";
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, kGetOne);
  Upstream& u = h.upstreams.conns[0];
  h.answer(u, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
  h.answer(u, "6\r\n world\r\n0\r\n\r\n");
  auto r = parse_one(c->take());
  EXPECT_EQ(r.header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(r.body, "hello world");
  EXPECT_TRUE(u.peer->open());  // clean end: reusable
}

TEST(Proxy, ChunkedRequestBodyIsSentChunked) {
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, "POST /one/up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
  h.send(*c, "2\r\nde\r\n0\r\n\r\n");
  Upstream& u = h.upstreams.conns[0];
  EXPECT_NE(u.peer->output.find("Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"),
            std::string::npos)
      << u.peer->output;
  h.answer_all();
  EXPECT_EQ(parse_one(c->take()).status, 200);
}

TEST(Proxy, HeadKeepsTheLength) {
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, "HEAD /one/x HTTP/1.1\r\nHost: a\r\n\r\n");
  h.answer(h.upstreams.conns[0], "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
  auto r = parse_one(c->take(), /*head=*/true);
  EXPECT_EQ(r.header("Content-Length"), "1234");
  EXPECT_TRUE(h.upstreams.conns[0].peer->open());
  h.send(*c, kGetOne);
  EXPECT_EQ(h.upstreams.conns.size(), 1u);  // the connection was clean
}

TEST(Proxy, HeadOfAChunkedResponse) {
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, "HEAD /one/x HTTP/1.1\r\nHost: a\r\n\r\n");
  h.answer(h.upstreams.conns[0], "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  auto r = parse_one(c->take(), /*head=*/true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Transfer-Encoding"), "chunked");  // as GET would have had (RFC 9110 9.3.2)
  EXPECT_TRUE(h.upstreams.conns[0].peer->open());
  EXPECT_EQ(h.rt->counters().client_gone, 0u);
  EXPECT_EQ(h.rt->active_requests(), 0u);
}

TEST(Proxy, UpstreamConnectionCloseIsNotTheClients) {
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, kGetOne);
  h.answer(h.upstreams.conns[0], ok_response("x", "Connection: close\r\n"));
  auto r = parse_one(c->take());
  EXPECT_EQ(r.header("Connection"), "keep-alive");
  EXPECT_FALSE(h.upstreams.conns[0].peer->open());  // not pooled
}

TEST(Proxy, ExtraBytesAfterTheResponseMakeTheConnectionUnusable) {
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, kGetOne);
  h.answer(h.upstreams.conns[0], ok_response("x") + "JUNK");
  EXPECT_EQ(parse_one(c->take()).body, "x");
  EXPECT_FALSE(h.upstreams.conns[0].peer->open());
}

TEST(Proxy, InterimResponsesAreNotForwarded) {
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, kGetOne);
  h.answer(h.upstreams.conns[0], "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n" + ok_response("ok"));
  auto r = parse_one(c->take());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
}

// The client reads slowly: the proxy holds at most proxy_buffer_size of the response and leaves
// the rest with the upstream (its TCP window); nothing is lost.
TEST(Proxy, ResponseBodyIsStreamedWithBoundedBuffering) {
  ProxyHarness h;
  auto c = h.connect();
  c->set_space(0);
  h.send(*c, kGetOne);
  Upstream& u = h.upstreams.conns[0];
  std::string body(2 << 20, 'x');
  for (size_t i = 0; i < body.size(); ++i) body[i] = char('a' + i % 26);
  h.answer(u, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n");
  u.peer->send_split(body, 16384);
  h.settle();
  EXPECT_GE(u.peer->inbound.size(), body.size() - 3 * 65536);  // left in the "TCP window"
  std::string got;
  for (int i = 0; i < 1000 && got.size() < body.size() + 100; ++i) {
    c->set_space(100000);
    h.settle();
    got += c->take();
    EXPECT_GE(u.peer->inbound.size() + got.size() + 3 * 65536, body.size());
  }
  EXPECT_EQ(parse_one(got).body, body);
  EXPECT_TRUE(u.peer->open());
}

TEST(Proxy, RequestBodyStreamsToTheUpstream) {
  ProxyHarness h;
  auto c = h.connect();
  std::string body(300000, 'b');
  h.send(*c, "PUT /one/f HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n");
  Upstream& u = h.upstreams.conns[0];
  for (size_t i = 0; i < body.size(); i += 50000) {
    h.send(*c, body.substr(i, 50000));
    EXPECT_EQ(u.peer->output.size() - u.peer->output.find("\r\n\r\n") - 4, i + 50000);  // no store-and-forward
  }
  h.answer(u, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(parse_one(c->take()).status, 201);
}

TEST(Proxy, EarlyResponseWhileTheBodyIsStillComing) {
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, "POST /one/f HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
  Upstream& u = h.upstreams.conns[0];
  h.answer(u, "HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  h.send(*c, "defghij");
  auto r = parse_one(c->take());
  EXPECT_EQ(r.status, 413);
  EXPECT_FALSE(u.peer->open());
  h.send(*c, kGetOne);  // the client connection still works
  h.answer_all();
  EXPECT_EQ(parse_one(c->take()).status, 200);
}

TEST(Proxy, ClientGoneMidBodyAbortsTheUpstream) {
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, kGetOne);
  Upstream& u = h.upstreams.conns[0];
  h.answer(u, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nabc");
  c->reset();
  h.settle();
  EXPECT_TRUE(u.peer->aborted);
  EXPECT_EQ(h.rt->active_requests(), 0u);
  EXPECT_EQ(h.rt->counters().client_gone, 1u);
}

}  // namespace
}  // namespace sluice::testing
