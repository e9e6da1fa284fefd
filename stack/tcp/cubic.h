// CUBIC congestion control (RFC 9438): the window grows as a cubic function of the time since the
// last congestion event, W_cubic(t) = C*(t - K)^3 + W_max (RFC 9438 4.2), concave up to the
// window where the loss happened and convex beyond it, never slower than an AIMD flow with the
// same average window (the Reno-friendly region, 4.3). Multiplicative decrease by beta_cubic = 0.7
// (4.6) with fast convergence (4.7); standard slow start (4.10).
//
// Windows are computed in segments as doubles (the RFC's units) and kept in bytes for the sender.
#pragma once
#include "stack/tcp/congestion.h"

namespace sluice::stack::tcp {

class Cubic final : public CongestionControl {
 public:
  static constexpr double kC = 0.4;      // RFC 9438 4.1: C
  static constexpr double kBeta = 0.7;   // RFC 9438 4.6: beta_cubic
  // RFC 9438 4.3: alpha_cubic = 3 * (1 - beta) / (1 + beta).
  static constexpr double kAlpha = 3.0 * (1.0 - kBeta) / (1.0 + kBeta);

  Cubic(uint32_t mss, uint32_t initial_segments) : CongestionControl(mss, initial_segments) {}
  void on_ack(Instant now, uint32_t bytes_acked, uint32_t flight) override;
  void on_rtt(Duration srtt) override { srtt_ = srtt; }

  // The curve and its state, in segments and seconds (for tests and the status page).
  double w_cubic(double t) const;       // RFC 9438 Figure 1
  double k() const { return k_; }       // RFC 9438 Figure 2
  double w_max() const { return w_max_; }
  double w_est() const { return w_est_; }
  double cwnd_prior() const { return cwnd_prior_; }
  bool epoch_started() const { return epoch_started_; }

 private:
  struct State {
    double w_max = 0, cwnd_prior = 0, k = 0, w_est = 0, cwnd_epoch = 0;
    bool epoch_started = false, after_timeout = false;
    Instant t_epoch{};
  };
  uint32_t decrease(Instant now, uint32_t flight) override;
  void reset_epoch(bool timeout) override;
  void save_state() override { saved_ = state(); }
  void restore_state() override;
  State state() const;
  void start_epoch(Instant now);

  double w_max_ = 0;        // window before the last reduction (segments)
  double cwnd_prior_ = 0;   // cwnd when ssthresh was last set (segments)
  double k_ = 0;            // seconds from the epoch until W_cubic reaches W_max
  double w_est_ = 0;        // RFC 9438 4.3 Reno-friendly estimate (segments)
  double cwnd_epoch_ = 0;
  double exact_ = 0;        // cwnd in bytes with the fraction the integer drops
  bool epoch_started_ = false;
  bool after_timeout_ = false;
  Instant t_epoch_{};
  Duration srtt_{};
  State saved_;
};

}  // namespace sluice::stack::tcp
