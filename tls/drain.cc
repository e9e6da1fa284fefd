#include "tls/drain.h"

#include "core/timer.h"

namespace sluice::tls {

class Drain::Entry final : public transport::ConnectionHandler {
 public:
  Entry(Drain& d, std::unique_ptr<transport::Connection> conn, BufChain pending)
      : drain_(d), conn_(std::move(conn)), pending_(std::move(pending)),
        timer_([this](Instant) { give_up(); }) {}

  void start() {
    conn_->set_handler(this);
    drain_.loop_.arm(timer_, drain_.timeout_);
    on_writable(*conn_);
  }
  void on_readable(transport::Connection& c) override {
    BufChain junk;  // after close_notify nothing more is read; keep the window open meanwhile
    while (c.read(junk, 64 * 1024) > 0) junk.clear();
  }
  void on_writable(transport::Connection& c) override {
    if (done_) return;
    c.write(pending_);
    if (!pending_.empty()) return;
    done_ = true;
    c.close();
    drain_.finish(this);
  }
  void on_closed(transport::Connection&, transport::CloseReason) override {
    if (done_) return;
    done_ = true;
    drain_.finish(this);
  }

 private:
  void give_up() {
    if (done_) return;
    done_ = true;
    conn_->abort();
    drain_.finish(this);
  }

  Drain& drain_;
  std::unique_ptr<transport::Connection> conn_;
  BufChain pending_;
  Timer timer_;
  bool done_ = false;
};

Drain::Drain(EventLoop& loop, Duration timeout) : loop_(loop), timeout_(timeout) {}

Drain::~Drain() { entries_.clear(); }

void Drain::adopt(std::unique_ptr<transport::Connection> conn, BufChain pending) {
  if (pending.empty() || !conn->is_open()) {
    conn->close();
    return;
  }
  auto e = std::make_unique<Entry>(*this, std::move(conn), std::move(pending));
  Entry* raw = e.get();
  entries_.emplace(raw, std::move(e));
  raw->start();
}

void Drain::finish(Entry* e) {
  auto it = entries_.find(e);
  if (it == entries_.end()) return;
  loop_.defer_delete(std::move(it->second));  // never inside its own callback
  entries_.erase(it);
}

}  // namespace sluice::tls
