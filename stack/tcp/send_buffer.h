// The send queue: bytes from SND.UNA onward (sent-unacknowledged, then unsent), held as slices so
// a (re)transmission re-emits sub-slices by sequence offset without copying (RFC 9293 3.8.1).
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/buf.h"

namespace sluice::stack::tcp {

class SendBuffer {
 public:
  explicit SendBuffer(size_t capacity) : capacity_(capacity) {}
  size_t size() const { return data_.size(); }
  size_t capacity() const { return capacity_; }
  size_t space() const { return data_.size() >= capacity_ ? 0 : capacity_ - data_.size(); }
  // Moves up to space() bytes from the front of `in`; returns how many.
  size_t push(BufChain& in);
  // Sub-slices of [off, off + len) (offset 0 is SND.UNA's byte).
  BufChain range(size_t off, size_t len) const;
  // The peer acknowledged the first n bytes.
  void ack(size_t n) { data_.consume(n); }
  void clear() { data_.clear(); }

 private:
  BufChain data_;
  size_t capacity_;
};

}  // namespace sluice::stack::tcp
