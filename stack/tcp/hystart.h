// HyStart++ (RFC 9406): leave the initial slow start when the round trip time starts to grow
// (a queue is filling) instead of when the queue overflows, which on a shallow bottleneck costs a
// whole window of losses and often a timeout. In between, Conservative Slow Start (CSS) grows at
// a quarter of slow start's pace for a few rounds, and goes back to slow start when the delay
// increase proves to have been jitter.
//
// Only the first slow start of a connection is governed (RFC 9406 4.3: after a congestion event
// ssthresh bounds slow start anyway).
#pragma once
#include <cstdint>

#include "core/time.h"
#include "stack/tcp/seq.h"

namespace sluice::stack::tcp {

class CongestionControl;

class HyStart {
 public:
  // An ACK delivered data outside recovery. `rtt` is its round-trip sample when `sampled`; `ack`
  // the cumulative ACK and `snd_max` the highest sequence sent (rounds end at the latter).
  void on_ack(CongestionControl& cc, bool sampled, Duration rtt, TcpSeq ack, TcpSeq snd_max);
  bool in_css() const { return phase_ == Phase::kCss; }
  bool done() const { return phase_ == Phase::kDone; }

  // RFC 9406 4.2 constants.
  static constexpr Duration kMinRttThresh = Duration::millis(4);
  static constexpr Duration kMaxRttThresh = Duration::millis(16);
  static constexpr int64_t kMinRttDivisor = 8;
  static constexpr uint32_t kRttSamples = 8;   // N_RTT_SAMPLE
  static constexpr uint32_t kCssGrowthDivisor = 4;
  static constexpr uint32_t kCssRounds = 5;

 private:
  enum class Phase : uint8_t { kSlowStart, kCss, kDone };
  void start_round(TcpSeq snd_max);
  void take_sample(CongestionControl& cc, Duration rtt);
  void finish(CongestionControl& cc);

  static constexpr Duration kNone = Duration{INT64_MAX};
  Phase phase_ = Phase::kSlowStart;
  bool round_started_ = false;
  TcpSeq window_end_;
  Duration last_round_min_ = kNone, current_round_min_ = kNone, css_baseline_ = kNone;
  uint32_t samples_ = 0;
  uint32_t css_rounds_ = 0;
};

}  // namespace sluice::stack::tcp
