#include "http/server.h"

#include <algorithm>

namespace sluice::http {

// One listen address: the transport's listener and the accept callback that knows its address.
class HttpServer::Listening final : public transport::AcceptHandler {
 public:
  Listening(HttpServer& server, const transport::Address& addr) : server_(server), addr_(addr) {}
  bool open(transport::Transport& t, unsigned backlog, std::string* err) {
    transport::ListenOptions opts;
    opts.backlog = int(backlog);
    listener_ = t.listen(addr_, opts, *this, err);
    return listener_ != nullptr;
  }
  void on_accept(std::unique_ptr<transport::Connection> conn) override {
    server_.accept(addr_, std::move(conn));
  }
  const transport::Address& address() const { return addr_; }

 private:
  HttpServer& server_;
  transport::Address addr_;
  std::unique_ptr<transport::Listener> listener_;
};

HttpServer::HttpServer(EventLoop& loop, transport::Transport& transport, Logger& error_log,
                       unsigned worker_id, ModuleRegistry modules)
    : loop_(loop),
      transport_(transport),
      error_log_(error_log),
      worker_id_(worker_id),
      modules_(std::move(modules)),
      ctx_{loop, error_log, date_, counters_, parser_buffers_} {}

HttpServer::~HttpServer() {
  listeners_.clear();
  sessions_.clear();
  // Sessions closed in this iteration wait in the loop's deferred work: their blocks go back to
  // session_pool_, so they are destroyed now, while it lives.
  loop_.run_deferred();
}

bool HttpServer::start(std::shared_ptr<const conf::Config> config, std::string* err) {
  return reload(std::move(config), err);
}

bool HttpServer::reload(std::shared_ptr<const conf::Config> config, std::string* err) {
  if (shutting_down_) {
    *err = "shutting down";
    return false;
  }
  std::shared_ptr<const Site> site = Site::build(std::move(config), modules_, logs_, err);
  if (!site) return false;
  auto has = [](const auto& list, const transport::Address& a) {
    return std::any_of(list.begin(), list.end(),
                       [&](const auto& l) { return l->address() == a; });
  };
  // Open what is new first, so a failure leaves the old state untouched.
  std::vector<std::unique_ptr<Listening>> added;
  for (const ServerGroup& g : site->router->groups()) {
    if (has(listeners_, g.address) || has(added, g.address)) continue;
    auto l = std::make_unique<Listening>(*this, g.address);
    std::string lerr;
    if (!l->open(transport_, site->config->tcp.backlog, &lerr)) {
      *err = "listen " + g.address.to_string() + ": " + lerr;
      return false;
    }
    added.push_back(std::move(l));
  }
  std::erase_if(listeners_, [&](const auto& l) { return site->router->group(l->address()) == nullptr; });
  for (auto& l : added) listeners_.push_back(std::move(l));
  site_ = std::move(site);
  SLUICE_LOG(error_log_, LogLevel::kInfo, "worker %u: http config loaded, %zu listener(s)",
             worker_id_, listeners_.size());
  return true;
}

void HttpServer::accept(const transport::Address& at, std::unique_ptr<transport::Connection> conn) {
  const ServerGroup* group = site_ ? site_->router->group(at) : nullptr;
  if (shutting_down_ || !group) {
    conn->close();
    return;  // a Connection closes when destroyed
  }
  conn->set_nodelay(site_->config->tcp.nodelay);
  if (wrap_ && !(conn = wrap_(at, std::move(conn)))) return;
  auto session = session_pool_.make(ctx_, *this, std::move(conn), site_, group);
  HttpSession* raw = session.get();
  raw->set_owner_slot(sessions_.size());
  sessions_.push_back(std::move(session));
  raw->start();
}

void HttpServer::session_closed(HttpSession* s) {
  size_t i = s->owner_slot();
  if (i >= sessions_.size() || sessions_[i].get() != s) return;
  loop_.defer_delete(std::move(sessions_[i]));  // never inside its own callback
  if (i + 1 != sessions_.size()) {  // the last one takes its place
    sessions_[i] = std::move(sessions_.back());
    sessions_[i]->set_owner_slot(i);
  }
  sessions_.pop_back();
}

void HttpServer::begin_shutdown() {
  shutting_down_ = true;
  listeners_.clear();
  std::vector<HttpSession*> live;
  live.reserve(sessions_.size());
  for (auto& s : sessions_) live.push_back(s.get());
  // Sessions that close here stay allocated until the end of the iteration (deferred delete).
  for (HttpSession* s : live) s->begin_shutdown();
}

void HttpServer::reopen_logs() { logs_.reopen_all(); }

}  // namespace sluice::http
