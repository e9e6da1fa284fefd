// One direction of the emulated link: the impairment decisions, the frames in flight and the
// counters. Sans-I/O: frames come in through on_frame(), leave through the `send` callback of
// release_due(), and time is the caller's `now`.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/time.h"
#include "tests/linkemu/impairment.h"
#include "tests/linkemu/scheduler.h"

namespace sluice::linkemu {

struct DirectionCounters {
  uint64_t in = 0;           // frames received
  uint64_t out = 0;          // frames sent (duplicates included)
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t dropped = 0;      // all drops below, summed
  uint64_t lost = 0;         // by the loss model
  uint64_t queue_drops = 0;  // tail drops at the bottleneck
  uint64_t overflow = 0;     // the in-flight limit was reached
  uint64_t oversize = 0;     // longer than the largest frame the other side can send
  uint64_t tx_errors = 0;    // the send failed
  uint64_t duplicated = 0;   // extra copies made
  uint64_t reordered = 0;    // frames sent after a frame that arrived later (RFC 4737)
  uint64_t reorder_picked = 0;  // frames the reorder= option moved on purpose
  uint64_t pending = 0;      // still in flight (filled in by snapshot)
};

struct DirectionLimits {
  size_t max_frame = 65535;      // longer frames are dropped as oversize
  size_t max_in_flight = 65536;  // frames held at once; more are dropped as overflow
};

class Direction {
 public:
  using Send = std::function<bool(std::span<const uint8_t>)>;

  Direction(const LinkSpec& spec, uint64_t seed, DirectionLimits limits);

  void on_frame(std::span<const uint8_t> frame, Instant now);
  Instant next_release() const { return in_flight_.next_release(); }
  // Sends the frames due at `now`, at most `budget` of them; returns how many were released.
  size_t release_due(Instant now, size_t budget, const Send& send);
  DirectionCounters snapshot() const;

 private:
  void hold(std::span<const uint8_t> frame, Instant at, uint64_t seq);
  std::vector<uint8_t> buffer();

  Impairment impairment_;
  Scheduler in_flight_;
  DirectionLimits limits_;
  DirectionCounters counters_;
  uint64_t next_seq_ = 0;
  uint64_t highest_sent_seq_ = 0;
  bool sent_any_ = false;
  std::vector<std::vector<uint8_t>> spare_;  // recycled frame buffers
};

// {"in":..,"out":..,...} for one direction.
std::string to_json(const DirectionCounters& c);

}  // namespace sluice::linkemu
