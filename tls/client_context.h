// The client side of TLS, for proxy_pass = "https://...": one OpenSSL context per location, built
// by a worker for one config snapshot (never per request), and the client-role TlsConnection it
// wraps around each new upstream connection.
//
//   auto cc = ClientContext::build(location.proxy.ssl, &err);        // at config load
//   SslPtr ssl = cc->new_ssl(&err);                                  // per upstream connection,
//   auto tcp = transport.connect(peer, me, &err);                    // then
//   auto tls = wrap_client(rt, cc, std::move(ssl), std::move(tcp), timeout);
//   tls->set_handler(&me);   // on_connected() once the handshake (and verification) is done
//
// The context allows TLS 1.2 and 1.3 only (RFC 8996), verifies the server's chain against
// proxy_ssl_trusted_certificate and its name against proxy_ssl_name (RFC 6125 6), sends SNI
// (RFC 6066 3) and presents the client certificate when configured. Sessions are resumed per
// server address (RFC 8446 2.2, RFC 5077), each one used once (RFC 8446 C.4).
//
// A context belongs to one worker (its session cache is touched by that worker only).
#pragma once
#include <map>
#include <memory>
#include <string>

#include "conf/config.h"
#include "tls/connection.h"
#include "tls/openssl_util.h"
#include "transport/address.h"

namespace sluice::tls {

class ClientContext {
 public:
  // nullptr and `err` ("FILE: what is wrong") on failure.
  static std::unique_ptr<ClientContext> build(const conf::ProxySslConfig& cfg, std::string* err);

  // A new client-role SSL to `peer` with this context's name settings, resuming the last session
  // `peer` gave when there is one; nullptr and `err` on failure.
  SslPtr new_ssl(const transport::Address& peer, std::string* err) const;
  const conf::ProxySslConfig& config() const { return cfg_; }
  SSL_CTX* ctx() const { return ctx_.get(); }

 private:
  struct SessionFree { void operator()(SSL_SESSION* s) const { SSL_SESSION_free(s); } };
  using SessionPtr = std::unique_ptr<SSL_SESSION, SessionFree>;

  explicit ClientContext(const conf::ProxySslConfig& cfg) : cfg_(cfg) {}
  static int on_new_session(SSL* ssl, SSL_SESSION* session);
  bool configure_verification(std::string* err);
  bool load_client_certificate(std::string* err);

  conf::ProxySslConfig cfg_;
  SslCtxPtr ctx_;
  // The newest session per server address: one entry per server the location uses. Map nodes
  // stay put, so an SSL's app data points at its server's slot.
  mutable std::map<transport::Address, SessionPtr> sessions_;
};

// `inner` (an active open, maybe still connecting) wrapped in a started client-role TlsConnection
// over `ssl` (from cc->new_ssl()): its ClientHello goes out once `inner` reports on_connected().
// The connection keeps `cc` alive.
std::unique_ptr<TlsConnection> wrap_client(TlsRuntime& rt, std::shared_ptr<const ClientContext> cc, SslPtr ssl,
                                           std::unique_ptr<transport::Connection> inner, Duration handshake_timeout);

}  // namespace sluice::tls
