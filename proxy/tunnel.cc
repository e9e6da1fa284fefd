#include "proxy/tunnel.h"

#include <algorithm>

#include "proxy/conn_pool.h"

namespace sluice::proxy {

// One end of the tunnel: its connection, the bytes waiting to be written to it, and how it ended.
class Tunnel::Side final : public transport::ConnectionHandler {
 public:
  Side(Tunnel& t, std::unique_ptr<transport::Connection> c, BufChain early) : tunnel(t), conn(std::move(c)), out(std::move(early)) {
    conn->set_handler(this);
  }
  ~Side() override {
    if (conn) conn->set_handler(&ignore_events());
  }
  void on_readable(transport::Connection&) override { tunnel.pump(); }
  void on_writable(transport::Connection&) override { tunnel.pump(); }
  void on_closed(transport::Connection&, transport::CloseReason r) override {
    closed = true;
    if (r != transport::CloseReason::kClosed) tunnel.abort_both();
    tunnel.pump();
  }

  Tunnel& tunnel;
  std::unique_ptr<transport::Connection> conn;
  BufChain out;          // bytes for this side that it has not taken yet
  bool shut = false;     // our FIN went to this side
  bool closed = false;   // the transport reported it finished
};

Tunnel::Tunnel(EventLoop& loop, std::unique_ptr<transport::Connection> client,
               std::unique_ptr<transport::Connection> upstream, BufChain client_early, BufChain upstream_early,
               Duration idle, size_t buffer, std::function<void(Tunnel*)> done)
    : loop_(loop),
      client_(std::make_unique<Side>(*this, std::move(client), std::move(upstream_early))),
      upstream_(std::make_unique<Side>(*this, std::move(upstream), std::move(client_early))),
      idle_(idle),
      buffer_(buffer),
      done_(std::move(done)),
      idle_timer_([this](Instant) { on_idle(); }) {}

Tunnel::~Tunnel() = default;

void Tunnel::start() {
  loop_.arm(idle_timer_, idle_);
  pump();
}

// Moves what can be moved both ways; re-entrant calls (a write that triggers a callback) only ask
// for another round.
void Tunnel::pump() {
  if (pumping_) {
    again_ = true;
    return;
  }
  pumping_ = true;
  do {
    again_ = false;
    if (finished_) break;
    move(*client_, *upstream_, counters_.to_upstream);
    move(*upstream_, *client_, counters_.to_client);
    check_done();
  } while (again_);
  pumping_ = false;
}

void Tunnel::move(Side& from, Side& to, uint64_t& count) {
  bool progress = false;
  while (!to.closed && to.out.size() < buffer_) {
    size_t n = from.conn->read(to.out, buffer_ - to.out.size());
    if (n == 0) break;
    progress = true;
  }
  if (!to.out.empty() && !to.closed) {
    size_t n = to.conn->write(to.out);
    count += n;
    progress = progress || n > 0;
    if (n > 0 && to.out.size() < buffer_) again_ = true;  // room again: read more
  }
  if (from.conn->read_eof() && to.out.empty() && !to.shut && !to.closed) {
    to.shut = true;
    to.conn->shutdown_write();  // the half-close passes through
  }
  if (progress) loop_.arm(idle_timer_, idle_);
}

void Tunnel::check_done() {
  bool client_done = client_->closed || (client_->shut && upstream_->shut);
  bool upstream_done = upstream_->closed || (client_->shut && upstream_->shut);
  if (!(client_done && upstream_done) || finished_) return;
  finished_ = true;
  loop_.timers().cancel(idle_timer_);
  // Deferred: this may be running inside one of the connections' callbacks.
  loop_.defer([this] { done_(this); });
}

void Tunnel::abort_both() {
  for (Side* s : {client_.get(), upstream_.get()}) {
    if (!s->closed) s->conn->abort();
    s->closed = true;
  }
}

void Tunnel::on_idle() {
  abort_both();
  pump();
}

}  // namespace sluice::proxy
