#include "proxy/hash_ring.h"

#include <algorithm>
#include <string>

namespace sluice::proxy {

uint32_t hash32(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return uint32_t(h >> 32);
}

HashRing::HashRing(const std::vector<Peer>& peers, unsigned points) {
  peer_count_ = peers.size();
  for (size_t i = 0; i < peers.size(); ++i) {
    if (peers[i].backup) continue;
    // A point's position depends on the server's address only, never on its place in the list,
    // so adding or removing another server leaves this one's points where they were.
    std::string base = peers[i].address.to_string() + "#";
    unsigned n = points * unsigned(peers[i].weight);
    for (unsigned k = 0; k < n; ++k) ring_.push_back({hash32(base + std::to_string(k)), uint32_t(i)});
  }
  std::sort(ring_.begin(), ring_.end(), [](const Point& a, const Point& b) {
    return a.hash != b.hash ? a.hash < b.hash : a.peer < b.peer;
  });
}

size_t HashRing::first_at_or_after(uint32_t key) const {
  auto it = std::lower_bound(ring_.begin(), ring_.end(), key,
                             [](const Point& p, uint32_t k) { return p.hash < k; });
  return it == ring_.end() ? 0 : size_t(it - ring_.begin());
}

}  // namespace sluice::proxy
