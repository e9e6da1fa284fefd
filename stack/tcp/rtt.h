// Retransmission timeout per RFC 6298.
#pragma once
#include <algorithm>

#include "core/time.h"

namespace sluice::stack::tcp {

class RttEstimator {
 public:
  RttEstimator(Duration initial, Duration min, Duration max)
      : rto_(initial), min_(min), max_(max) {}

  // RFC 6298 2.2 / 2.3: first and later measurements (alpha 1/8, beta 1/4, K 4, G 1 ms).
  void sample(Duration r) {
    if (r < Duration::zero()) return;
    latest_ = r;
    ++samples_;
    if (!has_sample_) {
      srtt_ = r;
      rttvar_ = r / 2;
      has_sample_ = true;
    } else {
      Duration diff = srtt_ > r ? srtt_ - r : r - srtt_;
      rttvar_ = (rttvar_ * 3 + diff) / 4;
      srtt_ = (srtt_ * 7 + r) / 8;
    }
    Duration k = std::max(Duration::millis(1), rttvar_ * 4);
    base_ = srtt_ + k;
    backoff_ = 0;
    rto_ = clamp(base_);
  }
  // RFC 9040 4.2: a new connection starts from a cached SRTT and RTTVAR (dest_cache.h); the RTO
  // follows as after a measurement (RFC 6298 2.3).
  void seed(Duration srtt, Duration rttvar) {
    srtt_ = srtt;
    rttvar_ = rttvar;
    has_sample_ = true;
    base_ = srtt_ + std::max(Duration::millis(1), rttvar_ * 4);
    backoff_ = 0;
    rto_ = clamp(base_);
  }
  // RFC 6298 5.5: double the RTO on expiry (bounded by max, 2.5).
  void backoff() {
    ++backoff_;
    rto_ = clamp(rto_ * 2);
  }
  // RFC 6298 5.7: after a SYN was retransmitted, RTO restarts at 3 s once data flows.
  void reset_after_syn_timeout() {
    if (!has_sample_) rto_ = clamp(Duration::seconds(3));
  }
  Duration rto() const { return rto_; }
  Duration srtt() const { return srtt_; }
  Duration rttvar() const { return rttvar_; }
  bool has_sample() const { return has_sample_; }
  // The most recent measurement and how many there were (HyStart++ counts them per round).
  Duration latest() const { return latest_; }
  uint64_t samples() const { return samples_; }
  unsigned backoffs() const { return backoff_; }

 private:
  // RFC 6298 2.4 (minimum; 200 ms by config, as Linux) and 2.5 (maximum).
  Duration clamp(Duration d) const { return std::clamp(d, min_, max_); }
  Duration srtt_{}, rttvar_{}, base_{}, latest_{};
  uint64_t samples_ = 0;
  Duration rto_;
  Duration min_, max_;
  bool has_sample_ = false;
  unsigned backoff_ = 0;
};

}  // namespace sluice::stack::tcp
