// Joins the sans-I/O TCP layer to the interface below it and to mbufs: received IPv4 datagrams are
// parsed and checksum-verified into (TcpRepr, payload slices) without copying the payload; segments
// the TCP layer emits become mbufs with the header in the first segment and the payload after it:
// copied when it fits there (one mbuf on the wire), else attached without a copy (mbuf-owned slices
// as indirect mbufs, file-cache slices as external buffers holding a reference on their block).
// RFC 9293 3.1 (header, checksum).
//
// Ownership: on_ipv4() owns its Packet; the payload slices it hands to TCP each hold a reference on
// the segment they point into, so the Packet itself is freed on return. emit() builds a Packet and
// passes it to NetInterface::send_ipv4(), which owns it from then on.
#pragma once
#include <rte_mempool.h>

#include "stack/netif/net_interface.h"
#include "stack/tcp/layer.h"

namespace sluice::stack {

struct TcpGlueCounters {
  uint64_t rx_bad_header = 0;     // truncated header or malformed options
  uint64_t rx_bad_checksum = 0;
  uint64_t tx_no_mbuf = 0;        // the pool was empty: the segment is lost (TCP retransmits)
  template <class F> void for_each(F&& f) const {
    f("rx_bad_header", rx_bad_header); f("rx_bad_checksum", rx_bad_checksum); f("tx_no_mbuf", tx_no_mbuf);
  }
};

class TcpGlue final : public Ipv4Handler, public tcp::Emitter {
 public:
  TcpGlue(NetInterface& netif, rte_mempool* pool) : netif_(netif), pool_(pool) {}
  void set_layer(tcp::TcpLayer* layer) { layer_ = layer; }
  // The time segments emitted from application calls are stamped with (ARP needs it).
  void set_now(Instant now) { now_ = now; }

  void on_ipv4(Instant now, const Ipv4Repr& ip, Packet payload) override;
  void emit(const tcp::FourTuple& t, const tcp::TcpRepr& hdr, BufChain payload) override;
  const TcpGlueCounters& counters() const { return counters_; }

 private:
  bool checksum_ok(const Ipv4Repr& ip, const Packet& p) const;
  bool append_payload(Packet& p, const BufChain& payload);
  bool append_copy(Packet& p, rte_mbuf*& tail, const Slice& s);
  bool append_attached(Packet& p, rte_mbuf*& tail, const Slice& s);
  bool append_external(Packet& p, rte_mbuf*& tail, const Slice& s);
  void fill_checksum(const tcp::FourTuple& t, Packet& p, uint8_t* hdr, size_t hdr_len);

  NetInterface& netif_;
  rte_mempool* pool_;
  tcp::TcpLayer* layer_ = nullptr;
  Instant now_{};
  TcpGlueCounters counters_;
};

}  // namespace sluice::stack
