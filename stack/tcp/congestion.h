// Congestion control behind one small interface: NewReno (RFC 5681, RFC 6582) and CUBIC
// (RFC 9438, cubic.h), chosen per connection from the configuration.
//
// The loss-recovery state machine (when to enter and leave recovery, RFC 6675 / RFC 6582) lives
// in recovery.cc; a CongestionControl decides cwnd and ssthresh. What differs between algorithms
// is the growth on ACKs and the multiplicative decrease; the fast-recovery window rules of
// RFC 6582 (inflate, partial-ACK deflate, exit), the restart after idle (RFC 5681 4.1) and the
// undo of a spurious reduction are shared here.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>

#include "conf/config.h"
#include "core/time.h"

namespace sluice::stack::tcp {

class CongestionControl {
 public:
  CongestionControl(uint32_t mss, uint32_t initial_segments)
      : mss_(mss), initial_segments_(initial_segments), cwnd_(mss * initial_segments) {}
  virtual ~CongestionControl() = default;

  uint32_t cwnd() const { return cwnd_; }
  uint32_t ssthresh() const { return ssthresh_; }
  uint32_t mss() const { return mss_; }
  bool in_slow_start() const { return cwnd_ < ssthresh_; }
  // RFC 9406 4.3 (hystart.h): Conservative Slow Start grows by a fraction of slow start's pace,
  // and its end leaves slow start without a congestion event.
  void set_slow_start_divisor(uint32_t d) { ss_divisor_ = d == 0 ? 1 : d; }
  void leave_slow_start() { ssthresh_ = std::max(cwnd_, 2 * mss_); }

  // New data acknowledged outside recovery: slow start or congestion avoidance.
  virtual void on_ack(Instant now, uint32_t bytes_acked, uint32_t flight) = 0;
  // RFC 7661 / RFC 9438 5.8: cwnd grows only while it limits the sender. A flight below half
  // of cwnd (the application, the send buffer or the peer's window held it back) does not
  // show that the path takes cwnd, so an ACK of it grows nothing; half leaves slow start room
  // to double from the flight it used.
  bool cwnd_limited(uint32_t flight) const { return uint64_t{flight} * 2 >= cwnd_; }
  // A new smoothed RTT (RFC 6298 SRTT); CUBIC's target uses it.
  virtual void on_rtt(Duration) {}
  // A congestion event (loss found by duplicate ACKs or SACK): the multiplicative decrease.
  // Sets ssthresh and cwnd = ssthresh; the old state is kept for undo().
  void on_congestion(Instant now, uint32_t flight);
  // RFC 6582 3.2 (2)-(3) entering NewReno fast recovery: the decrease, then cwnd = ssthresh +
  // 3*SMSS (the three segments that left the network).
  void on_loss(Instant now, uint32_t flight);
  // RFC 5681 3.2 (5) / RFC 6582 3.2 (4): a further duplicate ACK during NewReno recovery.
  void on_recovery_dupack() { cwnd_ += mss_; }
  // RFC 6582 3.2 (3) partial ACK: deflate by the amount acked, add back one SMSS if >= SMSS.
  void on_partial_ack(uint32_t bytes_acked);
  // RFC 6582 3.2 (3) full ACK (also the end of RFC 6675 recovery):
  // cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS).
  void on_recovery_exit(uint32_t flight);
  // The retransmission timer expired: the decrease for ssthresh, then cwnd = 1 SMSS (RFC 5681
  // 3.1 (4)-(5); RFC 9438 4.8).
  void on_rto(Instant now, uint32_t flight);
  // RFC 5681 4.1: nothing was sent for longer than an RTO: cwnd = min(RW, cwnd), RW = min(IW,
  // cwnd). The algorithm's epoch restarts too.
  void on_idle_restart();
  // The last reduction was spurious (RFC 3522 / RFC 3708 detection, RFC 4015 / RFC 9438 4.9
  // response): restore the window and the algorithm state from before it.
  void undo();
  bool can_undo() const { return saved_.valid; }
  // The MSS changed (handshake finished, or a smaller path MTU).
  void set_mss(uint32_t mss);

 protected:
  // The algorithm's ssthresh for a congestion event (cwnd and flight before the decrease).
  virtual uint32_t decrease(Instant now, uint32_t flight) = 0;
  // The algorithm forgets its epoch (after a timeout, or idle time).
  virtual void reset_epoch(bool timeout) { (void)timeout; }
  // Algorithm state for undo().
  virtual void save_state() {}
  virtual void restore_state() {}
  // RFC 5681 3.1 (2) slow start with RFC 3465 2.1 appropriate byte counting: cwnd grows by the
  // bytes newly delivered. Every delivered byte counts, as Linux's tcp_slow_start() counts them,
  // instead of RFC 3465 2.3's L = 2*SMSS per ACK: when ACKs are reordered or lost, the ACK that
  // arrives covers the segments of those that did not, and a per-ACK limit forfeits their growth
  // (slow start then grew 1.45x per round trip instead of 2x on tests/stack/tcp/path_test.cc's
  // jittered path). The burst an ACK releases stays bounded by what it delivered.
  void slow_start(uint32_t bytes_acked) { cwnd_ += bytes_acked / ss_divisor_; }

  uint32_t mss_;
  uint32_t initial_segments_;
  uint32_t cwnd_;
  uint32_t ssthresh_ = UINT32_MAX;  // RFC 5681 3.1: initially arbitrarily high
  uint32_t ss_divisor_ = 1;

 private:
  struct Saved {
    bool valid = false;
    uint32_t cwnd = 0, ssthresh = 0;
  } saved_;
};

// RFC 5681 slow start / congestion avoidance.
class NewReno final : public CongestionControl {
 public:
  NewReno(uint32_t mss, uint32_t initial_segments) : CongestionControl(mss, initial_segments) {}
  void on_ack(Instant now, uint32_t bytes_acked, uint32_t flight) override;

 private:
  uint32_t decrease(Instant now, uint32_t flight) override;
  void reset_epoch(bool) override { ca_acked_ = 0; }
  uint32_t ca_acked_ = 0;  // bytes acked toward the next cwnd increment in CA
};

}  // namespace sluice::stack::tcp
