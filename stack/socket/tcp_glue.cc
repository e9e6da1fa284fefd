#include "stack/socket/tcp_glue.h"

#include <cstring>

#include "stack/wire/checksum.h"

namespace sluice::stack {

namespace {
constexpr uint8_t kProtoTcp = 6;

// What an mbuf carrying an external buffer (cached file content) needs to drop the slice owner's
// reference when the NIC is done with it. It lives in that mbuf's own, otherwise unused, data room.
struct ExtRef {
  rte_mbuf_ext_shared_info shinfo;
  const BufOwnerOps* ops;
  void* owner;
};

void release_ext(void*, void* opaque) {
  auto* ref = static_cast<ExtRef*>(opaque);
  ref->ops->release(ref->owner);
}

rte_iova_t iova_of(const void* p) {
  return rte_eal_iova_mode() == RTE_IOVA_VA ? rte_iova_t(reinterpret_cast<uintptr_t>(p))
                                            : rte_mem_virt2iova(p);
}
}  // namespace

bool TcpGlue::checksum_ok(const Ipv4Repr& ip, const Packet& p) const {
  // The NIC verified it when it can; otherwise sum the segment across its mbufs (RFC 9293 3.1).
  if (netif_.offloads().rx_tcp_checksum) {
    uint64_t l4 = p->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
    if (l4 == RTE_MBUF_F_RX_L4_CKSUM_GOOD) return true;
    if (l4 == RTE_MBUF_F_RX_L4_CKSUM_BAD) return false;
  }
  return tcp_checksum(ip.src, ip.dst, p.get(), 0, ip.payload_len) == 0;
}

void TcpGlue::on_ipv4(Instant now, const Ipv4Repr& ip, Packet pkt) {
  if (!layer_) return;
  tcp::TcpRepr hdr;
  size_t hdr_len = 0;
  // The header must sit in the first segment; NetInterface only passes single-segment frames.
  if (tcp::TcpRepr::parse(pkt.data(), std::min<size_t>(pkt.data_len(), ip.payload_len), hdr, &hdr_len) !=
      wire::TcpParseError::kOk) {
    ++counters_.rx_bad_header;
    return;
  }
  if (!checksum_ok(ip, pkt)) {
    ++counters_.rx_bad_checksum;
    return;
  }
  BufChain payload;
  sluice::stack::append_payload(payload, pkt, uint32_t(hdr_len), uint32_t(ip.payload_len - hdr_len));
  now_ = now;
  layer_->on_segment(now, ip.src, ip.dst, hdr, std::move(payload));
}

bool TcpGlue::append_copy(Packet& p, rte_mbuf*& tail, const Slice& s) {
  const uint8_t* src = s.data();
  size_t left = s.size();
  while (left > 0) {
    if (rte_pktmbuf_tailroom(tail) == 0) {
      rte_mbuf* seg = rte_pktmbuf_alloc(pool_);
      if (!seg) return false;
      rte_pktmbuf_reset_headroom(seg);
      seg->data_off = 0;
      if (rte_pktmbuf_chain(p.get(), seg) != 0) {
        rte_pktmbuf_free(seg);
        return false;
      }
      tail = seg;
    }
    uint16_t take = uint16_t(std::min<size_t>(left, rte_pktmbuf_tailroom(tail)));
    std::memcpy(rte_pktmbuf_mtod_offset(tail, uint8_t*, tail->data_len), src, take);
    tail->data_len = uint16_t(tail->data_len + take);
    p->pkt_len += take;
    src += take;
    left -= take;
  }
  return true;
}

bool TcpGlue::append_attached(Packet& p, rte_mbuf*& tail, const Slice& s) {
  // Payload that already lives in an mbuf (a proxied body) is referenced, not copied.
  auto* owner = static_cast<rte_mbuf*>(s.owner());
  rte_mbuf* mi = rte_pktmbuf_alloc(pool_);
  if (!mi) return false;
  rte_pktmbuf_attach(mi, owner);
  mi->data_off = uint16_t(s.data() - static_cast<const uint8_t*>(mi->buf_addr));
  mi->data_len = uint16_t(s.size());
  mi->pkt_len = uint32_t(s.size());
  if (rte_pktmbuf_chain(p.get(), mi) != 0) {
    rte_pktmbuf_free(mi);
    return false;
  }
  tail = mi;
  return true;
}

bool TcpGlue::append_external(Packet& p, rte_mbuf*& tail, const Slice& s) {
  // Cached content is attached, not copied: the mbuf points into the cache's block and holds a
  // reference on it until the NIC has sent it (external buffer, one shinfo per mbuf).
  rte_mbuf* mi = rte_pktmbuf_alloc(pool_);
  if (!mi) return false;
  auto* ref = reinterpret_cast<ExtRef*>(RTE_PTR_ALIGN_CEIL(mi->buf_addr, alignof(ExtRef)));
  ref->ops = s.ops();
  ref->owner = s.owner();
  ref->shinfo.free_cb = release_ext;
  ref->shinfo.fcb_opaque = ref;
  rte_mbuf_ext_refcnt_set(&ref->shinfo, 1);
  s.ops()->retain(s.owner());
  void* data = const_cast<uint8_t*>(s.data());
  rte_pktmbuf_attach_extbuf(mi, data, iova_of(data), uint16_t(s.size()), &ref->shinfo);
  mi->data_off = 0;
  mi->data_len = uint16_t(s.size());
  mi->pkt_len = uint32_t(s.size());
  if (rte_pktmbuf_chain(p.get(), mi) != 0) {
    rte_pktmbuf_free(mi);
    return false;
  }
  tail = mi;
  return true;
}

bool TcpGlue::append_payload(Packet& p, const BufChain& payload) {
  rte_mbuf* tail = p.get();
  // A payload that fits after the header is copied: one segment on the wire, one mbuf.
  const bool fits = payload.size() <= rte_pktmbuf_tailroom(tail);
  for (const Slice& s : payload.slices()) {
    bool ok;
    if (fits || s.size() > UINT16_MAX)
      ok = append_copy(p, tail, s);
    else if (s.owner_kind() == kOwnerMbuf)
      ok = append_attached(p, tail, s);
    else if (s.owner_kind() == kOwnerFileCache)
      ok = append_external(p, tail, s);
    else
      ok = append_copy(p, tail, s);
    if (!ok) return false;
  }
  return true;
}

void TcpGlue::fill_checksum(const tcp::FourTuple& t, Packet& p, uint8_t* hdr, size_t hdr_len) {
  uint16_t l4_len = uint16_t(p.pkt_len());
  if (netif_.offloads().tx_tcp_checksum) {
    // The NIC finishes the sum; it expects the pseudo-header sum in the field.
    p->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
    p->l4_len = uint8_t(hdr_len);
    be::store16(hdr + 16, ipv4_pseudo_header_sum(t.local_ip, t.remote_ip, kProtoTcp, l4_len));
    return;
  }
  be::store16(hdr + 16, tcp_checksum(t.local_ip, t.remote_ip, p.get(), 0, l4_len));
}

void TcpGlue::emit(const tcp::FourTuple& t, const tcp::TcpRepr& hdr, BufChain payload) {
  Packet p = Packet::alloc(pool_);
  if (!p) {
    ++counters_.tx_no_mbuf;
    return;
  }
  size_t hdr_len = hdr.header_len();
  auto* h = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(p.get(), uint16_t(hdr_len)));
  hdr.emit(h);
  if (!append_payload(p, payload)) {
    ++counters_.tx_no_mbuf;
    return;
  }
  fill_checksum(t, p, h, hdr_len);
  netif_.send_ipv4(now_, t.remote_ip, kProtoTcp, std::move(p));
}

}  // namespace sluice::stack
