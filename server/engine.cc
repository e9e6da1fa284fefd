#include "server/engine.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <optional>
#include <vector>

#include "conf/load.h"
#include "core/log.h"
#include "server/backend.h"
#include "server/worker.h"
#include "tls/ticket_keys.h"

namespace sluice::server {
namespace {

void write_line(int fd, const std::string& text) {
  if (fd < 0) return;
  std::string line = text + "\n";
  ssize_t n = ::write(fd, line.data(), line.size());
  (void)n;
}

// Settings that only take effect when the engine restarts.
void warn_unreloadable(const conf::Config& old_cfg, const conf::Config& new_cfg, Logger& log) {
  if (old_cfg.process.workers != new_cfg.process.workers || old_cfg.process.cpus != new_cfg.process.cpus)
    log.log(LogLevel::kWarn, "reload: [process] workers/cpus changes take effect after a restart");
  if (old_cfg.network.backend != new_cfg.network.backend)
    log.log(LogLevel::kWarn, "reload: [network] backend changes take effect after a restart");
  if (old_cfg.dpdk.eal_args != new_cfg.dpdk.eal_args || old_cfg.dpdk.address != new_cfg.dpdk.address ||
      old_cfg.dpdk.port != new_cfg.dpdk.port || old_cfg.dpdk.mtu != new_cfg.dpdk.mtu)
    log.log(LogLevel::kWarn, "reload: [dpdk] changes take effect after a restart");
}

// How often generated TLS ticket keys change: the shortest ticket_key_rotation of any server.
Duration ticket_key_period(const conf::Config& cfg) {
  Duration period = conf::TlsConfig{}.ticket_key_rotation;
  bool first = true;
  for (const conf::ServerConfig& s : cfg.servers) {
    if (!s.tls) continue;
    period = first ? s.tls->ticket_key_rotation : std::min(period, s.tls->ticket_key_rotation);
    first = false;
  }
  return period;
}

class Engine {
 public:
  Engine(std::shared_ptr<const conf::Config> cfg)
      : config_(std::move(cfg)),
        log_(config_->process.error_log, config_->process.error_log_level, "engine") {}

  int run(int ready_fd) {
    std::string err;
    backend_ = make_backend(config_->network.backend);
    if (!backend_->init(*config_, log_, &err)) return fail(ready_fd, "backend: " + err);
    auto ring = tls::TicketKeyRing::generate(&err);
    if (!ring) return fail(ready_fd, "tls: " + err);
    ticket_keys_.emplace(std::move(ring), ticket_key_period(*config_), clock_.now());
    if (!start_workers(&err)) return fail(ready_fd, err);
    log_.log(LogLevel::kNotice, "engine serving with %zu workers", workers_.size());
    write_line(ready_fd, "ok");
    int code = signal_loop();
    for (auto& w : workers_) w->join();
    for (auto& w : workers_) code = std::max(code, w->exit_code());
    workers_.clear();
    backend_->shutdown();
    log_.log(LogLevel::kNotice, "engine exiting with status %d", code);
    return code;
  }

 private:
  int fail(int ready_fd, const std::string& err) {
    log_.log(LogLevel::kCrit, "%s", err.c_str());
    write_line(ready_fd, err);
    broadcast(WorkerCommand::Kind::kStop);
    workers_.clear();
    if (backend_) backend_->shutdown();
    return 1;
  }

  bool start_workers(std::string* err) {
    for (unsigned i = 0; i < config_->process.workers; ++i) {
      workers_.push_back(std::make_unique<Worker>(i, *backend_, config_, ticket_keys_->current()));
      workers_.back()->start();
      if (!workers_.back()->wait_ready(err)) {
        *err = "worker " + std::to_string(i) + ": " + *err;
        return false;
      }
    }
    return true;
  }

  void broadcast(WorkerCommand::Kind kind, std::shared_ptr<const conf::Config> cfg = nullptr,
                 std::shared_ptr<const tls::TicketKeyRing> ring = nullptr) {
    for (auto& w : workers_)
      if (!w->finished()) w->send(WorkerCommand{kind, cfg, ring});
  }

  // RFC 8446 4.6.1 / RFC 5077 5.5: ticket keys change on a schedule; every worker gets the new ring.
  void rotate_ticket_keys() {
    std::string err;
    if (auto ring = ticket_keys_->rotate_if_due(clock_.now(), &err))
      broadcast(WorkerCommand::Kind::kTicketKeys, nullptr, std::move(ring));
    else if (!err.empty())
      log_.log(LogLevel::kError, "tls: ticket keys not rotated: %s", err.c_str());
  }

  void reload() {
    auto result = conf::load_file(config_->path);
    if (!result.ok()) {
      for (const auto& e : result.errors)
        log_.log(LogLevel::kError, "reload refused: %s", e.to_string().c_str());
      return;
    }
    std::shared_ptr<const conf::Config> next(std::move(result.config));
    warn_unreloadable(*config_, *next, log_);
    ticket_keys_->set_period(ticket_key_period(*next), clock_.now());
    config_ = next;
    broadcast(WorkerCommand::Kind::kReload, next);
  }

  int signal_loop() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGHUP, SIGTERM, SIGINT, SIGQUIT, SIGUSR1}) sigaddset(&set, s);
    bool stopping = false;
    for (;;) {
      bool all_done = true;
      for (auto& w : workers_) all_done = all_done && w->finished();
      if (all_done) return 0;
      if (!stopping) {
        for (auto& w : workers_) {
          if (w->finished()) {  // a worker quit on its own: stop all so the master restarts us
            log_.log(LogLevel::kCrit, "a worker stopped unexpectedly; stopping the engine");
            broadcast(WorkerCommand::Kind::kStop);
            for (auto& x : workers_) x->join();
            return 1;
          }
        }
      }
      rotate_ticket_keys();
      timespec timeout{0, 100 * 1000 * 1000};
      int sig = sigtimedwait(&set, nullptr, &timeout);
      switch (sig) {
        case SIGHUP: reload(); break;
        case SIGTERM:
        case SIGINT:
          stopping = true;
          log_.log(LogLevel::kNotice, "graceful stop");
          broadcast(WorkerCommand::Kind::kGracefulStop);
          break;
        case SIGQUIT:
          stopping = true;
          log_.log(LogLevel::kNotice, "immediate stop");
          broadcast(WorkerCommand::Kind::kStop);
          break;
        case SIGUSR1:
          log_.reopen();
          broadcast(WorkerCommand::Kind::kReopenLogs);
          break;
        default: break;
      }
    }
  }

  std::shared_ptr<const conf::Config> config_;
  Logger log_;
  MonotonicClock clock_;  // the engine thread's time: ticket key rotation
  std::optional<tls::TicketKeyRotator> ticket_keys_;
  std::unique_ptr<Backend> backend_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace

void block_control_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGHUP, SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGCHLD}) sigaddset(&set, s);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

int run_engine(std::shared_ptr<const conf::Config> config, int ready_fd) {
  // If the master dies, the engine must not serve on unsupervised.
  prctl(PR_SET_PDEATHSIG, SIGQUIT);
  block_control_signals();
  Engine engine(std::move(config));
  int code = engine.run(ready_fd);
  if (ready_fd >= 0) ::close(ready_fd);
  return code;
}

}  // namespace sluice::server
