// RFC 6066 3 (server_name) and RFC 5077 / RFC 8446 4.6.1 (tickets), per listen address.
#include "tls/context_set.h"

#include <algorithm>
#include <cctype>

#include <openssl/err.h>

namespace sluice::tls {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return out;
}

const ListenerTls* listener_of(SSL* s) { return static_cast<const ListenerTls*>(SSL_get_app_data(s)); }

// RFC 6066 3: switch to the named server's context (its certificates, OCSP and ALPN callbacks);
// an unknown or absent name keeps the address's first server, as nginx does.
int on_server_name(SSL* s, int*, void*) {
  const ListenerTls* l = listener_of(s);
  const char* name = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);
  if (!l || !name) return SSL_TLSEXT_ERR_OK;
  const ServerContext* sc = l->find(name);
  if (!sc) {
    ++l->counters->sni_unknown;
    return SSL_TLSEXT_ERR_OK;
  }
  if (sc->ctx() != SSL_get_SSL_CTX(s) && !SSL_set_SSL_CTX(s, sc->ctx())) return SSL_TLSEXT_ERR_ALERT_FATAL;
  return SSL_TLSEXT_ERR_OK;
}

// Tickets of a listen address are made and opened with its first server's ring, whatever SNI
// chose, so a ticket works on every worker and for every name the address serves.
int on_ticket_key(SSL* s, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac,
                  int enc) {
  const ListenerTls* l = listener_of(s);
  const TicketKeyRing* ring = l ? l->first->ticket_keys() : nullptr;
  if (!ring) return 0;
  int r = ring->ticket_callback(name, iv, cipher, mac, enc == 1);
  // RFC 8446 C.4: a TLS 1.3 client should not use a ticket twice; clients keep the session of
  // their latest connection, so a resumption must hand out a fresh ticket (2: renew) or the next
  // connection falls back to a full handshake.
  if (enc != 1 && r == 1 && SSL_version(s) == TLS1_3_VERSION) return 2;
  return r;
}

}  // namespace

const ServerContext* ListenerTls::find(std::string_view host) const {
  auto it = by_name.find(lower(host));
  return it == by_name.end() ? nullptr : it->second;
}

SslPtr ListenerTls::new_ssl(std::string* err) const {
  ERR_clear_error();
  SslPtr ssl(SSL_new(first->ctx()));
  if (!ssl) {
    *err = "SSL_new: " + take_openssl_error();
    return nullptr;
  }
  SSL_set_app_data(ssl.get(), const_cast<ListenerTls*>(this));
  SSL_set_accept_state(ssl.get());
  return ssl;
}

std::shared_ptr<const ContextSet> ContextSet::build(std::shared_ptr<const conf::Config> config,
                                                   ServerContext::Hooks hooks, std::string* err) {
  auto set = std::make_shared<ContextSet>();
  set->config_ = std::move(config);
  for (const conf::ServerConfig& server : set->config_->servers) {
    if (!server.tls) continue;
    auto sc = ServerContext::build(*server.tls, hooks, err);
    if (!sc) {
      *err = server.file + ":" + std::to_string(server.tls->line) + ": [server.tls]: " + *err;
      return nullptr;
    }
    SSL_CTX_set_tlsext_servername_callback(sc->ctx(), on_server_name);
    if (server.tls->session_tickets) SSL_CTX_set_tlsext_ticket_key_evp_cb(sc->ctx(), on_ticket_key);
    for (const transport::Address& addr : server.listen) {
      ListenerTls& l = set->listeners_[addr];
      if (!l.first) {
        l.first = sc.get();
        l.counters = hooks.counters;
      }
      for (const std::string& name : server.server_name) l.by_name.emplace(lower(name), sc.get());
    }
    set->servers_.push_back(std::move(sc));
  }
  return set;
}

const ListenerTls* ContextSet::listener(const transport::Address& addr) const {
  auto it = listeners_.find(addr);
  return it == listeners_.end() ? nullptr : &it->second;
}

}  // namespace sluice::tls
