// Byte slices with explicit owners, chained without copying.
//
// A Slice is a view of bytes plus one counted reference on whatever keeps those bytes alive: a heap
// block, an rte_mbuf (the userspace stack hands received payload up this way, and attaches slices to
// outgoing mbufs), a cached file, or nothing for static storage. Copying a Slice takes a reference;
// destroying it drops one. All of it is single-threaded: a slice never crosses workers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "core/slice_queue.h"

namespace sluice {

// What keeps a slice's bytes alive. `kind` lets a transport recognise its own owners (an mbuf
// owner can be attached to an outgoing packet instead of copied).
struct BufOwnerOps {
  void (*retain)(void* owner);
  void (*release)(void* owner);
  int kind;
};

enum BufOwnerKind : int { kOwnerNone = 0, kOwnerHeap = 1, kOwnerMbuf = 2, kOwnerFileCache = 3 };

class Slice {
 public:
  Slice() = default;
  // Adopts one reference on `owner` (the caller has already counted it).
  Slice(const uint8_t* data, size_t len, void* owner, const BufOwnerOps* ops)
      : data_(data), len_(len), owner_(owner), ops_(ops) {}
  // Bytes with static lifetime (string literals, tables): no owner.
  static Slice from_static(std::string_view s) {
    return Slice(reinterpret_cast<const uint8_t*>(s.data()), s.size(), nullptr, nullptr);
  }
  // A new heap block holding a copy of `s`.
  static Slice copy_of(std::string_view s);
  // A new heap block of `len` bytes for the caller to fill through writable_data().
  static Slice allocate(size_t len);

  Slice(const Slice& o) : data_(o.data_), len_(o.len_), owner_(o.owner_), ops_(o.ops_) { retain(); }
  Slice(Slice&& o) noexcept : data_(o.data_), len_(o.len_), owner_(o.owner_), ops_(o.ops_) {
    o.reset_fields();
  }
  Slice& operator=(const Slice& o) {
    if (this != &o) { Slice tmp(o); swap(tmp); }
    return *this;
  }
  Slice& operator=(Slice&& o) noexcept {
    if (this != &o) { release(); data_ = o.data_; len_ = o.len_; owner_ = o.owner_; ops_ = o.ops_; o.reset_fields(); }
    return *this;
  }
  ~Slice() { release(); }

  const uint8_t* data() const { return data_; }
  // Only for slices made by allocate() and not yet shared.
  uint8_t* writable_data() { return const_cast<uint8_t*>(data_); }
  size_t size() const { return len_; }
  bool empty() const { return len_ == 0; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), len_}; }
  void* owner() const { return owner_; }
  const BufOwnerOps* ops() const { return ops_; }
  int owner_kind() const { return ops_ ? ops_->kind : kOwnerNone; }

  void trim_front(size_t n) { if (n > len_) n = len_; data_ += n; len_ -= n; }
  void trim_back(size_t n) { if (n > len_) n = len_; len_ -= n; }
  // A sub-view sharing the owner.
  Slice sub(size_t off, size_t len) const {
    Slice s(*this);
    s.trim_front(off);
    if (len < s.len_) s.len_ = len;
    return s;
  }
  void swap(Slice& o) noexcept {
    std::swap(data_, o.data_); std::swap(len_, o.len_); std::swap(owner_, o.owner_); std::swap(ops_, o.ops_);
  }

 private:
  void retain() { if (ops_) ops_->retain(owner_); }
  void release() { if (ops_) ops_->release(owner_); reset_fields(); }
  void reset_fields() { data_ = nullptr; len_ = 0; owner_ = nullptr; ops_ = nullptr; }

  const uint8_t* data_ = nullptr;
  size_t len_ = 0;
  void* owner_ = nullptr;
  const BufOwnerOps* ops_ = nullptr;
};

// An ordered sequence of slices: what a transport reads into and writes from.
class BufChain {
 public:
  // Up to two slices live inside the chain: no allocation for the usual one or two.
  using Slices = InlineQueue<Slice, 2>;

  BufChain() = default;
  // A moved-from chain is empty, size included: it may be appended to again.
  BufChain(BufChain&& o) noexcept : slices_(std::move(o.slices_)), bytes_(std::exchange(o.bytes_, 0)) {}
  BufChain& operator=(BufChain&& o) noexcept {
    if (this != &o) {
      slices_ = std::move(o.slices_);
      bytes_ = std::exchange(o.bytes_, 0);
    }
    return *this;
  }
  BufChain(const BufChain&) = default;
  BufChain& operator=(const BufChain&) = default;

  size_t size() const { return bytes_; }
  bool empty() const { return bytes_ == 0; }
  size_t slice_count() const { return slices_.size(); }
  const Slices& slices() const { return slices_; }

  void append(Slice s) {
    if (s.empty()) return;
    bytes_ += s.size();
    slices_.push_back(std::move(s));
  }
  void append(BufChain&& o) {
    if (o.slices_.empty()) return;
    if (slices_.empty()) {
      slices_ = std::move(o.slices_);  // takes o's heap block, if any, instead of copying
      for (const Slice& s : slices_) bytes_ += s.size();
    } else {
      for (Slice& s : o.slices_) append(std::move(s));
    }
    o.clear();
  }
  void append_copy(std::string_view s) { if (!s.empty()) append(Slice::copy_of(s)); }
  void prepend(Slice s) {
    if (s.empty()) return;
    bytes_ += s.size();
    slices_.push_front(std::move(s));
  }
  void clear() { slices_.clear(); bytes_ = 0; }

  // Drops the first n bytes.
  void consume(size_t n);
  // Moves the first n bytes (or all, if fewer) into a new chain, splitting a slice if needed.
  BufChain split_front(size_t n);
  // Copies up to n bytes starting at `offset` into dst; returns how many were copied.
  size_t copy_out(uint8_t* dst, size_t n, size_t offset = 0) const;
  // The first slice; requires !empty().
  const Slice& front() const { return slices_.front(); }
  Slice pop_front() {
    Slice s = std::move(slices_.front());
    slices_.pop_front();
    bytes_ -= s.size();
    return s;
  }
  std::string to_string() const;

 private:
  Slices slices_;
  size_t bytes_ = 0;
};

}  // namespace sluice
