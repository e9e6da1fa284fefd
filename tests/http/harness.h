// A worker in a test tube: HttpServer over FakeTransport with a test clock, plus a tiny module
// that serves /echo (reads the body back), /fixed (a known body), /chunked (unknown length) and
// /err (respond_error(404)), and a parser for what the server wrote.
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "conf/config.h"
#include "core/log.h"
#include "core/loop.h"
#include "http/request.h"
#include "http/server.h"
#include "tests/http/fake_transport.h"

namespace sluice::testing {

class EchoHandler final : public http::ContentHandler, private http::BodyReader {
 public:
  void handle(http::Exchange& ex) override {
    ex_ = &ex;
    body_.clear();
    ex.read_body(this);
  }

 private:
  void on_body_data(BufChain& data) override { body_ += data.to_string(); }
  void on_body_end() override {
    http::Response r;
    r.add("Content-Type", "text/plain");
    r.body = http::MemoryBody::of("echo:" + body_);
    ex_->respond(std::move(r));
  }
  void on_body_error(int) override {}
  http::Exchange* ex_ = nullptr;
  std::string body_;
};

// A body of unknown length (forces chunked), produced in two pulls.
class UnknownLengthBody final : public http::BodySource {
 public:
  http::PullResult pull(BufChain& out, size_t max) override {
    out.append_copy(step_++ == 0 ? "hello " : "world");
    return step_ == 2 ? http::PullResult::kDone : http::PullResult::kMore;
  }
  std::optional<uint64_t> length() const override { return std::nullopt; }

 private:
  int step_ = 0;
};

class FixedHandler final : public http::ContentHandler {
 public:
  explicit FixedHandler(bool chunked) : chunked_(chunked) {}
  void handle(http::Exchange& ex) override {
    ++calls;
    http::Response r;
    r.add("Content-Type", "text/plain");
    if (chunked_) {
      r.body = std::make_unique<UnknownLengthBody>();
    } else {
      r.body = http::MemoryBody::of("fixed:" + ex.path());
    }
    ex.respond(std::move(r));
  }
  int calls = 0;

 private:
  bool chunked_;
};

class ErrHandler final : public http::ContentHandler {
 public:
  void handle(http::Exchange& ex) override { ex.respond_error(404); }
};

// /redirect -> internal redirect to /fixed; /redirect-loop -> to itself (a cycle).
class RedirectHandler final : public http::ContentHandler {
 public:
  void handle(http::Exchange& ex) override {
    ex.internal_redirect(ex.path() == "/redirect" ? "/fixed" : ex.path());
  }
};

class TestModule final : public http::Module {
 public:
  std::string_view name() const override { return "test"; }
  std::unique_ptr<http::ContentHandler> make_handler(const http::LocationScope& s,
                                                     std::string*) const override {
    const std::string& p = s.location.path;
    if (s.location.root || s.location.alias) return nullptr;
    if (p.starts_with("/echo")) return std::make_unique<EchoHandler>();
    if (p.starts_with("/chunked")) return std::make_unique<FixedHandler>(true);
    if (p.starts_with("/err")) return std::make_unique<ErrHandler>();
    if (p.starts_with("/redirect")) return std::make_unique<RedirectHandler>();
    if (p.starts_with("/fixed") || p == "/") return std::make_unique<FixedHandler>(false);
    return nullptr;
  }
};

inline conf::LocationConfig location(std::string path, conf::MatchKind kind = conf::MatchKind::kPrefix) {
  conf::LocationConfig l;
  l.path = std::move(path);
  l.match = kind;
  l.index = {"index.html"};
  return l;
}

// The default test config: one server on 127.0.0.1:8080 with /, /echo, /fixed, /chunked, /err,
// /redirect.
inline std::shared_ptr<conf::Config> test_config() {
  auto c = std::make_shared<conf::Config>();
  conf::ServerConfig s;
  s.listen = {*transport::Address::parse("127.0.0.1:8080")};
  s.server_name = {"example.test"};
  s.access_log = "off";
  for (const char* p : {"/", "/echo", "/fixed", "/chunked", "/err", "/redirect"}) s.locations.push_back(location(p));
  c->servers.push_back(s);
  c->http.lingering_time = Duration::seconds(30);
  return c;
}

struct Harness {
  TestClock clock;
  EventLoop loop{clock};
  Logger log{"stderr", LogLevel::kCrit, "test"};
  FakeTransport transport;
  std::unique_ptr<http::HttpServer> server;
  transport::Address addr = *transport::Address::parse("127.0.0.1:8080");

  explicit Harness(std::shared_ptr<conf::Config> config = test_config(),
                   http::ModuleRegistry mods = default_modules()) {
    server = std::make_unique<http::HttpServer>(loop, transport, log, 0, std::move(mods));
    server->update_date(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
    std::string err;
    EXPECT_TRUE(server->start(config, &err)) << err;
  }
  static http::ModuleRegistry default_modules() {
    http::ModuleRegistry r;
    r.add(std::make_unique<TestModule>());
    return r;
  }
  std::shared_ptr<FakePeer> connect() {
    auto p = transport.connect_client(addr);
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
};

struct ParsedResponse {
  int status = 0;
  std::string status_line;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (http::iequals(n, name)) return v;
    }
    return {};
  }
  bool has(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (http::iequals(n, name)) return true;
    }
    return false;
  }
};

// Splits what a server wrote into responses. `head_only` lists which responses answer HEAD.
inline std::vector<ParsedResponse> parse_responses(std::string raw, std::vector<bool> head_only = {}) {
  std::vector<ParsedResponse> out;
  size_t i = 0;
  while (i < raw.size()) {
    size_t end = raw.find("\r\n\r\n", i);
    if (end == std::string::npos) break;
    ParsedResponse r;
    std::string head = raw.substr(i, end - i);
    i = end + 4;
    size_t eol = head.find("\r\n");
    r.status_line = head.substr(0, eol);
    r.status = std::atoi(r.status_line.c_str() + 9);
    while (eol != std::string::npos) {
      size_t next = head.find("\r\n", eol + 2);
      std::string line = head.substr(eol + 2, next == std::string::npos ? std::string::npos : next - eol - 2);
      size_t colon = line.find(':');
      r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
      eol = next;
    }
    bool no_body = (out.size() < head_only.size() && head_only[out.size()]) || r.status < 200 ||
                   r.status == 204 || r.status == 304;
    if (!no_body && r.has("Content-Length")) {
      size_t n = std::stoul(r.header("Content-Length"));
      r.body = raw.substr(i, n);
      i += n;
    } else if (!no_body && r.header("Transfer-Encoding") == "chunked") {
      while (true) {
        size_t le = raw.find("\r\n", i);
        size_t n = std::stoul(raw.substr(i, le - i), nullptr, 16);
        i = le + 2;
        if (n == 0) {
          i += 2;
          break;
        }
        r.body += raw.substr(i, n);
        i += n + 2;
      }
    } else if (!no_body) {
      r.body = raw.substr(i);
      i = raw.size();
    }
    out.push_back(std::move(r));
  }
  return out;
}

inline ParsedResponse parse_one(const std::string& raw, bool head = false) {
  auto v = parse_responses(raw, {head});
  EXPECT_EQ(v.size(), 1u) << raw;
  return v.empty() ? ParsedResponse{} : v[0];
}

}  // namespace sluice::testing
