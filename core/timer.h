// Timers as data: a Timer is armed with a deadline in a TimerQueue, and the loop that owns the queue
// calls run(now) once per iteration. No thread, no clock read inside.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "core/time.h"

namespace sluice {

class TimerQueue;

// Owned by whoever needs the timeout (a connection, a session). Destroying it cancels it.
class Timer {
 public:
  explicit Timer(std::function<void(Instant)> on_fire = {}) : on_fire_(std::move(on_fire)) {}
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void set_callback(std::function<void(Instant)> cb) { on_fire_ = std::move(cb); }
  bool armed() const { return queue_ != nullptr; }
  Instant deadline() const { return deadline_; }

 private:
  friend class TimerQueue;
  std::function<void(Instant)> on_fire_;
  TimerQueue* queue_ = nullptr;
  Instant deadline_{};
  uint64_t seq_ = 0;  // arming order: timers due at the same instant fire in the order armed
  size_t index_ = 0;  // place in the queue's heap while armed
};

class TimerQueue {
 public:
  TimerQueue() = default;
  ~TimerQueue();
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  // (Re)arms t to fire at `at`.
  void arm(Timer& t, Instant at);
  void cancel(Timer& t);
  // Fires every timer due at or before `now`, earliest first; returns how many fired.
  // A callback may re-arm or cancel any timer, including its own.
  size_t run(Instant now, size_t max = SIZE_MAX);
  Instant next_deadline() const { return heap_.empty() ? Instant::never() : heap_.front()->deadline_; }
  size_t size() const { return heap_.size(); }

 private:
  // A binary min-heap on (deadline, seq): arming and cancelling move pointers, never allocate
  // (beyond the vector's growth).
  static bool earlier(const Timer* a, const Timer* b) {
    return a->deadline_ < b->deadline_ || (a->deadline_ == b->deadline_ && a->seq_ < b->seq_);
  }
  void place(size_t i, Timer* t) {
    heap_[i] = t;
    t->index_ = i;
  }
  void sift_up(size_t i);
  void sift_down(size_t i);
  void remove_at(size_t i);

  std::vector<Timer*> heap_;
  uint64_t next_seq_ = 0;
};

}  // namespace sluice
