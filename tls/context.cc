// RFC 8446 / RFC 5246 (versions, suites), RFC 7301 (ALPN), RFC 6066 8 (OCSP status_request),
// RFC 5746 / RFC 8446 4.1.2 (no renegotiation), RFC 8446 2.3 (no 0-RTT), RFC 3749 (no compression).
#include "tls/context.h"

#include <fstream>
#include <iterator>

#include <openssl/err.h>

namespace sluice::tls {
namespace {

int no_passphrase(char*, int, int, void*) { return -1; }

// RFC 7301 3.2: the server picks from the client's list; with nothing in common it answers with
// the fatal no_application_protocol alert.
int on_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen,
            void* arg) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kHttp11, sizeof kHttp11, in, inlen) == OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  ++static_cast<const ServerContext*>(arg)->counters().alpn_refused;
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

// RFC 6066 8: staple the response for the certificate OpenSSL chose, when the client asked.
int on_status_request(SSL* s, void* arg) {
  const auto* sc = static_cast<const ServerContext*>(arg);
  const std::string* der = sc->ocsp_response(SSL_get_certificate(s));
  if (!der) return SSL_TLSEXT_ERR_NOACK;
  auto* copy = static_cast<unsigned char*>(OPENSSL_memdup(der->data(), der->size()));
  if (!copy) return SSL_TLSEXT_ERR_NOACK;
  SSL_set_tlsext_status_ocsp_resp(s, copy, long(der->size()));  // OpenSSL frees it
  ++sc->counters().ocsp_stapled;
  return SSL_TLSEXT_ERR_OK;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return !f.bad();
}

}  // namespace

std::unique_ptr<ServerContext> ServerContext::build(const conf::TlsConfig& cfg, Hooks hooks, std::string* err) {
  std::unique_ptr<ServerContext> sc(new ServerContext(cfg, hooks));
  ERR_clear_error();
  sc->ctx_.reset(SSL_CTX_new(TLS_server_method()));
  if (!sc->ctx_) {
    *err = "SSL_CTX_new: " + take_openssl_error();
    return nullptr;
  }
  if (!sc->configure_protocols(err) || !sc->load_certificates(err) || !sc->configure_sessions(err)) return nullptr;
  SSL_CTX_set_alpn_select_cb(sc->ctx(), on_alpn, sc.get());
  if (!sc->ocsp_.empty()) {
    SSL_CTX_set_tlsext_status_cb(sc->ctx(), on_status_request);
    SSL_CTX_set_tlsext_status_arg(sc->ctx(), sc.get());
  }
  return sc;
}

bool ServerContext::configure_protocols(std::string* err) {
  SSL_CTX* c = ctx();
  SSL_CTX_set_min_proto_version(c, cfg_.tls1_2 ? TLS1_2_VERSION : TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(c, cfg_.tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
  uint64_t opts = SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF;
  if (cfg_.prefer_server_ciphers) opts |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  if (!cfg_.session_tickets) opts |= SSL_OP_NO_TICKET;
  SSL_CTX_set_options(c, opts);
  // Idle keep-alive connections give their 16 KiB read/write buffers back.
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_max_early_data(c, 0);
  SSL_CTX_set_recv_max_early_data(c, 0);
  if (SSL_CTX_set_cipher_list(c, cfg_.ciphers.c_str()) != 1 ||
      SSL_CTX_set_ciphersuites(c, cfg_.ciphersuites.c_str()) != 1 ||
      SSL_CTX_set1_groups_list(c, cfg_.groups.c_str()) != 1) {
    *err = "ciphers: " + take_openssl_error();
    return false;
  }
  SSL_CTX_set_dh_auto(c, 1);  // DHE suites: RFC 7919 groups sized to the certificate's key
  return true;
}

bool ServerContext::load_certificates(std::string* err) {
  SSL_CTX* c = ctx();
  SSL_CTX_set_default_passwd_cb(c, no_passphrase);
  for (const conf::TlsCertificate& cert : cfg_.certificates) {
    ERR_clear_error();
    // Each pair fills the slot of its key type; the chain goes with the certificate just loaded.
    if (SSL_CTX_use_certificate_chain_file(c, cert.cert.c_str()) != 1) {
      *err = cert.cert + ": " + take_openssl_error();
      return false;
    }
    if (SSL_CTX_use_PrivateKey_file(c, cert.key.c_str(), SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(c) != 1) {
      *err = cert.key + ": " + take_openssl_error();
      return false;
    }
    if (cert.ocsp_stapling_file) {
      std::string der;
      if (!read_file(*cert.ocsp_stapling_file, der) || der.empty()) {
        *err = *cert.ocsp_stapling_file + ": cannot be read";
        return false;
      }
      ocsp_.emplace_back(SSL_CTX_get0_certificate(c), std::move(der));
    }
  }
  return true;
}

bool ServerContext::configure_sessions(std::string* err) {
  SSL_CTX* c = ctx();
  // One context for every server: tickets and cached sessions are told apart by their keys and
  // the SNI check OpenSSL makes on resumption (RFC 6066 3), not by this.
  static const unsigned char kSessionContext[] = "sluice";
  SSL_CTX_set_session_id_context(c, kSessionContext, sizeof kSessionContext - 1);
  SSL_CTX_set_timeout(c, long(cfg_.session_timeout.us / 1000000));
  if (cfg_.session_cache > 0) {
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(c, long(cfg_.session_cache));
  } else {
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
  }
  if (cfg_.session_tickets && cfg_.ticket_key_file) {
    file_keys_ = TicketKeyRing::load_file(*cfg_.ticket_key_file, err);
    if (!file_keys_) return false;
  }
  return true;
}

const TicketKeyRing* ServerContext::ticket_keys() const {
  if (!cfg_.session_tickets) return nullptr;
  if (file_keys_) return file_keys_.get();
  return hooks_.worker_keys ? hooks_.worker_keys->current.get() : nullptr;
}

const std::string* ServerContext::ocsp_response(const X509* cert) const {
  for (const auto& [c, der] : ocsp_)
    if (c == cert) return &der;
  return nullptr;
}

}  // namespace sluice::tls
