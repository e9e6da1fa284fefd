#include "server/worker.h"

#include <pthread.h>
#include <sched.h>

#include "core/log.h"
#include "core/loop.h"
#include "http/server.h"
#include "modules/modules.h"
#include "proxy/module.h"
#include "tls/worker_tls.h"

namespace sluice::server {

// Everything the worker thread owns while it serves. Built and destroyed on that thread.
struct Worker::Loop {
  explicit Loop(const conf::Config& cfg, unsigned id)
      : loop(clock), log(cfg.process.error_log, cfg.process.error_log_level, "w" + std::to_string(id)) {}
  MonotonicClock clock;
  EventLoop loop;
  Logger log;
  std::unique_ptr<transport::Transport> transport;
  std::unique_ptr<tls::TlsWorker> tls;  // outlives http: its connections come from here
  std::unique_ptr<proxy::ProxyRuntime> proxy;  // outlives http: handlers and bodies point at it
  std::unique_ptr<http::HttpServer> http;
  bool graceful = false;
  bool stop_now = false;
  Instant deadline = Instant::never();
};

Worker::Worker(unsigned id, Backend& backend, std::shared_ptr<const conf::Config> config,
               std::shared_ptr<const tls::TicketKeyRing> ticket_keys)
    : id_(id), backend_(backend), config_(std::move(config)), ticket_keys_(std::move(ticket_keys)) {}

Worker::~Worker() { join(); }

void Worker::start() {
  thread_ = std::thread([this] { run(); });
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

bool Worker::wait_ready(std::string* err) {
  while (ready_.load(std::memory_order_acquire) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  if (ready_.load() < 0) {
    *err = setup_error_;
    return false;
  }
  return true;
}

void Worker::report_ready(bool ok, std::string err) {
  setup_error_ = std::move(err);
  ready_.store(ok ? 1 : -1, std::memory_order_release);
}

void Worker::send(WorkerCommand cmd) {
  while (!mailbox_.push(std::move(cmd))) std::this_thread::yield();
  wakers_.fetch_add(1);
  if (transport::Transport* t = transport_.load()) t->wake();
  wakers_.fetch_sub(1);
}

void Worker::pin_to_cpu() {
  const auto& cpus = config_->process.cpus;
  if (id_ >= cpus.size()) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpus[id_], &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

void Worker::run() {
  pin_to_cpu();
  std::string err;
  Loop state(*config_, id_);
  loop_ = &state;
  if (setup(&err)) {
    report_ready(true, {});
    serve();
  } else {
    exit_code_ = 1;
    report_ready(false, err);
  }
  // Withdraw the transport from wake() callers before destroying it on this thread.
  transport_.store(nullptr);
  while (wakers_.load() != 0) std::this_thread::yield();
  if (state.transport) {
    std::string stats = backend_.stats(*state.transport);
    if (!stats.empty()) state.log.log(LogLevel::kNotice, "counters: %s", stats.c_str());
  }
  state.http.reset();
  state.loop.run_deferred();
  if (state.proxy && state.proxy->counters().requests > 0)
    state.log.log(LogLevel::kNotice, "proxy counters: %s", proxy::to_string(state.proxy->counters()).c_str());
  state.proxy.reset();
  state.loop.run_deferred();
  if (state.tls && state.tls->counters().handshakes + state.tls->counters().handshake_failures > 0)
    state.log.log(LogLevel::kNotice, "tls counters: %s", state.tls->counters().to_string().c_str());
  state.tls.reset();
  state.loop.run_deferred();
  state.transport.reset();
  loop_ = nullptr;
  finished_.store(true, std::memory_order_release);
}

bool Worker::setup(std::string* err) {
  Loop& s = *loop_;
  s.transport = backend_.make_transport(id_, s.loop, s.log, err);
  if (!s.transport) return false;
  transport_.store(s.transport.get());
  s.tls = std::make_unique<tls::TlsWorker>(s.loop, s.log, ticket_keys_, config_->http.send_timeout);
  auto tls_set = s.tls->prepare(config_, err);
  if (!tls_set) return false;
  s.tls->install(std::move(tls_set));
  s.proxy = std::make_unique<proxy::ProxyRuntime>(s.loop, *s.transport, s.log, &s.tls->runtime());
  http::ModuleRegistry mods = modules::builtin_modules(backend_.buffer_allocator(id_));
  mods.add(std::make_unique<proxy::ProxyModule>(*s.proxy));
  s.http = std::make_unique<http::HttpServer>(s.loop, *s.transport, s.log, id_, std::move(mods));
  s.http->set_accept_wrapper([tls = s.tls.get()](const transport::Address& at, std::unique_ptr<transport::Connection> c) {
    return tls->wrap_accepted(at, std::move(c));
  });
  s.http->update_date(wall_clock_seconds());
  if (!s.http->start(config_, err)) return false;
  s.log.log(LogLevel::kInfo, "worker %u serving on the %s transport", id_, s.transport->name());
  return true;
}

void Worker::handle(WorkerCommand& cmd) {
  Loop& s = *loop_;
  switch (cmd.kind) {
    case WorkerCommand::Kind::kReload: {
      std::string err;
      auto tls_set = s.tls->prepare(cmd.config, &err);  // new certificates come with the snapshot
      if (tls_set && s.http->reload(cmd.config, &err)) {
        s.tls->install(std::move(tls_set));
        config_ = cmd.config;
        s.log.log(LogLevel::kNotice, "configuration reloaded");
      } else {
        s.log.log(LogLevel::kError, "reload failed, keeping the old configuration: %s", err.c_str());
      }
      break;
    }
    case WorkerCommand::Kind::kGracefulStop:
      if (!s.graceful) {
        s.graceful = true;
        s.deadline = s.loop.now() + config_->process.shutdown_timeout;
        s.http->begin_shutdown();
        s.proxy->begin_shutdown();
      }
      break;
    case WorkerCommand::Kind::kStop:
      s.stop_now = true;
      break;
    case WorkerCommand::Kind::kReopenLogs:
      s.log.reopen();
      s.http->reopen_logs();
      break;
    case WorkerCommand::Kind::kTicketKeys:
      s.tls->set_ticket_keys(cmd.ticket_keys);
      break;
    case WorkerCommand::Kind::kNone:
      break;
  }
}

void Worker::serve() {
  Loop& s = *loop_;
  const bool busy = backend_.busy_polls();
  const Duration max_block = Duration::millis(500);
  for (;;) {
    Instant now = s.loop.update_time();
    s.http->update_date(wall_clock_seconds());
    while (auto cmd = mailbox_.pop()) handle(*cmd);
    if (s.stop_now) break;
    // Graceful stop: every request answered, and the transport has delivered what it was given.
    if (s.graceful && ((s.http->active_connections() == 0 && s.tls->draining() == 0 && s.transport->idle()) ||
                       now >= s.deadline))
      break;

    Duration wait = Duration::zero();
    if (!busy && !s.loop.has_deferred()) {
      Instant next = std::min(s.loop.timers().next_deadline(), s.transport->next_deadline());
      if (s.graceful) next = std::min(next, s.deadline);
      wait = next <= now ? Duration::zero() : std::min(next - now, max_block);
    }
    s.transport->poll(wait);
    s.loop.update_time();
    s.loop.run_due();
  }
  if (s.graceful && s.http->active_connections() != 0)
    s.log.log(LogLevel::kWarn, "shutdown timeout: closing %zu connections", s.http->active_connections());
}

}  // namespace sluice::server
