// The TLS side of one worker: its contexts for the config snapshot in force, the ticket key ring
// the engine last sent, counters, the failure log limit and the Drain. Created, used and destroyed
// on the worker's thread; it must outlive every TlsConnection it made (destroy the HTTP server,
// run the deferred work, then this).
//
// The worker:
//   tls::TlsWorker tls(loop, log, first_ring, drain_timeout);
//   auto set = tls.prepare(config, &err);        // start and SIGHUP: build, then
//   if (set && http.reload(config, &err)) tls.install(set);   // install only if HTTP took it too
//   http.set_accept_wrapper([&](auto& at, auto c) { return tls.wrap_accepted(at, std::move(c)); });
//   engine's new ring (mailbox): tls.set_ticket_keys(ring);
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "conf/config.h"
#include "core/log.h"
#include "core/loop.h"
#include "tls/connection.h"
#include "tls/context_set.h"
#include "tls/counters.h"
#include "tls/drain.h"
#include "tls/ticket_keys.h"
#include "transport/transport.h"

namespace sluice::tls {

class TlsWorker {
 public:
  TlsWorker(EventLoop& loop, Logger& log, std::shared_ptr<const TicketKeyRing> ring, Duration drain_timeout);
  TlsWorker(const TlsWorker&) = delete;
  TlsWorker& operator=(const TlsWorker&) = delete;

  // Builds the contexts of `config` without putting them in force. nullptr and `err` on failure.
  std::shared_ptr<const ContextSet> prepare(std::shared_ptr<const conf::Config> config, std::string* err);
  // New connections use `set`; existing ones keep theirs.
  void install(std::shared_ptr<const ContextSet> set) { current_ = std::move(set); }
  // Generated ticket keys from now on (tickets under the ring's older keys still open).
  void set_ticket_keys(std::shared_ptr<const TicketKeyRing> ring) { keys_.current = std::move(ring); }

  // An accepted connection on `listen`: wrapped in a started TlsConnection when that address speaks
  // TLS, returned as it is otherwise; nullptr (connection closed) if OpenSSL cannot set it up.
  std::unique_ptr<transport::Connection> wrap_accepted(const transport::Address& listen,
                                                       std::unique_ptr<transport::Connection> conn);

  const TlsCounters& counters() const { return counters_; }
  TlsRuntime& runtime() { return rt_; }
  size_t draining() const { return drain_.size(); }

 private:
  EventLoop& loop_;
  Logger& log_;
  TlsCounters counters_;
  LogRateLimit limit_;
  Drain drain_;
  std::vector<uint8_t> scratch_;
  TicketKeyHolder keys_;
  TlsRuntime rt_;
  std::shared_ptr<const ContextSet> current_;
};

}  // namespace sluice::tls
