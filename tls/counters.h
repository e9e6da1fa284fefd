// Per-worker TLS counters, and the rate limit for handshake failure messages.
#pragma once
#include <cstdint>
#include <string>

#include "core/time.h"

namespace sluice::tls {

struct TlsCounters {
  uint64_t handshakes = 0;            // completed
  uint64_t resumed = 0;               // of those, resumed (ticket or session cache)
  uint64_t tls1_2 = 0, tls1_3 = 0;    // completed, by version
  uint64_t handshake_failures = 0;    // a fatal alert sent or received during the handshake
  uint64_t handshake_timeouts = 0;
  uint64_t handshake_eof = 0;         // the peer left (FIN or RST) before finishing the handshake
  uint64_t record_errors = 0;         // fatal errors after the handshake (bad record, peer alert)
  uint64_t close_notify = 0;          // the peer closed with close_notify
  uint64_t eof_without_close_notify = 0;
  uint64_t sni_unknown = 0;           // SNI named no server here: the address's first server answered
  uint64_t alpn_refused = 0;          // RFC 7301 3.2: no protocol in common
  uint64_t ocsp_stapled = 0;
  uint64_t drained = 0;               // closed connections whose last records were flushed later

  std::string to_string() const;
};

// At most `burst` messages per `window`; the rest are counted and reported with the next message.
class LogRateLimit {
 public:
  explicit LogRateLimit(unsigned burst = 10, Duration window = Duration::seconds(1))
      : burst_(burst), window_(window) {}
  // True when a message may be written at `now`; `*suppressed` is then how many were dropped
  // since the last one written.
  bool allow(Instant now, uint64_t* suppressed) {
    if (now - window_start_ >= window_) {
      window_start_ = now;
      used_ = 0;
    }
    if (used_ >= burst_) {
      ++dropped_;
      return false;
    }
    ++used_;
    *suppressed = dropped_;
    dropped_ = 0;
    return true;
  }

 private:
  unsigned burst_;
  Duration window_;
  Instant window_start_{INT64_MIN / 2};
  unsigned used_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace sluice::tls
