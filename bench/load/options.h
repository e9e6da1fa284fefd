// sluice-load's command line: what to load, how hard, for how long, and on which transport.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"

namespace sluice::bench {

enum class ConnMode { kKeepAlive, kClose };

struct Target {
  uint32_t ip = 0;        // IPv4, host byte order
  uint16_t port = 80;
  std::string host;       // the Host header: the URL's authority as written
  std::string path = "/";
};

struct LoadOptions {
  Target target;
  unsigned connections = 16;             // concurrent connections, over all threads
  Duration duration{};                   // required; at most kMaxDuration
  Duration warmup{};                     // run this long first without recording
  Duration timeout = Duration::seconds(5);  // per request (connect + response)
  double rate = 0;                       // requests/s over all threads; 0: as fast as possible
  uint64_t max_requests = 0;             // stop after this many responses (0: no limit)
  ConnMode mode = ConnMode::kKeepAlive;
  unsigned threads = 1;
  bool kernel = false;                   // Linux sockets instead of the userspace stack
  bool json = false;
  bool stack_stats = false;              // print each worker's stack counters to stderr
  // The userspace stack.
  std::vector<std::string> eal_args;
  uint16_t port_id = 0;
  uint32_t address = 0;                  // our IPv4 address, host byte order
  uint8_t prefix_len = 24;
  std::optional<uint32_t> gateway;
  uint16_t mtu = 1500;

  static constexpr Duration kMaxDuration = Duration::seconds(3600);
  static constexpr unsigned kMaxConnections = 60000;
  static constexpr unsigned kMaxThreads = 64;
};

// Parses argv[1..]; nullopt with *err set (a one-line reason) when the line is not valid.
std::optional<LoadOptions> parse_options(const std::vector<std::string>& args, std::string* err);
const char* usage();

// "http://198.18.0.2:8080/small.bin" (IPv4 literal hosts only).
std::optional<Target> parse_url(const std::string& url, std::string* err);
// "10", "10s", "500ms", "2m".
std::optional<Duration> parse_duration(const std::string& s);
// "198.18.0.1" into host byte order.
std::optional<uint32_t> parse_ipv4(const std::string& s);

}  // namespace sluice::bench
