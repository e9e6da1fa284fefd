// [[server]] and its [[server.location]]s.
#include <algorithm>
#include <charconv>
#include <filesystem>

#include "conf/sections.h"

namespace sluice::conf::detail {
namespace {

constexpr Duration kMaxExpires = Duration::seconds(3650ll * 86400);  // ten years

// A status code written as text ("404"), within lo..hi.
std::optional<int> parse_status(std::string_view text, int lo, int hi) {
  int code = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), code);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (code < lo || code > hi) return std::nullopt;
  return code;
}

// error_page = { 404 = "/404.html", 500 = "/50x.html" }
void read_error_pages(TableReader& r, std::map<int, std::string>& out) {
  const toml::node* node = r.get("error_page");
  if (!node) return;
  const toml::table* table = node->as_table();
  if (!table) {
    r.diag().error(pos_of(*node), r.name("error_page") + ": expected a table of status = URI such as "
                                      "{ 404 = \"/404.html\" }, got " + describe(*node));
    return;
  }
  for (const auto& [key, value] : *table) {
    std::string name = r.name("error_page") + "." + std::string(key.str());
    auto code = parse_status(key.str(), 300, 599);
    if (!code) {
      r.diag().error(pos_of(key), name + ": expected a status code 300..599 as the key, got \"" +
                                      std::string(key.str()) + "\"");
      continue;
    }
    auto uri = to_string(value, name, r.diag());
    if (!uri) continue;
    if (uri->front() != '/') {
      r.diag().error(pos_of(value), name + ": expected a URI starting with \"/\", got " + describe(value));
      continue;
    }
    out[*code] = *uri;
  }
}

// Why `addr` can never receive traffic with this network setup, or "".
std::string unreachable_listen(const transport::Address& addr, const Config& config) {
  if (config.network.backend != Backend::kDpdk || config.dpdk.address == 0) return "";
  if (addr.family != transport::Address::Family::kIpv4) return "the dpdk backend speaks IPv4 only";
  if (addr.is_any() || addr.ipv4_host() == config.dpdk.address) return "";
  auto own = transport::Address::ipv4(config.dpdk.address, addr.port);
  return "with backend = \"dpdk\" this host's only address is " + own.ip_string() + " (dpdk.address); listen on \"" +
         own.to_string() + "\" or \"*:" + std::to_string(addr.port) + "\"";
}

// listen = ["127.0.0.1:8080", "[::1]:8080", "*:80", "80"] (a bare integer port works too).
void read_listen(TableReader& r, const Config& config, std::vector<transport::Address>& out) {
  const toml::node* node = r.get("listen");
  if (!node) {
    r.diag().error(r.pos(), r.name("listen") + ": missing; a server needs at least one listen address, "
                                               "e.g. listen = [\"127.0.0.1:8080\"]");
    return;
  }
  const toml::array* array = node->as_array();
  if (!array || array->empty()) {
    r.diag().error(pos_of(*node), r.name("listen") + ": expected a non-empty array of addresses such as "
                                      "[\"127.0.0.1:8080\", \"*:80\"], got " + describe(*node));
    return;
  }
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    std::string name = r.name("listen") + "[" + std::to_string(i) + "]";
    std::optional<transport::Address> addr;
    if (item.is_integer()) {
      int64_t port = item.as_integer()->get();
      if (port >= 1 && port <= 65535) addr = transport::Address::ipv4(0, uint16_t(port));
    } else if (item.is_string()) {
      addr = transport::Address::parse(item.as_string()->get());
    }
    if (!addr) {
      r.diag().error(pos_of(item), name + ": expected \"IP:PORT\", \"[IPv6]:PORT\", \"*:PORT\" or \"PORT\" with a port "
                                          "in 1..65535, got " + describe(item));
      continue;
    }
    if (std::find(out.begin(), out.end(), *addr) != out.end()) {
      r.diag().error(pos_of(item), name + ": " + addr->to_string() + " is listed twice");
      continue;
    }
    if (std::string why = unreachable_listen(*addr, config); !why.empty()) {
      r.diag().error(pos_of(item), name + ": " + addr->to_string() + " cannot work: " + why);
      continue;
    }
    out.push_back(*addr);
  }
}

// path = "/static/" (prefix) or "= /exact". Returns whether a valid path was read.
bool read_location_path(TableReader& r, LocationConfig& out) {
  const toml::node* node = r.get("path");
  if (!node) {
    r.diag().error(r.pos(), r.name("path") + ": missing; a location needs a path such as \"/\" or \"= /exact\"");
    return false;
  }
  auto text = to_string(*node, r.name("path"), r.diag());
  if (!text) return false;
  std::string_view p = *text;
  MatchKind match = MatchKind::kPrefix;
  if (p.front() == '=') {
    match = MatchKind::kExact;
    p.remove_prefix(1);
    while (!p.empty() && p.front() == ' ') p.remove_prefix(1);
  }
  if (p.empty() || p.front() != '/') {
    r.diag().error(pos_of(*node), r.name("path") + ": expected a path starting with \"/\" (prefix match) or "
                                      "\"= /path\" (exact match), got " + describe(*node));
    return false;
  }
  out.path = std::string(p);
  out.match = match;
  return true;
}

// root or alias: a path that must exist now and be a directory (an exact-match alias may be a file).
void read_content_dir(TableReader& r, const LoadContext& ctx, std::string_view key, bool file_ok,
                      std::optional<std::string>& out) {
  std::string path;
  if (!r.read_string(key, path)) return;
  std::string resolved = resolve_path(ctx.base_dir, path);
  std::error_code ec;
  auto status = std::filesystem::status(resolved, ec);
  std::string problem;
  if (!std::filesystem::exists(status))
    problem = ec && ec != std::errc::no_such_file_or_directory ? ec.message() : "does not exist";
  else if (!std::filesystem::is_directory(status) && !(file_ok && std::filesystem::is_regular_file(status)))
    problem = "is not a directory";
  if (!problem.empty()) {
    r.diag().error(pos_of(*r.get(key)), r.name(key) + ": " + resolved + " " + problem);
    return;
  }
  out = std::move(resolved);
}

// True when every '$' in `item` starts "$uri".
bool only_uri_variable(std::string_view item) {
  for (size_t i = item.find('$'); i != std::string_view::npos; i = item.find('$', i + 1)) {
    if (item.substr(i, 4) != "$uri") return false;
  }
  return true;
}

// try_files = ["$uri", "$uri/", "/index.html", "=404"]: URIs or variables, and "=CODE" only last.
void read_try_files(TableReader& r, std::vector<std::string>& out) {
  std::vector<std::string> items;
  if (!r.read_strings("try_files", items, /*allow_empty=*/false)) return;
  const toml::array& array = *r.get("try_files")->as_array();
  bool ok = true;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string& item = items[i];
    std::string name = r.name("try_files") + "[" + std::to_string(i) + "]";
    std::string problem;
    if (item.front() == '=') {
      if (i + 1 != items.size())
        problem = "\"=CODE\" must be the last element";
      else if (!parse_status(std::string_view(item).substr(1), 200, 599))
        problem = "expected \"=CODE\" with a status code 200..599";
    } else if (item.front() != '/' && item.front() != '$') {
      problem = "expected a URI starting with \"/\", a variable such as \"$uri\", or a final \"=CODE\"";
    } else if (!only_uri_variable(item)) {
      problem = "the only variable try_files knows is $uri";
    }
    if (!problem.empty()) {
      r.diag().error(pos_of(*array.get(i)), name + ": " + problem + ", got " + describe(*array.get(i)));
      ok = false;
    }
  }
  if (ok) out = std::move(items);
}

// Where content comes from: root, alias, or proxy_pass.
void check_content_source(TableReader& r) {
  if (r.get("root") && r.get("alias")) {
    r.diag().error(pos_of(*r.get("alias")), r.name("alias") + ": `root` and `alias` cannot both be set; root maps "
                                                "a request to root + URI, alias to alias + (URI minus path)");
    return;
  }
  if (!r.get("root") && !r.get("alias") && !r.get("proxy_pass"))
    r.diag().error(r.pos(), r.table_name() +
                                ": a location needs `root`, `alias` or `proxy_pass` to say where its content comes from");
}

// Returns whether the location's path is valid (so it can take part in the duplicate check).
bool load_location(TableReader& r, const LoadContext& ctx, LocationConfig& out) {
  bool path_ok = read_location_path(r, out);
  bool exact = out.match == MatchKind::kExact;
  read_content_dir(r, ctx, "root", false, out.root);
  read_content_dir(r, ctx, "alias", exact, out.alias);
  out.index = {"index.html"};
  r.read_strings("index", out.index);
  r.read_bool("autoindex", out.autoindex);
  read_try_files(r, out.try_files);
  r.read_bool("allow_symlinks", out.allow_symlinks);
  r.read_bool("gzip_static", out.gzip_static);
  r.read_int("max_ranges", out.max_ranges, 0, 1024);
  r.read_string("cache_control", out.cache_control);
  r.read_duration("expires", out.expires, Duration::zero(), kMaxExpires);
  read_error_pages(r, out.error_page);
  read_proxy_keys(r, ctx, out);  // proxy_pass and proxy_* (conf/proxy_keys.cc)
  check_content_source(r);
  return path_ok;
}

// A location path already used in this server, with the line of its [[server.location]].
struct SeenPath {
  MatchKind match;
  std::string path;
  int line;
};

// Each (match, path) once per server.
void check_duplicate_path(TableReader& r, const std::vector<SeenPath>& seen, const LocationConfig& loc) {
  for (const SeenPath& s : seen) {
    if (s.path != loc.path || s.match != loc.match) continue;
    r.diag().error(pos_of(*r.get("path")), r.name("path") + ": \"" + (loc.match == MatchKind::kExact ? "= " : "") +
                                               loc.path + "\" is already a location of this server (line " +
                                               std::to_string(s.line) + ")");
    return;
  }
}

void read_locations(TableReader& r, const LoadContext& ctx, std::vector<LocationConfig>& out) {
  const toml::array* array = r.read_table_array("location");
  if (!array) {
    if (!r.get("location"))
      r.diag().error(r.pos(), r.name("location") + ": missing; a server needs at least one [[server.location]]");
    return;
  }
  if (array->empty()) {
    r.diag().error(pos_of(*array), r.name("location") + ": a server needs at least one [[server.location]]");
    return;
  }
  std::vector<SeenPath> seen;
  for (size_t i = 0; i < array->size(); ++i) {
    TableReader lr(*array->get(i)->as_table(), r.name("location") + "[" + std::to_string(i) + "]", r.diag());
    LocationConfig loc;
    bool path_ok = load_location(lr, ctx, loc);
    lr.check_unknown_keys();
    if (path_ok) {
      check_duplicate_path(lr, seen, loc);
      seen.push_back({loc.match, loc.path, lr.pos().line});
    }
    out.push_back(std::move(loc));
  }
}

}  // namespace

void load_server(TableReader& r, const LoadContext& ctx, const Config& config, ServerConfig& out) {
  out.file = ctx.diag.file();
  out.line = r.pos().line;
  read_listen(r, config, out.listen);
  r.read_strings("server_name", out.server_name);
  r.read_string("access_log", out.access_log);  // made absolute in load.cc
  read_error_pages(r, out.error_page);
  read_locations(r, ctx, out.locations);
  if (const toml::table* tls = r.read_table("tls")) {
    TableReader tr(*tls, r.name("tls"), r.diag());
    detail::load_tls(tr, ctx, out.tls.emplace());
    tr.check_unknown_keys();
  }
}

}  // namespace sluice::conf::detail
