#include "proxy/vars.h"

namespace sluice::proxy {
namespace {
bool is_var_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

// "$http_x_forwarded_for" names the field X-Forwarded-For: '_' stands for '-'.
std::string_view field_for(std::string_view var, std::string& buf) {
  buf.assign(var);
  for (char& c : buf) {
    if (c == '_') c = '-';
  }
  return buf;
}
}  // namespace

std::string forwarded_for(const http::Request& req, std::string_view remote_addr) {
  std::string out;
  for (const http::Header& h : req.headers) {  // several fields are one list (RFC 9110 5.3)
    if (!http::iequals(h.name, "X-Forwarded-For") || h.value.empty()) continue;
    if (!out.empty()) out += ", ";
    out += h.value;
  }
  if (!remote_addr.empty()) {
    if (!out.empty()) out += ", ";
    out += remote_addr;
  }
  return out;
}

std::string variable(std::string_view name, const VarContext& ctx) {
  const http::Request& r = ctx.request;
  if (name == "request_uri") {
    if (!r.parsed.absolute_form) return std::string(r.target);
    std::string uri(r.parsed.raw_path);
    if (!r.parsed.query.empty()) uri.append("?").append(r.parsed.query);
    return uri;
  }
  if (name == "uri") return r.parsed.path;
  if (name == "args") return std::string(r.parsed.query);
  if (name == "remote_addr") return std::string(ctx.remote_addr);
  if (name == "host") return r.host;
  if (name == "scheme") return std::string(ctx.scheme);
  if (name == "request_method") return http::to_string(r.method);
  if (name == "proxy_host") return std::string(ctx.proxy_host);
  if (name == "proxy_add_x_forwarded_for") return forwarded_for(r, ctx.remote_addr);
  if (name.starts_with("http_")) {
    std::string buf;
    return std::string(r.header(field_for(name.substr(5), buf)));
  }
  return "";
}

std::string expand(std::string_view text, const VarContext& ctx) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') {
      out += text[i];
      continue;
    }
    size_t end = i + 1;
    while (end < text.size() && is_var_char(text[end])) ++end;
    if (end == i + 1) {
      out += '$';  // not a variable
      continue;
    }
    out += variable(text.substr(i + 1, end - i - 1), ctx);
    i = end - 1;
  }
  return out;
}

}  // namespace sluice::proxy
