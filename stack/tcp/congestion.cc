// RFC 5681 (slow start, congestion avoidance, fast retransmit/recovery, restart after idle),
// RFC 6582 (NewReno), RFC 6928 (initial window), RFC 4015 (undo after a spurious retransmission).
#include "stack/tcp/congestion.h"

#include <algorithm>

#include "stack/tcp/cubic.h"

namespace sluice::stack::tcp {

void CongestionControl::set_mss(uint32_t mss) {
  if (mss == 0) return;
  // Before data flows the initial window stays in segments; later the window keeps its bytes
  // but never falls below one segment.
  if (cwnd_ == mss_ * initial_segments_) cwnd_ = mss * initial_segments_;
  mss_ = mss;
  cwnd_ = std::max(cwnd_, mss_);
}

void CongestionControl::on_congestion(Instant now, uint32_t flight) {
  saved_ = {true, cwnd_, ssthresh_};
  save_state();
  ssthresh_ = std::max(decrease(now, flight), 2 * mss_);
  cwnd_ = ssthresh_;
}

void CongestionControl::on_loss(Instant now, uint32_t flight) {
  on_congestion(now, flight);
  cwnd_ = ssthresh_ + 3 * mss_;
}

void CongestionControl::on_partial_ack(uint32_t bytes_acked) {
  cwnd_ = cwnd_ > bytes_acked ? cwnd_ - bytes_acked : mss_;
  if (bytes_acked >= mss_) cwnd_ += mss_;
  cwnd_ = std::max(cwnd_, mss_);
}

void CongestionControl::on_recovery_exit(uint32_t flight) {
  cwnd_ = std::min(ssthresh_, std::max(flight, mss_) + mss_);
}

void CongestionControl::on_rto(Instant now, uint32_t flight) {
  // RFC 5681 3.1 (4) sets ssthresh only on the first timeout of a retransmitted segment; a
  // second expiry keeps it (the window is already one segment).
  if (cwnd_ > mss_ || !saved_.valid) {
    saved_ = {true, cwnd_, ssthresh_};
    save_state();
    ssthresh_ = std::max(decrease(now, flight), 2 * mss_);
  }
  cwnd_ = mss_;
  reset_epoch(true);
}

void CongestionControl::on_idle_restart() {
  uint32_t rw = std::min(mss_ * initial_segments_, cwnd_);
  cwnd_ = std::min(rw, cwnd_);
  reset_epoch(false);
}

void CongestionControl::undo() {
  if (!saved_.valid) return;
  // RFC 4015 3.2 / RFC 9438 4.9: back to the state before the reduction (never below now).
  cwnd_ = std::max(cwnd_, saved_.cwnd);
  ssthresh_ = std::max(ssthresh_, saved_.ssthresh);
  restore_state();
  saved_.valid = false;
}

void NewReno::on_ack(Instant, uint32_t bytes_acked, uint32_t) {
  if (cwnd_ < ssthresh_) {
    slow_start(bytes_acked);
    return;
  }
  // RFC 5681 3.1 (3): congestion avoidance, about one SMSS per RTT (byte counting).
  ca_acked_ += bytes_acked;
  if (ca_acked_ >= cwnd_) {
    ca_acked_ -= cwnd_;
    cwnd_ += mss_;
  }
}

uint32_t NewReno::decrease(Instant, uint32_t flight) {
  // RFC 5681 3.1 (4) / 3.2 (2): ssthresh = max(FlightSize / 2, 2*SMSS).
  ca_acked_ = 0;
  return flight / 2;
}

}  // namespace sluice::stack::tcp
