#include "core/timer.h"

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
  Timer* t = heap_[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!earlier(t, heap_[parent])) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, t);
}

void TimerQueue::sift_down(size_t i) {
  Timer* t = heap_[i];
  const size_t n = heap_.size();
  while (true) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && earlier(heap_[child + 1], heap_[child])) ++child;
    if (!earlier(heap_[child], t)) break;
    place(i, heap_[child]);
    i = child;
  }
  place(i, t);
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
