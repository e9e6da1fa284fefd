// [tcp], [http] and [file_cache]: numbers with ranges, and the few rules that tie them together.
#include "conf/sections.h"
#include "conf/units.h"

namespace sluice::conf::detail {
namespace {

constexpr Duration ms(int64_t v) { return Duration::millis(v); }
constexpr Duration sec(int64_t v) { return Duration::seconds(v); }
constexpr uint64_t kKiB = 1024, kMiB = 1024 * kKiB, kGiB = 1024 * kMiB;

// RFC 6298 2.4: RTO.min <= RTO.initial <= RTO.max. Reported at the later key in the pair.
void check_rto_order(TableReader& r, const TcpConfig& t) {
  auto complain = [&](std::string_view key, const std::string& rule) {
    const toml::node* node = r.get(key);
    Pos at = node ? pos_of(*node) : r.pos();
    r.diag().error(at, r.name(key) + ": " + rule);
  };
  if (t.rto_min > t.rto_initial)
    complain(r.get("rto_min") ? "rto_min" : "rto_initial",
             "rto_min (" + format_duration(t.rto_min) + ") must not exceed rto_initial (" +
                 format_duration(t.rto_initial) + ")");
  if (t.rto_initial > t.rto_max)
    complain(r.get("rto_initial") ? "rto_initial" : "rto_max",
             "rto_initial (" + format_duration(t.rto_initial) + ") must not exceed rto_max (" +
                 format_duration(t.rto_max) + ")");
}

}  // namespace

void load_tcp(TableReader& r, TcpConfig& out) {
  size_t errors_before = r.diag().count();
  r.read_duration("time_wait", out.time_wait, ms(1), sec(600));
  // RFC 1122 4.2.3.2: an ACK must not be delayed more than 0.5 s.
  r.read_duration("delayed_ack", out.delayed_ack, Duration::zero(), ms(500));
  r.read_bool("nodelay", out.nodelay);
  r.read_int("backlog", out.backlog, 1, 65535);
  r.read_int("syn_backlog", out.syn_backlog, 1, 1 << 20);
  r.read_bool("syn_cookies", out.syn_cookies);  // RFC 4987 3.6
  r.read_int("max_connections", out.max_connections, 1, 1 << 24);
  r.read_int("max_time_wait", out.max_time_wait, 0, 1 << 24);
  r.read_duration("rto_initial", out.rto_initial, ms(10), sec(60));
  r.read_duration("rto_min", out.rto_min, ms(1), sec(10));
  r.read_duration("rto_max", out.rto_max, ms(100), sec(600));
  r.read_int("max_retransmits", out.max_retransmits, 1, 64);
  r.read_int("syn_retries", out.syn_retries, 1, 32);
  // RFC 7323 2.3: with window scaling a window reaches at most 1 GiB.
  r.read_size("send_buffer", out.send_buffer, 4 * kKiB, kGiB);
  r.read_size("receive_buffer", out.receive_buffer, 4 * kKiB, kGiB);
  r.read_choice("congestion", out.congestion,
                {{"cubic", CongestionControl::kCubic}, {"newreno", CongestionControl::kNewReno}});
  r.read_duration("keepalive", out.keepalive, sec(1), sec(86400));
  // At least a few windows' worth, at most what a worker could sensibly hold.
  r.read_size("out_of_order_memory", out.out_of_order_memory, 64 * kKiB, 64 * kGiB);
  if (r.diag().count() == errors_before) check_rto_order(r, out);
}

void load_http(TableReader& r, HttpLimits& out) {
  r.read_duration("client_header_timeout", out.client_header_timeout, ms(1), sec(3600));
  r.read_duration("client_body_timeout", out.client_body_timeout, ms(1), sec(3600));
  r.read_duration("send_timeout", out.send_timeout, ms(1), sec(3600));
  r.read_duration("keepalive_timeout", out.keepalive_timeout, Duration::zero(), sec(3600));
  r.read_int("keepalive_requests", out.keepalive_requests, 1, 1000000000);
  r.read_duration("lingering_time", out.lingering_time, Duration::zero(), sec(3600));
  r.read_duration("lingering_timeout", out.lingering_timeout, Duration::zero(), sec(3600));
  r.read_size("client_max_body_size", out.client_max_body_size, 1, 1024 * kGiB);
  r.read_size("max_request_line", out.max_request_line, 256, kMiB);
  r.read_size("max_header_size", out.max_header_size, kKiB, 16 * kMiB);
  r.read_int("max_headers", out.max_headers, 1, 10000);
  r.read_bool("server_tokens", out.server_tokens);
}

void load_file_cache(TableReader& r, FileCacheConfig& out) {
  size_t errors_before = r.diag().count();
  r.read_bool("enabled", out.enabled);
  r.read_size("max_bytes", out.max_bytes, kKiB, 1024 * kGiB);
  r.read_int("max_entries", out.max_entries, 1, 100000000);
  r.read_size("max_file_size", out.max_file_size, 1, 1024 * kGiB);
  r.read_duration("revalidate", out.revalidate, Duration::zero(), sec(3600));
  if (r.diag().count() == errors_before && out.max_file_size > out.max_bytes) {
    const toml::node* node = r.get("max_file_size");
    if (!node) node = r.get("max_bytes");
    r.diag().error(node ? pos_of(*node) : r.pos(),
                   r.name("max_file_size") + ": " + format_size(out.max_file_size) +
                       " is larger than the whole cache (max_bytes = " + format_size(out.max_bytes) +
                       "); such a file could never be cached");
  }
}

}  // namespace sluice::conf::detail
