#include "http/ext_buffer.h"

#include <cstdlib>
#include <new>

namespace sluice::http {
namespace {

class HeapAllocator final : public BufferAllocator {
 public:
  void* allocate(size_t bytes, size_t align, uint64_t* iova) override {
    *iova = kBadIova;
    size_t rounded = (bytes + align - 1) / align * align;  // aligned_alloc wants a multiple
    return std::aligned_alloc(align, rounded ? rounded : align);
  }
  void free(void* p) override { std::free(p); }
};

void ext_retain(void* o) { static_cast<ExtBuffer*>(o)->retain(); }
void ext_release(void* o) { static_cast<ExtBuffer*>(o)->release(); }

}  // namespace

BufferAllocator& heap_allocator() {
  static HeapAllocator* a = new HeapAllocator();  // never destroyed: blocks may outlive main's statics
  return *a;
}

const BufOwnerOps ExtBuffer::kOps{ext_retain, ext_release, kOwnerFileCache};

ExtBuffer* ExtBuffer::create(BufferAllocator& alloc, size_t size) {
  static_assert(sizeof(ExtBuffer) <= kHeader, "the header must fit in front of the data");
  uint64_t iova = kBadIova;
  void* mem = alloc.allocate(kHeader + size, kAlign, &iova);
  if (!mem) return nullptr;
  return new (mem) ExtBuffer(alloc, size, iova == kBadIova ? kBadIova : iova + kHeader);
}

Slice ExtBuffer::slice(size_t off, size_t len) {
  if (off > size_) off = size_;
  if (len > size_ - off) len = size_ - off;
  retain();
  return Slice(data() + off, len, this, &kOps);
}

void ExtBuffer::release() {
  if (--refs_ != 0) return;
  BufferAllocator& alloc = alloc_;
  this->~ExtBuffer();
  alloc.free(this);
}

}  // namespace sluice::http
