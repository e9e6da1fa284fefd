// The per-worker event loop's shared pieces: the cached time of this iteration, the timer queue,
// and work deferred to the end of the iteration (so nothing is destroyed inside its own callback).
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "core/time.h"
#include "core/timer.h"

namespace sluice {

class EventLoop {
 public:
  explicit EventLoop(Clock& clock) : clock_(clock) { now_ = clock_.now(); }
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // The time of the current iteration; refreshed by update_time().
  Instant now() const { return now_; }
  // Re-reads the clock: the loop calls it once per iteration, and a transport after it blocked.
  Instant update_time() { return now_ = clock_.now(); }

  TimerQueue& timers() { return timers_; }
  void arm(Timer& t, Duration after) { timers_.arm(t, now_ + after); }

  // Runs `fn` after the current callbacks have returned, in this iteration.
  void defer(std::function<void()> fn) { deferred_.push_back(std::move(fn)); }
  // Destroys `obj` at the end of the iteration, with its own deleter.
  template <typename T, typename D>
  void defer_delete(std::unique_ptr<T, D> obj) {
    deferred_.push_back([d = obj.get_deleter(), p = obj.release()] { d(p); });
  }
  // Runs due timers, then deferred work (including work deferred by that work).
  void run_due(size_t max_timers = 4096) {
    timers_.run(now_, max_timers);
    run_deferred();
  }
  void run_deferred() {
    while (!deferred_.empty()) {
      // The two vectors trade places and keep their capacity: no allocation per iteration. A
      // nested call (deferred work that runs the loop's deferred work) takes a fresh batch.
      std::vector<std::function<void()>> batch;
      batch.swap(spare_batch_);
      batch.swap(deferred_);
      for (auto& fn : batch) fn();
      batch.clear();
      if (spare_batch_.capacity() < batch.capacity()) spare_batch_.swap(batch);
    }
  }
  bool has_deferred() const { return !deferred_.empty(); }

 private:
  Clock& clock_;
  Instant now_{};
  TimerQueue timers_;
  std::vector<std::function<void()>> deferred_;
  std::vector<std::function<void()>> spare_batch_;  // run_deferred()'s, kept for its capacity
};

}  // namespace sluice
