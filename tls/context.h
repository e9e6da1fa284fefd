// One server's OpenSSL context, built by a worker from its [server.tls] for one config snapshot.
//
// Each worker builds its own contexts, so its session cache is its own and no OpenSSL object is
// shared between threads; what workers share is read-only data (the ticket key ring). The context
// carries: the certificates (RSA and ECDSA at once: OpenSSL picks by the client's
// signature_algorithms), protocols and ciphers, ALPN (http/1.1 only), OCSP stapling from a file,
// the session cache, and the options that keep renegotiation, compression and 0-RTT off.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "conf/config.h"
#include "tls/counters.h"
#include "tls/openssl_util.h"
#include "tls/ticket_keys.h"

namespace sluice::tls {

class ServerContext {
 public:
  // The worker's objects the context's callbacks use; they outlive the context.
  struct Hooks {
    TlsCounters* counters = nullptr;
    const TicketKeyHolder* worker_keys = nullptr;  // generated keys, when the file gives none
  };
  // nullptr and `err` ("FILE: what is wrong") on failure.
  static std::unique_ptr<ServerContext> build(const conf::TlsConfig& cfg, Hooks hooks, std::string* err);

  SSL_CTX* ctx() const { return ctx_.get(); }
  const conf::TlsConfig& config() const { return cfg_; }
  // The ring that makes and opens tickets for this server: its ticket_key_file, else the
  // worker's generated ring; nullptr when tickets are off.
  const TicketKeyRing* ticket_keys() const;
  // The DER OCSP response to staple with `cert`, or nullptr.
  const std::string* ocsp_response(const X509* cert) const;
  TlsCounters& counters() const { return *hooks_.counters; }

 private:
  ServerContext(const conf::TlsConfig& cfg, Hooks hooks) : cfg_(cfg), hooks_(hooks) {}
  bool configure_protocols(std::string* err);
  bool load_certificates(std::string* err);
  bool configure_sessions(std::string* err);

  conf::TlsConfig cfg_;
  Hooks hooks_;
  SslCtxPtr ctx_;
  std::vector<std::pair<const X509*, std::string>> ocsp_;  // certificate -> DER response
  std::shared_ptr<const TicketKeyRing> file_keys_;
};

}  // namespace sluice::tls
