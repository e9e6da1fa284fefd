// Test harness: TcpLayers joined by an in-memory wire with test-controlled time.
//
// Every segment goes through the real wire code (emit, checksum, parse) on its way. The test can
// drop / duplicate / delay any segment through a filter that sees its index and direction.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "stack/tcp/layer.h"
#include "stack/wire/tcp.h"

namespace sluice::stack::tcp::testing {

namespace flags = wire::tcp_flags;

inline constexpr uint32_t kIpA = 0x0a000001;  // 10.0.0.1
inline constexpr uint32_t kIpB = 0x0a000002;  // 10.0.0.2

struct Captured {
  FourTuple tuple;  // local = source
  TcpRepr hdr;
  BufChain payload;
  Instant at;
};

inline TcpParams test_params() {
  TcpParams p;
  p.time_wait = Duration::seconds(60);
  p.delayed_ack = Duration::millis(40);
  p.nodelay = true;
  p.mss = 1460;
  return p;
}

// One endpoint: a TcpLayer plus a record of what it emitted and what it told the application.
class Host : public Emitter, public Events {
 public:
  Host(uint32_t ip, const TcpParams& p) : ip(ip), layer(p, *this, *this) {}

  void emit(const FourTuple& t, const TcpRepr& hdr, BufChain payload) override {
    out.push_back({t, hdr, std::move(payload), now});
  }
  void on_accept_ready(ListenerHandle l) override {
    accept_ready.push_back(l);
    if (auto_accept)
      while (auto h = layer.accept(l)) accepted.push_back(*h);
  }
  void on_connected(SocketHandle h) override {
    connected.push_back(h);
    if (on_connect) on_connect(h);
  }
  void on_readable(SocketHandle h) override {
    ++readable_events;
    if (auto_read) {
      layer.recv(h, received, SIZE_MAX);
      if (on_read) on_read(h);
    }
  }
  void on_writable(SocketHandle h) override {
    ++writable_events;
    if (on_write) on_write(h);
  }
  void on_closed(SocketHandle h, CloseReason r) override { closed.push_back({h, r}); }

  uint32_t ip;
  Instant now{};
  TcpLayer layer;
  std::vector<Captured> out;
  bool auto_accept = true;
  bool auto_read = true;
  BufChain received;
  std::function<void(SocketHandle)> on_read, on_write, on_connect;
  std::vector<ListenerHandle> accept_ready;
  std::vector<SocketHandle> accepted, connected;
  std::vector<std::pair<SocketHandle, CloseReason>> closed;
  int readable_events = 0;
  int writable_events = 0;
};

// kReorder delivers the segment `reorder_delay` late, so later segments overtake it.
enum class Fate { kDeliver, kDrop, kDuplicate, kReorder };

// Two hosts and the wire between them.
class Net {
 public:
  explicit Net(TcpParams pa = test_params(), TcpParams pb = test_params())
      : a(kIpA, pa), b(kIpB, pb) {
    a.now = b.now = now;
  }

  Host a, b;
  Instant now = Instant::from_micros(1'000'000);
  Duration latency = Duration::millis(5);  // one way
  Duration reorder_delay = Duration::millis(2);
  // Sees every segment: its index in the direction (0-based) and the direction.
  std::function<Fate(size_t index, bool from_a, const Captured&)> filter;
  // A link model instead of `filter` and `latency`: given a segment's direction, its Ethernet
  // frame length and the time it left, appends the times its copies arrive (none: lost).
  std::function<void(bool from_a, size_t frame_len, Instant sent, std::vector<Instant>& arrivals)>
      link;
  std::vector<Captured> log_a, log_b;  // everything each side put on the wire
  size_t sent_a = 0, sent_b = 0;

  Host& other(Host& h) { return &h == &a ? b : a; }

  // Moves emitted segments onto the wire, through the wire format.
  void collect() {
    for (Host* h : {&a, &b}) {
      bool from_a = h == &a;
      for (Captured& c : h->out) {
        (from_a ? log_a : log_b).push_back(c);
        size_t idx = from_a ? sent_a++ : sent_b++;
        if (link) {
          arrivals_.clear();
          link(from_a, 14 + 20 + c.hdr.header_len() + c.payload.size(), now, arrivals_);
          for (Instant at : arrivals_) flight_.push_back({at, !from_a, c.tuple, c.hdr, c.payload});
          continue;
        }
        Fate f = filter ? filter(idx, from_a, c) : Fate::kDeliver;
        if (f == Fate::kDrop) continue;
        int copies = f == Fate::kDuplicate ? 2 : 1;
        Duration d = f == Fate::kReorder ? latency + reorder_delay : latency;
        for (int i = 0; i < copies; ++i)
          flight_.push_back({now + d, !from_a, c.tuple, c.hdr, c.payload});
      }
      h->out.clear();
    }
  }

  // Runs until `until`, delivering segments and firing timers in time order.
  void run_until(Instant until) {
    for (int guard = 0; guard < 10'000'000; ++guard) {
      collect();
      Instant next = Instant::never();
      for (auto& f : flight_) next = std::min(next, f.at);
      next = std::min({next, a.layer.next_deadline(), b.layer.next_deadline()});
      if (next > until) break;
      if (next > now) now = next;
      a.now = b.now = now;
      // Deliver everything due now, in order.
      std::deque<InFlight> due;
      for (auto it = flight_.begin(); it != flight_.end();) {
        if (it->at <= now) { due.push_back(std::move(*it)); it = flight_.erase(it); }
        else ++it;
      }
      for (auto& f : due) deliver(f);
      a.layer.poll(now);
      b.layer.poll(now);
    }
    if (now < until) now = until;
    a.now = b.now = now;
    a.layer.poll(now);  // the layers' notion of now follows (socket calls use it)
    b.layer.poll(now);
    collect();
  }
  void run_for(Duration d) { run_until(now + d); }
  // Runs until pred() holds (checked between steps) or `limit` passes; returns pred().
  bool run_while_not(const std::function<bool()>& pred, Duration limit) {
    Instant end = now + limit;
    while (!pred() && now < end) run_until(std::min(end, now + Duration::millis(1)));
    return pred();
  }

  // An ESTABLISHED pair: b listens on 80, a connects. Returns {a's handle, b's handle}.
  std::pair<SocketHandle, SocketHandle> establish(uint16_t port = 80) {
    auto l = b.layer.listen(0, port, 16);
    EXPECT_TRUE(l.has_value());
    listener = *l;
    auto h = a.layer.connect(now, kIpA, kIpB, port);
    EXPECT_TRUE(h.has_value());
    run_for(Duration::millis(50));
    EXPECT_EQ(a.layer.state(*h), TcpState::kEstablished);
    EXPECT_FALSE(b.accepted.empty());
    return {*h, b.accepted.empty() ? SocketHandle{} : b.accepted.back()};
  }
  ListenerHandle listener;

  // A normal close of an established pair: `first` closes, then the other side once it saw the
  // FIN; `first` ends in TIME-WAIT.
  void close_in_turn(Host& first, SocketHandle h_first, SocketHandle h_second) {
    first.layer.close(h_first);
    run_for(Duration::millis(20));
    other(first).layer.close(h_second);
    run_for(Duration::millis(20));
  }

 private:
  struct InFlight {
    Instant at;
    bool to_a;
    FourTuple tuple;
    TcpRepr hdr;
    BufChain payload;
  };
  void deliver(InFlight& f) {
    // Through the wire format: emit, checksum, verify, parse.
    uint8_t buf[60];
    size_t hl = f.hdr.header_len();
    f.hdr.emit(buf);
    wire::tcp_fill_checksum(f.tuple.local_ip, f.tuple.remote_ip, buf, hl, f.payload);
    ASSERT_TRUE(wire::tcp_checksum_ok(f.tuple.local_ip, f.tuple.remote_ip, buf, hl, f.payload));
    TcpRepr parsed;
    size_t parsed_len = 0;
    ASSERT_EQ(TcpRepr::parse(buf, hl, parsed, &parsed_len), wire::TcpParseError::kOk);
    ASSERT_EQ(parsed_len, hl);
    Host& to = f.to_a ? a : b;
    to.now = now;
    to.layer.on_segment(now, f.tuple.local_ip, f.tuple.remote_ip, parsed, std::move(f.payload));
  }
  std::deque<InFlight> flight_;
  std::vector<Instant> arrivals_;
};

// Seeded pseudo-random bytes.
inline std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

// Sends `data` through `h` as space allows (call again from on_writable).
struct Pump {
  Host* host;
  SocketHandle h;
  std::string data;
  size_t off = 0;
  size_t chunk = 16384;
  void push() {
    while (off < data.size()) {
      size_t n = std::min(chunk, data.size() - off);
      BufChain c;
      c.append_copy(std::string_view(data).substr(off, n));
      size_t took = host->layer.send(h, c);
      off += took;
      if (took < n) break;
    }
  }
};

// An established pair (5 ms each way) whose first `warm_bytes` went through, so that an RTT is
// known and the window is open; then bursts of data from a to b.
struct WarmPair {
  Net net;
  SocketHandle ha, hb;
  std::string data;  // the latest burst

  explicit WarmPair(TcpParams p = test_params(), size_t warm_bytes = 100000) : net(p, p) {
    std::tie(ha, hb) = net.establish();
    Pump pump{&net.a, ha, random_bytes(warm_bytes, 1)};
    net.a.on_write = [&](SocketHandle) { pump.push(); };
    pump.push();
    net.run_while_not([&] { return net.b.received.size() == pump.data.size(); }, Duration::seconds(5));
    net.run_for(Duration::millis(100));
    net.a.on_write = nullptr;
    net.b.received.clear();
  }
  // Sends `n` bytes as one burst and returns the index, in a's direction, of its first segment.
  size_t burst(size_t n, uint32_t seed) {
    data = random_bytes(n, seed);
    BufChain d;
    d.append_copy(data);
    size_t first = net.sent_a + net.a.out.size();
    EXPECT_EQ(net.a.layer.send(ha, d), n);
    return first;
  }
  // Runs until a has the burst acknowledged and b holds it byte-exact.
  void finish() {
    net.run_while_not([&] { return net.a.layer.unacked_bytes(ha) == 0; }, Duration::seconds(5));
    EXPECT_EQ(net.a.layer.unacked_bytes(ha), 0u);
    EXPECT_TRUE(net.b.received.to_string() == data);
    net.b.received.clear();
    net.run_for(Duration::millis(50));
  }
  const Tcb& tcb() { return *net.a.layer.tcb(ha); }
  const TcpCounters& counters() { return net.a.layer.counters(); }
};

}  // namespace sluice::stack::tcp::testing
