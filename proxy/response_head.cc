#include "proxy/response_head.h"

#include <algorithm>

#include "http/request.h"
#include "proxy/request_head.h"

namespace sluice::proxy {
namespace {
// Written by the session, or replaced by ours.
constexpr std::string_view kSessionFields[] = {"content-length", "date", "server"};

bool is_session_field(std::string_view name) {
  return std::any_of(std::begin(kSessionFields), std::end(kSessionFields),
                     [&](std::string_view f) { return http::iequals(f, name); });
}
}  // namespace

std::string rewrite_redirect(std::string_view value, const conf::LocationConfig& loc) {
  const conf::ProxyConfig& p = loc.proxy;
  if (!p.redirect || p.pass_host) return std::string(value);
  std::string pattern = (p.ssl ? "https://" : "http://") + p.proxy_host + (p.uri ? *p.uri : "/");
  std::string replacement = p.uri ? loc.path : "/";
  if (!value.starts_with(pattern)) return std::string(value);
  return replacement + std::string(value.substr(pattern.size()));
}

http::HeaderList client_fields(const UpstreamFields& fields, int minor_version, const conf::LocationConfig& loc,
                               bool upgrade) {
  const conf::ProxyConfig& conf = loc.proxy;
  std::string conn;
  for (const auto& [name, value] : fields) {
    if (!http::iequals(name, "Connection")) continue;
    if (!conn.empty()) conn += ",";
    conn += value;
  }
  http::HeaderList out;
  std::string via;
  std::string upgrade_value;
  for (const auto& [name, value] : fields) {
    if (upgrade && http::iequals(name, "Upgrade")) {
      upgrade_value = value;
      continue;
    }
    if (is_hop_by_hop(name, conn) || is_session_field(name)) continue;
    if (std::any_of(conf.hide_header.begin(), conf.hide_header.end(),
                    [&](const std::string& h) { return http::iequals(h, name); }))
      continue;
    if (conf.via && http::iequals(name, "Via")) {
      via = value;
      continue;
    }
    if (http::iequals(name, "Location")) {
      out.emplace_back(name, rewrite_redirect(value, loc));
    } else if (http::iequals(name, "Refresh")) {  // "5; url=http://..."
      size_t at = value.find("url=");
      out.emplace_back(name, at == std::string::npos ? value
                                                     : value.substr(0, at + 4) + rewrite_redirect(value.substr(at + 4), loc));
    } else {
      out.emplace_back(name, value);
    }
  }
  if (conf.via) out.emplace_back("Via", (via.empty() ? "" : via + ", ") + "1." + std::to_string(minor_version) + " sluice");
  if (upgrade) {
    out.emplace_back("Upgrade", upgrade_value);
    out.emplace_back("Connection", "upgrade");
  }
  return out;
}

}  // namespace sluice::proxy
