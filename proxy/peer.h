// One upstream server as one worker sees it: its configuration, and the state balancing and health
// keep for it. Per worker, touched by that worker only.
#pragma once
#include <cstdint>

#include "conf/config.h"
#include "core/time.h"
#include "transport/address.h"

namespace sluice::proxy {

struct Peer {
  explicit Peer(const conf::UpstreamServer& s)
      : address(s.address), weight(int(s.weight)), max_fails(s.max_fails), fail_timeout(s.fail_timeout),
        backup(s.backup), down(s.down), effective_weight(int(s.weight)) {}

  transport::Address address;
  int weight;
  unsigned max_fails;
  Duration fail_timeout;
  bool backup;
  bool down;              // configured out

  // Smooth weighted round-robin (nginx's ngx_http_upstream_get_peer).
  int effective_weight;   // lowered by failures, recovers by one per selection
  int64_t current_weight = 0;

  // Passive health (nginx's max_fails/fail_timeout): `fails` failures, the last at `last_fail`.
  unsigned fails = 0;
  Instant last_fail{};

  // Active health: out after `fall` failed checks in a row, back after `rise` good ones.
  bool check_down = false;
  unsigned check_ok = 0;      // successes in a row
  unsigned check_failed = 0;  // failures in a row

  unsigned active = 0;    // requests in flight (least_conn)
  uint64_t selected = 0;  // times picked, for counters and tests

  // Eligible for a new request now: not down, not failed out (max_fails within fail_timeout),
  // not failing active checks. A failed-out server gets one trial once fail_timeout has passed.
  bool available(Instant now) const {
    if (down || check_down) return false;
    if (max_fails == 0 || fails < max_fails) return true;
    return now - last_fail >= fail_timeout;
  }
};

}  // namespace sluice::proxy
