// Storage for objects of one type, reused: a destroyed object's block goes on a free list (up to a
// bound) and the next make() constructs in it, so a worker that opens and closes a connection per
// request does not go to malloc for each one (an HTTP session is larger than glibc's per-thread
// cache takes, and a burst of connections defeats that cache's seven blocks per size anyway).
// Owned by one worker; not thread-safe. The pool must outlive every object it made.
#pragma once
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace sluice {

template <typename T>
class ObjectPool {
 public:
  struct Deleter {
    ObjectPool* pool = nullptr;
    void operator()(T* p) const { pool->destroy(p); }
  };
  using Ptr = std::unique_ptr<T, Deleter>;

  // Keeps at most `max_free` unused blocks; more go back to the allocator.
  explicit ObjectPool(size_t max_free) : max_free_(kSanitized ? 0 : max_free) {
    free_.reserve(max_free_);
  }
  ~ObjectPool() {
    for (T* block : free_) alloc_.deallocate(block, 1);
  }
  ObjectPool(const ObjectPool&) = delete;
  ObjectPool& operator=(const ObjectPool&) = delete;

  template <typename... Args>
  Ptr make(Args&&... args) {
    T* block = take();
    try {
      return Ptr(::new (static_cast<void*>(block)) T(std::forward<Args>(args)...), Deleter{this});
    } catch (...) {
      give(block);
      throw;
    }
  }
  void destroy(T* p) {
    p->~T();
    give(p);
  }
  size_t free_blocks() const { return free_.size(); }

 private:
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer finds a use after destruction only in memory that went back to malloc.
  static constexpr bool kSanitized = true;
#else
  static constexpr bool kSanitized = false;
#endif
  T* take() {
    if (free_.empty()) return alloc_.allocate(1);
    T* block = free_.back();
    free_.pop_back();
    return block;
  }
  void give(T* block) {
    if (free_.size() < max_free_) free_.push_back(block);
    else alloc_.deallocate(block, 1);
  }

  std::allocator<T> alloc_;
  size_t max_free_;
  std::vector<T*> free_;  // reserved up front: give() never allocates
};

}  // namespace sluice
