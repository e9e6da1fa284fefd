// RFC 8446 / RFC 5246 client handshakes; RFC 8996 (no TLS 1.0/1.1); RFC 5280 6 (path validation,
// by OpenSSL); RFC 6125 6 (reference identity: DNS-ID, or iPAddress for an IP literal);
// RFC 6066 3 (server_name: a host name, never an IP literal).
#include "tls/client_context.h"

#include <arpa/inet.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

namespace sluice::tls {
namespace {

int no_passphrase(char*, int, int, void*) { return -1; }

bool is_ip_literal(const std::string& name) {
  unsigned char buf[16];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

}  // namespace

std::unique_ptr<ClientContext> ClientContext::build(const conf::ProxySslConfig& cfg, std::string* err) {
  std::unique_ptr<ClientContext> cc(new ClientContext(cfg));
  ERR_clear_error();
  cc->ctx_.reset(SSL_CTX_new(TLS_client_method()));
  if (!cc->ctx_) {
    *err = "SSL_CTX_new: " + take_openssl_error();
    return nullptr;
  }
  SSL_CTX* c = cc->ctx();
  // RFC 8996: TLS 1.2 at least.
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  // RFC 5746 / RFC 8446 4.1.2: no renegotiation; RFC 3749: no compression. A FIN without
  // close_notify is an end of stream: HTTP/1.1 framing tells a truncated response apart.
  SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);  // idle pooled connections give their buffers back
  // RFC 8446 4.6.1 / RFC 5077: sessions the servers give are kept here, by server, not by OpenSSL.
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(c, on_new_session);
  if (!cc->configure_verification(err) || !cc->load_client_certificate(err)) return nullptr;
  return cc;
}

bool ClientContext::configure_verification(std::string* err) {
  SSL_CTX* c = ctx();
  if (!cfg_.verify) {
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
    return true;
  }
  if (SSL_CTX_load_verify_locations(c, cfg_.trusted_certificate.c_str(), nullptr) != 1) {
    *err = cfg_.trusted_certificate + ": " + take_openssl_error();
    return false;
  }
  // A failed chain or name check aborts the handshake with the reason in SSL_get_verify_result().
  SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(c);
  // RFC 6125 6.4.4: the DNS-ID in subjectAltName (the CN only when there is none, as OpenSSL does);
  // RFC 6125 7.2: no partial-label wildcards ("f*.example.com").
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  int ok = is_ip_literal(cfg_.name) ? X509_VERIFY_PARAM_set1_ip_asc(param, cfg_.name.c_str())
                                    : X509_VERIFY_PARAM_set1_host(param, cfg_.name.c_str(), cfg_.name.size());
  if (ok != 1) {
    *err = "proxy_ssl_name \"" + cfg_.name + "\": " + take_openssl_error();
    return false;
  }
  return true;
}

bool ClientContext::load_client_certificate(std::string* err) {
  if (cfg_.certificate.empty()) return true;
  SSL_CTX* c = ctx();
  SSL_CTX_set_default_passwd_cb(c, no_passphrase);
  if (SSL_CTX_use_certificate_chain_file(c, cfg_.certificate.c_str()) != 1) {
    *err = cfg_.certificate + ": " + take_openssl_error();
    return false;
  }
  if (SSL_CTX_use_PrivateKey_file(c, cfg_.certificate_key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(c) != 1) {
    *err = cfg_.certificate_key + ": " + take_openssl_error();
    return false;
  }
  return true;
}

// A server's new session (TLS 1.3: a NewSessionTicket, any time after the handshake) replaces the
// one kept for it. Returning 1 keeps OpenSSL's reference.
int ClientContext::on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* slot = static_cast<SessionPtr*>(SSL_get_app_data(ssl));
  if (!slot) return 0;
  slot->reset(session);
  return 1;
}

SslPtr ClientContext::new_ssl(const transport::Address& peer, std::string* err) const {
  ERR_clear_error();
  SslPtr ssl(SSL_new(ctx()));
  if (!ssl) {
    *err = "SSL_new: " + take_openssl_error();
    return nullptr;
  }
  SSL_set_connect_state(ssl.get());
  SessionPtr& slot = sessions_[peer];
  SSL_set_app_data(ssl.get(), &slot);
  // RFC 8446 C.4: a ticket is used once; the server's next ones replace it.
  if (slot) SSL_set_session(ssl.get(), slot.get());
  slot.reset();
  // RFC 6066 3: "Literal IPv4 and IPv6 addresses are not permitted in HostName".
  if (cfg_.server_name && !cfg_.name.empty() && !is_ip_literal(cfg_.name) &&
      SSL_set_tlsext_host_name(ssl.get(), cfg_.name.c_str()) != 1) {
    *err = "server name \"" + cfg_.name + "\": " + take_openssl_error();
    return nullptr;
  }
  return ssl;
}

std::unique_ptr<TlsConnection> wrap_client(TlsRuntime& rt, std::shared_ptr<const ClientContext> cc, SslPtr ssl,
                                           std::unique_ptr<transport::Connection> inner, Duration handshake_timeout) {
  auto tls = std::make_unique<TlsConnection>(rt, std::move(inner), std::move(ssl), handshake_timeout, std::move(cc));
  tls->start(/*inner_connected=*/false);
  return tls;
}

}  // namespace sluice::tls
