// Ephemeral ports for active opens (RFC 6056 3.3.3 "Algorithm 3": a per-destination hashed
// starting point, then a linear search), with a predicate for ports in use or not steered to
// this worker by RSS.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>

namespace sluice::stack::tcp {

class PortAllocator {
 public:
  PortAllocator(uint16_t lo, uint16_t hi) : lo_(lo), hi_(hi < lo ? lo : hi) {}
  // The first port from a `hint`-derived start that `usable` accepts; nullopt when none does.
  std::optional<uint16_t> pick(uint32_t hint, const std::function<bool(uint16_t)>& usable) {
    uint32_t range = uint32_t(hi_) - lo_ + 1;
    for (uint32_t i = 0; i < range; ++i) {
      uint16_t port = static_cast<uint16_t>(lo_ + (hint + next_ + i) % range);
      if (usable(port)) {
        next_ += i + 1;  // RFC 6056 Algorithm 3's table increment
        return port;
      }
    }
    return std::nullopt;
  }

 private:
  uint16_t lo_, hi_;
  uint32_t next_ = 0;
};

}  // namespace sluice::stack::tcp
