// The proxy with the session hooks it asks http/ for (downstream.h): client address (forwarding
// fields, ip_hash), cancel, request-body backpressure, and the Upgrade tunnel. A FakeClient plays
// the session.
#include <gtest/gtest.h>

#include "http/parser.h"
#include "proxy/tunnel.h"
#include "tests/proxy/fixture.h"

namespace sluice::testing {
namespace {

// What the fake session saw; outlives the Downstream the proxy owns.
struct ClientState {
  explicit ClientState(std::string_view raw) : parser(http::ParserLimits{1024, 8192, 100, 1ull << 30}) {
    in.append_copy(raw);
    EXPECT_EQ(parser.parse_head(in), http::ParseStatus::kDone);
  }
  http::RequestParser parser;
  BufChain in;
  std::string remote = "198.51.100.23";
  std::optional<http::Response> response;
  int error = 0;
  http::BodyReader* reader = nullptr;
  std::vector<bool> pauses;
  std::function<void()> cancel;
  bool can_upgrade = true;
  std::optional<http::Response> upgrade_response;
  proxy::Downstream::TakeConnection take;
};

class FakeClient final : public proxy::Downstream {
 public:
  explicit FakeClient(std::shared_ptr<ClientState> s) : s_(std::move(s)) {}
  const http::Request& request() const override { return s_->parser.request(); }
  std::string_view remote_addr() const override { return s_->remote; }
  std::string_view scheme() const override { return "https"; }
  void respond(http::Response r) override { s_->response = std::move(r); }
  void respond_error(int status) override { s_->error = status; }
  void read_body(http::BodyReader* reader) override { s_->reader = reader; }
  bool pause_body(bool p) override {
    s_->pauses.push_back(p);
    return true;
  }
  void set_cancel_callback(std::function<void()> cb) override { s_->cancel = std::move(cb); }
  bool can_upgrade() const override { return s_->can_upgrade; }
  void upgrade(http::Response r, TakeConnection take) override {
    s_->upgrade_response = std::move(r);
    s_->take = std::move(take);
  }

 private:
  std::shared_ptr<ClientState> s_;
};

struct Fixture {
  explicit Fixture(std::shared_ptr<conf::Config> cfg = proxy_config()) : config(std::move(cfg)), h(config) {}
  // Starts a proxied request for `raw` on location `loc_index`.
  std::shared_ptr<ClientState> start(std::string_view raw, size_t loc_index = 1) {
    auto s = std::make_shared<ClientState>(raw);
    const conf::LocationConfig& loc = config->servers[0].locations[loc_index];
    auto group = loc.proxy.address ? h.rt->group(proxy::single_server_upstream(*loc.proxy.address))
                                   : h.rt->group(config->upstreams[0]);
    h.rt->start(std::make_unique<FakeClient>(s), group, std::make_shared<const conf::LocationConfig>(loc));
    h.settle();
    return s;
  }
  std::shared_ptr<conf::Config> config;
  ProxyHarness h;
};

TEST(ProxyHooks, ForwardingFieldsUseTheClientAddressAndScheme) {
  Fixture f;
  f.start("GET /one/x HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 10.1.1.1\r\n\r\n");
  EXPECT_EQ(f.h.upstreams.conns[0].peer->output,
            "GET /one/x HTTP/1.1\r\nHost: 10.0.0.9\r\nX-Real-IP: 198.51.100.23\r\n"
            "X-Forwarded-For: 10.1.1.1, 198.51.100.23\r\nX-Forwarded-Proto: https\r\n\r\n");
}

TEST(ProxyHooks, IpHashKeepsAClientOnOneServer) {
  auto cfg = proxy_config();
  cfg->upstreams[0].balance = conf::Balance::kIpHash;
  Fixture f(cfg);
  for (int i = 0; i < 6; ++i) {
    auto s = f.start("GET /api/x HTTP/1.1\r\nHost: a\r\n\r\n", 0);
    f.h.answer_all();
    ASSERT_TRUE(s->response);
  }
  size_t to1 = f.h.upstreams.to("10.0.0.1:80").size(), to2 = f.h.upstreams.to("10.0.0.2:80").size();
  EXPECT_TRUE((to1 == 1 && to2 == 0) || (to1 == 0 && to2 == 1));  // one server, one kept connection
}

TEST(ProxyHooks, CancelWhileWaitingForTheHead) {
  Fixture f;
  auto s = f.start("GET /one/x HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(s->cancel);
  s->cancel();
  f.h.settle();
  EXPECT_TRUE(f.h.upstreams.conns[0].peer->aborted);
  EXPECT_EQ(f.h.rt->active_requests(), 0u);
  EXPECT_FALSE(s->response);
  EXPECT_EQ(s->error, 0);
}

TEST(ProxyHooks, RequestBodyBackpressurePausesTheClient) {
  Fixture f;
  auto s = f.start("PUT /one/f HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n");
  Upstream& u = f.h.upstreams.conns[0];
  u.peer->set_space(0);  // the upstream is not reading
  ASSERT_NE(s->reader, nullptr);
  for (int i = 0; i < 4; ++i) {
    BufChain piece;
    piece.append_copy(std::string(40000, 'x'));
    s->reader->on_body_data(piece);
  }
  EXPECT_EQ(s->pauses, std::vector<bool>{true});  // over proxy_buffer_size (64k)
  u.peer->set_space(SIZE_MAX);
  f.h.settle();
  EXPECT_EQ(s->pauses, (std::vector<bool>{true, false}));
}

TEST(ProxyHooks, AnswerWhileTheBodyIsPausedLetsTheSessionDrainIt) {
  Fixture f;
  auto s = f.start("PUT /one/f HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n");
  Upstream& u = f.h.upstreams.conns[0];
  u.peer->set_space(0);
  BufChain piece;
  piece.append_copy(std::string(100000, 'x'));
  s->reader->on_body_data(piece);
  ASSERT_EQ(s->pauses, std::vector<bool>{true});
  f.h.answer(u, "HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(s->pauses, (std::vector<bool>{true, false}));
  ASSERT_TRUE(s->response);
  EXPECT_EQ(s->response->status, 413);
}

TEST(ProxyHooks, WebSocketBecomesATunnel) {
  Fixture f;
  auto s = f.start("GET /one/ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  Upstream& u = f.h.upstreams.conns[0];
  EXPECT_NE(u.peer->output.find("Upgrade: websocket\r\nConnection: upgrade\r\n"), std::string::npos);
  f.h.answer(u, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x05" "hello");
  ASSERT_TRUE(s->upgrade_response);
  EXPECT_EQ(s->upgrade_response->status, 101);
  EXPECT_EQ(s->upgrade_response->find("Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_EQ(s->upgrade_response->find("Upgrade"), "websocket");
  // The session hands over the client connection and what it read past the request.
  auto client = std::make_shared<FakePeer>();
  auto conn = std::make_unique<FakeConnection>(client, *transport::Address::parse("127.0.0.1:8080"),
                                               *transport::Address::parse("192.0.2.7:40000"));
  BufChain early;
  early.append_copy("\x81\x02" "hi");
  s->take(std::move(conn), std::move(early));
  f.h.settle();
  EXPECT_EQ(f.h.rt->active_tunnels(), 1u);
  EXPECT_EQ(client->take(), "\x81\x05" "hello");
  EXPECT_NE(u.peer->output.find("\r\n\r\n\x81\x02" "hi"), std::string::npos);
  client->send("\x81\x03" "abc");
  f.h.settle();
  EXPECT_TRUE(u.peer->output.ends_with("\x81\x03" "abc"));
  u.peer->send("\x81\x03" "xyz");
  EXPECT_EQ(client->take(), "\x81\x03" "xyz");
  // Close handshake at the TCP level: each FIN passes through.
  client->send_eof();
  f.h.settle();
  EXPECT_TRUE(u.peer->shut_wr);
  u.peer->send_eof();
  f.h.settle();
  EXPECT_TRUE(client->shut_wr);
  EXPECT_EQ(f.h.rt->active_tunnels(), 0u);
}

TEST(ProxyHooks, TunnelBuffersAreBoundedAndIdleTimesOut) {
  TestClock clock;
  EventLoop loop(clock);
  auto a = std::make_shared<FakePeer>(), b = std::make_shared<FakePeer>();
  auto addr = *transport::Address::parse("127.0.0.1:1");
  bool done = false;
  proxy::Tunnel t(loop, std::make_unique<FakeConnection>(a, addr, addr), std::make_unique<FakeConnection>(b, addr, addr),
                  {}, {}, Duration::seconds(5), 1000, [&](proxy::Tunnel*) { done = true; });
  t.start();
  b->set_space(0);
  a->send(std::string(50000, 'z'));
  EXPECT_LE(a->inbound.size(), 50000u);
  EXPECT_GE(a->inbound.size(), 50000u - 2000);  // at most `buffer` taken while b is blocked
  b->set_space(SIZE_MAX);
  EXPECT_EQ(b->output.size(), 50000u);
  loop.update_time();
  loop.timers().run(loop.now() + Duration::seconds(5));
  loop.run_deferred();
  EXPECT_TRUE(a->aborted);
  EXPECT_TRUE(b->aborted);
  EXPECT_TRUE(done);
}

TEST(ProxyHooks, WithoutTheUpgradeHookUpgradeIsNotForwarded) {
  Fixture f;
  auto s = std::make_shared<ClientState>("GET /one/ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
  s->can_upgrade = false;
  const conf::LocationConfig& loc = f.config->servers[0].locations[1];
  f.h.rt->start(std::make_unique<FakeClient>(s), f.h.rt->group(proxy::single_server_upstream(*loc.proxy.address)),
                std::make_shared<const conf::LocationConfig>(loc));
  f.h.settle();
  EXPECT_EQ(f.h.upstreams.conns[0].peer->output.find("Upgrade"), std::string::npos);
}

}  // namespace
}  // namespace sluice::testing
