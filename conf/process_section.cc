// [process], [network] and [dpdk].
#include <sched.h>

#include <algorithm>
#include <charconv>

#include "conf/sections.h"

namespace sluice::conf::detail {
namespace {

constexpr int64_t kMaxWorkers = 256;

// workers = 2 or workers = "auto". Returns whether the value was valid (or absent).
bool read_workers(TableReader& r, const LoadContext& ctx, ProcessConfig& out) {
  const toml::node* node = r.get("workers");
  if (!node) return true;
  if (node->is_string() && node->as_string()->get() == "auto") {
    out.workers = std::min<unsigned>(ctx.available_cpus, kMaxWorkers);
    return true;
  }
  if (node->is_integer()) {
    auto v = to_int(*node, r.name("workers"), 1, kMaxWorkers, r.diag());
    if (v) out.workers = unsigned(*v);
    return v.has_value();
  }
  r.diag().error(pos_of(*node), r.name("workers") + ": expected a positive integer (1.." + std::to_string(kMaxWorkers) +
                                    ") or \"auto\", got " + describe(*node));
  return false;
}

// cpus = [0, 1]: one CPU id per worker.
void read_cpus(TableReader& r, bool workers_ok, ProcessConfig& out) {
  const toml::node* node = r.get("cpus");
  if (!node) return;
  const toml::array* array = node->as_array();
  if (!array) {
    r.diag().error(pos_of(*node), r.name("cpus") + ": expected an array of CPU ids such as [0, 1], got " + describe(*node));
    return;
  }
  std::vector<int> cpus;
  bool ok = true;
  for (size_t i = 0; i < array->size(); ++i) {
    auto v = to_int(*array->get(i), r.name("cpus") + "[" + std::to_string(i) + "]", 0, CPU_SETSIZE - 1, r.diag());
    if (v) cpus.push_back(int(*v));
    ok = ok && v.has_value();
  }
  if (!ok) return;
  if (workers_ok && cpus.size() != out.workers) {
    r.diag().error(pos_of(*node), r.name("cpus") + ": has " + std::to_string(cpus.size()) + " CPU ids but there are " +
                                      std::to_string(out.workers) + " workers; give exactly one CPU per worker");
    return;
  }
  out.cpus = std::move(cpus);
}

struct Cidr {
  uint32_t address;
  uint8_t prefix_len;
};

std::optional<Cidr> parse_cidr(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto ip = parse_ipv4(text.substr(0, slash));
  std::string_view len_text = std::string_view(text).substr(slash + 1);
  unsigned len = 0;
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (!ip || ec != std::errc() || end != len_text.data() + len_text.size() || len_text.empty()) return std::nullopt;
  if (len < 1 || len > 32) return std::nullopt;
  return Cidr{*ip, uint8_t(len)};
}

// Why `c` cannot be this host's own address, or "" when it can.
std::string unusable_host_address(const Cidr& c) {
  uint32_t a = c.address;
  if (a == 0) return "0.0.0.0 is not a host address";
  if ((a >> 24) == 127) return "a loopback address cannot be used on a NIC";
  if ((a >> 28) == 0xe) return "a multicast address is not a host address";
  if ((a >> 28) == 0xf) return "a reserved or broadcast address is not a host address";
  if (c.prefix_len <= 30) {
    uint32_t host_mask = c.prefix_len == 32 ? 0 : (~0u >> c.prefix_len);
    if ((a & host_mask) == 0) return "this is the network address of its subnet, not a host address";
    if ((a & host_mask) == host_mask) return "this is the broadcast address of its subnet, not a host address";
  }
  return "";
}

void read_address(TableReader& r, DpdkConfig& out) {
  const toml::node* node = r.get("address");
  if (!node) return;
  auto text = to_string(*node, r.name("address"), r.diag());
  if (!text) return;
  auto cidr = parse_cidr(*text);
  if (!cidr) {
    r.diag().error(pos_of(*node), r.name("address") +
                                      ": expected an IPv4 address with a prefix length 1..32 such as "
                                      "\"198.18.0.2/24\", got " + describe(*node));
    return;
  }
  if (std::string why = unusable_host_address(*cidr); !why.empty()) {
    r.diag().error(pos_of(*node), r.name("address") + ": " + *text + ": " + why);
    return;
  }
  out.address = cidr->address;
  out.prefix_len = cidr->prefix_len;
}

void read_gateway(TableReader& r, DpdkConfig& out) {
  const toml::node* node = r.get("gateway");
  if (!node) return;
  auto text = to_string(*node, r.name("gateway"), r.diag());
  if (!text) return;
  auto ip = parse_ipv4(*text);
  if (!ip) {
    r.diag().error(pos_of(*node), r.name("gateway") + ": expected an IPv4 address such as \"198.18.0.1\", got " +
                                      describe(*node));
    return;
  }
  out.gateway = *ip;
}

}  // namespace

void load_process(TableReader& r, const LoadContext& ctx, ProcessConfig& out) {
  bool workers_ok = read_workers(r, ctx, out);
  read_cpus(r, workers_ok, out);
  r.read_string("pid_file", out.pid_file);  // made absolute in load.cc, defaults included
  if (r.read_string("error_log", out.error_log) && out.error_log == "off")
    r.diag().error(pos_of(*r.get("error_log")), r.name("error_log") + ": the error log cannot be turned off; "
                                                     "use error_log_level = \"crit\" to log less");
  r.read_choice("error_log_level", out.error_log_level,
                {{"debug", LogLevel::kDebug},
                 {"info", LogLevel::kInfo},
                 {"notice", LogLevel::kNotice},
                 {"warn", LogLevel::kWarn},
                 {"error", LogLevel::kError},
                 {"crit", LogLevel::kCrit}});
  r.read_duration("shutdown_timeout", out.shutdown_timeout, Duration::zero(), Duration::seconds(3600));
}

void load_network(TableReader& r, NetworkConfig& out) {
  r.read_choice("backend", out.backend, {{"dpdk", Backend::kDpdk}, {"kernel", Backend::kKernel}});
}

void load_dpdk(TableReader& r, DpdkConfig& out) {
  out.present = true;
  r.read_strings("eal_args", out.eal_args);
  r.read_int("port", out.port, 0, 1023);
  read_address(r, out);
  read_gateway(r, out);
  r.read_int("mtu", out.mtu, 576, 9216);
  r.read_int("rx_desc", out.rx_desc, 64, 32768);
  r.read_int("tx_desc", out.tx_desc, 64, 32768);
  r.read_int("mbufs_per_worker", out.mbufs_per_worker, 1024, 16 * 1024 * 1024);
  r.read_int("idle_sleep_us", out.idle_sleep_us, 0, 100000);
}

}  // namespace sluice::conf::detail
