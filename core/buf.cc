#include "core/buf.h"

#include <cstdlib>
#include <new>

namespace sluice {
namespace {

// A heap block: a reference count followed by the bytes. Single-threaded by design.
struct HeapBlock {
  uint32_t refs;
  uint8_t* bytes() { return reinterpret_cast<uint8_t*>(this + 1); }
};

void heap_retain(void* o) { ++static_cast<HeapBlock*>(o)->refs; }
void heap_release(void* o) {
  auto* b = static_cast<HeapBlock*>(o);
  if (--b->refs == 0) std::free(b);
}
const BufOwnerOps kHeapOps{heap_retain, heap_release, kOwnerHeap};

}  // namespace

Slice Slice::allocate(size_t len) {
  void* mem = std::malloc(sizeof(HeapBlock) + (len ? len : 1));
  if (!mem) throw std::bad_alloc();
  auto* b = new (mem) HeapBlock{1};
  return Slice(b->bytes(), len, b, &kHeapOps);
}

Slice Slice::copy_of(std::string_view s) {
  Slice out = allocate(s.size());
  if (!s.empty()) std::memcpy(out.writable_data(), s.data(), s.size());
  return out;
}

void BufChain::consume(size_t n) {
  while (n > 0 && !slices_.empty()) {
    Slice& f = slices_.front();
    if (f.size() <= n) {
      n -= f.size();
      bytes_ -= f.size();
      slices_.pop_front();
    } else {
      f.trim_front(n);
      bytes_ -= n;
      n = 0;
    }
  }
}

BufChain BufChain::split_front(size_t n) {
  BufChain out;
  while (n > 0 && !slices_.empty()) {
    Slice& f = slices_.front();
    if (f.size() <= n) {
      n -= f.size();
      out.append(pop_front());
    } else {
      out.append(f.sub(0, n));
      f.trim_front(n);
      bytes_ -= n;
      n = 0;
    }
  }
  return out;
}

size_t BufChain::copy_out(uint8_t* dst, size_t n, size_t offset) const {
  size_t copied = 0;
  for (const Slice& s : slices_) {
    if (copied == n) break;
    if (offset >= s.size()) { offset -= s.size(); continue; }
    size_t take = std::min(s.size() - offset, n - copied);
    std::memcpy(dst + copied, s.data() + offset, take);
    copied += take;
    offset = 0;
  }
  return copied;
}

std::string BufChain::to_string() const {
  std::string out;
  out.reserve(bytes_);
  for (const Slice& s : slices_) out.append(s.view());
  return out;
}

}  // namespace sluice
