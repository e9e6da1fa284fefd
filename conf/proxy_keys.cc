// A location's proxy_pass and proxy_* keys, and the rule across sections that every proxy_pass
// names an [[upstream]] that exists. Header rules follow RFC 9110 5.1 (field names are tokens).
#include <algorithm>

#include "conf/sections.h"
#include "conf/suggest.h"

namespace sluice::conf::detail {
namespace {

constexpr Duration ms(int64_t v) { return Duration::millis(v); }
constexpr Duration sec(int64_t v) { return Duration::seconds(v); }

// Variables a template may use; "$http_<field>" is any request field.
constexpr std::string_view kVariables[] = {
    "request_uri", "uri", "args", "remote_addr", "host", "scheme", "request_method",
    "proxy_host", "proxy_add_x_forwarded_for"};

bool is_var_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

// RFC 9110 5.6.2: token.
bool is_token(std::string_view s) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           kSpecials.find(c) != std::string_view::npos;
  });
}

// Every proxy key but proxy_pass, so a location without proxy_pass can be told they do nothing.
constexpr std::string_view kProxyKeys[] = {
    "proxy_connect_timeout", "proxy_send_timeout", "proxy_read_timeout", "proxy_next_upstream",
    "proxy_next_upstream_tries", "proxy_set_header", "proxy_hide_header", "proxy_pass_host",
    "proxy_host", "proxy_buffer_size", "via", "proxy_request_buffering", "proxy_websocket", "proxy_redirect",
    "proxy_ssl_verify", "proxy_ssl_trusted_certificate", "proxy_ssl_name", "proxy_ssl_server_name",
    "proxy_ssl_certificate", "proxy_ssl_certificate_key"};

// The host part of an authority: "198.18.1.2:8443" -> "198.18.1.2", "[::1]:443" -> "::1", "app" -> "app".
std::string authority_host(std::string_view a) {
  if (a.starts_with("[")) return std::string(a.substr(1, a.find(']') - 1));
  return std::string(a.substr(0, a.find(':')));
}

// "http[s]://IP:PORT/uri", "http[s]://name/uri", or "name". False after reporting.
bool parse_proxy_pass(TableReader& r, const toml::node& node, const std::string& text, ProxyConfig& out) {
  auto bad = [&](const std::string& why) {
    r.diag().error(pos_of(node), r.name("proxy_pass") + ": " + why + ", got " + describe(node));
    return false;
  };
  std::string_view v = text;
  bool https = v.starts_with("https://");
  if (!https && !v.starts_with("http://")) {
    if (v.find("://") != std::string_view::npos) return bad("only http:// and https:// upstreams are supported");
    if (!valid_upstream_name(v)) return bad("expected an [[upstream]] name or \"http[s]://IP:PORT[/uri]\"");
    out.upstream = text;
    out.proxy_host = text;
    return true;
  }
  v.remove_prefix(https ? 8 : 7);
  size_t slash = v.find('/');
  std::string authority(v.substr(0, slash));
  if (slash != std::string_view::npos) {
    std::string_view uri = v.substr(slash);
    if (std::any_of(uri.begin(), uri.end(), [](char c) { return c <= ' ' || c == 0x7f || c == '#'; }))
      return bad("the URI part must not contain spaces, control characters or '#'");
    out.uri = std::string(uri);
  }
  // RFC 9110 4.2.1 / 4.2.2: the default ports of http and https.
  std::optional<transport::Address> a = transport::Address::parse(authority);
  if (!a && !authority.empty() && authority.find(':') == std::string::npos && authority.front() != '[')
    a = transport::Address::parse(authority + (https ? ":443" : ":80"));
  if (a && !a->is_any() && a->port != 0) {
    out.address = *a;
  } else if (valid_upstream_name(authority) && authority.find_first_not_of("0123456789.") != std::string::npos) {
    out.upstream = authority;
  } else {
    return bad("expected \"http[s]://IP:PORT[/uri]\" (no host names: there is no resolver) or "
               "\"http[s]://<upstream>[/uri]\"");
  }
  out.proxy_host = authority;
  if (https) {
    out.ssl.emplace();
    out.ssl->name = authority_host(authority);  // proxy_ssl_name's default
  }
  return true;
}

// proxy_set_header = { "X-Request-Source" = "edge", "X-Real-IP" = "" }: "" removes the field.
void read_set_header(TableReader& r, ProxyConfig& out) {
  const toml::table* table = r.read_table("proxy_set_header");
  if (!table) return;
  for (const auto& [key, value] : *table) {
    std::string name = r.name("proxy_set_header") + "." + std::string(key.str());
    if (!is_token(key.str())) {
      r.diag().error(pos_of(key), name + ": a field name must be a token (RFC 9110 5.1)");
      continue;
    }
    const toml::value<std::string>* s = value.as_string();
    if (!s) {
      r.diag().error(pos_of(value), name + ": expected a string (\"\" removes the field), got " + describe(value));
      continue;
    }
    const std::string& text = s->get();
    std::string why = std::any_of(text.begin(), text.end(), [](char c) { return (c < ' ' && c != '\t') || c == 0x7f; })
                          ? "control characters are not allowed in a field value"
                          : check_template(text);
    if (!why.empty()) {
      r.diag().error(pos_of(value), name + ": " + why);
      continue;
    }
    out.set_header.emplace_back(std::string(key.str()), text);
  }
}

void read_hide_header(TableReader& r, ProxyConfig& out) {
  if (!r.read_strings("proxy_hide_header", out.hide_header)) return;
  const toml::array& array = *r.get("proxy_hide_header")->as_array();
  for (size_t i = 0; i < out.hide_header.size(); ++i) {
    if (!is_token(out.hide_header[i]))
      r.diag().error(pos_of(*array.get(i)), r.name("proxy_hide_header") + "[" + std::to_string(i) +
                                                "]: a field name must be a token (RFC 9110 5.1)");
  }
}

// proxy_next_upstream = ["error", "timeout", "http_502", "http_503"] or ["off"].
void read_next_upstream(TableReader& r, ProxyConfig& out) {
  static constexpr std::pair<std::string_view, unsigned> kNames[] = {
      {"error", kNextError},           {"timeout", kNextTimeout},   {"invalid_header", kNextInvalidHeader},
      {"http_500", kNextHttp500},      {"http_502", kNextHttp502},  {"http_503", kNextHttp503},
      {"http_504", kNextHttp504},      {"http_429", kNextHttp429},  {"non_idempotent", kNextNonIdempotent},
      {"off", 0}};
  std::vector<std::string> items;
  if (!r.read_strings("proxy_next_upstream", items, /*allow_empty=*/false)) return;
  const toml::array& array = *r.get("proxy_next_upstream")->as_array();
  unsigned bits = 0;
  bool ok = true;
  for (size_t i = 0; i < items.size(); ++i) {
    auto it = std::find_if(std::begin(kNames), std::end(kNames), [&](const auto& n) { return n.first == items[i]; });
    std::string name = r.name("proxy_next_upstream") + "[" + std::to_string(i) + "]";
    if (it == std::end(kNames)) {
      std::vector<std::string_view> names;
      for (const auto& n : kNames) names.push_back(n.first);
      std::string message = name + ": unknown condition " + describe(*array.get(i));
      if (auto hint = suggest(items[i], names)) message += "; did you mean \"" + *hint + "\"?";
      r.diag().error(pos_of(*array.get(i)), message);
      ok = false;
    } else if (it->first == "off" && items.size() > 1) {
      r.diag().error(pos_of(*array.get(i)), name + ": \"off\" cannot be combined with other conditions");
      ok = false;
    }
    if (it != std::end(kNames)) bits |= it->second;
  }
  if (ok) out.next_upstream = bits;
}

void read_tuning(TableReader& r, ProxyConfig& out) {
  r.read_duration("proxy_connect_timeout", out.connect_timeout, ms(1), sec(3600));
  r.read_duration("proxy_send_timeout", out.send_timeout, ms(1), sec(3600));
  r.read_duration("proxy_read_timeout", out.read_timeout, ms(1), sec(3600));
  read_next_upstream(r, out);
  r.read_int("proxy_next_upstream_tries", out.next_upstream_tries, 0, 100);
  r.read_size("proxy_buffer_size", out.buffer_size, 1024, 16ull << 20);
  r.read_bool("via", out.via);
  r.read_bool("proxy_request_buffering", out.request_buffering);
  r.read_bool("proxy_websocket", out.websocket);
  r.read_bool("proxy_redirect", out.redirect);
}

void read_host(TableReader& r, ProxyConfig& out) {
  r.read_bool("proxy_pass_host", out.pass_host);
  std::string host;
  if (!r.read_string("proxy_host", host)) return;
  if (out.pass_host)
    r.diag().error(pos_of(*r.get("proxy_host")), r.name("proxy_host") + ": cannot be combined with "
                                                     "proxy_pass_host = true (which sends the client's Host)");
  else
    out.proxy_host = std::move(host);
}

}  // namespace

bool valid_upstream_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

std::string check_template(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') continue;
    size_t end = i + 1;
    while (end < text.size() && is_var_char(text[end])) ++end;
    std::string_view var = text.substr(i + 1, end - i - 1);
    if (var.empty()) return "'$' must start a variable such as $request_uri";
    bool known = std::find(std::begin(kVariables), std::end(kVariables), var) != std::end(kVariables) ||
                 (var.starts_with("http_") && var.size() > 5);
    if (!known) {
      std::vector<std::string_view> names(std::begin(kVariables), std::end(kVariables));
      std::string message = "unknown variable $" + std::string(var);
      if (auto hint = suggest(var, names)) message += "; did you mean $" + *hint + "?";
      return message;
    }
    i = end - 1;
  }
  return "";
}

void read_proxy_keys(TableReader& r, const LoadContext& ctx, LocationConfig& out) {
  ProxyConfig& p = out.proxy;
  read_tuning(r, p);
  read_set_header(r, p);
  read_hide_header(r, p);
  const toml::node* node = r.get("proxy_pass");
  if (node) {
    Pos at = pos_of(*node);
    p.line = at.line;
    p.col = at.col;
    if (auto text = to_string(*node, r.name("proxy_pass"), r.diag()); text && parse_proxy_pass(r, *node, *text, p))
      out.proxy_pass = *text;
  }
  read_host(r, p);  // after proxy_pass, whose authority is the default
  read_proxy_ssl_keys(r, ctx, p);  // after proxy_pass, which says whether TLS is used
  if (!node) {
    for (std::string_view key : kProxyKeys) {
      if (const toml::node* n = r.get(key))
        r.diag().error(pos_of(*n), r.name(key) + ": has no effect without proxy_pass in this location");
    }
    return;
  }
  for (std::string_view key : {"root", "alias"}) {
    if (r.get(key))
      r.diag().error(pos_of(*r.get(key)), r.name(key) + ": cannot be combined with proxy_pass (content comes "
                                                        "from the upstream)");
  }
}

void check_proxy_targets(Diagnostics& diag, const Config& config) {
  std::vector<std::string_view> names;
  for (const UpstreamConfig& u : config.upstreams) names.push_back(u.name);
  for (size_t s = 0; s < config.servers.size(); ++s) {
    const ServerConfig& server = config.servers[s];
    for (size_t l = 0; l < server.locations.size(); ++l) {
      const ProxyConfig& p = server.locations[l].proxy;
      if (p.upstream.empty() || std::find(names.begin(), names.end(), p.upstream) != names.end()) continue;
      std::string message = "server[" + std::to_string(s) + "].location[" + std::to_string(l) +
                            "].proxy_pass: no [[upstream]] named \"" + p.upstream + "\"";
      if (auto hint = suggest(p.upstream, names)) message += "; did you mean \"" + *hint + "\"?";
      diag.error(Pos{p.line, p.col}, message);
    }
  }
}

}  // namespace sluice::conf::detail
