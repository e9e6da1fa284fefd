// Initial sequence numbers and timestamp offsets.
//
// RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a 4-microsecond
// timer (taken from `now`, never from a clock), F a keyed hash: SipHash-2-4 here.
// RFC 7323 5.4: the timestamp clock gets a per-connection random offset, derived the same way.
// Both come from one 64-bit hash of the tuple: its low half is F, its high half the offset (a
// peer that learns the offset from our TSvals learns nothing about the other half).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

#include "core/time.h"
#include "stack/tcp/seq.h"
#include "stack/tcp/types.h"

namespace sluice::stack::tcp {

uint64_t siphash24(const std::array<uint64_t, 2>& key, const uint8_t* data, size_t len);

class IsnGenerator {
 public:
  explicit IsnGenerator(std::array<uint64_t, 2> key) : key_(key) {}
  struct Secrets {
    TcpSeq isn;
    uint32_t ts_offset;
  };
  // Both for a new connection, with one hash.
  Secrets secrets(const FourTuple& t, Instant now) const;
  TcpSeq isn(const FourTuple& t, Instant now) const { return secrets(t, now).isn; }
  uint32_t ts_offset(const FourTuple& t) const;
  // A starting point for ephemeral port search (spreads remotes over the range).
  uint32_t port_hint(uint32_t local_ip, uint32_t remote_ip, uint16_t remote_port) const;

 private:
  uint64_t hash(const FourTuple& t, uint8_t domain) const;
  std::array<uint64_t, 2> key_;
};

}  // namespace sluice::stack::tcp
