// The Internet checksum (RFC 1071), its incremental update (RFC 1624), the IPv4 pseudo-header used by
// TCP and UDP (RFC 9293 3.1, RFC 768), and big-endian field access shared by the wire files.
//
// Conventions, for every function here:
// - Checksum values are host-order integers: the value a field holds when read with be::load16, and
//   what to write with be::store16. (DPDK's rte_raw_cksum returns a native-order sum; it is converted
//   here once, so callers never mix the two.)
// - A "sum" is the folded ones'-complement sum, NOT complemented; a "checksum" is its complement,
//   ready to be stored in a header.
// - Verifying: the checksum computed over bytes that include a correct checksum field is 0.
#pragma once
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include <algorithm>
#include <cstdint>
#include <optional>
#include <cstring>
#include <span>

namespace sluice::stack {

// Big-endian (network order) loads and stores at unaligned addresses.
namespace be {
inline uint16_t load16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t load32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}
inline void store16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8); p[1] = uint8_t(v); }
inline void store32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24); p[1] = uint8_t(v >> 16); p[2] = uint8_t(v >> 8); p[3] = uint8_t(v);
}
}  // namespace be

// Adds two folded sums with end-around carry (RFC 1071 2(A)).
inline uint16_t ones_add(uint16_t a, uint16_t b) {
  uint32_t s = uint32_t(a) + b;
  return uint16_t((s & 0xffff) + (s >> 16));
}

// The ones'-complement sum of native-order 16-bit words, as rte_raw_cksum computes it, 8 bytes
// per addition instead of 2 (RFC 1071 2(C): the sum may be taken over wider words; 2^64 = 1
// modulo 2^16 - 1, so a carry out of 64 bits is added back in). On x86-64 the 64-bit words go
// through one add-with-carry chain (each carry rides into the next addition), 32 bytes a turn.
// Folded to 16 bits.
inline uint16_t raw_sum_native(const uint8_t* p, size_t n) {
  uint64_t sum = 0;
  auto load = [](const uint8_t* at) {
    uint64_t v;
    std::memcpy(&v, at, 8);
    return v;
  };
  auto add = [&sum](uint64_t v) {
    sum += v;
    sum += sum < v;  // end-around carry
  };
#if defined(__x86_64__)
  unsigned char carry = 0;
  unsigned long long acc = 0;
  for (; n >= 32; p += 32, n -= 32) {
    carry = _addcarry_u64(carry, acc, load(p), &acc);
    carry = _addcarry_u64(carry, acc, load(p + 8), &acc);
    carry = _addcarry_u64(carry, acc, load(p + 16), &acc);
    carry = _addcarry_u64(carry, acc, load(p + 24), &acc);
  }
  add(acc);
  add(carry);
#endif
  for (; n >= 8; p += 8, n -= 8) add(load(p));
  if (n >= 4) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    add(v);
    p += 4, n -= 4;
  }
  if (n >= 2) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    add(v);
    p += 2, n -= 2;
  }
  if (n == 1) {  // RFC 1071 4.1: an odd last byte is padded with zero
    uint16_t v = 0;
    std::memcpy(&v, p, 1);
    add(v);
  }
  sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(sum);
}

// The folded ones'-complement sum of `bytes` read as big-endian 16-bit words (an odd last byte is
// padded with zero, RFC 1071 4.1).
inline uint16_t ones_sum(std::span<const uint8_t> bytes) {
  return rte_be_to_cpu_16(raw_sum_native(bytes.data(), bytes.size()));
}

// The Internet checksum of `bytes`: what goes in an IPv4 or ICMP header checksum field.
inline uint16_t internet_checksum(std::span<const uint8_t> bytes) { return uint16_t(~ones_sum(bytes)); }

// RFC 1624 eqn. 3: the new checksum after one 16-bit word of the covered data changed from
// `old_word` to `new_word`, without summing the data again: HC' = ~(~HC + ~m + m').
inline uint16_t checksum_update16(uint16_t old_checksum, uint16_t old_word, uint16_t new_word) {
  return uint16_t(~ones_add(ones_add(uint16_t(~old_checksum), uint16_t(~old_word)), new_word));
}

// The sum of the IPv4 pseudo-header {src, dst, zero, protocol, l4_len} (RFC 9293 3.1): addresses in
// host order, l4_len = L4 header + payload bytes. Folded, not complemented. This is the value a NIC
// with TCP checksum offload expects in the TCP checksum field (with RTE_MBUF_F_TX_TCP_CKSUM).
inline uint16_t ipv4_pseudo_header_sum(uint32_t src, uint32_t dst, uint8_t protocol, uint16_t l4_len) {
  uint32_t s = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + protocol + l4_len;
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return uint16_t(s);
}

// The folded sum of `len` bytes of an mbuf chain from byte `off`, as big-endian words across
// segment boundaries at any alignment (a segment that starts at an odd position of the covered
// range contributes its sum byte-swapped, RFC 1071 2(B)). nullopt when the range leaves the chain.
// (DPDK 22.11's rte_raw_cksum_mbuf truncates its partial sums in that case, so it is not used.)
inline std::optional<uint16_t> ones_sum_mbuf(const rte_mbuf* m, uint32_t off, uint32_t len) {
  uint16_t sum = 0;
  uint32_t done = 0;
  for (const rte_mbuf* seg = m; seg != nullptr && done < len; seg = seg->next) {
    if (off >= seg->data_len) {
      off -= seg->data_len;
      continue;
    }
    uint32_t take = std::min<uint32_t>(seg->data_len - off, len - done);
    uint16_t part = ones_sum({rte_pktmbuf_mtod_offset(seg, const uint8_t*, off), take});
    sum = ones_add(sum, (done & 1) ? rte_bswap16(part) : part);
    done += take;
    off = 0;
  }
  if (done != len) return std::nullopt;
  return sum;
}

// The full L4 checksum (pseudo-header + `len` bytes of the mbuf chain from byte `off`), complemented,
// ready to store. Over a received segment whose checksum field is correct it returns 0.
// A range outside the chain yields 0xffff, so verification fails rather than reads out of bounds.
inline uint16_t ipv4_l4_checksum(uint32_t src, uint32_t dst, uint8_t protocol, const rte_mbuf* m,
                                 uint32_t off, uint32_t len) {
  auto data = ones_sum_mbuf(m, off, len);
  if (!data) return 0xffff;
  return uint16_t(~ones_add(*data, ipv4_pseudo_header_sum(src, dst, protocol, uint16_t(len))));
}

// TCP's checksum (RFC 9293 3.1) over `len` bytes of the chain at `off` (the TCP header onwards).
inline uint16_t tcp_checksum(uint32_t src, uint32_t dst, const rte_mbuf* m, uint32_t off, uint32_t len) {
  return ipv4_l4_checksum(src, dst, 6, m, off, len);
}

}  // namespace sluice::stack
