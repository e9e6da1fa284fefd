// Consistent hashing for balance = "hash" (Karger et al. 1997, as in libketama): every primary
// server owns `points * weight` points on a 32-bit ring; a key goes to the first point at or after
// its hash. Removing a server (or skipping one that is down) moves only the keys it owned, about
// 1/N of them: cache affinity for CDN tiers survives membership changes.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "proxy/peer.h"

namespace sluice::proxy {

// A stable 32-bit hash of bytes (FNV-1a 64 with a murmur3-style finalizer, upper half).
uint32_t hash32(std::string_view bytes);

class HashRing {
 public:
  // Points for every peer in `peers` that is not a backup; `points` per unit of weight.
  HashRing(const std::vector<Peer>& peers, unsigned points);
  // Visits peer indexes in ring order from `key`, each peer once, until `visit` returns true.
  // Returns the index it accepted, or -1.
  template <typename Visit>
  int walk(uint32_t key, Visit&& visit) const;
  size_t size() const { return ring_.size(); }

 private:
  struct Point {
    uint32_t hash;
    uint32_t peer;
  };
  size_t first_at_or_after(uint32_t key) const;
  std::vector<Point> ring_;  // sorted by hash
  size_t peer_count_ = 0;
};

template <typename Visit>
int HashRing::walk(uint32_t key, Visit&& visit) const {
  if (ring_.empty()) return -1;
  std::vector<bool> seen(peer_count_);
  size_t distinct = 0;
  size_t start = first_at_or_after(key);
  for (size_t i = 0; i < ring_.size() && distinct < peer_count_; ++i) {
    const Point& p = ring_[(start + i) % ring_.size()];
    if (seen[p.peer]) continue;
    seen[p.peer] = true;
    ++distinct;
    if (visit(int(p.peer))) return int(p.peer);
  }
  return -1;
}

}  // namespace sluice::proxy
