#include "server/master.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "conf/load.h"
#include "core/log.h"
#include "server/engine.h"
#include "server/pid_file.h"

namespace sluice::server {
namespace {

constexpr Duration kBackoffMin = Duration::seconds(1);
constexpr Duration kBackoffMax = Duration::seconds(30);
constexpr Duration kStableRun = Duration::seconds(30);  // an engine up this long resets the backoff
constexpr Duration kReadyTimeout = Duration::seconds(120);

// Reads the engine's one-line readiness report; empty string on EOF/timeout.
std::string read_ready_line(int fd, Duration timeout) {
  std::string line;
  MonotonicClock clock;
  Instant deadline = clock.now() + timeout;
  while (line.empty() || line.back() != '\n') {
    Duration left = deadline - clock.now();
    if (left <= Duration::zero()) break;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, int(left.millis()) + 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    char buf[512];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, size_t(n));
  }
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

class Master {
 public:
  Master(std::shared_ptr<const conf::Config> cfg)
      : config_(std::move(cfg)),
        log_(config_->process.error_log, config_->process.error_log_level, "master") {}

  int run() {
    std::string err;
    if (!write_pid_file(config_->process.pid_file, &err)) {
      fprintf(stderr, "sluice: %s\n", err.c_str());
      return 1;
    }
    if (!spawn(&err)) {
      fprintf(stderr, "sluice: could not start: %s\n", err.c_str());
      log_.log(LogLevel::kCrit, "could not start: %s", err.c_str());
      remove_pid_file(config_->process.pid_file);
      return 1;
    }
    log_.log(LogLevel::kNotice, "sluice/%s started: master %d, engine %d, %u workers", SLUICE_VERSION,
             int(getpid()), int(engine_), config_->process.workers);
    int code = loop();
    remove_pid_file(config_->process.pid_file);
    log_.log(LogLevel::kNotice, "exit %d", code);
    return code;
  }

 private:
  // Forks the engine and waits for it to report that every worker serves.
  bool spawn(std::string* err) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      *err = std::string("pipe: ") + strerror(errno);
      return false;
    }
    pid_t pid = fork();
    if (pid < 0) {
      *err = std::string("fork: ") + strerror(errno);
      return false;
    }
    if (pid == 0) {
      ::close(fds[0]);
      _exit(run_engine(config_, fds[1]));
    }
    ::close(fds[1]);
    engine_ = pid;
    started_ = clock_.now();
    std::string line = read_ready_line(fds[0], kReadyTimeout);
    ::close(fds[0]);
    if (line == "ok") return true;
    *err = line.empty() ? "the engine exited before it was ready" : line;
    kill(engine_, SIGQUIT);
    waitpid(engine_, nullptr, 0);
    engine_ = -1;
    return false;
  }

  void reload() {
    auto result = conf::load_file(config_->path);
    if (!result.ok()) {
      for (const auto& e : result.errors)
        log_.log(LogLevel::kError, "reload refused, keeping the running configuration: %s", e.to_string().c_str());
      return;
    }
    config_ = std::shared_ptr<const conf::Config>(std::move(result.config));
    log_.log(LogLevel::kNotice, "reloading %s", config_->path.c_str());
    if (engine_ > 0) kill(engine_, SIGHUP);
  }

  void stop(int engine_signal, Duration grace) {
    stopping_ = true;
    hard_deadline_ = clock_.now() + grace;
    if (engine_ > 0) kill(engine_, engine_signal);
  }

  // Reaps the engine; returns true when the master should exit with `*code`.
  bool reap(int* code) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0 || pid != engine_) return false;
    engine_ = -1;
    int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (stopping_) {
      *code = exit_code;
      return true;
    }
    if (WIFSIGNALED(status))
      log_.log(LogLevel::kCrit, "engine killed by signal %d", WTERMSIG(status));
    else
      log_.log(LogLevel::kCrit, "engine exited with status %d", exit_code);
    backoff_ = (clock_.now() - started_ > kStableRun) ? kBackoffMin : std::min(backoff_ * 2, kBackoffMax);
    restart_at_ = clock_.now() + backoff_;
    log_.log(LogLevel::kNotice, "restarting the engine in %lld ms", (long long)backoff_.millis());
    return false;
  }

  int loop() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGHUP, SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGCHLD}) sigaddset(&set, s);
    int code = 0;
    for (;;) {
      if (reap(&code)) return code;
      if (stopping_ && engine_ < 0) return code;
      Instant now = clock_.now();
      if (stopping_ && now >= hard_deadline_ && engine_ > 0) {
        log_.log(LogLevel::kCrit, "engine did not stop in time; killing it");
        kill(engine_, SIGKILL);
      }
      if (!stopping_ && engine_ < 0 && now >= restart_at_) {
        std::string err;
        if (!spawn(&err)) {
          log_.log(LogLevel::kCrit, "engine restart failed: %s", err.c_str());
          backoff_ = std::min(backoff_ * 2, kBackoffMax);
          restart_at_ = clock_.now() + backoff_;
        }
      }
      timespec timeout{0, 200 * 1000 * 1000};
      switch (sigtimedwait(&set, nullptr, &timeout)) {
        case SIGHUP: reload(); break;
        case SIGTERM:
        case SIGINT: stop(SIGTERM, config_->process.shutdown_timeout + Duration::seconds(5)); break;
        case SIGQUIT: stop(SIGQUIT, Duration::seconds(5)); break;
        case SIGUSR1:
          log_.reopen();
          if (engine_ > 0) kill(engine_, SIGUSR1);
          break;
        default: break;
      }
    }
  }

  std::shared_ptr<const conf::Config> config_;
  Logger log_;
  MonotonicClock clock_;
  pid_t engine_ = -1;
  Instant started_{};
  Instant restart_at_{};
  Instant hard_deadline_ = Instant::never();
  Duration backoff_ = kBackoffMin;
  bool stopping_ = false;
};

}  // namespace

int run_master(const std::string& config_path) {
  auto result = conf::load_file(config_path);
  if (!result.ok()) {
    for (const auto& e : result.errors) fprintf(stderr, "%s\n", e.to_string().c_str());
    return 1;
  }
  std::shared_ptr<const conf::Config> cfg(std::move(result.config));
  std::string err;
  if (!ensure_parent_dir(cfg->process.error_log, &err)) {
    fprintf(stderr, "sluice: %s\n", err.c_str());
    return 1;
  }
  for (const auto& s : cfg->servers)
    if (s.access_log != "off" && !ensure_parent_dir(s.access_log, &err)) {
      fprintf(stderr, "sluice: %s\n", err.c_str());
      return 1;
    }
  block_control_signals();
  Master master(std::move(cfg));
  return master.run();
}

}  // namespace sluice::server
