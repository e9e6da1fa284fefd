// A worker in a test tube for the proxy: HttpServer (clients on FakeTransport) with ProxyModule,
// and an upstream transport whose connections the test plays the server side of. Time is a test
// clock; connects complete (or are refused) in the loop's deferred work, as a real transport
// reports them from its next poll.
#pragma once
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "proxy/module.h"
#include "proxy/runtime.h"
#include "tests/http/harness.h"
#include "tls/worker_tls.h"

namespace sluice::testing {

// One connection the proxy opened; `peer` is the server's end.
struct Upstream {
  transport::Address remote;
  std::shared_ptr<FakePeer> peer;
  transport::ConnectionHandler* handler = nullptr;
  size_t answered = 0;  // requests the auto-responder has answered on it
};

class UpstreamTransport final : public transport::Transport {
 public:
  enum class Mode { kAccept, kRefuse, kBlackHole };
  explicit UpstreamTransport(EventLoop& loop) : loop_(loop) {}
  const char* name() const override { return "fake-upstream"; }
  std::unique_ptr<transport::Listener> listen(const transport::Address&, const transport::ListenOptions&,
                                              transport::AcceptHandler&, std::string* err) override {
    *err = "not here";
    return nullptr;
  }
  std::unique_ptr<transport::Connection> connect(const transport::Address& remote, transport::ConnectionHandler& h,
                                                 std::string*) override {
    auto peer = std::make_shared<FakePeer>();
    auto conn = std::make_unique<FakeConnection>(peer, *transport::Address::parse("10.9.9.9:40000"), remote);
    conn->set_handler(&h);
    conns.push_back(Upstream{remote, peer, &h});
    Mode m = modes.count(remote) ? modes[remote] : Mode::kAccept;
    if (m == Mode::kAccept) {
      loop_.defer([peer] {
        if (peer->conn && peer->conn->handler()) peer->conn->handler()->on_connected(*peer->conn);
      });
    } else if (m == Mode::kRefuse) {
      loop_.defer([peer] {
        peer->aborted = true;
        if (peer->conn && peer->conn->handler())
          peer->conn->handler()->on_closed(*peer->conn, transport::CloseReason::kRefused);
      });
    }
    return conn;
  }
  void poll(Duration) override {}

  // Connections to `remote`, in order.
  std::vector<Upstream*> to(const std::string& remote) {
    std::vector<Upstream*> out;
    for (auto& u : conns) {
      if (u.remote.to_string() == remote) out.push_back(&u);
    }
    return out;
  }

  std::vector<Upstream> conns;
  std::map<transport::Address, Mode> modes;

 private:
  EventLoop& loop_;
};

// GETs for the two proxied locations of proxy_config().
inline constexpr const char* kGet = "GET /api/x HTTP/1.1\r\nHost: example.test\r\n\r\n";
inline constexpr const char* kGetOne = "GET /one/x HTTP/1.1\r\nHost: example.test\r\n\r\n";

inline std::string ok_response(std::string_view body, std::string_view extra = "") {
  return "HTTP/1.1 200 OK\r\n" + std::string(extra) + "Content-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + std::string(body);
}

inline conf::LocationConfig proxy_location(std::string path) {
  conf::LocationConfig l = location(std::move(path));
  l.proxy.connect_timeout = Duration::seconds(1);
  l.proxy.send_timeout = Duration::seconds(2);
  l.proxy.read_timeout = Duration::seconds(3);
  return l;
}

inline conf::UpstreamConfig upstream(std::string name, std::vector<std::string> servers) {
  conf::UpstreamConfig u;
  u.name = std::move(name);
  for (const std::string& s : servers) {
    conf::UpstreamServer srv;
    srv.address = *transport::Address::parse(s);
    u.servers.push_back(srv);
  }
  return u;
}

// One server on 127.0.0.1:8080 whose "/api/" proxies to upstream "app" (10.0.0.1:80, 10.0.0.2:80)
// and "/one/" to http://10.0.0.9:80.
inline std::shared_ptr<conf::Config> proxy_config() {
  auto c = std::make_shared<conf::Config>();
  c->upstreams.push_back(upstream("app", {"10.0.0.1:80", "10.0.0.2:80"}));
  conf::ServerConfig s;
  s.listen = {*transport::Address::parse("127.0.0.1:8080")};
  s.server_name = {"example.test"};
  s.access_log = "off";
  conf::LocationConfig api = proxy_location("/api/");
  api.proxy.upstream = "app";
  api.proxy.proxy_host = "app";
  s.locations.push_back(api);
  conf::LocationConfig one = proxy_location("/one/");
  one.proxy.address = *transport::Address::parse("10.0.0.9:80");
  one.proxy.proxy_host = "10.0.0.9";
  s.locations.push_back(one);
  c->servers.push_back(s);
  c->http.client_max_body_size = 64ull << 20;
  return c;
}

struct ProxyHarness {
  TestClock clock;
  EventLoop loop{clock};
  Logger log{"stderr", LogLevel::kCrit, "test"};
  FakeTransport clients;
  UpstreamTransport upstreams{loop};
  tls::TlsWorker tls{loop, log, nullptr, Duration::seconds(5)};  // for https upstreams
  std::unique_ptr<proxy::ProxyRuntime> rt;
  std::unique_ptr<http::HttpServer> server;
  transport::Address addr = *transport::Address::parse("127.0.0.1:8080");

  explicit ProxyHarness(std::shared_ptr<conf::Config> config = proxy_config()) {
    rt = std::make_unique<proxy::ProxyRuntime>(loop, upstreams, log, &tls.runtime());
    http::ModuleRegistry mods;
    mods.add(std::make_unique<proxy::ProxyModule>(*rt));
    server = std::make_unique<http::HttpServer>(loop, clients, log, 0, std::move(mods));
    server->update_date(784111777);
    std::string err;
    EXPECT_TRUE(server->start(config, &err)) << err;
  }
  ~ProxyHarness() {
    server.reset();
    loop.run_deferred();
    rt.reset();
    loop.run_deferred();
  }
  std::shared_ptr<FakePeer> connect() {
    auto p = clients.connect_client(addr);
    settle();
    return p;
  }
  void send(FakePeer& p, std::string_view bytes) {
    p.send(bytes);
    settle();
  }
  void settle() { loop.run_deferred(); }
  void advance(Duration d) {
    clock.t = clock.t + d;
    loop.update_time();
    loop.run_due();
  }
  // The server side answers `response` on an upstream connection.
  void answer(Upstream& u, std::string_view response) {
    u.peer->send(response);
    settle();
  }
  // Answers every complete request head not yet answered, on every open upstream connection, with
  // a 200 whose body and X-Backend field name the server. Returns how many it answered.
  size_t answer_all() {
    size_t n = 0;
    for (auto& u : upstreams.conns) {
      if (!u.peer->conn || !u.peer->open()) continue;
      size_t heads = 0;
      for (size_t i = u.peer->output.find("\r\n\r\n"); i != std::string::npos; i = u.peer->output.find("\r\n\r\n", i + 4))
        ++heads;
      while (u.answered < heads) {
        std::string who = u.remote.to_string();
        u.peer->send("HTTP/1.1 200 OK\r\nX-Backend: " + who + "\r\nContent-Length: " + std::to_string(who.size()) +
                     "\r\n\r\n" + who);
        ++u.answered;
        ++n;
      }
    }
    settle();
    return n;
  }
};

}  // namespace sluice::testing
