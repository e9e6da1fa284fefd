// The validated configuration: plain structs, built once by conf/load.h from one TOML file.
// Runtime code reads these and never sees TOML. A snapshot is immutable once loaded; reload builds
// a new one and connections keep the snapshot they started with.
//
// Durations are written "75s", "500ms", "2m", "1h" (or a bare integer of seconds); sizes "8k",
// "1m", "1g" (or a bare integer of bytes).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/log.h"
#include "core/time.h"
#include "transport/address.h"

namespace sluice::conf {

struct ProcessConfig {
  unsigned workers = 1;              // "auto" resolves to the number of available cores
  std::vector<int> cpus;             // optional pinning, one per worker
  std::string pid_file = "run/sluice.pid";
  std::string error_log = "logs/error.log";
  LogLevel error_log_level = LogLevel::kNotice;
  Duration shutdown_timeout = Duration::seconds(10);  // graceful stop: in-flight requests get this long
};

enum class Backend { kDpdk, kKernel };

struct NetworkConfig {
  Backend backend = Backend::kDpdk;
};

struct DpdkConfig {
  bool present = false;              // a [dpdk] table was given
  std::vector<std::string> eal_args;
  uint16_t port = 0;
  uint32_t address = 0;              // IPv4, host byte order
  uint8_t prefix_len = 24;
  std::optional<uint32_t> gateway;   // host byte order
  uint16_t mtu = 1500;
  uint16_t rx_desc = 1024;
  uint16_t tx_desc = 1024;
  uint32_t mbufs_per_worker = 16383;
  uint32_t idle_sleep_us = 0;        // sleep this long after an idle poll (0: pure busy polling)
};

enum class CongestionControl { kCubic, kNewReno };

struct TcpConfig {
  Duration time_wait = Duration::seconds(60);
  Duration delayed_ack = Duration::millis(40);
  bool nodelay = true;               // Nagle off by default, as nginx's tcp_nodelay
  unsigned backlog = 511;            // listen backlog (accept queue) per worker
  unsigned syn_backlog = 1024;       // half-open connections per worker before SYN cookies
  unsigned max_connections = 65536;  // per worker
  Duration rto_initial = Duration::seconds(1);
  Duration rto_min = Duration::millis(200);
  Duration rto_max = Duration::seconds(60);
  unsigned max_retransmits = 12;
  unsigned syn_retries = 6;
  uint32_t send_buffer = 256 * 1024;   // bytes queued per connection
  uint32_t receive_buffer = 256 * 1024;
  CongestionControl congestion = CongestionControl::kCubic;
  std::optional<Duration> keepalive;   // idle time before keepalive probes; unset: off
};

struct HttpLimits {
  Duration client_header_timeout = Duration::seconds(60);
  Duration client_body_timeout = Duration::seconds(60);
  Duration send_timeout = Duration::seconds(60);
  Duration keepalive_timeout = Duration::seconds(75);
  unsigned keepalive_requests = 1000;
  Duration lingering_time = Duration::seconds(30);
  Duration lingering_timeout = Duration::seconds(5);
  uint64_t client_max_body_size = 1024 * 1024;
  uint32_t max_request_line = 8192;    // 414 beyond
  uint32_t max_header_size = 32768;    // all header bytes; 431 beyond
  uint32_t max_headers = 100;          // 431 beyond
  bool server_tokens = true;           // "Server: sluice/0.1.0" (false: "Server: sluice")
};

enum class MatchKind { kPrefix, kExact };

struct LocationConfig {
  std::string path = "/";
  MatchKind match = MatchKind::kPrefix;  // "= /x" in path means exact
  std::optional<std::string> root;       // the file is root + path
  std::optional<std::string> alias;      // the file is alias + (path minus the location prefix)
  std::vector<std::string> index;        // default {"index.html"}
  bool autoindex = false;
  std::vector<std::string> try_files;    // "$uri", "$uri/", "/fallback.html", "=404"
  bool allow_symlinks = false;           // symlinks that leave root are followed only when true
  bool gzip_static = false;              // serve FILE.gz when Accept-Encoding allows
  std::optional<std::string> cache_control;
  std::optional<Duration> expires;       // Expires and Cache-Control: max-age
  std::map<int, std::string> error_page; // status -> URI, merged over the server's
  std::optional<std::string> proxy_pass; // reserved for the proxy issue
};

struct ServerConfig {
  std::vector<transport::Address> listen;
  std::vector<std::string> server_name;
  std::string access_log = "logs/access.log";  // "off" disables
  std::map<int, std::string> error_page;
  std::vector<LocationConfig> locations;       // in file order; longest prefix wins
  std::string file;                            // where this server was defined, for messages
  int line = 0;
};

struct FileCacheConfig {
  bool enabled = true;
  uint64_t max_bytes = 64ull * 1024 * 1024;  // per worker
  uint32_t max_entries = 10000;
  uint64_t max_file_size = 1024 * 1024;      // larger files are streamed, not cached
  Duration revalidate = Duration::seconds(1);
};

struct Config {
  std::string path;        // the file it was loaded from
  std::string base_dir;    // relative paths in the file are resolved against this (the file's dir)
  ProcessConfig process;
  NetworkConfig network;
  DpdkConfig dpdk;
  TcpConfig tcp;
  HttpLimits http;
  FileCacheConfig file_cache;
  std::vector<ServerConfig> servers;
};

}  // namespace sluice::conf
