// Congestion control behind one small interface, so CUBIC (RFC 9438) can sit beside NewReno.
//
// The loss-recovery state machine (when to enter and leave fast recovery, RFC 6582) lives in the
// connection; a CongestionControl only decides cwnd and ssthresh.
#pragma once
#include <cstdint>
#include <memory>

#include "core/time.h"

namespace sluice::stack::tcp {

class CongestionControl {
 public:
  virtual ~CongestionControl() = default;
  virtual uint32_t cwnd() const = 0;
  virtual uint32_t ssthresh() const = 0;
  // New data acknowledged outside recovery.
  virtual void on_ack(Instant now, uint32_t bytes_acked, uint32_t flight) = 0;
  // Fast retransmit: loss detected by duplicate ACKs (enter recovery).
  virtual void on_loss(Instant now, uint32_t flight) = 0;
  // A further duplicate ACK during recovery.
  virtual void on_recovery_dupack() = 0;
  // A partial ACK during recovery acknowledged `bytes_acked`.
  virtual void on_partial_ack(uint32_t bytes_acked) = 0;
  // Recovery ended with a full ACK.
  virtual void on_recovery_exit(uint32_t flight) = 0;
  // The retransmission timer expired.
  virtual void on_rto(Instant now, uint32_t flight) = 0;
  // The MSS changed (handshake finished).
  virtual void set_mss(uint32_t mss) = 0;
};

// RFC 5681 slow start / congestion avoidance with RFC 6582 NewReno fast recovery window rules.
class NewReno final : public CongestionControl {
 public:
  NewReno(uint32_t mss, uint32_t initial_segments);
  uint32_t cwnd() const override { return cwnd_; }
  uint32_t ssthresh() const override { return ssthresh_; }
  void on_ack(Instant now, uint32_t bytes_acked, uint32_t flight) override;
  void on_loss(Instant now, uint32_t flight) override;
  void on_recovery_dupack() override;
  void on_partial_ack(uint32_t bytes_acked) override;
  void on_recovery_exit(uint32_t flight) override;
  void on_rto(Instant now, uint32_t flight) override;
  void set_mss(uint32_t mss) override;

 private:
  uint32_t mss_;
  uint32_t initial_segments_;
  uint32_t cwnd_;
  uint32_t ssthresh_ = UINT32_MAX;  // RFC 5681 3.1: initially arbitrarily high
  uint32_t ca_acked_ = 0;           // bytes acked toward the next cwnd increment in CA
};

std::unique_ptr<CongestionControl> make_newreno(uint32_t mss, uint32_t initial_segments);

}  // namespace sluice::stack::tcp
