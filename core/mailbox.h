// A bounded single-producer single-consumer queue: how the engine's control thread hands messages
// (reload, stop, reopen logs) to one worker without a lock. The producer wakes the worker's
// transport after pushing; the worker drains it once per loop iteration.
#pragma once
#include <atomic>
#include <cstddef>
#include <optional>
#include <vector>

namespace sluice {

template <typename T>
class Mailbox {
 public:
  explicit Mailbox(size_t capacity) : slots_(capacity + 1) {}
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  // Producer side. False when full.
  bool push(T v) {
    size_t tail = tail_.load(std::memory_order_relaxed);
    size_t next = (tail + 1) % slots_.size();
    if (next == head_.load(std::memory_order_acquire)) return false;
    slots_[tail] = std::move(v);
    tail_.store(next, std::memory_order_release);
    return true;
  }

  // Consumer side.
  std::optional<T> pop() {
    size_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_.load(std::memory_order_acquire)) return std::nullopt;
    std::optional<T> v(std::move(slots_[head]));
    slots_[head] = T();
    head_.store((head + 1) % slots_.size(), std::memory_order_release);
    return v;
  }

 private:
  std::vector<T> slots_;
  alignas(64) std::atomic<size_t> head_{0};
  alignas(64) std::atomic<size_t> tail_{0};
};

}  // namespace sluice
