// Internal to conf/ (include only from conf/*.cc): one loader per TOML section.
//
// Each loader reads its table through a TableReader into the struct from conf/config.h, reports
// bad values with their positions, checks the rules that involve only its own section, and leaves
// defaults in place for keys the file does not set. Rules across sections live in load.cc, except
// listen addresses versus the dpdk address, which load_server checks with the sections before it.
#pragma once
#include <string>

#include "conf/config.h"
#include "conf/reader.h"

namespace sluice::conf::detail {

struct LoadContext {
  Diagnostics& diag;
  std::string base_dir;     // absolute; relative paths in the file resolve against it
  unsigned available_cpus;  // what workers = "auto" means
  int64_t wall_now = 0;     // wall-clock seconds: certificates must be valid at this time
};

// process_section.cc
void load_process(TableReader& r, const LoadContext& ctx, ProcessConfig& out);
void load_network(TableReader& r, NetworkConfig& out);
void load_dpdk(TableReader& r, DpdkConfig& out);

// tuning_sections.cc
void load_tcp(TableReader& r, TcpConfig& out);
void load_http(TableReader& r, HttpLimits& out);
void load_file_cache(TableReader& r, FileCacheConfig& out);

// server_section.cc: one [[server]] with its [[server.location]]s. `config` holds the sections
// loaded so far (network, dpdk), which decide which listen addresses can work.
void load_server(TableReader& r, const LoadContext& ctx, const Config& config, ServerConfig& out);

// tls_section.cc: [server.tls], and the rule across servers sharing a listen address (TLS on all
// or none, the same protocols and ciphers), which load.cc runs after every server is loaded.
void load_tls(TableReader& r, const LoadContext& ctx, TlsConfig& out);
void check_tls_listeners(Diagnostics& diag, const Config& config);

// upstream_section.cc: every [[upstream]]; loaded before the servers whose proxy_pass names them.
void load_upstreams(TableReader& top, std::vector<UpstreamConfig>& out);

// proxy_keys.cc: a location's proxy_pass and proxy_* keys, and the rule across sections that each
// proxy_pass names an [[upstream]] that exists (load.cc runs it after every server is loaded).
void read_proxy_keys(TableReader& r, const LoadContext& ctx, LocationConfig& out);
void check_proxy_targets(Diagnostics& diag, const Config& config);
// proxy_ssl_keys.cc: the proxy_ssl_* keys of a location (after proxy_pass set `out.ssl` or not).
void read_proxy_ssl_keys(TableReader& r, const LoadContext& ctx, ProxyConfig& out);
// A "$variable" template (hash keys, proxy_set_header values): "" when valid, else why not.
std::string check_template(std::string_view text);
bool valid_upstream_name(std::string_view name);

// helpers.cc
// `path` made absolute against `base_dir` and normalised ("a/../b" -> "b").
std::string resolve_path(const std::string& base_dir, const std::string& path);
// The number of CPUs this process may run on (sched_getaffinity), at least 1.
unsigned count_available_cpus();
// An IPv4 dotted quad in host byte order, or nullopt.
std::optional<uint32_t> parse_ipv4(const std::string& text);

}  // namespace sluice::conf::detail
