// Wall-clock dates for HTTP headers and logs, formatted once per second per worker.
// RFC 9110 5.6.7 (HTTP-date): IMF-fixdate is generated; all three historical forms are parsed.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::http {

// "Sun, 06 Nov 1994 08:49:37 GMT"
std::string format_http_date(int64_t unix_seconds);
// IMF-fixdate, RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") or asctime ("Sun Nov  6 08:49:37 1994").
std::optional<int64_t> parse_http_date(std::string_view text);
// nginx $time_local: "06/Nov/1994:08:49:37 +0000" in the process's local time zone.
std::string format_log_time(int64_t unix_seconds);

// The worker calls update() once per loop iteration with the wall clock; everything else reads it.
// Nothing in here reads a clock.
class DateCache {
 public:
  explicit DateCache(int64_t wall_seconds = 0) { update(wall_seconds); }
  void update(int64_t wall_seconds);
  int64_t seconds() const { return seconds_; }
  const std::string& http_date() const { return http_date_; }
  const std::string& log_time() const { return log_time_; }

 private:
  int64_t seconds_ = -1;
  std::string http_date_;
  std::string log_time_;
};

}  // namespace sluice::http
