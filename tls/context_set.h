// The TLS contexts of one config snapshot on one worker: a ServerContext per server with
// [server.tls], and per listen address the servers SNI chooses among.
//
// A listen address's first server (config order, as the router's default) answers when SNI is
// absent or names no server here (RFC 6066 3 lets the server go on), and its settings govern what
// is fixed before SNI is seen: sessions, tickets and the handshake timeout. Connections hold the
// set they were accepted under (TlsConnection's `keep`), so a reload never changes a handshake in
// progress.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.h"
#include "tls/context.h"
#include "transport/address.h"

namespace sluice::tls {

struct ListenerTls {
  const ServerContext* first = nullptr;
  std::map<std::string, const ServerContext*, std::less<>> by_name;  // lower-case server_name
  TlsCounters* counters = nullptr;

  // The server whose certificate answers SNI `host` (case-insensitive), or nullptr.
  const ServerContext* find(std::string_view host) const;
  // A server-side SSL for a connection accepted on this address. nullptr and `err` on failure.
  SslPtr new_ssl(std::string* err) const;
  Duration handshake_timeout() const { return first->config().handshake_timeout; }
};

class ContextSet {
 public:
  // Contexts for every server with [server.tls] in `config`. nullptr and `err` on failure.
  static std::shared_ptr<const ContextSet> build(std::shared_ptr<const conf::Config> config,
                                                 ServerContext::Hooks hooks, std::string* err);
  // The TLS of a listen address, or nullptr when it speaks plain TCP.
  const ListenerTls* listener(const transport::Address& addr) const;
  size_t server_count() const { return servers_.size(); }

 private:
  std::shared_ptr<const conf::Config> config_;
  std::vector<std::unique_ptr<ServerContext>> servers_;
  std::map<transport::Address, ListenerTls> listeners_;
};

}  // namespace sluice::tls
