// See hystart.h.
#include "stack/tcp/hystart.h"

#include <algorithm>

#include "stack/tcp/congestion.h"

namespace sluice::stack::tcp {

void HyStart::start_round(TcpSeq snd_max) {
  // RFC 9406 4.2: at the start of each round, lastRoundMinRTT = currentRoundMinRTT.
  round_started_ = true;
  window_end_ = snd_max;
  last_round_min_ = current_round_min_;
  current_round_min_ = kNone;
  samples_ = 0;
}

void HyStart::finish(CongestionControl& cc) {
  phase_ = Phase::kDone;
  cc.set_slow_start_divisor(1);
}

void HyStart::on_ack(CongestionControl& cc, bool sampled, Duration rtt, TcpSeq ack,
                     TcpSeq snd_max) {
  if (phase_ == Phase::kDone) return;
  // A congestion event (or its undo) took over from the initial slow start.
  if (cc.ssthresh() != UINT32_MAX || !cc.in_slow_start()) {
    finish(cc);
    return;
  }
  if (!round_started_) start_round(snd_max);
  if (sampled) take_sample(cc, rtt);
  // RFC 9406 4.2: the ACK of windowEnd ends the round; the next begins with what is sent now.
  if (window_end_ <= ack) {
    start_round(snd_max);
    // RFC 9406 4.3: CSS lasts CSS_ROUNDS rounds, then congestion avoidance.
    if (phase_ == Phase::kCss && ++css_rounds_ >= kCssRounds) {
      cc.leave_slow_start();
      finish(cc);
    }
  }
}

void HyStart::take_sample(CongestionControl& cc, Duration rtt) {
  current_round_min_ = std::min(current_round_min_, rtt);
  if (++samples_ < kRttSamples) return;
  if (phase_ == Phase::kSlowStart) {
    if (last_round_min_ == kNone) return;
    // RFC 9406 4.2: RttThresh = clamp(lastRoundMinRTT / 8, 4 ms, 16 ms); a round whose minimum
    // grew by it means a queue: enter CSS.
    Duration thresh = std::clamp(last_round_min_ / kMinRttDivisor, kMinRttThresh, kMaxRttThresh);
    if (current_round_min_ >= last_round_min_ + thresh) {
      css_baseline_ = current_round_min_;
      phase_ = Phase::kCss;
      css_rounds_ = 0;
      cc.set_slow_start_divisor(kCssGrowthDivisor);
    }
  } else if (current_round_min_ < css_baseline_) {
    // RFC 9406 4.3: the delay fell back: the increase was spurious; resume slow start.
    css_baseline_ = kNone;
    phase_ = Phase::kSlowStart;
    cc.set_slow_start_divisor(1);
  }
}

}  // namespace sluice::stack::tcp
