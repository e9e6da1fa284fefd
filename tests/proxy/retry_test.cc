// Failures, in memory with a test clock: failover and its rules (proxy_next_upstream, idempotency,
// tries), passive and active health, backups, timeouts -> 504, broken responses -> 502, no live
// server -> 503.
#include <gtest/gtest.h>

#include "tests/proxy/fixture.h"

namespace sluice::testing {
namespace {

TEST(Proxy, ConnectErrorFailsOverAndMarksTheServer) {
  ProxyHarness h;
  h.upstreams.modes[*transport::Address::parse("10.0.0.1:80")] = UpstreamTransport::Mode::kRefuse;
  auto c = h.connect();
  h.send(*c, kGet);
  h.answer_all();
  auto r = parse_one(c->take());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("X-Backend"), "10.0.0.2:80");
  EXPECT_EQ(h.rt->counters().retries, 1u);
  // max_fails = 1, fail_timeout = 10s: the refusing server is skipped without trying it.
  for (int i = 0; i < 4; ++i) {
    h.send(*c, kGet);
    h.answer_all();
    EXPECT_EQ(parse_one(c->take()).header("X-Backend"), "10.0.0.2:80");
  }
  EXPECT_EQ(h.upstreams.to("10.0.0.1:80").size(), 1u);
  // After fail_timeout it is tried again.
  h.upstreams.modes.clear();
  h.advance(Duration::seconds(10));
  // Back, at a reduced weight that recovers with every pick (nginx's effective_weight).
  std::map<std::string, int> n;
  for (int i = 0; i < 12; ++i) {
    h.send(*c, kGet);
    h.answer_all();
    ++n[parse_one(c->take()).header("X-Backend")];
  }
  EXPECT_GE(n["10.0.0.1:80"], 5);
}

TEST(Proxy, EveryServerRefusing502ThenNoLiveServer503) {
  ProxyHarness h;
  for (const char* a : {"10.0.0.1:80", "10.0.0.2:80"})
    h.upstreams.modes[*transport::Address::parse(a)] = UpstreamTransport::Mode::kRefuse;
  auto c = h.connect();
  h.send(*c, kGet);
  EXPECT_EQ(parse_one(c->take()).status, 502);
  EXPECT_EQ(h.upstreams.conns.size(), 2u);
  h.send(*c, kGet);
  EXPECT_EQ(parse_one(c->take()).status, 503);
  EXPECT_EQ(h.upstreams.conns.size(), 2u);  // nobody was tried
  EXPECT_EQ(h.rt->counters().no_live_upstream, 1u);
}

TEST(Proxy, ConnectTimeoutTriesNextThen504) {
  ProxyHarness h;
  for (const char* a : {"10.0.0.1:80", "10.0.0.2:80"})
    h.upstreams.modes[*transport::Address::parse(a)] = UpstreamTransport::Mode::kBlackHole;
  auto c = h.connect();
  h.send(*c, kGet);
  EXPECT_EQ(h.upstreams.conns.size(), 1u);
  h.advance(Duration::millis(999));
  EXPECT_EQ(h.upstreams.conns.size(), 1u);
  h.advance(Duration::millis(1));  // proxy_connect_timeout 1s
  EXPECT_EQ(h.upstreams.conns.size(), 2u);
  EXPECT_TRUE(h.upstreams.conns[0].peer->aborted);
  EXPECT_TRUE(c->output.empty());
  h.advance(Duration::seconds(1));
  h.settle();
  EXPECT_EQ(parse_one(c->take()).status, 504);
  EXPECT_EQ(h.rt->counters().timeouts, 2u);
  EXPECT_EQ(h.rt->counters().responses_504, 1u);
}

TEST(Proxy, ReadTimeoutIs504AtTheConfiguredTime) {
  auto cfg = proxy_config();
  cfg->servers[0].locations[1].proxy.next_upstream = 0;  // "off"
  ProxyHarness h(cfg);
  auto c = h.connect();
  h.send(*c, kGetOne);
  h.advance(Duration::millis(2999));
  EXPECT_TRUE(c->output.empty());
  h.advance(Duration::millis(1));  // proxy_read_timeout 3s
  h.settle();
  EXPECT_EQ(parse_one(c->take()).status, 504);
  EXPECT_EQ(h.upstreams.conns.size(), 1u);
  EXPECT_TRUE(h.upstreams.conns[0].peer->aborted);
}

TEST(Proxy, ReadTimeoutRestartsWithEveryRead) {
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, kGetOne);
  Upstream& u = h.upstreams.conns[0];
  h.answer(u, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nab");
  h.advance(Duration::seconds(2));
  h.answer(u, "cd");
  h.advance(Duration::seconds(2));
  h.answer(u, "ef");
  EXPECT_EQ(parse_one(c->take()).body, "abcdef");
}

TEST(Proxy, TimeoutAfterHeadTruncatesTheClientResponse) {
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, kGetOne);
  h.answer(h.upstreams.conns[0], "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
  EXPECT_NE(c->output.find("partial"), std::string::npos);
  h.advance(Duration::seconds(3));
  h.settle();
  EXPECT_TRUE(c->aborted);  // the client can tell the body is incomplete
  EXPECT_EQ(h.rt->counters().truncated, 1u);
  EXPECT_EQ(h.upstreams.conns.size(), 1u);  // never retried once bytes went to the client
}

TEST(Proxy, BrokenResponseIs502WithoutRetryByDefault) {
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, kGet);
  h.answer(h.upstreams.conns[0], "HTTP/1.1 2000 Nope\r\n\r\n");
  EXPECT_EQ(parse_one(c->take()).status, 502);
  EXPECT_EQ(h.upstreams.conns.size(), 1u);
  EXPECT_TRUE(h.upstreams.conns[0].peer->aborted);
  EXPECT_EQ(h.rt->counters().invalid_responses, 1u);
}

TEST(Proxy, OversizedHeadIs502) {
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, kGetOne);
  h.answer(h.upstreams.conns[0], "HTTP/1.1 200 OK\r\nX: " + std::string(70000, 'a') + "\r\n\r\n");
  EXPECT_EQ(parse_one(c->take()).status, 502);
}

TEST(Proxy, UpstreamClosingBeforeAnswerFailsOver) {
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, kGet);
  h.upstreams.conns[0].peer->send_eof();
  h.settle();
  ASSERT_EQ(h.upstreams.conns.size(), 2u);
  h.answer_all();
  EXPECT_EQ(parse_one(c->take()).header("X-Backend"), "10.0.0.2:80");
}

TEST(Proxy, StatusRetryForGetButNotForPostOnceSent) {
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, kGet);
  h.answer(h.upstreams.conns[0], "HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy");
  ASSERT_EQ(h.upstreams.conns.size(), 2u);
  h.answer_all();
  EXPECT_EQ(parse_one(c->take()).status, 200);
  // POST: the request reached the server; its 503 goes to the client as it is.
  h.send(*c, "POST /api/x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
  Upstream* u = nullptr;
  for (auto& x : h.upstreams.conns) {
    if (x.peer->output.find("POST") != std::string::npos) u = &x;
  }
  ASSERT_NE(u, nullptr);
  EXPECT_NE(u->peer->output.find("Content-Length: 3\r\n\r\nabc"), std::string::npos);
  h.answer(*u, "HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy");
  auto r = parse_one(c->take());
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "busy");
}

TEST(Proxy, PostIsRetriedWhenNothingWasSent) {
  ProxyHarness h;
  h.upstreams.modes[*transport::Address::parse("10.0.0.1:80")] = UpstreamTransport::Mode::kRefuse;
  auto c = h.connect();
  h.send(*c, "POST /api/x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
  ASSERT_EQ(h.upstreams.conns.size(), 2u);
  EXPECT_NE(h.upstreams.conns[1].peer->output.find("\r\n\r\nabc"), std::string::npos);
  h.answer_all();
  EXPECT_EQ(parse_one(c->take()).status, 200);
}

TEST(Proxy, PostTimeoutAfterSendingIsNotRetried) {
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, "POST /api/x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
  h.advance(Duration::seconds(3));
  h.settle();
  EXPECT_EQ(parse_one(c->take()).status, 504);
  EXPECT_EQ(h.upstreams.conns.size(), 1u);
}

TEST(Proxy, NonIdempotentRetryWhenConfigured) {
  auto cfg = proxy_config();
  cfg->servers[0].locations[0].proxy.next_upstream |= conf::kNextNonIdempotent;
  ProxyHarness h(cfg);
  auto c = h.connect();
  h.send(*c, "POST /api/x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
  h.answer(h.upstreams.conns[0], "HTTP/1.1 502 Bad\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(h.upstreams.conns.size(), 2u);
  EXPECT_NE(h.upstreams.conns[1].peer->output.find("\r\n\r\nabc"), std::string::npos);  // the body again
}

TEST(Proxy, TriesLimit) {
  auto cfg = proxy_config();
  cfg->servers[0].locations[0].proxy.next_upstream_tries = 1;
  ProxyHarness h(cfg);
  h.upstreams.modes[*transport::Address::parse("10.0.0.1:80")] = UpstreamTransport::Mode::kRefuse;
  auto c = h.connect();
  h.send(*c, kGet);
  EXPECT_EQ(parse_one(c->take()).status, 502);
  EXPECT_EQ(h.upstreams.conns.size(), 1u);
}

TEST(Proxy, BackupOnlyWhenPrimariesAreDown) {
  auto cfg = proxy_config();
  conf::UpstreamServer b;
  b.address = *transport::Address::parse("10.0.0.3:80");
  b.backup = true;
  cfg->upstreams[0].servers.push_back(b);
  ProxyHarness h(cfg);
  auto c = h.connect();
  for (int i = 0; i < 4; ++i) {
    h.send(*c, kGet);
    h.answer_all();
    EXPECT_NE(parse_one(c->take()).header("X-Backend"), "10.0.0.3:80");
  }
  for (const char* a : {"10.0.0.1:80", "10.0.0.2:80"})
    h.upstreams.modes[*transport::Address::parse(a)] = UpstreamTransport::Mode::kRefuse;
  // Idle connections to the primaries go too (as when a server dies).
  for (auto& u : h.upstreams.conns) u.peer->send_eof();
  h.settle();
  h.send(*c, kGet);
  h.answer_all();
  EXPECT_EQ(parse_one(c->take()).header("X-Backend"), "10.0.0.3:80");
}

TEST(Proxy, ActiveHealthChecksTakeServersOutAndBack) {
  auto cfg = proxy_config();
  conf::HealthCheckConfig hc;
  hc.path = "/health";
  hc.interval = Duration::seconds(1);
  hc.timeout = Duration::millis(500);
  hc.rise = 2;
  hc.fall = 2;
  cfg->upstreams[0].health_check = hc;
  ProxyHarness h(cfg);
  auto answer_checks = [&](const char* status_for_1) {
    for (auto& u : h.upstreams.conns) {
      if (u.peer->output.find("GET /health HTTP/1.1\r\n") == 0 && u.answered == 0 && u.peer->open()) {
        ++u.answered;
        std::string st = u.remote.to_string() == "10.0.0.1:80" ? status_for_1 : "200 OK";
        h.answer(u, "HTTP/1.1 " + st + "\r\nContent-Length: 0\r\n\r\n");
      }
    }
  };
  for (int round = 0; round < 2; ++round) {
    h.advance(Duration::seconds(1));
    h.settle();
    answer_checks("500 Internal Server Error");
  }
  auto c = h.connect();
  for (int i = 0; i < 4; ++i) {
    h.send(*c, kGet);
    h.answer_all();
    EXPECT_EQ(parse_one(c->take()).header("X-Backend"), "10.0.0.2:80");
  }
  for (int round = 0; round < 2; ++round) {
    h.advance(Duration::seconds(1));
    h.settle();
    answer_checks("200 OK");
  }
  std::map<std::string, int> n;
  for (int i = 0; i < 4; ++i) {
    h.send(*c, kGet);
    h.answer_all();
    ++n[parse_one(c->take()).header("X-Backend")];
  }
  EXPECT_EQ(n["10.0.0.1:80"], 2);
}

TEST(Proxy, HealthCheckTimeoutCountsAsFailure) {
  auto cfg = proxy_config();
  conf::HealthCheckConfig hc;
  hc.interval = Duration::seconds(1);
  hc.timeout = Duration::millis(200);
  hc.fall = 1;
  cfg->upstreams[0].health_check = hc;
  ProxyHarness h(cfg);
  h.upstreams.modes[*transport::Address::parse("10.0.0.1:80")] = UpstreamTransport::Mode::kBlackHole;
  h.advance(Duration::seconds(1));
  h.settle();
  h.answer_all();  // 10.0.0.2 passes its check
  h.advance(Duration::millis(200));
  h.settle();
  auto c = h.connect();
  h.upstreams.modes.clear();
  h.send(*c, kGet);
  h.answer_all();
  EXPECT_EQ(parse_one(c->take()).header("X-Backend"), "10.0.0.2:80");
}

}  // namespace
}  // namespace sluice::testing
