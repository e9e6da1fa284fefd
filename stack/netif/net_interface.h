// One worker's network interface: Ethernet in and out, ARP, IPv4 and ICMP joined, with an upper-layer
// hook for TCP. Sans-I/O like the pieces it joins: frames come in through receive(), go out through
// a FrameSink, time comes in as `now`, and poll()/next_deadline() drive ARP's timers.
//
// RFCs: RFC 894 (IPv4 over Ethernet), RFC 826 / RFC 1122 2.3.2 (ARP, see stack/arp/arp_cache.h),
// RFC 1122 3.2 (IPv4, see stack/ipv4/ipv4_layer.h), RFC 792 / RFC 1122 3.2.2 (ICMP), RFC 1122
// 4.2.3.10 (TCP never sees broadcast datagrams).
//
// Packet ownership: receive() and send_ipv4() take their Packet; whatever is not passed on (to the
// sink, to a handler, to ARP's hold queue) is freed and counted inside.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "core/time.h"
#include "stack/arp/arp_cache.h"
#include "stack/icmp/icmp_endpoint.h"
#include "stack/ipv4/ipv4_layer.h"
#include "stack/mbuf.h"
#include "stack/netif/frame_sink.h"
#include "stack/wire/ethernet.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"

namespace sluice::stack {

// The upper layer for one IP protocol (TCP registers for protocol 6).
class Ipv4Handler {
 public:
  virtual ~Ipv4Handler() = default;
  // A validated datagram for us. `payload`'s data starts at the L4 header and holds exactly
  // ip.payload_len bytes (padding trimmed); the handler owns it.
  virtual void on_ipv4(Instant now, const Ipv4Repr& ip, Packet payload) = 0;
  // RFC 1122 3.2.2: an ICMP error (unreachable incl. RFC 1191 fragmentation needed, time exceeded,
  // parameter problem, source quench) about a datagram of this protocol that we sent.
  // `icmp.data` quotes that datagram's IPv4 header and at least 8 bytes after it (for TCP: ports
  // and sequence number); it is valid only during the call.
  virtual void on_icmp_error(Instant now, const Ipv4Repr& ip, const IcmpRepr& icmp) {}
};

struct NetInterfaceConfig {
  MacAddr mac;
  uint32_t address = 0;  // host order
  uint8_t prefix_len = 24;
  std::optional<uint32_t> gateway;
  uint16_t mtu = 1500;   // IP MTU: the largest datagram, IPv4 header included
  Offloads offloads;
  ArpConfig arp;
  rte_mempool* pool = nullptr;  // ARP frames are allocated here (the worker's pool)
};

struct LinkCounters {
  uint64_t rx_frames = 0;
  uint64_t rx_bytes = 0;
  uint64_t tx_frames = 0;
  uint64_t tx_bytes = 0;
  uint64_t drop_truncated = 0;         // shorter than an Ethernet header
  uint64_t drop_multi_segment = 0;     // received frames are single-segment (no RX scatter)
  uint64_t drop_not_for_us = 0;        // destination MAC neither ours nor broadcast
  uint64_t drop_vlan = 0;              // 802.1Q / 802.1ad tagged (no VLAN support)
  uint64_t drop_unknown_ethertype = 0; // IPv6 and everything else
  uint64_t drop_no_headroom = 0;
  uint64_t drop_no_mbuf = 0;           // ARP frame allocation failed
  uint64_t drop_broadcast_tcp = 0;     // RFC 1122 4.2.3.10
  uint64_t drop_icmp_error_unmatched = 0;  // quoted datagram not ours or no handler

  template <class F> void for_each(F&& f) const {
    f("rx_frames", rx_frames); f("rx_bytes", rx_bytes); f("tx_frames", tx_frames);
    f("tx_bytes", tx_bytes); f("drop_truncated", drop_truncated);
    f("drop_multi_segment", drop_multi_segment); f("drop_not_for_us", drop_not_for_us);
    f("drop_vlan", drop_vlan); f("drop_unknown_ethertype", drop_unknown_ethertype);
    f("drop_no_headroom", drop_no_headroom); f("drop_no_mbuf", drop_no_mbuf);
    f("drop_broadcast_tcp", drop_broadcast_tcp);
    f("drop_icmp_error_unmatched", drop_icmp_error_unmatched);
  }
};

class NetInterface {
 public:
  NetInterface(const NetInterfaceConfig& cfg, FrameSink& sink);
  NetInterface(const NetInterface&) = delete;
  NetInterface& operator=(const NetInterface&) = delete;

  // Registers the handler for an IP protocol (not ICMP, which is handled here). nullptr removes it.
  void set_handler(uint8_t protocol, Ipv4Handler* h);
  // RFC 5227 announcements of our address (gratuitous ARP); call once when the port is up.
  void start(Instant now);
  // One received Ethernet frame; takes ownership.
  void receive(Instant now, Packet frame);
  // Sends `l4` (data starts at the L4 header, with >= 34 bytes of headroom) to `dst`: prepends
  // IPv4 and Ethernet headers, resolving the next hop by ARP (the packet waits in ARP's queue
  // meanwhile). True when sent or held; false when dropped (counted: no route, too big, ...).
  // With offloads().tx_tcp_checksum, TCP sets RTE_MBUF_F_TX_TCP_CKSUM and puts
  // ipv4_pseudo_header_sum() in its checksum field before calling; l2_len/l3_len are set here.
  bool send_ipv4(Instant now, uint32_t dst, uint8_t protocol, Packet l4);
  // Runs ARP timers (retries, refresh, aging, announcements).
  void poll(Instant now);
  Instant next_deadline() const { return arp_.next_deadline(); }

  MacAddr mac() const { return cfg_.mac; }
  uint32_t address() const { return cfg_.address; }
  uint16_t mtu() const { return cfg_.mtu; }
  const Offloads& offloads() const { return cfg_.offloads; }

  const LinkCounters& link_counters() const { return link_; }
  const ArpCounters& arp_counters() const { return arp_.counters(); }
  const Ipv4Counters& ipv4_counters() const { return ipv4_.counters(); }
  const IcmpCounters& icmp_counters() const { return icmp_.counters(); }
  // Every counter as ("link.rx_frames", value), ("arp.tx_requests", value), ...
  template <class F> void for_each_counter(F&& f) const;

  ArpCache& arp() { return arp_; }  // tests and status pages

 private:
  void receive_arp(Instant now, std::span<const uint8_t> payload);
  void receive_ipv4(Instant now, Packet pkt);
  void receive_icmp(Instant now, const Ipv4Repr& ip, Packet pkt);
  void send_ethernet(MacAddr dst, uint16_t ethertype, Packet pkt);
  void send_arp(const ArpTx& tx);
  void drain_arp_actions();

  NetInterfaceConfig cfg_;
  FrameSink& sink_;
  ArpCache arp_;
  Ipv4Layer ipv4_;
  IcmpEndpoint icmp_;
  std::array<Ipv4Handler*, 256> handlers_{};
  ArpActions actions_;  // reused by every call, drained before it returns
  LinkCounters link_;
};

template <class F> void NetInterface::for_each_counter(F&& f) const {
  std::string name;
  auto with = [&](const char* prefix) {
    return [&, prefix](const char* n, uint64_t v) { name = prefix; name += n; f(name.c_str(), v); };
  };
  link_.for_each(with("link."));
  arp_.counters().for_each(with("arp."));
  ipv4_.counters().for_each(with("ipv4."));
  icmp_.counters().for_each(with("icmp."));
}

}  // namespace sluice::stack
