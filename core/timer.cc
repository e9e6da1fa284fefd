#include "core/timer.h"

#include "core/heap_sift.h"

namespace sluice {

Timer::~Timer() {
  if (queue_) queue_->cancel(*this);
}

TimerQueue::~TimerQueue() {
  for (Timer* t : heap_) t->queue_ = nullptr;
}

void TimerQueue::arm(Timer& t, Instant at) {
  if (t.queue_) t.queue_->cancel(t);
  t.deadline_ = at;
  t.queue_ = this;
  t.seq_ = next_seq_++;
  heap_.push_back(&t);
  t.index_ = heap_.size() - 1;
  sift_up(t.index_);
}

void TimerQueue::cancel(Timer& t) {
  if (t.queue_ != this) return;
  remove_at(t.index_);
  t.queue_ = nullptr;
}

void TimerQueue::remove_at(size_t i) {
  Timer* last = heap_.back();
  heap_.pop_back();
  if (i == heap_.size()) return;  // it was the last one
  place(i, last);
  if (i > 0 && earlier(last, heap_[(i - 1) / 2])) sift_up(i);
  else sift_down(i);
}

void TimerQueue::sift_up(size_t i) {
  heap::sift_up(heap_, i, earlier, [this](size_t j, Timer* t) { place(j, t); });
}

void TimerQueue::sift_down(size_t i) {
  heap::sift_down(heap_, i, earlier, [this](size_t j, Timer* t) { place(j, t); });
}

size_t TimerQueue::run(Instant now, size_t max) {
  size_t fired = 0;
  while (fired < max && !heap_.empty() && heap_.front()->deadline_ <= now) {
    Timer* t = heap_.front();
    remove_at(0);
    t->queue_ = nullptr;
    ++fired;
    if (t->on_fire_) t->on_fire_(now);
  }
  return fired;
}

}  // namespace sluice
