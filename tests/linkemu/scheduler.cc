#include "tests/linkemu/scheduler.h"

#include <algorithm>
#include <utility>

namespace sluice::linkemu {
namespace {

// std heaps keep the largest on top: "later" compares as smaller.
bool later(const ScheduledFrame& x, const ScheduledFrame& y) {
  return x.at != y.at ? x.at > y.at : x.order > y.order;
}

}  // namespace

void Scheduler::push(Instant at, uint64_t seq, std::vector<uint8_t> bytes) {
  heap_.push_back(ScheduledFrame{at, next_order_++, seq, std::move(bytes)});
  std::push_heap(heap_.begin(), heap_.end(), later);
}

std::optional<ScheduledFrame> Scheduler::pop_due(Instant now) {
  if (heap_.empty() || heap_.front().at > now) return std::nullopt;
  std::pop_heap(heap_.begin(), heap_.end(), later);
  ScheduledFrame f = std::move(heap_.back());
  heap_.pop_back();
  return f;
}

}  // namespace sluice::linkemu
