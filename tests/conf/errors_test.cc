// Invalid configurations: each kind of error, its message, and its exact line and column.
#include <gtest/gtest.h>

#include "conf/load.h"
#include "tests/conf/temp_dir.h"

namespace sluice::conf {
namespace {

using testing::TempDir;
using Lines = std::vector<std::string>;

// A kernel-backend server whose one location roots at www: 7 lines, so a snippet appended after it
// starts at line 8.
constexpr const char* kValidBase = R"([network]
backend = "kernel"
[[server]]
listen = ["8080"]
[[server.location]]
path = "/"
root = "www"
)";

// A server to append at the end of files that test the sections before it.
constexpr const char* kServerTail = R"(
[[server]]
listen = ["8080"]
[[server.location]]
path = "/"
root = "www"
)";

class ErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir.mkdir("www");
    dir.write("www/favicon.ico", "icon");
  }
  // Every error as "FILE:LINE:COL: message", in the order reported.
  Lines errors(std::string_view text) {
    LoadResult r = load_string(text, "sluice.toml", dir.path());
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.config, nullptr);
    Lines out;
    for (const Error& e : r.errors) out.push_back(e.to_string());
    return out;
  }
  // Errors of `snippet` appended to kValidBase (the snippet's first line is line 8).
  Lines errors_after_base(const std::string& snippet) { return errors(std::string(kValidBase) + snippet); }
  // Errors of `sections` (line 1 onwards) followed by a server.
  Lines errors_before_server(const std::string& sections) { return errors(sections + kServerTail); }
  std::string www() const { return dir / "www"; }
  TempDir dir;
};

// --- syntax ---------------------------------------------------------------------------------------

TEST_F(ErrorsTest, SyntaxErrorIsTheOnlyErrorReported) {
  EXPECT_EQ(errors("[process]\nworkers = \nbogus = 1\n"),
            Lines{"sluice.toml:2:11: TOML syntax error: Error while parsing key-value pair: expected value, saw '\\n'"});
}

TEST_F(ErrorsTest, DuplicateKeyIsASyntaxError) {
  Lines e = errors("[process]\nworkers = 1\nworkers = 2\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].rfind("sluice.toml:3:", 0), 0u) << e[0];
  EXPECT_NE(e[0].find("TOML syntax error"), std::string::npos) << e[0];
}

// --- unknown keys ---------------------------------------------------------------------------------

TEST_F(ErrorsTest, UnknownKeyWithSuggestion) {
  EXPECT_EQ(errors_after_base("[process]\nwrokers = 2\n"),
            Lines{"sluice.toml:9:1: unknown key `process.wrokers`; did you mean `workers`?"});
}

TEST_F(ErrorsTest, UnknownKeySuggestsByPrefix) {
  EXPECT_EQ(errors_after_base("[http]\n  keepalive = \"75s\"\n"),
            Lines{"sluice.toml:9:3: unknown key `http.keepalive`; did you mean `keepalive_timeout`?"});
}

TEST_F(ErrorsTest, UnknownKeyWithoutSuggestion) {
  EXPECT_EQ(errors_after_base("banana = 1\n"), Lines{"sluice.toml:8:1: unknown key `server[0].location[0].banana`"});
}

TEST_F(ErrorsTest, UnknownKeyInsideLocation) {
  EXPECT_EQ(errors_after_base("indx = [\"a.html\"]\n"),
            Lines{"sluice.toml:8:1: unknown key `server[0].location[0].indx`; did you mean `index`?"});
}

TEST_F(ErrorsTest, UnknownKeyInsideServer) {
  EXPECT_EQ(errors("[network]\nbackend = \"kernel\"\n[[server]]\nlisten = [\"80\"]\nserver_nmae = [\"a\"]\n"
                   "[[server.location]]\npath = \"/\"\nroot = \"www\"\n"),
            Lines{"sluice.toml:5:1: unknown key `server[0].server_nmae`; did you mean `server_name`?"});
}

TEST_F(ErrorsTest, UnknownTableWithSuggestion) {
  EXPECT_EQ(errors_after_base("[proces]\n"), Lines{"sluice.toml:8:2: unknown table `[proces]`; did you mean `process`?"});
}

// --- wrong types ----------------------------------------------------------------------------------

TEST_F(ErrorsTest, WorkersOfTheWrongType) {
  // The brief's example, on line 7 with the value at column 11.
  EXPECT_EQ(errors("[network]\nbackend = \"kernel\"\n\n\n\n[process]\nworkers = \"two\"\n" + std::string(kServerTail)),
            Lines{"sluice.toml:7:11: process.workers: expected a positive integer (1..256) or \"auto\", got string "
                  "\"two\""});
}

TEST_F(ErrorsTest, BooleanGivenAsString) {
  EXPECT_EQ(errors_after_base("[tcp]\nnodelay = \"yes\"\n"),
            Lines{"sluice.toml:9:11: tcp.nodelay: expected true or false, got string \"yes\""});
}

TEST_F(ErrorsTest, IntegerGivenAsStringOrFloat) {
  EXPECT_EQ(errors_after_base("[dpdk]\nport = \"0\"\n[http]\nmax_headers = 1.5\n"),
            (Lines{"sluice.toml:9:8: dpdk.port: expected an integer in 0..1023, got string \"0\"",
                   "sluice.toml:11:15: http.max_headers: expected an integer in 1..10000, got float 1.5"}));
}

TEST_F(ErrorsTest, ChoiceSuggestsTheClosestValue) {
  EXPECT_EQ(errors_before_server("[network]\nbackend = \"kernle\"\n"),
            Lines{"sluice.toml:2:11: network.backend: expected \"dpdk\" or \"kernel\", got string \"kernle\"; did you "
                  "mean \"kernel\"?"});
  EXPECT_EQ(errors_after_base("[tcp]\ncongestion = \"reno\"\n"),
            Lines{"sluice.toml:9:14: tcp.congestion: expected \"cubic\" or \"newreno\", got string \"reno\""});
}

TEST_F(ErrorsTest, SectionThatIsNotATable) {
  EXPECT_EQ(errors("process = \"x\"\n" + std::string(kValidBase)),
            Lines{"sluice.toml:1:11: process: expected a table ([process]), got string \"x\""});
}

TEST_F(ErrorsTest, ServerWrittenWithSingleBrackets) {
  EXPECT_EQ(errors("[network]\nbackend = \"kernel\"\n[server]\nlisten = [\"80\"]\n"),
            Lines{"sluice.toml:3:1: server: expected an array of tables ([[server]]), got a table; write "
                  "[[server]] with double brackets, once per entry"});
}

TEST_F(ErrorsTest, StringArrayWithANonString) {
  EXPECT_EQ(errors_after_base("index = [\"a.html\", 7]\n"),
            Lines{"sluice.toml:8:20: server[0].location[0].index[1]: expected a string, got integer 7"});
  EXPECT_EQ(errors_after_base("index = \"a.html\"\n"),
            Lines{"sluice.toml:8:9: server[0].location[0].index: expected an array of strings such as [\"a\", "
                  "\"b\"], got string \"a.html\""});
}

TEST_F(ErrorsTest, EmptyAndControlCharacterStrings) {
  EXPECT_EQ(errors_after_base("cache_control = \"\"\n"),
            Lines{"sluice.toml:8:17: server[0].location[0].cache_control: expected a non-empty string"});
  EXPECT_EQ(errors_after_base("cache_control = \"a\\r\\nX-Evil: 1\"\n"),
            Lines{"sluice.toml:8:17: server[0].location[0].cache_control: control characters (tab, newline, ...) "
                  "are not allowed in \"a??X-Evil: 1\""});
}

// --- ranges ---------------------------------------------------------------------------------------

TEST_F(ErrorsTest, IntegersOutOfRangeSayTheRange) {
  EXPECT_EQ(errors_after_base("[dpdk]\nmtu = 100\n[process]\nworkers = 0\ncpus = [5000]\n"),
            (Lines{"sluice.toml:9:7: dpdk.mtu: 100 is out of range; expected an integer in 576..9216",
                   "sluice.toml:11:11: process.workers: 0 is out of range; expected an integer in 1..256",
                   "sluice.toml:12:9: process.cpus[0]: 5000 is out of range; expected an integer in 0..1023"}));
  EXPECT_EQ(errors_after_base("[dpdk]\nmtu = 9217\n"),
            Lines{"sluice.toml:9:7: dpdk.mtu: 9217 is out of range; expected an integer in 576..9216"});
  EXPECT_EQ(errors_after_base("[tcp]\nmax_time_wait = -1\n"),
            Lines{"sluice.toml:9:17: tcp.max_time_wait: -1 is out of range; expected an integer in 0..16777216"});
}

TEST_F(ErrorsTest, DurationsAndSizesOutOfRange) {
  EXPECT_EQ(errors_after_base("[tcp]\ndelayed_ack = \"600ms\"\nkeepalive = 0\nreceive_buffer = 100\n"),
            (Lines{"sluice.toml:9:15: tcp.delayed_ack: 600ms is out of range; expected a duration in 0s..500ms",
                   "sluice.toml:10:13: tcp.keepalive: 0s is out of range; expected a duration in 1s..1d",
                   "sluice.toml:11:18: tcp.receive_buffer: 100 is out of range; expected a size in 4k..1g"}));
}

TEST_F(ErrorsTest, MalformedDurations) {
  const std::string expected =
      "tcp.time_wait: expected a duration in 1ms..10m such as \"500ms\", \"75s\", \"2m\", \"1h\" (units us, ms, s, m, "
      "h, d) or whole seconds, got ";
  EXPECT_EQ(errors_after_base("[tcp]\ntime_wait = \"abc\"\n"), Lines{"sluice.toml:9:13: " + expected + "string \"abc\""});
  EXPECT_EQ(errors_after_base("[tcp]\ntime_wait = \"-5s\"\n"), Lines{"sluice.toml:9:13: " + expected + "string \"-5s\""});
  EXPECT_EQ(errors_after_base("[tcp]\ntime_wait = -5\n"), Lines{"sluice.toml:9:13: " + expected + "integer -5"});
  EXPECT_EQ(errors_after_base("[tcp]\ntime_wait = \"1.5s\"\n"), Lines{"sluice.toml:9:13: " + expected + "string \"1.5s\""});
}

TEST_F(ErrorsTest, MalformedSizes) {
  const std::string expected =
      "tcp.send_buffer: expected a size in 4k..1g such as \"8k\", \"1m\", \"1g\" or a whole number of bytes, got ";
  EXPECT_EQ(errors_after_base("[tcp]\nsend_buffer = \"1t\"\n"), Lines{"sluice.toml:9:15: " + expected + "string \"1t\""});
  EXPECT_EQ(errors_after_base("[tcp]\nsend_buffer = \"8kb\"\n"), Lines{"sluice.toml:9:15: " + expected + "string \"8kb\""});
  EXPECT_EQ(errors_after_base("[tcp]\nsend_buffer = true\n"), Lines{"sluice.toml:9:15: " + expected + "boolean true"});
}

// --- addresses ------------------------------------------------------------------------------------

TEST_F(ErrorsTest, BadCidrAddresses) {
  const std::string expected = "dpdk.address: expected an IPv4 address with a prefix length 1..32 such as "
                               "\"198.18.0.2/24\", got string ";
  for (std::string bad : {"198.18.0.2", "198.18.0.2/33", "198.18.0.2/0", "300.1.1.1/24", "198.18.0.2/", "x/24"})
    EXPECT_EQ(errors_after_base("[dpdk]\naddress = \"" + bad + "\"\n"),
              Lines{"sluice.toml:9:11: " + expected + "\"" + bad + "\""});
}

TEST_F(ErrorsTest, CidrThatIsNotAHostAddress) {
  EXPECT_EQ(errors_after_base("[dpdk]\naddress = \"198.18.0.0/24\"\n"),
            Lines{"sluice.toml:9:11: dpdk.address: 198.18.0.0/24: this is the network address of its subnet, not a "
                  "host address"});
  EXPECT_EQ(errors_after_base("[dpdk]\naddress = \"198.18.0.255/24\"\n"),
            Lines{"sluice.toml:9:11: dpdk.address: 198.18.0.255/24: this is the broadcast address of its subnet, not "
                  "a host address"});
  EXPECT_EQ(errors_after_base("[dpdk]\naddress = \"224.0.0.1/24\"\n"),
            Lines{"sluice.toml:9:11: dpdk.address: 224.0.0.1/24: a multicast address is not a host address"});
}

TEST_F(ErrorsTest, BadGateway) {
  EXPECT_EQ(errors_after_base("[dpdk]\ngateway = \"198.18.0\"\n"),
            Lines{"sluice.toml:9:11: dpdk.gateway: expected an IPv4 address such as \"198.18.0.1\", got string "
                  "\"198.18.0\""});
}

TEST_F(ErrorsTest, BadListenAddresses) {
  const std::string expected =
      ": expected \"IP:PORT\", \"[IPv6]:PORT\", \"*:PORT\" or \"PORT\" with a port in 1..65535, got ";
  EXPECT_EQ(errors("[network]\nbackend = \"kernel\"\n[[server]]\n"
                   "listen = [\"foo:80\", 0, 70000, \"1.2.3.4:0\", \"8080\", \"*:8080\"]\n"
                   "[[server.location]]\npath = \"/\"\nroot = \"www\"\n"),
            (Lines{"sluice.toml:4:11: server[0].listen[0]" + expected + "string \"foo:80\"",
                   "sluice.toml:4:21: server[0].listen[1]" + expected + "integer 0",
                   "sluice.toml:4:24: server[0].listen[2]" + expected + "integer 70000",
                   "sluice.toml:4:31: server[0].listen[3]" + expected + "string \"1.2.3.4:0\"",
                   "sluice.toml:4:52: server[0].listen[5]: 0.0.0.0:8080 is listed twice"}));
}

// --- missing --------------------------------------------------------------------------------------

TEST_F(ErrorsTest, EmptyFileNeedsABackendAndAServer) {
  EXPECT_EQ(errors(""),
            (Lines{"sluice.toml:1:1: network.backend is \"dpdk\" by default, which needs a [dpdk] table with the "
                   "stack's address (address = \"198.18.0.2/24\"); set backend = \"kernel\" under [network] to use "
                   "kernel sockets instead",
                   "sluice.toml:1:1: no [[server]]: at least one server with a listen address and a location is "
                   "required"}));
}

TEST_F(ErrorsTest, DpdkBackendNeedsAnAddress) {
  EXPECT_EQ(errors("[network]\nbackend = \"dpdk\"\n" + std::string(kServerTail)),
            Lines{"sluice.toml:2:11: network.backend is \"dpdk\", which needs a [dpdk] table with the stack's address "
                  "(address = \"198.18.0.2/24\"); set backend = \"kernel\" under [network] to use kernel sockets "
                  "instead"});
  EXPECT_EQ(errors("[dpdk]\nport = 1\n" + std::string(kServerTail)),
            Lines{"sluice.toml:1:1: dpdk.address: missing; backend = \"dpdk\" needs the stack's own address and prefix "
                  "length, such as address = \"198.18.0.2/24\""});
}

TEST_F(ErrorsTest, ServerNeedsListenAndLocation) {
  EXPECT_EQ(errors("[network]\nbackend = \"kernel\"\n\n[[server]]\nserver_name = [\"a\"]\n"),
            (Lines{"sluice.toml:4:1: server[0].listen: missing; a server needs at least one listen address, e.g. "
                   "listen = [\"127.0.0.1:8080\"]",
                   "sluice.toml:4:1: server[0].location: missing; a server needs at least one [[server.location]]"}));
  EXPECT_EQ(errors("[network]\nbackend = \"kernel\"\n[[server]]\nlisten = []\nlocation = []\n"),
            (Lines{"sluice.toml:4:10: server[0].listen: expected a non-empty array of addresses such as "
                   "[\"127.0.0.1:8080\", \"*:80\"], got an empty array",
                   "sluice.toml:5:12: server[0].location: a server needs at least one [[server.location]]"}));
}

TEST_F(ErrorsTest, LocationNeedsPathAndContent) {
  EXPECT_EQ(errors_after_base("  [[server.location]]\n  index = []\n"),
            (Lines{"sluice.toml:8:3: server[0].location[1].path: missing; a location needs a path such as \"/\" or "
                   "\"= /exact\"",
                   "sluice.toml:8:3: server[0].location[1]: a location needs `root`, `alias` or `proxy_pass` to say "
                   "where its content comes from"}));
}

// --- rules across keys ----------------------------------------------------------------------------

TEST_F(ErrorsTest, CpusMustMatchWorkers) {
  EXPECT_EQ(errors_after_base("[process]\nworkers = 3\ncpus = [0, 1]\n"),
            Lines{"sluice.toml:10:8: process.cpus: has 2 CPU ids but there are 3 workers; give exactly one CPU per "
                  "worker"});
}

TEST_F(ErrorsTest, CpusNotCheckedAgainstInvalidWorkers) {
  EXPECT_EQ(errors_after_base("[process]\nworkers = \"many\"\ncpus = [0, 1]\n").size(), 1u);
}

TEST_F(ErrorsTest, RootAndAliasAreExclusive) {
  EXPECT_EQ(errors_after_base("alias = \"www\"\n"),
            Lines{"sluice.toml:8:9: server[0].location[0].alias: `root` and `alias` cannot both be set; root maps a "
                  "request to root + URI, alias to alias + (URI minus path)"});
}

TEST_F(ErrorsTest, RootMustBeAnExistingDirectory) {
  EXPECT_EQ(errors("[network]\nbackend = \"kernel\"\n[[server]]\nlisten = [\"80\"]\n[[server.location]]\npath = \"/\"\n"
                   "root = \"missing\"\n[[server.location]]\npath = \"/f/\"\nalias = \"www/favicon.ico\"\n"),
            (Lines{"sluice.toml:7:8: server[0].location[0].root: " + (dir / "missing") + " does not exist",
                   "sluice.toml:10:9: server[0].location[1].alias: " + www() + "/favicon.ico is not a directory"}));
}

TEST_F(ErrorsTest, LocationPathRules) {
  EXPECT_EQ(errors_after_base("[[server.location]]\npath = \"static\"\nroot = \"www\"\n"),
            Lines{"sluice.toml:9:8: server[0].location[1].path: expected a path starting with \"/\" (prefix match) or "
                  "\"= /path\" (exact match), got string \"static\""});
  EXPECT_EQ(errors_after_base("[[server.location]]\npath = \"= \"\nroot = \"www\"\n").size(), 1u);
}

TEST_F(ErrorsTest, DuplicateLocationPaths) {
  EXPECT_EQ(errors_after_base("[[server.location]]\npath = \"/\"\nproxy_pass = \"http://10.0.0.1:80\"\n"),
            Lines{"sluice.toml:9:8: server[0].location[1].path: \"/\" is already a location of this server (line 5)"});
  // The same path as exact and as prefix match is fine, as in nginx.
  LoadResult r = load_string(std::string(kValidBase) + "[[server.location]]\npath = \"= /\"\nroot = \"www\"\n",
                             "sluice.toml", dir.path());
  EXPECT_TRUE(r.ok());
}

TEST_F(ErrorsTest, ErrorPageRules) {
  EXPECT_EQ(errors_after_base("error_page = { 404 = \"404.html\", 99 = \"/x\", abc = \"/y\", 500 = 5 }\n"),
            (Lines{"sluice.toml:8:22: server[0].location[0].error_page.404: expected a URI starting with \"/\", got "
                   "string \"404.html\"",
                   "sluice.toml:8:34: server[0].location[0].error_page.99: expected a status code 300..599 as the "
                   "key, got \"99\"",
                   "sluice.toml:8:45: server[0].location[0].error_page.abc: expected a status code 300..599 as the "
                   "key, got \"abc\"",
                   "sluice.toml:8:63: server[0].location[0].error_page.500: expected a string, got integer 5"}));
}

TEST_F(ErrorsTest, TryFilesRules) {
  EXPECT_EQ(errors_after_base("try_files = [\"=404\", \"$uri\"]\n"),
            Lines{"sluice.toml:8:14: server[0].location[0].try_files[0]: \"=CODE\" must be the last element, got "
                  "string \"=404\""});
  EXPECT_EQ(errors_after_base("try_files = [\"$uri\", \"=99\"]\n"),
            Lines{"sluice.toml:8:22: server[0].location[0].try_files[1]: expected \"=CODE\" with a status code "
                  "200..599, got string \"=99\""});
  EXPECT_EQ(errors_after_base("try_files = [\"index.html\"]\n"),
            Lines{"sluice.toml:8:14: server[0].location[0].try_files[0]: expected a URI starting with \"/\", a "
                  "variable such as \"$uri\", or a final \"=CODE\", got string \"index.html\""});
  EXPECT_EQ(errors_after_base("try_files = []\n"),
            Lines{"sluice.toml:8:13: server[0].location[0].try_files: expected at least one element"});
  EXPECT_EQ(errors_after_base("try_files = [\"/a$uri\", \"$args\", \"/x\"]\n"),
            Lines{"sluice.toml:8:24: server[0].location[0].try_files[1]: the only variable try_files knows is "
                  "$uri, got string \"$args\""});
}

TEST_F(ErrorsTest, MaxRangesRange) {
  EXPECT_EQ(errors_after_base("max_ranges = 5000\n").size(), 1u);
  EXPECT_EQ(errors_after_base("max_ranges = -1\n").size(), 1u);
  LoadResult off = load_string(std::string(kValidBase) + "max_ranges = 0\n", "sluice.toml", dir.path());
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off.config->servers[0].locations[0].max_ranges, 0u);  // 0: ranges off
}

TEST_F(ErrorsTest, RtoOrder) {
  EXPECT_EQ(errors_after_base("[tcp]\nrto_min = \"2s\"\nrto_initial = \"1s\"\n"),
            Lines{"sluice.toml:9:11: tcp.rto_min: rto_min (2s) must not exceed rto_initial (1s)"});
  EXPECT_EQ(errors_after_base("[tcp]\nrto_initial = \"50s\"\nrto_max = \"10s\"\n"),
            Lines{"sluice.toml:9:15: tcp.rto_initial: rto_initial (50s) must not exceed rto_max (10s)"});
}

TEST_F(ErrorsTest, FileCacheFileLargerThanCache) {
  EXPECT_EQ(errors_after_base("[file_cache]\nmax_bytes = \"1m\"\nmax_file_size = \"2m\"\n"),
            Lines{"sluice.toml:10:17: file_cache.max_file_size: 2m is larger than the whole cache (max_bytes = 1m); "
                  "such a file could never be cached"});
}

TEST_F(ErrorsTest, DpdkListenAddressMustBeOurs) {
  EXPECT_EQ(errors("[dpdk]\naddress = \"198.18.0.2/24\"\n[[server]]\n"
                   "listen = [\"127.0.0.1:8080\", \"*:80\", \"198.18.0.2:81\", \"[::1]:80\"]\n"
                   "[[server.location]]\npath = \"/\"\nroot = \"www\"\n"),
            (Lines{"sluice.toml:4:11: server[0].listen[0]: 127.0.0.1:8080 cannot work: with backend = \"dpdk\" this "
                   "host's only address is 198.18.0.2 (dpdk.address); listen on \"198.18.0.2:8080\" or \"*:8080\"",
                   "sluice.toml:4:54: server[0].listen[3]: [::1]:80 cannot work: the dpdk backend speaks IPv4 only"}));
}

TEST_F(ErrorsTest, ErrorLogCannotBeOff) {
  EXPECT_EQ(errors_after_base("[process]\nerror_log = \"off\"\n"),
            Lines{"sluice.toml:9:13: process.error_log: the error log cannot be turned off; use error_log_level = "
                  "\"crit\" to log less"});
}

// --- collecting -----------------------------------------------------------------------------------

TEST_F(ErrorsTest, AllErrorsAreCollectedAndSortedByPosition) {
  Lines e = errors("[tcp]\nnodelay = 1\n[process]\nworkers = -1\ncpu = [0]\n[network]\nbackend = \"kernel\"\n"
                   "[[server]]\nlisten = [\"x\"]\n[[server.location]]\npath = \"/\"\nroot = \"nowhere\"\n");
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[0].substr(0, 18), "sluice.toml:2:11: ");
  EXPECT_EQ(e[1].substr(0, 18), "sluice.toml:4:11: ");
  EXPECT_EQ(e[2], "sluice.toml:5:1: unknown key `process.cpu`; did you mean `cpus`?");
  EXPECT_EQ(e[3].substr(0, 18), "sluice.toml:9:11: ");
  EXPECT_EQ(e[4].substr(0, 19), "sluice.toml:12:8: s");
}

TEST_F(ErrorsTest, OneErrorPerBadValueNoCascades) {
  // An invalid backend must not add "dpdk needs an address"; an invalid rto must not add an order error.
  EXPECT_EQ(errors_before_server("[network]\nbackend = 5\n[tcp]\nrto_min = \"x\"\nrto_initial = \"10ms\"\n").size(), 2u);
}

// --- robustness ---------------------------------------------------------------------------------

// Seeded byte mutations of a valid file: each must load or give positioned errors, never crash.
TEST_F(ErrorsTest, MutatedFilesNeverCrash) {
  const std::string base = std::string(kValidBase) +
                           "[process]\nworkers = \"auto\"\n[tcp]\ntime_wait = \"60s\"\nsend_buffer = \"8k\"\n"
                           "[dpdk]\naddress = \"198.18.0.2/24\"\n";
  const char alphabet[] = "[]{}=\",.:/0123456789aeiorstuz#\n \\-";
  uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1103515245u + 12345u;
    return state >> 8;
  };
  for (int i = 0; i < 3000; ++i) {
    std::string text = base;
    for (int edits = 1 + int(next() % 4); edits > 0; --edits) {
      size_t at = next() % text.size();
      switch (next() % 3) {
        case 0: text[at] = alphabet[next() % (sizeof alphabet - 1)]; break;
        case 1: text.erase(at, 1 + next() % 8); break;
        default: text.insert(at, 1, alphabet[next() % (sizeof alphabet - 1)]); break;
      }
    }
    LoadResult r = load_string(text, "m.toml", dir.path());
    ASSERT_EQ(r.ok(), r.errors.empty()) << text;
    for (const Error& e : r.errors) {
      ASSERT_FALSE(e.message.empty()) << text;
      ASSERT_GE(e.line, 1) << e.to_string() << "\n" << text;
    }
  }
}

}  // namespace
}  // namespace sluice::conf
