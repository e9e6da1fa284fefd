#include "stack/ipv4/ipv4_layer.h"

#include <algorithm>

#include "stack/wire/checksum.h"

namespace sluice::stack {
namespace {

bool is_multicast(uint32_t a) { return (a >> 28) == 0xe; }
bool is_loopback(uint32_t a) { return (a >> 24) == 127; }

}  // namespace

void Ipv4Counters::count(Ipv4Error e) {
  switch (e) {
    case Ipv4Error::kTruncated: drop_truncated++; break;
    case Ipv4Error::kBadVersion: drop_bad_version++; break;
    case Ipv4Error::kBadHeaderLen: drop_bad_header_len++; break;
    case Ipv4Error::kBadTotalLen: drop_bad_total_len++; break;
    case Ipv4Error::kBadChecksum: drop_bad_checksum++; break;
  }
}

Ipv4Layer::Ipv4Layer(const Ipv4Config& cfg)
    : cfg_(cfg), mask_(cfg.prefix_len == 0 ? 0 : ~uint32_t(0) << (32 - std::min<uint8_t>(cfg.prefix_len, 32))) {}

bool Ipv4Layer::is_broadcast(uint32_t a) const {
  if (a == 0xffffffffu) return true;  // RFC 1122 3.3.6: limited broadcast {-1, -1}
  // RFC 3021: a /31 (or /32) has no directed broadcast address.
  if (cfg_.prefix_len >= 31) return false;
  // RFC 1122 3.3.6: directed broadcast {<Network-number>, -1} of our subnet.
  return on_link(a) && (a & ~mask_) == ~mask_;
}

std::optional<Ipv4Repr> Ipv4Layer::receive(Packet& pkt) {
  const uint64_t rx_cksum = pkt->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
  // The NIC verified the header checksum: trust its verdict either way.
  if (rx_cksum == RTE_MBUF_F_RX_IP_CKSUM_BAD) {
    counters_.drop_bad_checksum++;
    return std::nullopt;
  }
  const bool verify = rx_cksum != RTE_MBUF_F_RX_IP_CKSUM_GOOD;
  Ipv4Error why{};
  auto ip = Ipv4Repr::parse(std::span<const uint8_t>(pkt.data(), pkt.data_len()), verify, why);
  if (!ip) {
    counters_.count(why);
    return std::nullopt;
  }
  if (!accept_addresses(*ip)) return std::nullopt;
  // RFC 1122 3.3.2: reassembly is a MUST; not implemented yet, fragments are counted and dropped.
  if (ip->is_fragment()) {
    counters_.drop_fragment++;
    return std::nullopt;
  }
  // RFC 1122 3.2.1.7: a host MUST NOT discard a datagram just because it was received with TTL
  // less than 2, so TTL 0 and 1 are accepted here.
  // RFC 1122 3.2.1.8: options are allowed; the ones a host must handle do not apply to what we
  // serve, so they are skipped with the header.
  if (ip->header_len > Ipv4View::kMinHeaderLen) counters_.rx_with_options++;
  // RFC 894: the Ethernet payload may carry padding past the datagram; the total length says where
  // the datagram ends.
  uint32_t total = uint32_t(ip->header_len) + ip->payload_len;
  if (pkt.pkt_len() > total) pkt.trim(uint16_t(pkt.pkt_len() - total));
  pkt.adj(ip->header_len);
  counters_.rx_datagrams++;
  return ip;
}

bool Ipv4Layer::accept_addresses(const Ipv4Repr& ip) {
  // RFC 1122 3.2.1.3: a host MUST silently discard a datagram whose source is a broadcast or
  // multicast address, or (g) a loopback address arriving from outside.
  if (is_broadcast(ip.src) || is_multicast(ip.src) || is_loopback(ip.src)) {
    counters_.drop_bad_source++;
    return false;
  }
  // RFC 1122 3.2.1.3 / 3.3.6: accept our address and the broadcast forms; no multicast groups are
  // joined, so everything else is not for us (we do not forward).
  if (ip.dst != cfg_.address && !is_broadcast(ip.dst)) {
    counters_.drop_not_for_us++;
    return false;
  }
  return true;
}

std::optional<uint32_t> Ipv4Layer::route(uint32_t dst) {
  // No loopback interface: datagrams to ourselves have nowhere to go.
  if (dst == cfg_.address) {
    counters_.drop_no_route++;
    return std::nullopt;
  }
  // RFC 1122 3.3.1.1: a destination on the connected subnet is sent to directly (a broadcast on
  // it, too); anything else goes to the default gateway, if there is one.
  if (on_link(dst) || dst == 0xffffffffu) return dst;
  if (cfg_.gateway) return *cfg_.gateway;
  counters_.drop_no_route++;
  return std::nullopt;
}

bool Ipv4Layer::prepend_header(Packet& pkt, uint32_t dst, uint8_t protocol, bool offload_checksum) {
  constexpr size_t kHeaderLen = Ipv4Repr::emitted_header_len();
  if (pkt.pkt_len() + kHeaderLen > cfg_.mtu) {
    counters_.drop_too_big++;
    return false;
  }
  Ipv4Repr ip;
  ip.src = cfg_.address;
  ip.dst = dst;
  ip.protocol = protocol;
  ip.ttl = cfg_.ttl;
  // RFC 6864 4.1: the Identification of an atomic datagram (DF set, never fragmented) carries no
  // meaning; a per-interface counter is enough.
  ip.ident = next_ident_++;
  ip.dont_fragment = true;  // RFC 1191: we size datagrams to the path MTU ourselves
  ip.payload_len = uint16_t(pkt.pkt_len());
  uint8_t* h = pkt.prepend(kHeaderLen);
  if (h == nullptr) {
    counters_.drop_no_headroom++;
    return false;
  }
  ip.emit(std::span<uint8_t>(h, kHeaderLen), !offload_checksum);
  pkt->ol_flags |= RTE_MBUF_F_TX_IPV4;
  if (offload_checksum) pkt->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
  pkt->l3_len = kHeaderLen;
  counters_.tx_datagrams++;
  return true;
}

}  // namespace sluice::stack
