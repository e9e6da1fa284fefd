// What one load worker counted, and the merged result over all workers.
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "bench/load/histogram.h"
#include "core/time.h"

namespace sluice::bench {

enum class ErrorKind : uint8_t {
  kConnectRefused,   // RST to our SYN
  kConnectTimeout,   // no handshake within --timeout (or SYN retries ran out)
  kConnectFailed,    // no local port, unreachable, or the transport refused to open
  kReset,            // RST on an established connection
  kTimeout,          // no complete response within --timeout
  kClosedEarly,      // the peer closed before the response was complete
  kBadStatus,        // a complete response whose status is not 2xx/3xx
  kParse,            // a malformed response
  kCount,
};
const char* to_string(ErrorKind k);

struct Stats {
  Histogram latency;               // microseconds, per completed response
  uint64_t responses = 0;          // complete responses (any status)
  uint64_t requests_sent = 0;
  uint64_t connections = 0;        // connections established
  uint64_t body_bytes = 0;
  std::array<uint64_t, 6> status_class{};  // [1] = 1xx (never counted), ... [5] = 5xx; [0] other
  std::array<uint64_t, size_t(ErrorKind::kCount)> errors{};
  Duration elapsed{};              // the recorded span (after warm-up)

  void add_error(ErrorKind k) { errors[size_t(k)]++; }
  uint64_t total_errors() const;
  void merge(const Stats& o);
  double requests_per_second() const;
  double connections_per_second() const;
};

// The human table (wrk-like) and the JSON object.
std::string format_table(const Stats& s, const std::string& what);
std::string format_json(const Stats& s, const std::string& what);

}  // namespace sluice::bench
