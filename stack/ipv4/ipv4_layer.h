// IPv4 for one worker's interface: receive validation and output header building, sans-I/O.
//
// RFCs: RFC 791, RFC 1122 3.2.1 (receive checks: version, checksum, addressing), RFC 1122 3.3.1
// (routing: on-link or the default gateway), RFC 1122 3.3.6 (broadcast forms accepted),
// RFC 3021 (/31 has no broadcast), RFC 6864 (Identification of atomic datagrams).
// Not done yet: reassembly (fragments are counted and dropped), options (skipped).
#pragma once
#include <cstdint>
#include <optional>

#include "stack/mbuf.h"
#include "stack/wire/ipv4.h"

namespace sluice::stack {

struct Ipv4Config {
  uint32_t address = 0;  // host order
  uint8_t prefix_len = 24;
  std::optional<uint32_t> gateway;
  uint16_t mtu = 1500;   // the largest datagram we send (IPv4 header included)
  uint8_t ttl = 64;
};

struct Ipv4Counters {
  uint64_t rx_datagrams = 0;       // accepted and delivered up
  uint64_t tx_datagrams = 0;
  uint64_t rx_with_options = 0;    // accepted; options ignored
  uint64_t drop_truncated = 0;
  uint64_t drop_bad_version = 0;
  uint64_t drop_bad_header_len = 0;
  uint64_t drop_bad_total_len = 0;
  uint64_t drop_bad_checksum = 0;
  uint64_t drop_bad_source = 0;    // broadcast, multicast or loopback source
  uint64_t drop_not_for_us = 0;
  uint64_t drop_fragment = 0;      // no reassembly yet
  uint64_t drop_unknown_protocol = 0;
  uint64_t drop_no_route = 0;
  uint64_t drop_no_headroom = 0;
  uint64_t drop_too_big = 0;       // larger than the MTU (DF is always set; no fragmentation)

  template <class F> void for_each(F&& f) const {
    f("rx_datagrams", rx_datagrams); f("tx_datagrams", tx_datagrams);
    f("rx_with_options", rx_with_options); f("drop_truncated", drop_truncated);
    f("drop_bad_version", drop_bad_version); f("drop_bad_header_len", drop_bad_header_len);
    f("drop_bad_total_len", drop_bad_total_len); f("drop_bad_checksum", drop_bad_checksum);
    f("drop_bad_source", drop_bad_source); f("drop_not_for_us", drop_not_for_us);
    f("drop_fragment", drop_fragment); f("drop_unknown_protocol", drop_unknown_protocol);
    f("drop_no_route", drop_no_route); f("drop_no_headroom", drop_no_headroom);
    f("drop_too_big", drop_too_big);
  }
  void count(Ipv4Error e);
};

class Ipv4Layer {
 public:
  explicit Ipv4Layer(const Ipv4Config& cfg);

  // Validates the datagram at the front of `pkt` (single segment; data starts at the IPv4 header).
  // On success trims link padding, strips the header (data then starts at the L4 header) and returns
  // the parsed header. On failure counts the reason and returns nullopt; `pkt` is left to the caller.
  std::optional<Ipv4Repr> receive(Packet& pkt);

  // RFC 1122 3.3.1.1: the next hop for `dst`: dst itself when on-link, else the default gateway.
  // nullopt (counted as drop_no_route) when neither.
  std::optional<uint32_t> route(uint32_t dst);

  // Prepends a 20-byte header (our address to `dst`, DF, TTL, a fresh Identification) to `pkt`,
  // whose data starts at the L4 header. The header checksum is computed here, or left to the NIC
  // when `offload_checksum` (RTE_MBUF_F_TX_IP_CKSUM). Always sets RTE_MBUF_F_TX_IPV4 and l3_len,
  // which L4 checksum offload needs too. False (counted) when too big or no headroom.
  bool prepend_header(Packet& pkt, uint32_t dst, uint8_t protocol, bool offload_checksum);

  bool is_broadcast(uint32_t addr) const;
  bool on_link(uint32_t addr) const { return ((addr ^ cfg_.address) & mask_) == 0; }
  const Ipv4Config& config() const { return cfg_; }
  const Ipv4Counters& counters() const { return counters_; }
  Ipv4Counters& counters() { return counters_; }

 private:
  bool accept_addresses(const Ipv4Repr& ip);

  Ipv4Config cfg_;
  uint32_t mask_;
  uint16_t next_ident_ = 1;
  Ipv4Counters counters_;
};

}  // namespace sluice::stack
