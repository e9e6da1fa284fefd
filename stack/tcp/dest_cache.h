// RFC 9040 (TCP Control Block Interdependence) 4, temporal sharing: what a finished connection
// learned of a host's round trip seeds the next connection to it. Without it, RFC 6298 2.1 gives
// every SYN a 1 s retransmission timeout: one SYN lost to a busy upstream costs a reverse proxy's
// request a whole second. Seeded, the timeout follows the path (never below rto_min).
//
// Per worker, bounded: a direct-mapped table, a newer host overwrites an older one in its slot.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/time.h"

namespace sluice::stack::tcp {

class DestinationCache {
 public:
  struct Rtt {
    Duration srtt, rttvar;
  };
  explicit DestinationCache(size_t slots) : slots_(slots) {}

  // RFC 9040 4.2 "temporal sharing, cache update": a connection to `ip` ends with these.
  void remember(uint32_t ip, Rtt rtt);
  // RFC 9040 4.2 "cache use": the values for a new connection to `ip`, if any.
  std::optional<Rtt> lookup(uint32_t ip) const;

 private:
  struct Slot {
    uint32_t ip = 0;
    bool used = false;
    Rtt rtt{};
  };
  size_t index(uint32_t ip) const;
  std::vector<Slot> slots_;
};

}  // namespace sluice::stack::tcp
