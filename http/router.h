// Request routing, built once per config snapshot: listen address -> virtual servers -> Host
// (exact server_name, else the first server on that address) -> location (exact "= /x" first, then
// the longest prefix) -> the ContentHandler a module registered for it at build time.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.h"
#include "http/access_log.h"
#include "http/handler.h"
#include "transport/address.h"

namespace sluice::http {

struct RouteLocation {
  const conf::LocationConfig* conf = nullptr;
  std::unique_ptr<ContentHandler> handler;
  std::map<int, std::string> error_pages;  // the location's error_page merged over the server's
};

struct VirtualServer {
  const conf::ServerConfig* conf = nullptr;
  AccessLog* access_log = nullptr;         // null: "off"
  std::vector<RouteLocation> exact;        // "= /x"
  std::vector<RouteLocation> prefix;       // longest first
  // Exact match first, then the longest prefix; nullptr when nothing matches.
  const RouteLocation* match(std::string_view path) const;
};

// The virtual servers that share one listen address.
struct ServerGroup {
  transport::Address address;
  std::vector<const VirtualServer*> servers;             // config order; [0] is the default
  std::map<std::string, const VirtualServer*, std::less<>> by_name;  // lowercased names
  const VirtualServer& select(std::string_view host) const;
};

// Resolves an access_log path to an open log (the worker's AccessLogSet).
using AccessLogResolver = std::function<AccessLog*(const std::string& path, std::string* err)>;

class Router {
 public:
  // nullptr and *err when a module refuses a location or a log cannot be opened.
  static std::unique_ptr<Router> build(const conf::Config& config, const ModuleRegistry& modules,
                                       const AccessLogResolver& logs, std::string* err);
  const std::vector<ServerGroup>& groups() const { return groups_; }
  // The group for a listen address, or nullptr.
  const ServerGroup* group(const transport::Address& listen) const;

 private:
  std::vector<std::unique_ptr<VirtualServer>> servers_;
  std::vector<ServerGroup> groups_;
};

}  // namespace sluice::http
