// RFC 5681 (slow start, congestion avoidance, fast retransmit/recovery), RFC 6582 (NewReno),
// RFC 6928 (initial window).
#include "stack/tcp/congestion.h"

#include <algorithm>

namespace sluice::stack::tcp {

NewReno::NewReno(uint32_t mss, uint32_t initial_segments)
    : mss_(mss), initial_segments_(initial_segments), cwnd_(mss * initial_segments) {}

void NewReno::set_mss(uint32_t mss) {
  // Only before data flows: keep the initial window in segments.
  if (cwnd_ == mss_ * initial_segments_) cwnd_ = mss * initial_segments_;
  mss_ = mss;
}

void NewReno::on_ack(Instant, uint32_t bytes_acked, uint32_t) {
  if (cwnd_ < ssthresh_) {
    // RFC 5681 3.1 (2): slow start, cwnd += min(N, SMSS) per ACK (RFC 3465 L = 1 SMSS).
    cwnd_ += std::min(bytes_acked, mss_);
  } else {
    // RFC 5681 3.1 (3): congestion avoidance, about one SMSS per RTT (byte counting).
    ca_acked_ += bytes_acked;
    if (ca_acked_ >= cwnd_) {
      ca_acked_ -= cwnd_;
      cwnd_ += mss_;
    }
  }
}

void NewReno::on_loss(Instant, uint32_t flight) {
  // RFC 5681 3.2 (4) / RFC 6582 3.2 (2): ssthresh = max(FlightSize / 2, 2*SMSS), and (3)
  // cwnd = ssthresh + 3*SMSS (the three segments that left the network).
  ssthresh_ = std::max(flight / 2, 2 * mss_);
  cwnd_ = ssthresh_ + 3 * mss_;
  ca_acked_ = 0;
}

void NewReno::on_recovery_dupack() {
  // RFC 5681 3.2 (5) / RFC 6582 3.2 (4): inflate by one SMSS per additional duplicate ACK.
  cwnd_ += mss_;
}

void NewReno::on_partial_ack(uint32_t bytes_acked) {
  // RFC 6582 3.2 (3) partial ACK: deflate by the amount acked, add back one SMSS if >= SMSS.
  cwnd_ = cwnd_ > bytes_acked ? cwnd_ - bytes_acked : mss_;
  if (bytes_acked >= mss_) cwnd_ += mss_;
  cwnd_ = std::max(cwnd_, mss_);
}

void NewReno::on_recovery_exit(uint32_t flight) {
  // RFC 6582 3.2 (3) full ACK: cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS).
  cwnd_ = std::min(ssthresh_, std::max(flight, mss_) + mss_);
}

void NewReno::on_rto(Instant, uint32_t flight) {
  // RFC 5681 3.1 (4) and (5): ssthresh = max(FlightSize / 2, 2*SMSS), cwnd = 1 SMSS (LW).
  ssthresh_ = std::max(flight / 2, 2 * mss_);
  cwnd_ = mss_;
  ca_acked_ = 0;
}

std::unique_ptr<CongestionControl> make_newreno(uint32_t mss, uint32_t initial_segments) {
  return std::make_unique<NewReno>(mss, initial_segments);
}

}  // namespace sluice::stack::tcp
