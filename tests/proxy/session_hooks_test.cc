// The proxy behind a real HttpSession, for what needs the session hooks of proxy/downstream.h:
// forwarding fields from the client's address, cancel when the client resets before the answer,
// request-body backpressure, and the WebSocket tunnel. Skipped while http::Exchange lacks a hook.
#include <gtest/gtest.h>

#include "tests/proxy/fixture.h"

namespace sluice::testing {
namespace {

TEST(SessionHooks, ForwardingFieldsCarryTheClientAddress) {
  if (!proxy::session_hooks().remote_addr) GTEST_SKIP() << "http::Exchange has no remote_addr() yet";
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, "GET /one/x HTTP/1.1\r\nHost: example.test\r\nX-Forwarded-For: 10.1.1.1\r\n\r\n");
  EXPECT_EQ(h.upstreams.conns[0].peer->output,
            "GET /one/x HTTP/1.1\r\nHost: 10.0.0.9\r\nX-Real-IP: 192.0.2.7\r\n"
            "X-Forwarded-For: 10.1.1.1, 192.0.2.7\r\nX-Forwarded-Proto: http\r\n\r\n");
}

TEST(SessionHooks, ClientResetBeforeTheAnswerCancels) {
  if (!proxy::session_hooks().cancel) GTEST_SKIP() << "http::Exchange has no set_cancel_callback() yet";
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, "GET /one/x HTTP/1.1\r\nHost: example.test\r\n\r\n");
  c->reset();
  h.settle();
  Upstream& u = h.upstreams.conns[0];
  EXPECT_TRUE(u.peer->aborted);
  EXPECT_EQ(h.rt->active_requests(), 0u);
  EXPECT_EQ(h.server->active_connections(), 0u);
  h.answer(u, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");  // too late: nobody is told
  EXPECT_EQ(h.rt->counters().client_gone, 1u);
}

TEST(SessionHooks, UploadIsHeldBackWhileTheUpstreamIsSlow) {
  if (!proxy::session_hooks().pause) GTEST_SKIP() << "http::Exchange has no pause_body() yet";
  ProxyHarness h;
  auto c = h.connect();
  const size_t total = 4 << 20;
  h.send(*c, "PUT /one/f HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(total) + "\r\n\r\n");
  Upstream& u = h.upstreams.conns[0];
  u.peer->set_space(0);
  std::string chunk(32768, 'u');
  for (size_t sent = 0; sent < total; sent += chunk.size()) c->inbound.append_copy(chunk);
  c->send("");
  h.settle();
  // The session stopped reading: most of the body is still with the client.
  EXPECT_GT(c->inbound.size(), total - 2 * 65536 - 300000);
  size_t got = 0;
  for (int i = 0; i < 10000 && got < total; ++i) {
    u.peer->set_space(65536);
    h.settle();
    size_t start = u.peer->output.find("\r\n\r\n");
    got = start == std::string::npos ? 0 : u.peer->output.size() - start - 4;
  }
  EXPECT_EQ(got, total);
  h.answer(u, "HTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_EQ(parse_one(c->take()).status, 204);
}

TEST(SessionHooks, WebSocketThroughTheSession) {
  if (!proxy::session_hooks().upgrade) GTEST_SKIP() << "http::Exchange has no upgrade() yet";
  ProxyHarness h;
  auto c = h.connect();
  h.send(*c, "GET /one/ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  Upstream& u = h.upstreams.conns[0];
  h.answer(u, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
  std::string head = c->take();
  EXPECT_EQ(head,
            "HTTP/1.1 101 Switching Protocols\r\nServer: sluice/0.1.0\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n");
  EXPECT_EQ(h.rt->active_tunnels(), 1u);
  EXPECT_EQ(h.server->active_connections(), 0u);  // the connection left the HTTP server
  c->send("frame-up");
  h.settle();
  EXPECT_TRUE(u.peer->output.ends_with("frame-up"));
  u.peer->send("frame-down");
  EXPECT_EQ(c->take(), "frame-down");
  c->reset();
  h.settle();
  EXPECT_TRUE(u.peer->aborted);
  EXPECT_EQ(h.rt->active_tunnels(), 0u);
}

}  // namespace
}  // namespace sluice::testing
