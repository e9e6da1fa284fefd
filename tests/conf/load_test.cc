// Valid configurations: the issue-2 example, defaults, every key, path resolution, load_file.
#include "conf/load.h"

#include <gtest/gtest.h>
#include <sched.h>

#include "tests/conf/temp_dir.h"

namespace sluice::conf {
namespace {

using testing::TempDir;

constexpr const char* kIssueExample = R"([process]
workers = 2                  # or "auto": one per available core
cpus = [0, 1]                # optional pinning, one per worker
pid_file = "run/sluice.pid"
error_log = "logs/error.log"

[network]
backend = "kernel"           # "dpdk" (the userspace stack) or "kernel"

[dpdk]                       # used when backend = "dpdk"
eal_args = ["--no-huge", "--no-shconf", "--no-pci", "--vdev=net_af_packet0,iface=veth-s"]
port = 0
address = "198.18.0.2/24"
gateway = "198.18.0.1"
mtu = 1500

[[server]]
listen = ["127.0.0.1:8080"]
server_name = ["example.test"]
access_log = "logs/access.log"

  [[server.location]]
  path = "/"
  root = "www"
  index = ["index.html"]
)";

std::string all_errors(const LoadResult& r) {
  std::string out;
  for (const Error& e : r.errors) out += e.to_string() + "\n";
  return out;
}

class LoadTest : public ::testing::Test {
 protected:
  void SetUp() override { dir.mkdir("www"); }
  LoadResult load(std::string_view text) { return load_string(text, "sluice.toml", dir.path()); }
  // `body` after a minimal kernel-backend preamble, and one server whose location roots at www.
  LoadResult load_with_server(const std::string& before, const std::string& location_extra = "") {
    return load(before + "\n[network]\nbackend = \"kernel\"\n[[server]]\nlisten = [\"8080\"]\n"
                         "[[server.location]]\npath = \"/\"\nroot = \"www\"\n" + location_extra);
  }
  TempDir dir;
};

TEST_F(LoadTest, IssueExampleLoadsWithEveryValue) {
  LoadResult r = load(kIssueExample);
  ASSERT_TRUE(r.ok()) << all_errors(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.path, "sluice.toml");
  EXPECT_EQ(c.base_dir, dir.path());
  EXPECT_EQ(c.process.workers, 2u);
  EXPECT_EQ(c.process.cpus, (std::vector<int>{0, 1}));
  EXPECT_EQ(c.process.pid_file, dir / "run/sluice.pid");
  EXPECT_EQ(c.process.error_log, dir / "logs/error.log");
  EXPECT_EQ(c.network.backend, Backend::kKernel);
  EXPECT_TRUE(c.dpdk.present);
  EXPECT_EQ(c.dpdk.eal_args,
            (std::vector<std::string>{"--no-huge", "--no-shconf", "--no-pci", "--vdev=net_af_packet0,iface=veth-s"}));
  EXPECT_EQ(c.dpdk.port, 0);
  EXPECT_EQ(c.dpdk.address, 0xC6120002u);  // 198.18.0.2
  EXPECT_EQ(c.dpdk.prefix_len, 24);
  ASSERT_TRUE(c.dpdk.gateway);
  EXPECT_EQ(*c.dpdk.gateway, 0xC6120001u);
  EXPECT_EQ(c.dpdk.mtu, 1500);
  ASSERT_EQ(c.servers.size(), 1u);
  const ServerConfig& s = c.servers[0];
  EXPECT_EQ(s.listen, (std::vector<transport::Address>{transport::Address::ipv4(0x7F000001, 8080)}));
  EXPECT_EQ(s.server_name, (std::vector<std::string>{"example.test"}));
  EXPECT_EQ(s.access_log, dir / "logs/access.log");
  EXPECT_EQ(s.file, "sluice.toml");
  EXPECT_EQ(s.line, 17);
  ASSERT_EQ(s.locations.size(), 1u);
  const LocationConfig& l = s.locations[0];
  EXPECT_EQ(l.path, "/");
  EXPECT_EQ(l.match, MatchKind::kPrefix);
  EXPECT_EQ(l.root, dir / "www");
  EXPECT_FALSE(l.alias);
  EXPECT_EQ(l.index, (std::vector<std::string>{"index.html"}));
  EXPECT_FALSE(l.proxy_pass);
}

TEST_F(LoadTest, UnsetKeysKeepTheirDefaults) {
  LoadResult r = load_with_server("");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  const Config& c = *r.config;
  Config defaults;
  EXPECT_EQ(c.process.workers, defaults.process.workers);
  EXPECT_TRUE(c.process.cpus.empty());
  EXPECT_EQ(c.process.pid_file, dir / "run/sluice.pid");  // defaults are resolved too
  EXPECT_EQ(c.process.error_log, dir / "logs/error.log");
  EXPECT_EQ(c.servers[0].access_log, dir / "logs/access.log");
  EXPECT_FALSE(c.dpdk.present);
  EXPECT_EQ(c.tcp.time_wait, defaults.tcp.time_wait);
  EXPECT_EQ(c.tcp.congestion, CongestionControl::kCubic);
  EXPECT_FALSE(c.tcp.keepalive);
  EXPECT_EQ(c.http.keepalive_timeout, Duration::seconds(75));
  EXPECT_TRUE(c.file_cache.enabled);
  EXPECT_EQ(c.servers[0].locations[0].index, (std::vector<std::string>{"index.html"}));
}

TEST_F(LoadTest, WorkersAutoIsTheNumberOfAvailableCpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  LoadResult r = load_with_server("[process]\nworkers = \"auto\"\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.config->process.workers, unsigned(CPU_COUNT(&set)));
}

TEST_F(LoadTest, EveryKeyWithNonDefaultValues) {
  dir.mkdir("static");
  dir.write("www/favicon.ico", "icon");
  LoadResult r = load(R"(
[process]
workers = 1
cpus = [3]
pid_file = "/run/sluice.pid"
error_log = "stderr"
error_log_level = "debug"
shutdown_timeout = "30s"

[network]
backend = "dpdk"

[dpdk]
eal_args = []
port = 1
address = "10.1.2.3/16"
mtu = 9000
rx_desc = 2048
tx_desc = 512
mbufs_per_worker = 32767
idle_sleep_us = 100

[tcp]
time_wait = "500ms"
delayed_ack = "0s"
nodelay = false
backlog = 128
syn_backlog = 256
max_connections = 1000
max_time_wait = 5000
rto_initial = "2s"
rto_min = "100ms"
rto_max = "2m"
max_retransmits = 5
syn_retries = 3
send_buffer = "64k"
receive_buffer = 131072
congestion = "newreno"
keepalive = "2h"

[http]
client_header_timeout = "5s"
client_body_timeout = 7
send_timeout = "1m"
keepalive_timeout = 0
keepalive_requests = 10
lingering_time = "10s"
lingering_timeout = "1s"
client_max_body_size = "10m"
max_request_line = "4k"
max_header_size = "16K"
max_headers = 50
server_tokens = false

[file_cache]
enabled = false
max_bytes = "1g"
max_entries = 500
max_file_size = "256k"
revalidate = "0s"

[[server]]
listen = ["10.1.2.3:80", "*:8080", 81]
server_name = ["a.test", "b.test"]
access_log = "off"
error_page = { 404 = "/404.html", 500 = "/50x.html" }

  [[server.location]]
  path = "/static/"
  alias = "static"
  index = []
  autoindex = true
  try_files = ["$uri", "$uri/", "/index.html", "=404"]
  allow_symlinks = true
  gzip_static = true
  max_ranges = 4
  cache_control = "public, max-age=60"
  expires = "30d"
  error_page = { 403 = "/403.html" }

  [[server.location]]
  path = "= /favicon.ico"
  alias = "www/favicon.ico"

  [[server.location]]
  path = "/api/"
  proxy_pass = "http://198.18.1.2:8080"
)");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.process.workers, 1u);
  EXPECT_EQ(c.process.cpus, std::vector<int>{3});
  EXPECT_EQ(c.process.pid_file, "/run/sluice.pid");
  EXPECT_EQ(c.process.error_log, "stderr");
  EXPECT_EQ(c.process.error_log_level, LogLevel::kDebug);
  EXPECT_EQ(c.process.shutdown_timeout, Duration::seconds(30));
  EXPECT_EQ(c.network.backend, Backend::kDpdk);
  EXPECT_TRUE(c.dpdk.eal_args.empty());
  EXPECT_EQ(c.dpdk.port, 1);
  EXPECT_EQ(c.dpdk.address, 0x0A010203u);
  EXPECT_EQ(c.dpdk.prefix_len, 16);
  EXPECT_FALSE(c.dpdk.gateway);
  EXPECT_EQ(c.dpdk.mtu, 9000);
  EXPECT_EQ(c.dpdk.rx_desc, 2048);
  EXPECT_EQ(c.dpdk.tx_desc, 512);
  EXPECT_EQ(c.dpdk.mbufs_per_worker, 32767u);
  EXPECT_EQ(c.dpdk.idle_sleep_us, 100u);
  EXPECT_EQ(c.tcp.time_wait, Duration::millis(500));
  EXPECT_EQ(c.tcp.delayed_ack, Duration::zero());
  EXPECT_FALSE(c.tcp.nodelay);
  EXPECT_EQ(c.tcp.backlog, 128u);
  EXPECT_EQ(c.tcp.syn_backlog, 256u);
  EXPECT_EQ(c.tcp.max_connections, 1000u);
  EXPECT_EQ(c.tcp.max_time_wait, 5000u);
  EXPECT_EQ(c.tcp.rto_initial, Duration::seconds(2));
  EXPECT_EQ(c.tcp.rto_min, Duration::millis(100));
  EXPECT_EQ(c.tcp.rto_max, Duration::seconds(120));
  EXPECT_EQ(c.tcp.max_retransmits, 5u);
  EXPECT_EQ(c.tcp.syn_retries, 3u);
  EXPECT_EQ(c.tcp.send_buffer, 65536u);
  EXPECT_EQ(c.tcp.receive_buffer, 131072u);
  EXPECT_EQ(c.tcp.congestion, CongestionControl::kNewReno);
  EXPECT_EQ(c.tcp.keepalive, Duration::seconds(7200));
  EXPECT_EQ(c.http.client_header_timeout, Duration::seconds(5));
  EXPECT_EQ(c.http.client_body_timeout, Duration::seconds(7));
  EXPECT_EQ(c.http.send_timeout, Duration::seconds(60));
  EXPECT_EQ(c.http.keepalive_timeout, Duration::zero());
  EXPECT_EQ(c.http.keepalive_requests, 10u);
  EXPECT_EQ(c.http.lingering_time, Duration::seconds(10));
  EXPECT_EQ(c.http.lingering_timeout, Duration::seconds(1));
  EXPECT_EQ(c.http.client_max_body_size, 10u << 20);
  EXPECT_EQ(c.http.max_request_line, 4096u);
  EXPECT_EQ(c.http.max_header_size, 16384u);
  EXPECT_EQ(c.http.max_headers, 50u);
  EXPECT_FALSE(c.http.server_tokens);
  EXPECT_FALSE(c.file_cache.enabled);
  EXPECT_EQ(c.file_cache.max_bytes, 1ull << 30);
  EXPECT_EQ(c.file_cache.max_entries, 500u);
  EXPECT_EQ(c.file_cache.max_file_size, 256u << 10);
  EXPECT_EQ(c.file_cache.revalidate, Duration::zero());

  ASSERT_EQ(c.servers.size(), 1u);
  const ServerConfig& s = c.servers[0];
  EXPECT_EQ(s.listen, (std::vector<transport::Address>{transport::Address::ipv4(0x0A010203, 80),
                                                       transport::Address::ipv4(0, 8080),
                                                       transport::Address::ipv4(0, 81)}));
  EXPECT_EQ(s.server_name, (std::vector<std::string>{"a.test", "b.test"}));
  EXPECT_EQ(s.access_log, "off");
  EXPECT_EQ(s.error_page, (std::map<int, std::string>{{404, "/404.html"}, {500, "/50x.html"}}));
  ASSERT_EQ(s.locations.size(), 3u);

  const LocationConfig& st = s.locations[0];
  EXPECT_EQ(st.path, "/static/");
  EXPECT_EQ(st.match, MatchKind::kPrefix);
  EXPECT_FALSE(st.root);
  EXPECT_EQ(st.alias, dir / "static");
  EXPECT_TRUE(st.index.empty());
  EXPECT_TRUE(st.autoindex);
  EXPECT_EQ(st.try_files, (std::vector<std::string>{"$uri", "$uri/", "/index.html", "=404"}));
  EXPECT_TRUE(st.allow_symlinks);
  EXPECT_TRUE(st.gzip_static);
  EXPECT_EQ(st.max_ranges, 4u);
  EXPECT_EQ(st.cache_control, "public, max-age=60");
  EXPECT_EQ(st.expires, Duration::seconds(30 * 86400));
  EXPECT_EQ(st.error_page, (std::map<int, std::string>{{403, "/403.html"}}));

  const LocationConfig& fav = s.locations[1];
  EXPECT_EQ(fav.max_ranges, 16u);  // the default
  EXPECT_EQ(fav.path, "/favicon.ico");
  EXPECT_EQ(fav.match, MatchKind::kExact);
  EXPECT_EQ(fav.alias, dir / "www/favicon.ico");  // an exact location may alias a file

  const LocationConfig& api = s.locations[2];
  EXPECT_EQ(api.proxy_pass, "http://198.18.1.2:8080");
  EXPECT_FALSE(api.root);
  EXPECT_FALSE(api.alias);
}

TEST_F(LoadTest, PathsAreNormalisedAndAbsolutePathsKept) {
  dir.mkdir("sites/a");
  LoadResult r = load_with_server("[process]\npid_file = \"run/../pids/./s.pid\"\nerror_log = \"/var/log/s.log\"\n",
                                  "[[server.location]]\npath = \"/a/\"\nroot = \"sites/a/\"\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.config->process.pid_file, dir / "pids/s.pid");
  EXPECT_EQ(r.config->process.error_log, "/var/log/s.log");
  EXPECT_EQ(r.config->servers[0].locations[1].root, dir / "sites/a/");
}

TEST_F(LoadTest, RelativeBaseDirBecomesAbsolute) {
  LoadResult r = load_string("[network]\nbackend = \"kernel\"\n[[server]]\nlisten = [\"80\"]\n"
                             "[[server.location]]\npath = \"/\"\nproxy_pass = \"http://10.0.0.1:80\"\n",
                             "x.toml", "some/dir");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.config->base_dir, (std::filesystem::current_path() / "some/dir").string());
  EXPECT_EQ(r.config->process.pid_file, (std::filesystem::current_path() / "some/dir/run/sluice.pid").string());
}

TEST_F(LoadTest, SeveralServersKeepTheirLines) {
  LoadResult r = load_with_server("", "[[server]]\nlisten = [\"9090\"]\n[[server.location]]\npath = \"/\"\n"
                                      "root = \"www\"\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  ASSERT_EQ(r.config->servers.size(), 2u);
  EXPECT_EQ(r.config->servers[0].line, 4);
  EXPECT_EQ(r.config->servers[1].line, 9);
  EXPECT_EQ(r.config->servers[1].listen[0].port, 9090);
}

TEST_F(LoadTest, LoadFileResolvesAgainstTheFilesDirectory) {
  dir.write("etc/sluice.toml", kIssueExample);
  dir.mkdir("etc/www");
  LoadResult r = load_file(dir / "etc/../etc/sluice.toml");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.config->path, dir / "etc/sluice.toml");
  EXPECT_EQ(r.config->base_dir, dir / "etc");
  EXPECT_EQ(r.config->process.pid_file, dir / "etc/run/sluice.pid");
  EXPECT_EQ(r.config->servers[0].locations[0].root, dir / "etc/www");
  EXPECT_EQ(r.config->servers[0].file, dir / "etc/../etc/sluice.toml");
}

TEST_F(LoadTest, LoadFileReportsErrorsWithTheGivenName) {
  dir.write("bad.toml", "[network]\nbackend = \"kernel\"\n[process]\nworkers = \"two\"\n[[server]]\n"
                        "listen = [\"80\"]\n[[server.location]]\npath = \"/\"\nproxy_pass = \"http://10.0.0.1:80\"\n");
  LoadResult r = load_file(dir / "bad.toml");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(), dir / "bad.toml" + ":4:11: process.workers: expected a positive integer "
                                                        "(1..256) or \"auto\", got string \"two\"");
}

TEST_F(LoadTest, MissingFileIsAClearError) {
  LoadResult r = load_file(dir / "nope.toml");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.config, nullptr);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 0);
  EXPECT_EQ(r.errors[0].to_string(), dir / "nope.toml" + ": cannot open: No such file or directory");
}

TEST_F(LoadTest, DirectoryIsNotAConfigFile) {
  LoadResult r = load_file(dir.path());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(), dir.path() + ": is a directory, not a configuration file");
}

TEST_F(LoadTest, BinaryGarbageIsASyntaxErrorNotACrash) {
  std::string garbage("\x00\xff\xfe[[\x01=\"", 8);
  LoadResult r = load(garbage);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("TOML syntax error"), std::string::npos);
  EXPECT_GT(r.errors[0].line, 0);
}

TEST(ErrorText, WithAndWithoutPosition) {
  EXPECT_EQ((Error{"a.toml", 3, 7, "bad"}).to_string(), "a.toml:3:7: bad");
  EXPECT_EQ((Error{"a.toml", 0, 0, "cannot open"}).to_string(), "a.toml: cannot open");
}

TEST_F(LoadTest, TcpSynCookiesAndOutOfOrderMemory) {
  LoadResult d = load_with_server("");
  ASSERT_TRUE(d.ok()) << all_errors(d);
  EXPECT_TRUE(d.config->tcp.syn_cookies);
  EXPECT_EQ(d.config->tcp.out_of_order_memory, 64ull << 20);
  LoadResult r = load_with_server("[tcp]\nsyn_cookies = false\nout_of_order_memory = \"8m\"\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_FALSE(r.config->tcp.syn_cookies);
  EXPECT_EQ(r.config->tcp.out_of_order_memory, 8u << 20);
  LoadResult bad = load_with_server("[tcp]\nout_of_order_memory = \"1k\"\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(all_errors(bad).find("tcp.out_of_order_memory: 1k is out of range; expected a size in "
                                 "64k..64g"),
            std::string::npos)
      << all_errors(bad);
}

}  // namespace
}  // namespace sluice::conf
