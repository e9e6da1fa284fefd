// Timers as data: a Timer is armed with a deadline in a TimerQueue, and the loop that owns the queue
// calls run(now) once per iteration. No thread, no clock read inside.
#pragma once
#include <functional>
#include <map>

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
  std::multimap<Instant, Timer*>::iterator pos_;
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
  Instant next_deadline() const { return timers_.empty() ? Instant::never() : timers_.begin()->first; }
  size_t size() const { return timers_.size(); }

 private:
  std::multimap<Instant, Timer*> timers_;
};

}  // namespace sluice
