#include "stack/mbuf.h"

#include <algorithm>

namespace sluice::stack {
namespace {

void mbuf_retain(void* o) { rte_mbuf_refcnt_update(static_cast<rte_mbuf*>(o), 1); }
void mbuf_release(void* o) { rte_pktmbuf_free_seg(static_cast<rte_mbuf*>(o)); }
const BufOwnerOps kMbufOps{mbuf_retain, mbuf_release, kOwnerMbuf};

}  // namespace

const BufOwnerOps& mbuf_owner_ops() { return kMbufOps; }

Slice slice_of_segment(rte_mbuf* seg, uint32_t off, uint32_t len) {
  rte_mbuf_refcnt_update(seg, 1);
  return Slice(rte_pktmbuf_mtod_offset(seg, const uint8_t*, off), len, seg, &kMbufOps);
}

void append_payload(BufChain& out, const Packet& p, uint32_t off, uint32_t len) {
  for (rte_mbuf* seg = p.get(); seg != nullptr && len > 0; seg = seg->next) {
    if (off >= seg->data_len) {
      off -= seg->data_len;
      continue;
    }
    uint32_t take = std::min<uint32_t>(seg->data_len - off, len);
    out.append(slice_of_segment(seg, off, take));
    len -= take;
    off = 0;
  }
}

}  // namespace sluice::stack
