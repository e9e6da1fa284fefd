// [[upstream]]: named pools of HTTP servers for proxy_pass, with balancing, passive and active
// health, and keep-alive limits. The runtime state lives in proxy/ (per worker); this only reads
// and validates.
#include <algorithm>

#include "conf/sections.h"

namespace sluice::conf::detail {
namespace {

constexpr Duration ms(int64_t v) { return Duration::millis(v); }
constexpr Duration sec(int64_t v) { return Duration::seconds(v); }

// "IP:PORT", "[IPv6]:PORT", or "IP" (port 80). Wildcards are not a server.
std::optional<transport::Address> parse_server_address(const std::string& text) {
  std::optional<transport::Address> a = transport::Address::parse(text);
  if (!a && text.find(':') == std::string::npos) a = transport::Address::parse(text + ":80");
  if (!a || a->is_any() || a->port == 0) return std::nullopt;
  return a;
}

void read_server(TableReader& r, UpstreamServer& out) {
  const toml::node* addr = r.get("address");
  if (!addr) {
    r.diag().error(r.pos(), r.name("address") + ": missing; a server needs address = \"IP:PORT\"");
  } else if (auto text = to_string(*addr, r.name("address"), r.diag())) {
    if (auto a = parse_server_address(*text)) {
      out.address = *a;
    } else {
      r.diag().error(pos_of(*addr), r.name("address") + ": expected \"IP:PORT\" or \"[IPv6]:PORT\" (no host "
                                        "names: there is no resolver), got " + describe(*addr));
    }
  }
  r.read_int("weight", out.weight, 1, 1000);
  r.read_int("max_fails", out.max_fails, 0, 1000);
  r.read_duration("fail_timeout", out.fail_timeout, Duration::zero(), sec(3600));
  r.read_bool("backup", out.backup);
  r.read_bool("down", out.down);
}

void read_servers(TableReader& r, UpstreamConfig& out) {
  const toml::array* array = r.read_table_array("servers");
  if (!array || array->empty()) {
    if (!r.get("servers") || array)
      r.diag().error(array ? pos_of(*array) : r.pos(),
                     r.name("servers") + ": an upstream needs at least one server, such as servers = "
                                         "[{ address = \"198.18.1.2:8080\" }]");
    return;
  }
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::table& t = *array->get(i)->as_table();
    TableReader sr(t, r.name("servers") + "[" + std::to_string(i) + "]", r.diag());
    UpstreamServer s;
    read_server(sr, s);
    sr.check_unknown_keys();
    for (const UpstreamServer& seen : out.servers) {
      if (seen.address == s.address && s.address.port != 0)
        r.diag().error(pos_of(t), sr.table_name() + ": " + s.address.to_string() + " is listed twice");
    }
    out.servers.push_back(s);
  }
  bool primary = std::any_of(out.servers.begin(), out.servers.end(),
                             [](const UpstreamServer& s) { return !s.backup && !s.down; });
  if (!primary)
    r.diag().error(pos_of(*array), r.name("servers") + ": every server is a backup or down; at least one "
                                                       "primary server must be usable");
}

void read_health_check(TableReader& r, HealthCheckConfig& out) {
  if (r.read_string("path", out.path) && out.path.front() != '/')
    r.diag().error(pos_of(*r.get("path")), r.name("path") + ": expected a path starting with \"/\", got " +
                                               describe(*r.get("path")));
  r.read_string("host", out.host);
  r.read_duration("interval", out.interval, ms(100), sec(3600));
  r.read_duration("timeout", out.timeout, ms(10), sec(3600));
  r.read_int("rise", out.rise, 1, 100);
  r.read_int("fall", out.fall, 1, 100);
  if (out.timeout > out.interval) {
    const toml::node* t = r.get("timeout");
    r.diag().error(t ? pos_of(*t) : r.pos(), r.name("timeout") + ": must not exceed interval (a check "
                                                                 "finishes before the next starts)");
  }
}

// balance = "hash" needs hash = "<key template>", and hash needs balance = "hash".
void read_balance(TableReader& r, UpstreamConfig& out) {
  r.read_choice("balance", out.balance,
                {{"round_robin", Balance::kRoundRobin},
                 {"least_conn", Balance::kLeastConn},
                 {"ip_hash", Balance::kIpHash},
                 {"hash", Balance::kHash}});
  if (r.read_string("hash", out.hash)) {
    if (std::string why = check_template(out.hash); !why.empty())
      r.diag().error(pos_of(*r.get("hash")), r.name("hash") + ": " + why);
  }
  r.read_int("hash_points", out.hash_points, 1, 1000);
  if (out.balance == Balance::kHash && out.hash.empty() && r.get("balance"))
    r.diag().error(pos_of(*r.get("balance")), r.name("balance") + ": \"hash\" needs a key, such as "
                                                                  "hash = \"$request_uri\" or \"$remote_addr\"");
  if (out.balance != Balance::kHash && r.get("hash"))
    r.diag().error(pos_of(*r.get("hash")), r.name("hash") + ": a hash key needs balance = \"hash\"");
}

void load_upstream(TableReader& r, UpstreamConfig& out) {
  out.line = r.pos().line;
  const toml::node* name = r.get("name");
  if (!name) {
    r.diag().error(r.pos(), r.name("name") + ": missing; an upstream needs a name for proxy_pass to use");
  } else if (r.read_string("name", out.name) && !valid_upstream_name(out.name)) {
    r.diag().error(pos_of(*name), r.name("name") + ": expected letters, digits, '_', '-' or '.', got " +
                                      describe(*name));
  }
  read_balance(r, out);
  r.read_int("keepalive", out.keepalive, 0, 100000);
  r.read_duration("keepalive_timeout", out.keepalive_timeout, ms(1), sec(3600));
  r.read_int("keepalive_requests", out.keepalive_requests, 1, 1000000);
  read_servers(r, out);
  if (const toml::table* hc = r.read_table("health_check")) {
    TableReader hr(*hc, r.name("health_check"), r.diag());
    read_health_check(hr, out.health_check.emplace());
    hr.check_unknown_keys();
  }
}

}  // namespace

void load_upstreams(TableReader& top, std::vector<UpstreamConfig>& out) {
  const toml::array* array = top.read_table_array("upstream");
  if (!array) return;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::table& t = *array->get(i)->as_table();
    TableReader r(t, "upstream[" + std::to_string(i) + "]", top.diag());
    UpstreamConfig u;
    load_upstream(r, u);
    r.check_unknown_keys();
    auto same = std::find_if(out.begin(), out.end(), [&](const UpstreamConfig& o) { return o.name == u.name; });
    if (!u.name.empty() && same != out.end())
      r.diag().error(pos_of(*r.get("name")), r.name("name") + ": \"" + u.name +
                                                 "\" is already an upstream (line " + std::to_string(same->line) + ")");
    out.push_back(std::move(u));
  }
}

}  // namespace sluice::conf::detail
