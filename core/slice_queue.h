// The slices of a BufChain, in order: a FIFO that holds its first few slices inside the object.
//
// Almost every chain carries one or two slices (a received segment's payload; a response head
// and its body), and chains are built, moved and dropped several times per segment: std::deque
// allocated a map and a node for each of those, even empty and when moved from. Here a chain that
// stays within kInline slices never allocates, and a move steals the heap block when it has one.
// The slices are contiguous, so iteration is a pointer walk. Single-threaded, like Slice.
#pragma once
#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

namespace sluice {

template <class T, uint32_t kInline>
class InlineQueue {
 public:
  InlineQueue() = default;
  InlineQueue(const InlineQueue& o) {
    if (o.size() > kInline) {
      heap_ = static_cast<T*>(::operator new(sizeof(T) * o.size()));
      cap_ = uint32_t(o.size());
    }
    for (const T& x : o) new (buf() + tail_++) T(x);
  }
  InlineQueue(InlineQueue&& o) noexcept { take(o); }
  InlineQueue& operator=(const InlineQueue& o) {
    if (this != &o) {
      clear();
      for (const T& x : o) push_back(T(x));
    }
    return *this;
  }
  InlineQueue& operator=(InlineQueue&& o) noexcept {
    if (this != &o) {
      destroy();
      take(o);
    }
    return *this;
  }
  ~InlineQueue() { destroy(); }

  T* begin() { return buf() + head_; }
  T* end() { return buf() + tail_; }
  const T* begin() const { return buf() + head_; }
  const T* end() const { return buf() + tail_; }
  size_t size() const { return tail_ - head_; }
  bool empty() const { return tail_ == head_; }
  T& front() { return buf()[head_]; }
  const T& front() const { return buf()[head_]; }

  void push_back(T&& x) {
    if (tail_ == cap_) make_room_at_back();
    new (buf() + tail_) T(std::move(x));
    ++tail_;
  }
  void push_front(T&& x) {
    if (head_ == 0) make_room_at_front();
    --head_;
    new (buf() + head_) T(std::move(x));
  }
  void pop_front() {
    buf()[head_].~T();
    if (++head_ == tail_) head_ = tail_ = 0;
  }
  // Drops every element; keeps a heap block for reuse.
  void clear() {
    for (uint32_t i = head_; i < tail_; ++i) buf()[i].~T();
    head_ = tail_ = 0;
  }

 private:
  T* buf() { return heap_ ? heap_ : reinterpret_cast<T*>(inline_); }
  const T* buf() const { return heap_ ? heap_ : reinterpret_cast<const T*>(inline_); }

  void destroy() {
    clear();
    if (heap_) ::operator delete(heap_);
    heap_ = nullptr;
    cap_ = kInline;
  }
  // Requires *this to be empty with no heap block.
  void take(InlineQueue& o) noexcept {
    if (o.heap_) {
      heap_ = std::exchange(o.heap_, nullptr);
      cap_ = std::exchange(o.cap_, kInline);
      head_ = std::exchange(o.head_, 0);
      tail_ = std::exchange(o.tail_, 0);
      return;
    }
    T* dst = reinterpret_cast<T*>(inline_);
    for (uint32_t i = o.head_; i < o.tail_; ++i) {
      new (dst + tail_++) T(std::move(o.buf()[i]));
      o.buf()[i].~T();
    }
    o.head_ = o.tail_ = 0;
  }
  // Moves the elements into a block of `cap` slots, starting at slot `at`.
  void relocate(uint32_t cap, uint32_t at) {
    T* src = buf();
    T* dst = cap == cap_ ? src : static_cast<T*>(::operator new(sizeof(T) * cap));
    const uint32_t n = tail_ - head_;
    if (dst != src || at < head_) {
      for (uint32_t i = 0; i < n; ++i) {
        new (dst + at + i) T(std::move(src[head_ + i]));
        src[head_ + i].~T();
      }
    } else if (at > head_) {  // shifting right within the same block: back to front
      for (uint32_t i = n; i-- > 0;) {
        new (dst + at + i) T(std::move(src[head_ + i]));
        src[head_ + i].~T();
      }
    }
    if (dst != src) {
      ::operator delete(heap_);
      heap_ = dst;
      cap_ = cap;
    }
    head_ = at;
    tail_ = at + n;
  }
  // At least one free slot after tail_: slide down when the front half is free (amortized O(1)),
  // else double.
  void make_room_at_back() {
    const uint32_t n = tail_ - head_;
    relocate(head_ >= n && head_ > 0 ? cap_ : cap_ * 2, 0);
  }
  // At least one free slot before head_.
  void make_room_at_front() {
    const uint32_t n = tail_ - head_;
    const uint32_t cap = n < cap_ ? cap_ : cap_ * 2;
    relocate(cap, cap - n);
  }

  T* heap_ = nullptr;  // null: the elements live in inline_
  uint32_t head_ = 0, tail_ = 0, cap_ = kInline;
  alignas(T) unsigned char inline_[sizeof(T) * kInline];
};

}  // namespace sluice
