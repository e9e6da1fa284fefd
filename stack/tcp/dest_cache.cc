// See dest_cache.h.
#include "stack/tcp/dest_cache.h"

namespace sluice::stack::tcp {

size_t DestinationCache::index(uint32_t ip) const {
  // Fibonacci hashing: neighbouring addresses spread over the table.
  return static_cast<size_t>((uint64_t{ip} * 0x9E3779B97F4A7C15ull) >> 32) % slots_.size();
}

void DestinationCache::remember(uint32_t ip, Rtt rtt) {
  if (slots_.empty()) return;
  slots_[index(ip)] = Slot{ip, true, rtt};
}

std::optional<DestinationCache::Rtt> DestinationCache::lookup(uint32_t ip) const {
  if (slots_.empty()) return std::nullopt;
  const Slot& s = slots_[index(ip)];
  if (!s.used || s.ip != ip) return std::nullopt;
  return s.rtt;
}

}  // namespace sluice::stack::tcp
