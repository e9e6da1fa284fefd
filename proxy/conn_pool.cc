#include "proxy/conn_pool.h"

namespace sluice::proxy {
namespace {
class IgnoreEvents final : public transport::ConnectionHandler {
 public:
  void on_readable(transport::Connection&) override {}
  void on_writable(transport::Connection&) override {}
  void on_closed(transport::Connection&, transport::CloseReason) override {}
};
}  // namespace

transport::ConnectionHandler& ignore_events() {
  static IgnoreEvents handler;  // stateless
  return handler;
}

// One idle connection: watches it for the server closing it, and times it out.
class ConnPool::Idle final : public transport::ConnectionHandler {
 public:
  Idle(ConnPool& pool, std::unique_ptr<transport::Connection> conn, const transport::Address& peer,
       std::string key, unsigned requests)
      : pool_(pool), conn_(std::move(conn)), peer_(peer), key_(std::move(key)), requests_(requests),
        timer_([this](Instant) { expire(); }) {
    conn_->set_handler(this);
  }
  ~Idle() override {
    if (conn_) conn_->set_handler(&ignore_events());
  }

  // Anything arriving on an idle connection (RFC 9112 9.3: the server may close it at any time;
  // a byte without a request is an error) makes it unusable.
  void on_readable(transport::Connection&) override {
    BufChain junk;
    stale(/*abort=*/conn_->read(junk, 1) > 0 || !conn_->read_eof());
  }
  void on_writable(transport::Connection&) override {}
  void on_closed(transport::Connection&, transport::CloseReason) override { stale(false); }

  std::unique_ptr<transport::Connection> release() {
    pool_.loop_.timers().cancel(timer_);
    conn_->set_handler(&ignore_events());
    return std::move(conn_);
  }

  ConnPool& pool_;
  std::unique_ptr<transport::Connection> conn_;
  transport::Address peer_;
  std::string key_;
  unsigned requests_;
  Timer timer_;
  List::iterator pos_;

 private:
  void stale(bool abort) {
    ++pool_.counters_.closed_stale;
    if (conn_->is_open()) abort ? conn_->abort() : conn_->close();
    pool_.drop(pos_);
  }
  void expire() {
    ++pool_.counters_.closed_timeout;
    conn_->close();
    pool_.drop(pos_);
  }
};

ConnPool::ConnPool(EventLoop& loop, unsigned max_idle, Duration idle_timeout, unsigned max_requests)
    : loop_(loop), max_idle_(max_idle), idle_timeout_(idle_timeout), max_requests_(max_requests) {}

ConnPool::~ConnPool() = default;

std::unique_ptr<transport::Connection> ConnPool::take(const transport::Address& peer, const std::string& key,
                                                      unsigned* requests) {
  for (auto it = idle_.begin(); it != idle_.end(); ++it) {
    Idle& e = **it;
    if (e.peer_ != peer || e.key_ != key || !e.conn_->is_open()) continue;
    *requests = e.requests_;
    std::unique_ptr<transport::Connection> conn = e.release();
    drop(it);
    ++counters_.reused;
    return conn;
  }
  return nullptr;
}

void ConnPool::put(std::unique_ptr<transport::Connection> conn, const transport::Address& peer, const std::string& key,
                   unsigned requests) {
  conn->set_handler(&ignore_events());
  if (max_idle_ == 0 || requests >= max_requests_ || !conn->is_open()) {
    conn->close();
    loop_.defer_delete(std::move(conn));
    return;
  }
  if (idle_.size() >= max_idle_) {
    ++counters_.closed_full;
    idle_.back()->conn_->close();
    drop(std::prev(idle_.end()));
  }
  ++counters_.kept;
  idle_.push_front(std::make_unique<Idle>(*this, std::move(conn), peer, key, requests));
  Idle& e = *idle_.front();
  e.pos_ = idle_.begin();
  loop_.arm(e.timer_, idle_timeout_);
}

void ConnPool::close_all() {
  max_idle_ = 0;
  while (!idle_.empty()) {
    idle_.front()->conn_->close();
    drop(idle_.begin());
  }
}

void ConnPool::drop(List::iterator pos) {
  std::unique_ptr<Idle> e = std::move(*pos);
  idle_.erase(pos);
  loop_.timers().cancel(e->timer_);
  loop_.defer_delete(std::move(e));
}

}  // namespace sluice::proxy

