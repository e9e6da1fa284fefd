// The HTTP server of one worker: listeners, sessions, the current config snapshot, access logs,
// the date cache and counters. Everything here is touched by its worker thread only.
//
// The worker:
//   http::ModuleRegistry mods = modules::builtin_modules();          // modules/modules.h
//   http::HttpServer server(loop, transport, error_log, worker_id, std::move(mods));
//   server.update_date(wall_clock_seconds());
//   if (!server.start(config, &err)) ...
//   loop: transport.poll(...); loop.update_time(); server.update_date(wall); loop.run_due();
//   SIGHUP: server.reload(new_config, &err)    SIGUSR1: server.reopen_logs()
//   graceful stop: server.begin_shutdown(); run until active_connections() == 0 or the timeout.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "conf/config.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/object_pool.h"
#include "http/access_log.h"
#include "http/counters.h"
#include "http/date_cache.h"
#include "http/handler.h"
#include "http/session.h"
#include "http/site.h"
#include "transport/transport.h"

namespace sluice::http {

class HttpServer final : public SessionOwner {
 public:
  HttpServer(EventLoop& loop, transport::Transport& transport, Logger& error_log,
             unsigned worker_id, ModuleRegistry modules);
  ~HttpServer() override;
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Builds the router and opens one listener per distinct listen address. False and *err on
  // failure (nothing is left open).
  bool start(std::shared_ptr<const conf::Config> config, std::string* err);
  // New connections use the new snapshot; existing ones keep theirs until they close. Listeners
  // are added and removed to match. On failure the old snapshot stays in force.
  bool reload(std::shared_ptr<const conf::Config> config, std::string* err);
  // Stops accepting, closes idle keep-alive connections now, lets requests in flight finish (their
  // connections then close).
  void begin_shutdown();
  bool shutting_down() const { return shutting_down_; }
  size_t active_connections() const { return sessions_.size(); }
  void reopen_logs();
  // Once per loop iteration with the wall clock (Date, Last-Modified checks, log time).
  void update_date(int64_t wall_seconds) { date_.update(wall_seconds); }
  const HttpCounters& counters() const { return counters_; }
  unsigned worker_id() const { return worker_id_; }
  // Wraps each accepted connection before its session sees it (TLS on the addresses that have it):
  // gets the listen address and the connection, returns the connection to serve or nullptr to drop
  // it. Set by the worker before start().
  using AcceptWrapper = std::function<std::unique_ptr<transport::Connection>(
      const transport::Address& listen, std::unique_ptr<transport::Connection> conn)>;
  void set_accept_wrapper(AcceptWrapper wrap) { wrap_ = std::move(wrap); }

 private:
  class Listening;
  // Blocks of closed sessions kept for new ones (1.2 KB each): covers a burst of accepts.
  static constexpr size_t kSpareSessions = 1024;
  void accept(const transport::Address& at, std::unique_ptr<transport::Connection> conn);
  void session_closed(HttpSession* s) override;

  EventLoop& loop_;
  transport::Transport& transport_;
  Logger& error_log_;
  unsigned worker_id_;
  ModuleRegistry modules_;
  AcceptWrapper wrap_;
  DateCache date_;
  HttpCounters counters_;
  AccessLogSet logs_;
  ParserBufferPool parser_buffers_;  // before the sessions, which give their buffers back to it
  WorkerContext ctx_;
  std::shared_ptr<const Site> site_;
  std::vector<std::unique_ptr<Listening>> listeners_;
  // Before sessions_: the pool outlives every session it holds.
  ObjectPool<HttpSession> session_pool_{kSpareSessions};
  std::vector<ObjectPool<HttpSession>::Ptr> sessions_;  // each knows its index (owner_slot)
  bool shutting_down_ = false;
};

}  // namespace sluice::http
