// Proportional Rate Reduction (RFC 6937): how much may leave during SACK loss recovery. Instead of
// RFC 6675's "while cwnd - pipe >= 1 SMSS", which first stops sending for most of a round trip and
// then bursts, PRR spreads the window's reduction over the recovery: sends in proportion to what
// is delivered while pipe is above ssthresh, and (PRR-SSRB) grows back towards ssthresh, at most
// one segment ahead of the deliveries, when losses took pipe below it.
#pragma once
#include <algorithm>
#include <cstdint>

namespace sluice::stack::tcp {

struct Prr {
  uint32_t recover_fs = 1;      // RecoverFS: the flight when recovery began
  uint64_t delivered = 0;       // prr_delivered
  uint64_t out = 0;             // prr_out
  uint32_t last_delivered = 0;  // DeliveredData of the latest ACK, until a transmission uses it

  // RFC 6937 3 "on entering recovery".
  void start(uint32_t flight) {
    recover_fs = std::max<uint32_t>(flight, 1);
    delivered = out = 0;
    last_delivered = 0;
  }
  // "On every ACK during recovery": prr_delivered += DeliveredData.
  void on_ack(uint32_t delivered_data) {
    delivered += delivered_data;
    last_delivered = delivered_data;
  }
  // "On any data transmission or retransmission": prr_out += data sent.
  void on_send(uint32_t bytes) { out += bytes; }

  // RFC 6937 3: sndcnt, the bytes that may leave in answer to the latest ACK.
  int64_t sndcnt(uint32_t pipe, uint32_t ssthresh, uint32_t mss) const {
    const int64_t d = static_cast<int64_t>(delivered), o = static_cast<int64_t>(out);
    if (pipe > ssthresh)  // proportional rate reduction
      return (d * ssthresh + recover_fs - 1) / recover_fs - o;
    // PRR-SSRB (slow start reduction bound): limit = MAX(prr_delivered - prr_out, DeliveredData)
    // + MSS; sndcnt = MIN(ssthresh - pipe, limit).
    int64_t limit = std::max<int64_t>(d - o, last_delivered) + mss;
    return std::min<int64_t>(static_cast<int64_t>(ssthresh) - pipe, limit);
  }
};

}  // namespace sluice::stack::tcp
