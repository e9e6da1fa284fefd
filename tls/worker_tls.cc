#include "tls/worker_tls.h"

namespace sluice::tls {

TlsWorker::TlsWorker(EventLoop& loop, Logger& log, std::shared_ptr<const TicketKeyRing> ring, Duration drain_timeout)
    : loop_(loop),
      log_(log),
      drain_(loop, drain_timeout),
      scratch_(TlsConnection::kScratchSize),
      keys_{std::move(ring)},
      rt_{loop_, log_, counters_, limit_, drain_, scratch_} {}

std::shared_ptr<const ContextSet> TlsWorker::prepare(std::shared_ptr<const conf::Config> config, std::string* err) {
  return ContextSet::build(std::move(config), ServerContext::Hooks{&counters_, &keys_}, err);
}

std::unique_ptr<transport::Connection> TlsWorker::wrap_accepted(const transport::Address& listen,
                                                                std::unique_ptr<transport::Connection> conn) {
  const ListenerTls* l = current_ ? current_->listener(listen) : nullptr;
  if (!l) return conn;
  std::string err;
  SslPtr ssl = l->new_ssl(&err);
  if (!ssl) {
    ++counters_.handshake_failures;
    uint64_t suppressed = 0;
    if (limit_.allow(loop_.now(), &suppressed)) log_.log(LogLevel::kError, "TLS on %s: %s", listen.to_string().c_str(), err.c_str());
    conn->close();
    return nullptr;
  }
  auto tls = std::make_unique<TlsConnection>(rt_, std::move(conn), std::move(ssl), l->handshake_timeout(), current_);
  tls->start();
  return tls;
}

}  // namespace sluice::tls
