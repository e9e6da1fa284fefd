#include "proxy/request_head.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "http/path.h"
#include "proxy/vars.h"

namespace sluice::proxy {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

// RFC 9110 7.6.1 (Connection, Proxy-Connection, Keep-Alive, TE, Transfer-Encoding, Upgrade) and
// 6.6.2 (Trailer). Proxy-* fields are for the proxy itself and never passed on (this also
// drops "Proxy:", the httpoxy vector).
constexpr std::string_view kHopByHop[] = {"connection", "keep-alive", "te", "trailer", "transfer-encoding",
                                          "upgrade"};

// Fields this proxy writes itself: the client's copies are replaced, not forwarded.
constexpr std::string_view kManaged[] = {"host", "content-length", "expect", "x-real-ip",
                                         "x-forwarded-for", "x-forwarded-proto", "via"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return out;
}

bool managed(std::string_view name, const Fields& set) {
  std::string n = lower(name);
  if (std::find(std::begin(kManaged), std::end(kManaged), n) != std::end(kManaged)) return true;
  return std::any_of(set.begin(), set.end(), [&](const auto& f) { return http::iequals(f.first, name); });
}

void put(Fields& fields, std::string_view name, std::string value) {
  for (auto& f : fields) {
    if (http::iequals(f.first, name)) {
      f.second = std::move(value);
      return;
    }
  }
  fields.emplace_back(std::string(name), std::move(value));
}

std::string original_host(const http::Request& req) {
  if (req.parsed.absolute_form) return std::string(req.parsed.authority);  // RFC 9112 3.2.2
  std::string_view h = req.header("Host");
  return h.empty() ? req.host : std::string(h);
}

// Host, the forwarding fields, then proxy_set_header over them ("" removes one).
Fields managed_fields(const RequestHeadInput& in, std::string_view proxy_host) {
  const conf::ProxyConfig& p = in.location.proxy;
  const http::Request& req = in.request;
  Fields f;
  f.emplace_back("Host", p.pass_host ? original_host(req) : std::string(proxy_host));
  if (!in.remote_addr.empty()) f.emplace_back("X-Real-IP", std::string(in.remote_addr));
  if (std::string xff = forwarded_for(req, in.remote_addr); !xff.empty()) f.emplace_back("X-Forwarded-For", xff);
  f.emplace_back("X-Forwarded-Proto", std::string(in.scheme));
  if (p.via) {
    std::string via(req.header("Via"));
    f.emplace_back("Via", (via.empty() ? "" : via + ", ") + "1.1 sluice");  // RFC 9110 7.6.3
  }
  VarContext vars{req, in.remote_addr, in.scheme, proxy_host};
  for (const auto& [name, value] : p.set_header) put(f, name, expand(value, vars));
  std::erase_if(f, [](const auto& field) { return field.second.empty(); });
  return f;
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

std::string connection_tokens(const std::vector<http::Header>& headers) {
  std::string out;
  for (const http::Header& h : headers) {
    if (!http::iequals(h.name, "Connection")) continue;
    if (!out.empty()) out += ",";
    out += lower(h.value);
  }
  return out;
}

bool is_hop_by_hop(std::string_view name, std::string_view connection) {
  std::string n = lower(name);
  if (std::find(std::begin(kHopByHop), std::end(kHopByHop), n) != std::end(kHopByHop)) return true;
  if (n.starts_with("proxy-") || n == "proxy") return true;
  return !connection.empty() && http::list_has_token(connection, n);  // RFC 9110 7.6.1
}

std::string upstream_target(const http::Request& req, const conf::LocationConfig& loc) {
  const auto& t = req.parsed;
  std::string query = t.query.empty() ? "" : "?" + std::string(t.query);
  if (!loc.proxy.uri) {
    if (!t.absolute_form) return std::string(req.target);
    return std::string(t.raw_path.empty() ? "/" : t.raw_path) + query;
  }
  const std::string& path = t.path;
  std::string rest;
  if (loc.match == conf::MatchKind::kPrefix && path.starts_with(loc.path)) rest = path.substr(loc.path.size());
  return http::percent_encode_path(*loc.proxy.uri + rest) + query;
}

bool wants_websocket(const http::Request& req) {
  if (req.method != http::Method::kGet || req.minor_version < 1) return false;
  std::string conn = connection_tokens(req.headers);
  return http::list_has_token(conn, "upgrade") && http::list_has_token(req.header("Upgrade"), "websocket");
}

std::string build_request_head(const RequestHeadInput& in) {
  const http::Request& req = in.request;
  const conf::ProxyConfig& p = in.location.proxy;
  Fields mine = managed_fields(in, p.proxy_host);
  std::string out;
  out.reserve(512);
  out.append(http::to_string(req.method)).append(" ").append(upstream_target(req, in.location)).append(" HTTP/1.1\r\n");
  for (const auto& [name, value] : mine) {
    if (http::iequals(name, "Host")) append_field(out, name, value);
  }
  std::string conn = connection_tokens(req.headers);
  for (const http::Header& h : req.headers) {
    if (is_hop_by_hop(h.name, conn) || managed(h.name, p.set_header)) continue;
    append_field(out, h.name, h.value);
  }
  for (const auto& [name, value] : mine) {
    if (!http::iequals(name, "Host")) append_field(out, name, value);
  }
  if (in.framing == BodyFraming::kLength) append_field(out, "Content-Length", std::to_string(in.length));
  if (in.framing == BodyFraming::kChunked) append_field(out, "Transfer-Encoding", "chunked");
  if (in.upgrade) {
    append_field(out, "Upgrade", req.header("Upgrade"));
    append_field(out, "Connection", "upgrade");
  } else if (!in.keep_alive) {
    append_field(out, "Connection", "close");
  }
  out.append("\r\n");
  return out;
}

}  // namespace sluice::proxy
