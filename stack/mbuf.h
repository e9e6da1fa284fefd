// Explicit mbuf ownership. A Packet owns exactly one reference to an rte_mbuf chain; moving it hands
// that reference over, destroying it frees it. Payload goes up to the application as Slices that
// each hold their own reference on the segment they point into (no copy on receive).
#pragma once
#include <rte_mbuf.h>

#include <utility>

#include "core/buf.h"

namespace sluice::stack {

class Packet {
 public:
  Packet() = default;
  explicit Packet(rte_mbuf* m) : m_(m) {}
  Packet(Packet&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
  Packet& operator=(Packet&& o) noexcept {
    if (this != &o) { reset(); m_ = std::exchange(o.m_, nullptr); }
    return *this;
  }
  Packet(const Packet&) = delete;
  Packet& operator=(const Packet&) = delete;
  ~Packet() { reset(); }

  static Packet alloc(rte_mempool* pool) { return Packet(rte_pktmbuf_alloc(pool)); }

  explicit operator bool() const { return m_ != nullptr; }
  rte_mbuf* get() const { return m_; }
  rte_mbuf* operator->() const { return m_; }
  // Gives up ownership (to the NIC's tx burst, a ring, ...).
  rte_mbuf* release() { return std::exchange(m_, nullptr); }
  void reset() { if (m_) rte_pktmbuf_free(std::exchange(m_, nullptr)); }

  uint8_t* data() const { return rte_pktmbuf_mtod(m_, uint8_t*); }
  uint32_t data_len() const { return m_->data_len; }  // first segment
  uint32_t pkt_len() const { return m_->pkt_len; }    // whole chain
  // Strips n bytes from the front of the first segment (a header that has been parsed).
  bool adj(uint16_t n) { return rte_pktmbuf_adj(m_, n) != nullptr; }
  // Makes room for an n-byte header in the headroom; nullptr when there is not enough.
  uint8_t* prepend(uint16_t n) { return reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m_, n)); }
  bool trim(uint16_t n) { return rte_pktmbuf_trim(m_, n) == 0; }

 private:
  rte_mbuf* m_ = nullptr;
};

// Slice owner ops for one mbuf segment: retain/release its reference count.
const BufOwnerOps& mbuf_owner_ops();

// A slice of `len` bytes at `off` inside segment `seg`, holding a new reference on `seg`.
Slice slice_of_segment(rte_mbuf* seg, uint32_t off, uint32_t len);

// Every byte of the chain from `off` for `len` bytes, one slice per segment, no copies.
void append_payload(BufChain& out, const Packet& p, uint32_t off, uint32_t len);

}  // namespace sluice::stack
