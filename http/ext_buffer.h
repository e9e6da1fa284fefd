// Memory for content a transport may send without copying (the per-worker file cache holds file
// content in these): one refcounted block whose bytes start on a cache line, allocated by an
// injected BufferAllocator and handed out as Slices of owner kind kOwnerFileCache.
//
// The contract with transports (stack/socket/tcp_glue.cc attaches these to mbufs):
//  - Slice::owner() of a kOwnerFileCache slice is an ExtBuffer*; Slice::ops() retains and
//    releases it. Nothing else about the slice differs from a heap slice: its bytes are valid
//    and immutable while a reference is held.
//  - ExtBuffer::iova_of(p) is the IO address of byte p of the block, or kBadIova when the
//    allocator has none (malloc memory; fine for virtual PMDs, which use virtual addresses).
//  - A transport that keeps the bytes after write() returns (attached to an mbuf as an external
//    buffer) takes its own reference with ops()->retain(owner) per attachment and drops it with
//    ops()->release(owner) when that mbuf is freed (the extbuf free callback). The block is freed
//    when the last reference goes, wherever it is: evicting a cache entry drops only the cache's
//    reference, so content in flight stays valid.
//  - Single-threaded: the count is a plain integer; retain/release only on the owning worker.
//  - The allocator must outlive every block it made (the built-in ones are static and stateless).
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/buf.h"

namespace sluice::http {

inline constexpr uint64_t kBadIova = ~uint64_t(0);  // == RTE_BAD_IOVA

class BufferAllocator {
 public:
  virtual ~BufferAllocator() = default;
  // `bytes` of memory aligned to `align` (a power of two); nullptr on failure. *iova receives the
  // IO address of the first byte, or kBadIova.
  virtual void* allocate(size_t bytes, size_t align, uint64_t* iova) = 0;
  virtual void free(void* p) = 0;
};

// aligned_alloc/free. Stateless, never destroyed.
BufferAllocator& heap_allocator();

class ExtBuffer {
 public:
  static constexpr size_t kAlign = 64;   // the block and its data start on a cache line
  static constexpr size_t kHeader = 64;  // this header, padded; the data follows it

  // A block for `size` bytes holding one reference (the caller's); nullptr when out of memory.
  static ExtBuffer* create(BufferAllocator& alloc, size_t size);

  uint8_t* data() { return reinterpret_cast<uint8_t*>(this) + kHeader; }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(this) + kHeader; }
  size_t size() const { return size_; }
  uint32_t refs() const { return refs_; }
  uint64_t iova_of(const uint8_t* p) const {
    return data_iova_ == kBadIova ? kBadIova : data_iova_ + uint64_t(p - data());
  }
  // A slice of [off, off + len) that holds a new reference.
  Slice slice(size_t off, size_t len);
  Slice slice() { return slice(0, size_); }

  void retain() { ++refs_; }
  void release();

  static const BufOwnerOps kOps;  // kind kOwnerFileCache

 private:
  ExtBuffer(BufferAllocator& alloc, size_t size, uint64_t data_iova)
      : alloc_(alloc), size_(size), data_iova_(data_iova) {}
  ~ExtBuffer() = default;

  BufferAllocator& alloc_;
  size_t size_;
  uint64_t data_iova_;
  uint32_t refs_ = 1;
};

}  // namespace sluice::http
