#include "core/timer.h"

namespace sluice {

Timer::~Timer() {
  if (queue_) queue_->cancel(*this);
}

TimerQueue::~TimerQueue() {
  for (auto& [at, t] : timers_) t->queue_ = nullptr;
}

void TimerQueue::arm(Timer& t, Instant at) {
  if (t.queue_) t.queue_->cancel(t);
  t.deadline_ = at;
  t.queue_ = this;
  t.pos_ = timers_.emplace(at, &t);
}

void TimerQueue::cancel(Timer& t) {
  if (t.queue_ != this) return;
  timers_.erase(t.pos_);
  t.queue_ = nullptr;
}

size_t TimerQueue::run(Instant now, size_t max) {
  size_t fired = 0;
  while (fired < max && !timers_.empty() && timers_.begin()->first <= now) {
    Timer* t = timers_.begin()->second;
    timers_.erase(timers_.begin());
    t->queue_ = nullptr;
    ++fired;
    if (t->on_fire_) t->on_fire_(now);
  }
  return fired;
}

}  // namespace sluice
