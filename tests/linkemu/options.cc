#include "tests/linkemu/options.h"

#include <charconv>
#include <cmath>
#include <string_view>
#include <vector>

namespace sluice::linkemu {

const char* const kUsage =
    "usage: sluice-linkemu --a IFACE_A --b IFACE_B --duration SECONDS [--seed N]\n"
    "                      [--both SPEC] [--a2b SPEC] [--b2a SPEC] [--disable-offloads]\n"
    "                      [--max-in-flight FRAMES]\n"
    "Relays every Ethernet frame between two interfaces, impairing each direction.\n"
    "SPEC: key=value,... with loss=2% | loss=ge:p:r[:h[:k]], delay=50ms, jitter=10ms,\n"
    "      dist=uniform|normal, order=keep|jitter, reorder=5%, reorder_mode=early|late,\n"
    "      reorder_delay=10ms, dup=1%, rate=20mbit, queue=100 | queue=50ms.\n"
    "--both applies first, then --a2b / --b2a on top. Counters go to stdout as one JSON line.\n";

namespace {

template <typename T>
bool parse_number(std::string_view s, T& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

struct Pending {
  std::string both, a2b, b2a;
};

std::string apply_specs(const Pending& p, Options& out) {
  for (LinkSpec* spec : {&out.a2b, &out.b2a}) {
    if (std::string err = apply_spec(p.both, *spec); !err.empty()) return "--both: " + err;
  }
  if (std::string err = apply_spec(p.a2b, out.a2b); !err.empty()) return "--a2b: " + err;
  if (std::string err = apply_spec(p.b2a, out.b2a); !err.empty()) return "--b2a: " + err;
  return {};
}

std::string check(const Options& o) {
  if (o.a.empty() || o.b.empty()) return "--a and --b are required";
  if (o.a == o.b) return "--a and --b must differ";
  if (!(o.duration_s > 0) || !std::isfinite(o.duration_s)) return "--duration SECONDS (> 0) is required";
  if (o.max_in_flight == 0) return "--max-in-flight must be positive";
  return {};
}

}  // namespace

std::string parse_options(int argc, char** argv, Options& out) {
  Pending specs;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      out.help = true;
      return {};
    }
    if (arg == "--disable-offloads") {
      out.disable_offloads = true;
      continue;
    }
    if (i + 1 >= argc) return std::string(arg) + " needs a value (or is unknown)";
    const std::string_view value = argv[++i];
    if (arg == "--a") out.a = value;
    else if (arg == "--b") out.b = value;
    else if (arg == "--both") specs.both = value;
    else if (arg == "--a2b") specs.a2b = value;
    else if (arg == "--b2a") specs.b2a = value;
    else if (arg == "--seed") {
      if (!parse_number(value, out.seed)) return "--seed wants an unsigned integer";
    } else if (arg == "--duration") {
      if (!parse_number(value, out.duration_s)) return "--duration wants seconds";
    } else if (arg == "--max-in-flight") {
      if (!parse_number(value, out.max_in_flight)) return "--max-in-flight wants a count";
    } else {
      return "unknown option " + std::string(arg);
    }
  }
  if (std::string err = apply_specs(specs, out); !err.empty()) return err;
  return check(out);
}

}  // namespace sluice::linkemu
