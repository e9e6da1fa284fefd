// RFC 6528 ISNs with SipHash-2-4 (Aumasson & Bernstein), RFC 7323 5.4 timestamp offsets.
#include "stack/tcp/isn.h"

#include <cstring>

namespace sluice::stack::tcp {
namespace {

inline uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct SipState {
  uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  }
};

uint64_t load_le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

uint64_t siphash24(const std::array<uint64_t, 2>& key, const uint8_t* data, size_t len) {
  SipState s{key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
             key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull};
  size_t full = len & ~size_t(7);
  for (size_t i = 0; i < full; i += 8) {
    uint64_t m = load_le64(data + i);
    s.v3 ^= m;
    s.round(); s.round();
    s.v0 ^= m;
  }
  uint64_t b = uint64_t(len) << 56;
  for (size_t i = 0; i < (len & 7); ++i) b |= uint64_t(data[full + i]) << (8 * i);
  s.v3 ^= b;
  s.round(); s.round();
  s.v0 ^= b;
  s.v2 ^= 0xff;
  s.round(); s.round(); s.round(); s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t IsnGenerator::hash(const FourTuple& t, uint8_t domain) const {
  uint8_t buf[13];
  std::memcpy(buf, &t.local_ip, 4);
  std::memcpy(buf + 4, &t.remote_ip, 4);
  std::memcpy(buf + 8, &t.local_port, 2);
  std::memcpy(buf + 10, &t.remote_port, 2);
  buf[12] = domain;
  return siphash24(key_, buf, sizeof buf);
}

IsnGenerator::Secrets IsnGenerator::secrets(const FourTuple& t, Instant now) const {
  const uint64_t f = hash(t, 1);
  // RFC 6528 3: M is a timer incremented every 4 microseconds.
  uint32_t m = static_cast<uint32_t>(static_cast<uint64_t>(now.us) / 4);
  return {TcpSeq(m + static_cast<uint32_t>(f)), static_cast<uint32_t>(f >> 32)};
}

uint32_t IsnGenerator::ts_offset(const FourTuple& t) const {
  return static_cast<uint32_t>(hash(t, 1) >> 32);
}

uint32_t IsnGenerator::port_hint(uint32_t local_ip, uint32_t remote_ip, uint16_t remote_port) const {
  return static_cast<uint32_t>(hash(FourTuple{local_ip, 0, remote_ip, remote_port}, 3));
}

}  // namespace sluice::stack::tcp
