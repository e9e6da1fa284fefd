// Frames waiting on the emulated link, released in order of their release time (FIFO among
// equal times). Sans-I/O: the caller says what `now` is.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "core/time.h"

namespace sluice::linkemu {

struct ScheduledFrame {
  Instant at;
  uint64_t order = 0;  // insertion counter: ties release first-in, first-out
  uint64_t seq = 0;    // arrival number on the link, to count reordering on the way out
  std::vector<uint8_t> bytes;
};

class Scheduler {
 public:
  void push(Instant at, uint64_t seq, std::vector<uint8_t> bytes);
  // The earliest release time, or Instant::never() when empty.
  Instant next_release() const { return heap_.empty() ? Instant::never() : heap_.front().at; }
  // Removes and returns the earliest frame if it is due at `now`.
  std::optional<ScheduledFrame> pop_due(Instant now);
  size_t size() const { return heap_.size(); }

 private:
  std::vector<ScheduledFrame> heap_;  // a min-heap on (at, order)
  uint64_t next_order_ = 0;
};

}  // namespace sluice::linkemu
