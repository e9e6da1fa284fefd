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
  unsigned max_connections = 65536;  // per worker, TIME-WAIT not counted
  unsigned max_time_wait = 262144;   // TIME-WAIT entries per worker; past it: closed at once
  Duration rto_initial = Duration::seconds(1);
  Duration rto_min = Duration::millis(200);
  Duration rto_max = Duration::seconds(60);
  unsigned max_retransmits = 12;
  unsigned syn_retries = 6;
  uint32_t send_buffer = 256 * 1024;   // bytes queued per connection
  uint32_t receive_buffer = 256 * 1024;
  CongestionControl congestion = CongestionControl::kCubic;
  std::optional<Duration> keepalive;   // idle time before keepalive probes; unset: off
  bool syn_cookies = true;             // RFC 4987 SYN cookies once syn_backlog is full
  uint64_t out_of_order_memory = 64ull << 20;  // out-of-order bytes queued per worker
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

// [[upstream]]: a named pool of HTTP servers (conf/upstream_section.cc); proxy/ keeps the runtime
// state (balancer, passive and active health, keep-alive pool) per worker.
enum class Balance { kRoundRobin, kLeastConn, kIpHash, kHash };

struct UpstreamServer {
  transport::Address address;
  unsigned weight = 1;                          // 1..1000
  unsigned max_fails = 1;                       // failures within fail_timeout that take it out; 0: never
  Duration fail_timeout = Duration::seconds(10);  // the window for max_fails, and how long it stays out
  bool backup = false;                          // used only when every primary server is unavailable
  bool down = false;                            // configured out
};

// Active health checks: GET `path` every `interval` (per worker); `fall` failures in a row take a
// server out, `rise` successes bring it back. A 2xx or 3xx status within `timeout` is a success.
struct HealthCheckConfig {
  std::string path = "/";
  std::string host;                             // Host header; default: the server's address
  Duration interval = Duration::seconds(5);
  Duration timeout = Duration::seconds(2);
  unsigned rise = 2;
  unsigned fall = 3;
};

struct UpstreamConfig {
  std::string name;
  Balance balance = Balance::kRoundRobin;
  std::string hash;                             // balance = "hash": key template ("$request_uri")
  unsigned hash_points = 160;                   // ketama ring points per unit of weight
  unsigned keepalive = 32;                      // idle connections kept per worker; 0: none
  Duration keepalive_timeout = Duration::seconds(60);
  unsigned keepalive_requests = 1000;           // requests per upstream connection
  std::vector<UpstreamServer> servers;
  std::optional<HealthCheckConfig> health_check;
  int line = 0;
};

// proxy_next_upstream conditions (nginx's names); a bit set.
enum NextUpstream : unsigned {
  kNextError = 1u << 0,          // connect, send or header read failed
  kNextTimeout = 1u << 1,
  kNextInvalidHeader = 1u << 2,  // a broken response head
  kNextHttp500 = 1u << 3,
  kNextHttp502 = 1u << 4,
  kNextHttp503 = 1u << 5,
  kNextHttp504 = 1u << 6,
  kNextHttp429 = 1u << 7,
  kNextNonIdempotent = 1u << 8,  // POST, PATCH, ... may be retried too
};

// proxy_pass = "https://...": TLS to the upstream (conf/proxy_ssl_keys.cc checks the files at load;
// proxy/ builds one client context per location per worker from this). Paths are absolute.
struct ProxySslConfig {
  bool verify = true;                           // proxy_ssl_verify: the server's chain and name
  std::string trusted_certificate;              // PEM CA certificates; required when verify is on
  std::string name;                             // proxy_ssl_name: SNI and the name verified
  bool server_name = true;                      // proxy_ssl_server_name: send SNI (RFC 6066 3)
  std::string certificate;                      // proxy_ssl_certificate: client certificate (PEM)
  std::string certificate_key;                  // proxy_ssl_certificate_key (with certificate)
};

// A location's proxying: where (proxy_pass) and how (the proxy_* keys).
struct ProxyConfig {
  // proxy_pass = "app" or "http://app/uri": the [[upstream]] named `upstream`; "http://IP:PORT/uri":
  // the one server `address` (upstream empty). "https://..." the same, with `ssl` set.
  std::string upstream;
  std::optional<transport::Address> address;
  std::optional<std::string> uri;               // the URI part: it replaces the location's prefix
  std::string proxy_host;                       // Host sent upstream: proxy_host, else the authority
  bool pass_host = false;                       // proxy_pass_host: send the client's Host instead
  Duration connect_timeout = Duration::seconds(60);
  Duration send_timeout = Duration::seconds(60);
  Duration read_timeout = Duration::seconds(60);
  unsigned next_upstream = kNextError | kNextTimeout | kNextHttp502 | kNextHttp503;
  unsigned next_upstream_tries = 0;             // 0: as many as there are servers
  std::vector<std::pair<std::string, std::string>> set_header;  // value "" removes the field
  std::vector<std::string> hide_header;         // response fields not passed to the client
  uint64_t buffer_size = 64 * 1024;             // response head limit, and bytes held per direction
  bool via = false;                             // add "Via: 1.1 sluice" both ways (RFC 9110 7.6.3)
  bool request_buffering = false;               // true: read the whole body before connecting
  bool websocket = true;                        // Upgrade: websocket becomes a tunnel
  bool redirect = true;                         // proxy_redirect: nginx's "default" Location rewrite
  std::optional<ProxySslConfig> ssl;            // set for "https://" upstreams
  int line = 0, col = 0;                        // of proxy_pass, for cross-section messages
};

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
  uint32_t max_ranges = 16;              // Range with more range-specs: 200 with the whole file;
                                         // 0 turns range requests off (as nginx's max_ranges)
  std::optional<std::string> cache_control;
  std::optional<Duration> expires;       // Expires and Cache-Control: max-age
  std::map<int, std::string> error_page; // status -> URI, merged over the server's
  std::optional<std::string> proxy_pass; // an [[upstream]] name or "http[s]://IP:PORT[/uri]"
  ProxyConfig proxy;                     // proxy_pass parsed, and the proxy_* keys (conf/proxy_keys.cc)
};

// [server.tls]: TLS termination for the server's listen addresses (tls/ builds the OpenSSL
// contexts from this). conf resolves `profile` into the concrete protocol and cipher values below,
// and refuses certificates that are missing, unreadable, encrypted, expired, not yet valid, too
// weak, or whose key does not match. Servers sharing a listen address must all have [server.tls]
// or none, with the same protocols and ciphers (they are negotiated before SNI picks a server);
// sessions, tickets and the handshake timeout of a listen address are its first server's.
struct TlsCertificate {
  std::string cert;                               // PEM: the certificate first, then its chain
  std::string key;                                // PEM private key (unencrypted)
  std::optional<std::string> ocsp_stapling_file;  // a DER OCSP response for this certificate
  std::string key_type;                           // "RSA", "ECDSA", "Ed25519", ... (for messages)
};

enum class TlsProfile { kIntermediate, kModern };  // Mozilla's server-side TLS profiles (v5.7)

struct TlsConfig {
  std::vector<TlsCertificate> certificates;  // at most one per key type; OpenSSL picks by the
                                             // client's signature_algorithms (RFC 8446 4.4.2.2)
  TlsProfile profile = TlsProfile::kIntermediate;
  bool tls1_2 = true;                        // protocols = ["TLSv1.2", "TLSv1.3"]
  bool tls1_3 = true;
  std::string ciphers;                       // TLS 1.2 cipher list (OpenSSL syntax); from profile
  std::string ciphersuites;                  // TLS 1.3 suites; from profile
  std::string groups = "X25519:prime256v1:secp384r1";
  bool prefer_server_ciphers = true;         // the server's order (testssl.sh rates its absence high)
  bool session_tickets = true;               // RFC 5077 / RFC 8446 4.6.1
  std::optional<std::string> ticket_key_file;  // 80 (or 48) bytes, nginx's format; else generated
  Duration ticket_key_rotation = Duration::seconds(12 * 3600);  // generated keys: new key this often
  Duration session_timeout = Duration::seconds(3600);           // ticket lifetime / cache entry life
  unsigned session_cache = 20480;            // per worker, entries; 0 disables the server-side cache
  Duration handshake_timeout = Duration::seconds(10);
  int line = 0;                              // of [server.tls], for messages
};

struct ServerConfig {
  std::vector<transport::Address> listen;
  std::vector<std::string> server_name;
  std::string access_log = "logs/access.log";  // "off" disables
  std::map<int, std::string> error_page;
  std::vector<LocationConfig> locations;       // in file order; longest prefix wins
  std::optional<TlsConfig> tls;                // [server.tls]: every listen address speaks TLS
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
  std::vector<UpstreamConfig> upstreams;  // [[upstream]], in file order
};

}  // namespace sluice::conf
