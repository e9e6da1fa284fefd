// RFC 9438 (CUBIC): see cubic.h.
#include "stack/tcp/cubic.h"

#include <algorithm>
#include <cmath>

namespace sluice::stack::tcp {

double Cubic::w_cubic(double t) const {
  // RFC 9438 4.2 Figure 1: W_cubic(t) = C * (t - K)^3 + W_max.
  double d = t - k_;
  return kC * d * d * d + w_max_;
}

void Cubic::start_epoch(Instant now) {
  // RFC 9438 4.2: t_epoch and cwnd_epoch at the start of a congestion avoidance stage;
  // K = cubic_root((W_max - cwnd_epoch) / C) (Figure 2).
  epoch_started_ = true;
  t_epoch_ = now;
  cwnd_epoch_ = static_cast<double>(cwnd_) / mss_;
  if (after_timeout_ || w_max_ < cwnd_epoch_) {
    // RFC 9438 4.8: the first stage after a timeout starts at K = 0 with W_max = cwnd_epoch
    // (and so does a stage that starts above the last W_max, e.g. after slow start).
    w_max_ = cwnd_epoch_;
    after_timeout_ = false;
  }
  k_ = std::cbrt((w_max_ - cwnd_epoch_) / kC);
  // RFC 9438 4.3: W_est starts at cwnd_epoch.
  w_est_ = cwnd_epoch_;
}

void Cubic::on_ack(Instant now, uint32_t bytes_acked, uint32_t) {
  if (cwnd_ < ssthresh_) {  // RFC 9438 4.10: slow start as RFC 5681
    slow_start(bytes_acked);
    return;
  }
  if (!epoch_started_) {
    start_epoch(now);
    exact_ = cwnd_;
  }
  if (static_cast<uint32_t>(exact_) != cwnd_) exact_ = cwnd_;  // changed by recovery or undo
  const double mss = mss_;
  double cwnd = exact_ / mss;
  double acked = bytes_acked / mss;
  double t = static_cast<double>((now - t_epoch_).us) / 1e6;
  double rtt = static_cast<double>(srtt_.us) / 1e6;
  // RFC 9438 4.3: W_est += alpha_cubic * segments_acked / cwnd; alpha_cubic becomes 1 once W_est
  // reaches cwnd_prior.
  double alpha = w_est_ >= cwnd_prior_ ? 1.0 : kAlpha;
  w_est_ += alpha * acked / cwnd;
  double next;
  if (w_cubic(t) < w_est_) {
    next = w_est_;  // RFC 9438 4.3: the Reno-friendly region
  } else {
    // RFC 9438 4.4 / 4.5: target = W_cubic(t + RTT) bounded to [cwnd, 1.5 * cwnd]; cwnd grows
    // by (target - cwnd) / cwnd per acknowledged segment.
    double target = std::clamp(w_cubic(t + rtt), cwnd, 1.5 * cwnd);
    next = cwnd + (target - cwnd) / cwnd * acked;
  }
  exact_ = std::max(next, cwnd) * mss;
  exact_ = std::min(exact_, 4.0e9);
  cwnd_ = static_cast<uint32_t>(exact_);
}

uint32_t Cubic::decrease(Instant, uint32_t flight) {
  double cwnd = static_cast<double>(cwnd_) / mss_;
  // RFC 9438 4.7 fast convergence: a flow whose window shrank since the last event releases
  // bandwidth: W_max = cwnd * (1 + beta_cubic) / 2; else W_max = cwnd.
  w_max_ = cwnd < w_max_ ? cwnd * (1.0 + kBeta) / 2.0 : cwnd;
  // RFC 9438 4.6: cwnd_prior = cwnd; ssthresh = flight_size * beta_cubic.
  cwnd_prior_ = cwnd;
  epoch_started_ = false;
  return static_cast<uint32_t>(flight * kBeta);
}

void Cubic::reset_epoch(bool timeout) {
  epoch_started_ = false;
  if (timeout) after_timeout_ = true;
}

Cubic::State Cubic::state() const {
  return {w_max_, cwnd_prior_, k_, w_est_, cwnd_epoch_, epoch_started_, after_timeout_, t_epoch_};
}

void Cubic::restore_state() {
  // RFC 9438 4.9: a spurious congestion event restores cwnd_prior, W_max, K, W_est and the epoch.
  w_max_ = saved_.w_max;
  cwnd_prior_ = saved_.cwnd_prior;
  k_ = saved_.k;
  w_est_ = saved_.w_est;
  cwnd_epoch_ = saved_.cwnd_epoch;
  epoch_started_ = saved_.epoch_started;
  after_timeout_ = saved_.after_timeout;
  t_epoch_ = saved_.t_epoch;
}

}  // namespace sluice::stack::tcp
