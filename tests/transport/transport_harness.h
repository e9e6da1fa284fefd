// A harness for testing any Transport implementation through the abstract interface only.
//
// An implementation plugs in a TransportFactory (two transports that can reach each other and the
// address the server side listens on) and instantiates the contract suite with it:
//
//   INSTANTIATE_TEST_SUITE_P(Kernel, TransportContract,
//                            ::testing::Values(FactoryParam{"kernel", &make_kernel_factory}),
//                            FactoryParam::name);
//
// Everything runs in the test's thread: Pump polls every transport without blocking, moves a
// manual clock by a fixed step and runs the loop's timers and deferred work, for a bounded number
// of iterations. No sleeps, no wall clock.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/buf.h"
#include "core/loop.h"
#include "core/time.h"
#include "transport/transport.h"

namespace sluice::transport::testing {

// Time moves only when the test says so.
class ManualClock final : public Clock {
 public:
  Instant now() override { return now_; }
  void advance(Duration d) { now_ = now_ + d; }

 private:
  Instant now_ = Instant::from_micros(1'000'000);
};

struct TransportSetup {
  std::unique_ptr<Transport> server;
  std::unique_ptr<Transport> client;
  Address listen;  // where the server listens; port 0 lets it choose (read Listener::address())
};

class TransportFactory {
 public:
  virtual ~TransportFactory() = default;
  virtual TransportSetup make(EventLoop& loop) = 0;
  // Another server-side worker that can listen on the same address (SO_REUSEPORT, RSS queues);
  // nullptr when the implementation has no such thing.
  virtual std::unique_ptr<Transport> make_server_peer(EventLoop& loop) { return nullptr; }
};

struct FactoryParam {
  const char* label;
  std::unique_ptr<TransportFactory> (*make)();
  static std::string name(const ::testing::TestParamInfo<FactoryParam>& info) { return info.param.label; }
};
inline std::ostream& operator<<(std::ostream& os, const FactoryParam& p) { return os << p.label; }

// Polls transports in turn until a condition holds.
class Pump {
 public:
  Pump(EventLoop& loop, ManualClock& clock, Duration step = Duration::micros(10))
      : loop_(loop), clock_(clock), step_(step) {}
  void add(Transport* t) { transports_.push_back(t); }
  void remove(Transport* t) { std::erase(transports_, t); }

  void once() {
    for (Transport* t : transports_) t->poll(Duration::zero());
    clock_.advance(step_);
    loop_.update_time();
    loop_.run_due();
  }
  // Pumps until `done()` (checked before each iteration) or `max_iters`; returns done().
  bool until(const std::function<bool()>& done, int max_iters = 200000) {
    for (int i = 0; i < max_iters; ++i) {
      if (done()) return true;
      once();
    }
    return done();
  }
  void run(int iters) {
    for (int i = 0; i < iters; ++i) once();
  }

 private:
  EventLoop& loop_;
  ManualClock& clock_;
  Duration step_;
  std::vector<Transport*> transports_;
};

// A connection end that records what it is told: reads everything into `in` (unless paused),
// keeps writing `out` whenever it can, and counts callbacks that break the contract.
class Peer : public ConnectionHandler {
 public:
  std::unique_ptr<Connection> conn;
  std::string in;
  BufChain out;
  bool auto_read = true;
  bool echo = false;  // with auto_read: write back whatever arrives
  bool connected = false;
  bool eof = false;
  int readable = 0;
  int writable = 0;
  int short_writes = 0;
  int late_callbacks = 0;  // any callback after on_closed()
  std::optional<CloseReason> closed;

  ~Peer() override { EXPECT_EQ(late_callbacks, 0) << "callbacks after on_closed()"; }

  void on_connected(Connection&) override {
    if (closed) ++late_callbacks;
    connected = true;
  }
  void on_readable(Connection&) override {
    if (closed) ++late_callbacks;
    ++readable;
    if (!auto_read) return;
    std::string got = drain();
    if (echo && !got.empty()) send(got);
  }
  void on_writable(Connection&) override {
    if (closed) ++late_callbacks;
    ++writable;
    flush();
  }
  void on_closed(Connection&, CloseReason r) override {
    if (closed) ++late_callbacks;
    closed = r;
  }

  // Reads what is there into `in`; returns the new bytes.
  std::string drain(size_t max = SIZE_MAX) {
    BufChain b;
    conn->read(b, max);
    std::string got = b.to_string();
    in += got;
    if (conn->read_eof()) eof = true;
    return got;
  }
  void send(std::string_view bytes) {
    out.append_copy(bytes);
    flush();
  }
  // Queues `bytes` in 64 KiB slices (large writes go through many iovecs).
  void send_big(const std::string& bytes) {
    for (size_t off = 0; off < bytes.size(); off += 65536)
      out.append(Slice::copy_of(std::string_view(bytes).substr(off, 65536)));
    flush();
  }
  void flush() {
    if (out.empty()) return;
    conn->write(out);
    if (!out.empty()) ++short_writes;
  }
};

// Accepts into Peers.
class Acceptor : public AcceptHandler {
 public:
  std::vector<std::unique_ptr<Peer>> peers;
  std::function<void(Peer&)> on_new;  // configure a new peer before its first event

  void on_accept(std::unique_ptr<Connection> c) override {
    auto p = std::make_unique<Peer>();
    p->conn = std::move(c);
    p->conn->set_handler(p.get());
    if (on_new) on_new(*p);
    peers.push_back(std::move(p));
  }
};

// Loopback with port 0 (Address::parse() rejects port 0, rightly for configuration).
inline Address loopback_any_port(Address::Family f = Address::Family::kIpv4) {
  if (f == Address::Family::kIpv4) return Address::ipv4(0x7f000001, 0);
  Address a;
  a.family = f;
  a.ip[15] = 1;  // ::1
  return a;
}

inline std::string random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng();
    for (size_t j = 0; j < 8 && i + j < n; ++j) s[i + j] = char(v >> (8 * j));
  }
  return s;
}

// The contract suite's fixture: a loop on a manual clock, the factory's two transports, a pump.
class TransportContract : public ::testing::TestWithParam<FactoryParam> {
 protected:
  void SetUp() override {
    factory_ = GetParam().make();
    setup_ = factory_->make(loop_);
    ASSERT_TRUE(setup_.server && setup_.client);
    pump_.add(setup_.server.get());
    pump_.add(setup_.client.get());
  }

  // Listens on the factory's address; returns the address clients should connect to.
  Address listen(Transport& t, Acceptor& acceptor, std::unique_ptr<Listener>* out,
                 std::optional<Address> at = std::nullopt) {
    std::string err;
    *out = t.listen(at ? *at : setup_.listen, ListenOptions{}, acceptor, &err);
    EXPECT_TRUE(*out) << err;
    return *out ? (*out)->address() : Address{};
  }
  // Starts an active open from the client transport.
  std::unique_ptr<Peer> connect(const Address& to) {
    auto p = std::make_unique<Peer>();
    std::string err;
    p->conn = setup_.client->connect(to, *p, &err);
    EXPECT_TRUE(p->conn) << err;
    return p;
  }
  // Listens, connects one client and pumps until both ends are up.
  void connect_pair(Acceptor& acceptor, std::unique_ptr<Listener>* listener, std::unique_ptr<Peer>* client) {
    Address at = listen(*setup_.server, acceptor, listener);
    *client = connect(at);
    ASSERT_TRUE((*client)->conn);
    Peer& c = **client;
    ASSERT_TRUE(pump_.until([&] { return c.connected && !acceptor.peers.empty(); }));
  }

  ManualClock clock_;
  EventLoop loop_{clock_};
  Pump pump_{loop_, clock_};
  std::unique_ptr<TransportFactory> factory_;
  TransportSetup setup_;
};

}  // namespace sluice::transport::testing
