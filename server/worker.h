// One worker: a thread pinned to its core, with its own event loop, transport and HTTP server.
// It shares nothing with other workers; the engine talks to it only through its mailbox.
#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "conf/config.h"
#include "core/mailbox.h"
#include "server/backend.h"
#include "tls/ticket_keys.h"

namespace sluice::server {

struct WorkerCommand {
  enum class Kind { kNone, kReload, kGracefulStop, kStop, kReopenLogs, kTicketKeys };
  Kind kind = Kind::kNone;
  std::shared_ptr<const conf::Config> config;  // for kReload
  std::shared_ptr<const tls::TicketKeyRing> ticket_keys;  // for kTicketKeys: the engine's new ring
};

class Worker {
 public:
  // `ticket_keys`: the engine's TLS session ticket key ring, shared read-only by every worker.
  Worker(unsigned id, Backend& backend, std::shared_ptr<const conf::Config> config,
         std::shared_ptr<const tls::TicketKeyRing> ticket_keys);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Starts the thread; it reports readiness (or an error) before serving.
  void start();
  // Blocks until the worker has set up (true) or failed (false, `err`).
  bool wait_ready(std::string* err);
  // Engine side: queue a command and wake the worker.
  void send(WorkerCommand cmd);
  bool finished() const { return finished_.load(std::memory_order_acquire); }
  void join();
  int exit_code() const { return exit_code_; }

 private:
  void run();
  bool setup(std::string* err);
  void serve();
  void handle(WorkerCommand& cmd);
  void pin_to_cpu();
  void report_ready(bool ok, std::string err);

  unsigned id_;
  Backend& backend_;
  std::shared_ptr<const conf::Config> config_;
  std::shared_ptr<const tls::TicketKeyRing> ticket_keys_;  // the ring at start; later ones come by mail
  Mailbox<WorkerCommand> mailbox_{64};
  std::thread thread_;
  std::atomic<int> ready_{0};  // 0 pending, 1 ready, -1 failed
  std::string setup_error_;
  std::atomic<bool> finished_{false};
  std::atomic<transport::Transport*> transport_{nullptr};
  std::atomic<int> wakers_{0};  // engine threads inside send()'s wake()
  int exit_code_ = 0;
  struct Loop;  // the thread's own state, alive while serve() runs
  Loop* loop_ = nullptr;
};

}  // namespace sluice::server
