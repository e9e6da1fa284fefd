// The deadlines of TIME-WAIT entries (time_wait.h), in a FIFO instead of the timer heap.
//
// Every connection enters TIME-WAIT for the same time_wait (RFC 9293 3.10.7.4: 2 MSL, restarted
// by a retransmitted FIN), so deadlines arrive in order and the queue's front is the earliest: an
// O(1) push and pop, where a heap holding a short-connection server's tens of thousands of
// TIME-WAIT entries costs a sift through them on every change.
//
// A queue entry names a TIME-WAIT entry by slot and generation and holds the deadline it was
// queued with; one that left (taken over by a new SYN, reset, the timer restarted) leaves a stale
// queue entry, skipped when it comes up. compact() bounds them: the queue never holds more than twice its live
// entries (plus a constant).
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>

namespace sluice::stack::tcp {

class TimeWaitQueue {
 public:
  struct Entry {
    uint32_t slot;
    uint32_t generation;
    int64_t at_us;
  };

  // A deadline may join at the back only if it keeps the queue in order.
  bool can_push(int64_t at_us) const { return q_.empty() || q_.back().at_us <= at_us; }
  int64_t back_at() const { return q_.back().at_us; }  // not empty()
  void push(uint32_t slot, uint32_t generation, int64_t at_us) {
    q_.push_back({slot, generation, at_us});
    ++live_;
  }
  // A queued TIME-WAIT entry left (its queue entry, now stale, stays until compacted or popped).
  void leave() { --live_; }

  bool empty() const { return q_.empty(); }
  const Entry& front() const { return q_.front(); }
  void pop_front() { q_.pop_front(); }
  size_t size() const { return q_.size(); }
  size_t live() const { return live_; }

  // Drops the stale entries once they outnumber the live ones; is_live(entry) tells them apart.
  template <typename IsLive>
  void compact_if_due(IsLive&& is_live) {
    if (q_.size() <= 2 * live_ + kSlack) return;
    std::deque<Entry> kept;
    for (const Entry& e : q_)
      if (is_live(e)) kept.push_back(e);
    q_.swap(kept);
  }

 private:
  static constexpr size_t kSlack = 1024;
  std::deque<Entry> q_;
  size_t live_ = 0;
};

}  // namespace sluice::stack::tcp
