// The sans-I/O core of the link emulator: given a frame's length and the time it arrived, decide
// whether it is lost, duplicated, and when each copy leaves the link. No sockets, no clock reads:
// `now` comes from the caller and randomness from a seeded Rng, so the same arrivals (order and
// times) and the same seed always give the same decisions.
//
// Per frame, in this order (each stage draws from the Rng only when it is enabled):
//   1. loss: random, or Gilbert-Elliott (the state advances once per arriving frame)
//   2. duplication: a copy is made; original and copy go through 3 and 4 independently
//   3. bottleneck (rate): a FIFO served at rate_bps, bounded in frames or backlog time, tail
//      drop. A frame departs when its last bit is serialized.
//   4. propagation: departure + delay + jitter; with keep_order no frame leaves before the one
//      scheduled before it. Frames picked for reordering skip the delay (early) or are held back
//      by reorder_delay (late), and do not move the order floor.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "core/time.h"
#include "tests/linkemu/rng.h"
#include "tests/linkemu/spec.h"

namespace sluice::linkemu {

// Random or Gilbert-Elliott loss.
class LossModel {
 public:
  LossModel(double loss, std::optional<GilbertElliott> ge) : loss_(loss), ge_(ge) {}
  bool drop(Rng& rng);
  bool in_bad_state() const { return bad_; }

 private:
  double loss_;
  std::optional<GilbertElliott> ge_;
  bool bad_ = false;
};

// Delay plus jitter, never negative.
class DelayModel {
 public:
  DelayModel(Duration mean, Duration jitter, JitterDist dist) : mean_(mean), jitter_(jitter), dist_(dist) {}
  Duration sample(Rng& rng) const;

 private:
  Duration mean_;
  Duration jitter_;
  JitterDist dist_;
};

// A bottleneck: serialization at rate_bps behind a bounded FIFO. Keeps time in nanoseconds so
// that back-to-back departures are exact (1500 bytes at 12 Mbit/s leave exactly 1 ms apart).
class RateLimiter {
 public:
  RateLimiter(uint64_t rate_bps, uint32_t queue_frames, Duration queue_time)
      : rate_bps_(rate_bps), queue_frames_(queue_frames), queue_time_ns_(queue_time.us * 1000) {}
  bool enabled() const { return rate_bps_ > 0; }
  // The departure time of a frame of `len` bytes arriving at `now`, or nothing if the queue is
  // full (tail drop). Without a rate the frame departs at `now`.
  std::optional<Instant> admit(size_t len, Instant now);
  // Frames queued or being serialized at `now`.
  size_t backlog(Instant now);

 private:
  void expire(int64_t now_ns);

  uint64_t rate_bps_;
  uint32_t queue_frames_;
  int64_t queue_time_ns_;
  int64_t busy_until_ns_ = INT64_MIN;
  std::deque<int64_t> departures_ns_;  // of the frames still in the queue
};

struct Decision {
  bool lost = false;        // the loss model dropped the frame
  bool duplicated = false;  // a copy was made (it may still have been tail-dropped)
  uint8_t queue_drops = 0;  // copies tail-dropped at the bottleneck
  uint8_t copies = 0;       // frames to send: release[0 .. copies)
  uint8_t reordered = 0;    // copies deliberately reordered (early or late)
  std::array<Instant, 2> release{};
};

class Impairment {
 public:
  Impairment(const LinkSpec& spec, uint64_t seed);
  Decision on_frame(size_t len, Instant now);

 private:
  // Appends one copy to `d`: bottleneck, then propagation.
  void schedule_copy(size_t len, Instant now, Decision& d);
  Instant propagate(Instant departed, bool& reordered);

  LinkSpec spec_;
  Rng rng_;
  LossModel loss_;
  DelayModel delay_;
  RateLimiter rate_;
  Instant order_floor_{INT64_MIN};  // keep_order: no release before this
};

}  // namespace sluice::linkemu
