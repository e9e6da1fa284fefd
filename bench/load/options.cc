#include "bench/load/options.h"

#include <arpa/inet.h>

#include <cstdlib>
#include <sstream>

namespace sluice::bench {
namespace {

std::optional<uint64_t> parse_uint(const std::string& s, uint64_t max) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + uint64_t(c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

// One option and its value; false with *err set when the value is bad.
bool apply(LoadOptions& o, const std::string& name, const std::string& v, std::string* err) {
  auto bad = [&](const char* what) {
    *err = name + ": " + what + " (got '" + v + "')";
    return false;
  };
  if (name == "--connections" || name == "-c") {
    auto n = parse_uint(v, LoadOptions::kMaxConnections);
    if (!n || *n == 0) return bad("expected 1..60000");
    o.connections = unsigned(*n);
  } else if (name == "--duration" || name == "-d" || name == "--warmup" || name == "--timeout") {
    auto d = parse_duration(v);
    if (!d || *d > LoadOptions::kMaxDuration) return bad("expected a duration up to 1h, e.g. 10s, 500ms");
    (name == "--warmup" ? o.warmup : name == "--timeout" ? o.timeout : o.duration) = *d;
  } else if (name == "--rate" || name == "-R") {
    char* end = nullptr;
    double r = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !(r > 0) || r > 1e9) return bad("expected requests per second > 0");
    o.rate = r;
  } else if (name == "--requests" || name == "-n") {
    auto n = parse_uint(v, uint64_t(1) << 40);
    if (!n || *n == 0) return bad("expected a count > 0");
    o.max_requests = *n;
  } else if (name == "--mode") {
    if (v == "keepalive" || v == "keep-alive") o.mode = ConnMode::kKeepAlive;
    else if (v == "close") o.mode = ConnMode::kClose;
    else return bad("expected keepalive or close");
  } else if (name == "--threads" || name == "--workers" || name == "-t") {
    auto n = parse_uint(v, LoadOptions::kMaxThreads);
    if (!n || *n == 0) return bad("expected 1..64");
    o.threads = unsigned(*n);
  } else if (name == "--eal") {
    o.eal_args = split_words(v);
  } else if (name == "--port") {
    auto n = parse_uint(v, 65535);
    if (!n) return bad("expected a DPDK port id");
    o.port_id = uint16_t(*n);
  } else if (name == "--address") {
    size_t slash = v.find('/');
    auto ip = parse_ipv4(v.substr(0, slash));
    auto len = slash == std::string::npos ? std::optional<uint64_t>(24) : parse_uint(v.substr(slash + 1), 32);
    if (!ip || !len || *len == 0) return bad("expected IPv4/prefix, e.g. 198.18.0.1/24");
    o.address = *ip;
    o.prefix_len = uint8_t(*len);
  } else if (name == "--gateway") {
    auto ip = parse_ipv4(v);
    if (!ip) return bad("expected an IPv4 address");
    o.gateway = *ip;
  } else if (name == "--mtu") {
    auto n = parse_uint(v, 9000);
    if (!n || *n < 576) return bad("expected 576..9000");
    o.mtu = uint16_t(*n);
  } else {
    *err = "unknown option " + name;
    return false;
  }
  return true;
}

bool is_flag(const std::string& a) {
  return a == "--kernel" || a == "--json" || a == "--stack-stats";
}

}  // namespace

std::optional<uint32_t> parse_ipv4(const std::string& s) {
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

std::optional<Duration> parse_duration(const std::string& s) {
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  auto n = parse_uint(s.substr(0, digits), uint64_t(1) << 32);
  if (!n) return std::nullopt;
  std::string unit = s.substr(digits);
  int64_t v = int64_t(*n);
  if (unit.empty() || unit == "s") return Duration::seconds(v);
  if (unit == "ms") return Duration::millis(v);
  if (unit == "us") return Duration::micros(v);
  if (unit == "m") return Duration::seconds(v * 60);
  return std::nullopt;
}

std::optional<Target> parse_url(const std::string& url, std::string* err) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) {
    *err = "the URL must start with http:// (got '" + url + "')";
    return std::nullopt;
  }
  std::string rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  Target t;
  t.host = rest.substr(0, slash);
  t.path = slash == std::string::npos ? "/" : rest.substr(slash);
  std::string host = t.host;
  size_t colon = host.find(':');
  if (colon != std::string::npos) {
    auto port = parse_uint(host.substr(colon + 1), 65535);
    if (!port || *port == 0) {
      *err = "bad port in " + url;
      return std::nullopt;
    }
    t.port = uint16_t(*port);
    host = host.substr(0, colon);
  }
  auto ip = parse_ipv4(host);
  if (!ip) {
    *err = "the host must be an IPv4 address (got '" + host + "')";
    return std::nullopt;
  }
  t.ip = *ip;
  for (char c : t.path) {
    if (c <= ' ' || c == 127 || c == '"' || c == '\\') {
      *err = "the path has a space, quote, backslash or control character";
      return std::nullopt;
    }
  }
  return t;
}

std::optional<LoadOptions> parse_options(const std::vector<std::string>& args, std::string* err) {
  LoadOptions o;
  bool have_url = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (is_flag(a)) {
      if (a == "--kernel") o.kernel = true;
      if (a == "--json") o.json = true;
      if (a == "--stack-stats") o.stack_stats = true;
      continue;
    }
    if (a.size() > 1 && a[0] == '-') {
      std::string value;
      size_t eq = a.find('=');
      if (eq != std::string::npos) {
        value = a.substr(eq + 1);
        a = a.substr(0, eq);
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        *err = a + " needs a value";
        return std::nullopt;
      }
      if (!apply(o, a, value, err)) return std::nullopt;
      continue;
    }
    if (have_url) {
      *err = "more than one URL: " + a;
      return std::nullopt;
    }
    auto t = parse_url(a, err);
    if (!t) return std::nullopt;
    o.target = *t;
    have_url = true;
  }
  if (!have_url) { *err = "no URL given"; return std::nullopt; }
  if (o.duration.us == 0) { *err = "--duration is required (e.g. --duration 10s)"; return std::nullopt; }
  if (o.connections < o.threads) { *err = "--connections must be at least --threads"; return std::nullopt; }
  if (!o.kernel && o.address == 0) { *err = "the userspace stack needs --address IP/prefix (or use --kernel)"; return std::nullopt; }
  if (!o.kernel && o.eal_args.empty()) { *err = "the userspace stack needs --eal \"...\" (e.g. --vdev=net_af_packet0,iface=veth0)"; return std::nullopt; }
  return o;
}

const char* usage() {
  return "usage: sluice-load [options] http://IPv4[:port]/path\n"
         "  -d, --duration T       how long to load (required; 10s, 500ms, 2m; at most 1h)\n"
         "  -c, --connections N    concurrent connections over all threads (16)\n"
         "  -t, --threads N        worker threads, one transport each (1)\n"
         "      --mode M           keepalive (reuse connections) or close (one request each)\n"
         "  -R, --rate R           fixed request rate (open loop; latency from the intended send\n"
         "                         time, so a stalled server is not hidden: wrk2's correction)\n"
         "  -n, --requests N       stop after N responses (within --duration)\n"
         "      --warmup T         load this long first without recording\n"
         "      --timeout T        per request, connect included (5s)\n"
         "      --json             one JSON object instead of the table\n"
         "  Userspace stack (the default):\n"
         "      --eal \"ARGS\"       EAL arguments, e.g. \"--no-huge --no-pci --vdev=net_af_packet0,iface=veth0\"\n"
         "      --port N           DPDK port id (0)\n"
         "      --address IP/LEN   our address, e.g. 198.18.0.1/24\n"
         "      --gateway IP       next hop for off-link targets\n"
         "      --mtu N            (1500)\n"
         "      --stack-stats      print each worker's stack counters to stderr at the end\n"
         "  Linux sockets:\n"
         "      --kernel           use kernel TCP (epoll) instead\n";
}

}  // namespace sluice::bench
