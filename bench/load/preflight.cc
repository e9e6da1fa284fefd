#include "bench/load/preflight.h"

namespace sluice::bench {
namespace {

class Probe final : public transport::ConnectionHandler {
 public:
  void on_connected(transport::Connection&) override { connected = true; }
  void on_readable(transport::Connection&) override {}
  void on_writable(transport::Connection&) override {}
  void on_closed(transport::Connection&, transport::CloseReason r) override {
    closed = true;
    reason = r;
  }
  bool connected = false;
  bool closed = false;
  transport::CloseReason reason = transport::CloseReason::kClosed;
};

// Polls until `done()` or `until`; each pass is one transport poll (bounded wait).
template <class F>
void poll_until(EventLoop& loop, transport::Transport& t, Instant until, F done) {
  while (!done() && loop.update_time() < until) {
    t.poll(Duration::millis(1));
    loop.run_due();
  }
}

}  // namespace

bool preflight(EventLoop& loop, transport::Transport& t, const transport::Address& target, Duration timeout,
               std::string* err) {
  Probe probe;
  auto conn = t.connect(target, probe, err);
  if (!conn) return false;
  Instant until = loop.update_time() + timeout;
  poll_until(loop, t, until, [&] { return probe.connected || probe.closed; });
  bool ok = probe.connected;
  if (!ok) {
    *err = "cannot connect to " + target.to_string() + ": " +
           (probe.closed ? to_string(probe.reason) : "no answer within the timeout");
    conn->abort();
  } else {
    conn->close();
  }
  conn->set_handler(nullptr);
  conn.reset();
  // Let the close handshake finish so the run starts from a quiet transport.
  poll_until(loop, t, loop.now() + Duration::millis(200), [&] { return t.idle(); });
  return ok;
}

}  // namespace sluice::bench
