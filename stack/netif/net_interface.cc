#include "stack/netif/net_interface.h"

#include <cstring>

#include "stack/wire/checksum.h"

namespace sluice::stack {
namespace {

// ARP payload plus the zero padding that brings its frame to the Ethernet minimum (60 bytes).
constexpr uint16_t kArpPaddedLen = EthernetView::kMinFrameLen - EthernetView::kHeaderLen;

// The protocol and source of the datagram quoted in an ICMP error (RFC 792: its IPv4 header plus
// 64 bits of data). Only the header must be present.
struct Quoted {
  uint8_t protocol;
  uint32_t src;
};
std::optional<Quoted> quoted_datagram(std::span<const uint8_t> d) {
  if (d.size() < Ipv4View::kMinHeaderLen || (d[0] >> 4) != 4) return std::nullopt;
  if (d.size() < size_t(d[0] & 0x0f) * 4) return std::nullopt;
  return Quoted{d[Ipv4View::kProtocol], be::load32(d.data() + Ipv4View::kSrc)};
}

}  // namespace

NetInterface::NetInterface(const NetInterfaceConfig& cfg, FrameSink& sink)
    : cfg_(cfg),
      sink_(sink),
      arp_(cfg.mac, cfg.address, cfg.prefix_len, cfg.arp),
      ipv4_(Ipv4Config{cfg.address, cfg.prefix_len, cfg.gateway, cfg.mtu, 64}) {}

void NetInterface::set_handler(uint8_t protocol, Ipv4Handler* h) {
  if (protocol != ipproto::kIcmp) handlers_[protocol] = h;
}

void NetInterface::start(Instant now) {
  arp_.announce(now, actions_);
  drain_arp_actions();
}

void NetInterface::poll(Instant now) {
  if (now < arp_.next_deadline()) return;
  arp_.poll(now, actions_);
  drain_arp_actions();
}

void NetInterface::receive(Instant now, Packet frame) {
  link_.rx_frames++;
  link_.rx_bytes += frame.pkt_len();
  if (frame->nb_segs != 1) {
    link_.drop_multi_segment++;
    return;
  }
  auto eth = EthernetView::check({frame.data(), frame.data_len()});
  if (!eth) {
    link_.drop_truncated++;
    return;
  }
  // Without promiscuous mode the NIC filters already; in software too, for ports that do not
  // (net_tap, net_ring). Multicast groups are not joined.
  MacAddr dst = eth->dst();
  if (dst != cfg_.mac && !dst.is_broadcast()) {
    link_.drop_not_for_us++;
    return;
  }
  uint16_t type = eth->ethertype();
  if (type == ethertype::kVlan || type == ethertype::kQinQ || (frame->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED)) {
    link_.drop_vlan++;
    return;
  }
  switch (type) {
    case ethertype::kArp:
      receive_arp(now, eth->payload());
      return;  // frame freed
    case ethertype::kIpv4:
      frame.adj(EthernetView::kHeaderLen);
      receive_ipv4(now, std::move(frame));
      return;
    default:
      link_.drop_unknown_ethertype++;
      return;
  }
}

void NetInterface::receive_arp(Instant now, std::span<const uint8_t> payload) {
  ArpError why{};
  auto arp = ArpRepr::parse(payload, why);
  if (!arp) {
    arp_.counters().count(why);
    return;
  }
  arp_.process(now, *arp, actions_);
  drain_arp_actions();
}

void NetInterface::receive_ipv4(Instant now, Packet pkt) {
  auto ip = ipv4_.receive(pkt);
  if (!ip) return;
  if (ip->protocol == ipproto::kIcmp) {
    receive_icmp(now, *ip, std::move(pkt));
    return;
  }
  Ipv4Handler* h = handlers_[ip->protocol];
  if (h == nullptr) {
    // RFC 1122 3.2.2.1: a host SHOULD answer with protocol unreachable; not sent yet (it would
    // need the rate limit that echo replies lack too).
    ipv4_.counters().drop_unknown_protocol++;
    return;
  }
  // RFC 1122 4.2.3.10: TCP MUST discard a SYN addressed to a broadcast or multicast address; no
  // connection can exist to one either, so no broadcast datagram reaches TCP.
  if (ip->protocol == ipproto::kTcp && ip->dst != cfg_.address) {
    link_.drop_broadcast_tcp++;
    return;
  }
  h->on_ipv4(now, *ip, std::move(pkt));
}

void NetInterface::receive_icmp(Instant now, const Ipv4Repr& ip, Packet pkt) {
  IcmpRepr msg;
  switch (icmp_.receive(ip, ip.dst != cfg_.address, pkt, &msg)) {
    case IcmpEndpoint::Verdict::kDrop:
      return;
    case IcmpEndpoint::Verdict::kReply:
      send_ipv4(now, ip.src, ipproto::kIcmp, std::move(pkt));
      return;
    case IcmpEndpoint::Verdict::kError: {
      // RFC 1122 3.2.2: the error goes to the transport protocol named in the quoted header.
      auto q = quoted_datagram(msg.data);
      Ipv4Handler* h = q && q->src == cfg_.address ? handlers_[q->protocol] : nullptr;
      if (h == nullptr) {
        link_.drop_icmp_error_unmatched++;
        return;
      }
      h->on_icmp_error(now, ip, msg);
      return;  // pkt (which msg points into) is freed after the call
    }
  }
}

bool NetInterface::send_ipv4(Instant now, uint32_t dst, uint8_t protocol, Packet l4) {
  auto hop = ipv4_.route(dst);
  if (!hop) return false;
  if (!ipv4_.prepend_header(l4, dst, protocol, cfg_.offloads.tx_ipv4_checksum)) return false;
  // RFC 894 / RFC 1122 3.3.6: IP broadcasts go to the Ethernet broadcast address, no ARP.
  if (ipv4_.is_broadcast(dst)) {
    send_ethernet(MacAddr::broadcast(), ethertype::kIpv4, std::move(l4));
    return true;
  }
  if (auto mac = arp_.lookup(now, *hop)) {
    send_ethernet(*mac, ethertype::kIpv4, std::move(l4));
    return true;
  }
  arp_.hold(now, *hop, std::move(l4), actions_);
  drain_arp_actions();
  return true;
}

void NetInterface::send_ethernet(MacAddr dst, uint16_t type, Packet pkt) {
  uint8_t* h = pkt.prepend(EthernetView::kHeaderLen);
  if (h == nullptr) {
    link_.drop_no_headroom++;
    return;
  }
  EthernetRepr{dst, cfg_.mac, type}.emit({h, EthernetView::kHeaderLen});
  pkt->l2_len = EthernetView::kHeaderLen;
  link_.tx_frames++;
  link_.tx_bytes += pkt.pkt_len();
  sink_.send_frame(std::move(pkt));
}

void NetInterface::send_arp(const ArpTx& tx) {
  Packet p = cfg_.pool ? Packet::alloc(cfg_.pool) : Packet();
  uint8_t* body = p ? reinterpret_cast<uint8_t*>(rte_pktmbuf_append(p.get(), kArpPaddedLen)) : nullptr;
  if (body == nullptr) {
    link_.drop_no_mbuf++;
    return;
  }
  std::memset(body, 0, kArpPaddedLen);
  tx.arp.emit({body, kArpPaddedLen});
  send_ethernet(tx.eth_dst, ethertype::kArp, std::move(p));
}

void NetInterface::drain_arp_actions() {
  for (const ArpTx& tx : actions_.send) send_arp(tx);
  for (ArpReady& r : actions_.ready) send_ethernet(r.mac, ethertype::kIpv4, std::move(r.packet));
  actions_.clear();
}

}  // namespace sluice::stack
