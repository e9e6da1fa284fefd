#include "stack/socket/steering.h"

namespace sluice::stack {

uint32_t toeplitz_ipv4_tcp(const std::vector<uint8_t>& key, uint32_t src_ip, uint32_t dst_ip, uint16_t src_port,
                           uint16_t dst_port) {
  // Input bytes in network order: src ip, dst ip, src port, dst port (12 bytes).
  uint8_t in[12] = {uint8_t(src_ip >> 24), uint8_t(src_ip >> 16), uint8_t(src_ip >> 8), uint8_t(src_ip),
                    uint8_t(dst_ip >> 24), uint8_t(dst_ip >> 16), uint8_t(dst_ip >> 8), uint8_t(dst_ip),
                    uint8_t(src_port >> 8), uint8_t(src_port), uint8_t(dst_port >> 8), uint8_t(dst_port)};
  if (key.size() < sizeof(in) + 4) return 0;
  uint32_t hash = 0;
  // The 32-bit window of the key starting at bit i is XORed in for every set input bit i.
  uint32_t window = uint32_t(key[0]) << 24 | uint32_t(key[1]) << 16 | uint32_t(key[2]) << 8 | key[3];
  size_t next_key_byte = 4;
  for (uint8_t byte : in) {
    for (int bit = 7; bit >= 0; --bit) {
      if (byte & (1u << bit)) hash ^= window;
      window = (window << 1) | ((key[next_key_byte] >> bit) & 1u);
    }
    ++next_key_byte;
  }
  return hash;
}

void Steering::set_rss(std::vector<uint8_t> key, std::vector<uint16_t> reta) {
  key_ = std::move(key);
  reta_ = std::move(reta);
}

uint16_t Steering::rss_queue(uint32_t src_ip, uint32_t dst_ip, uint16_t src_port, uint16_t dst_port) const {
  uint32_t h = toeplitz_ipv4_tcp(key_, src_ip, dst_ip, src_port, dst_port);
  return reta_[h % reta_.size()];
}

bool Steering::port_ok(uint32_t local_ip, uint32_t remote_ip, uint16_t remote_port, uint16_t port) const {
  if (workers_ == 1) return true;
  if (rss()) return rss_queue(remote_ip, local_ip, remote_port, port) == self_;
  return port % workers_ == self_;
}

uint16_t Steering::owner_of(uint16_t dst_port) const {
  if (workers_ == 1 || rss() || dst_port < eph_lo_ || dst_port > eph_hi_) return self_;
  return uint16_t(dst_port % workers_);
}

}  // namespace sluice::stack
