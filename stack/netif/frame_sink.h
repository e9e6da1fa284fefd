// What the interface needs from the link below it: a place to put finished frames, and what the
// port can compute for us.
#pragma once
#include "stack/mbuf.h"

namespace sluice::stack {

// Where finished Ethernet frames go: the DPDK TX queue of the worker (stack/dpdk/port.h), or a
// vector in tests. Takes ownership. Must not call back into the interface that sends.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void send_frame(Packet frame) = 0;
};

// Checksum offloads the port provides (stack/dpdk/port.h detects them; tests choose).
struct Offloads {
  bool tx_ipv4_checksum = false;  // RTE_MBUF_F_TX_IP_CKSUM honoured
  bool tx_tcp_checksum = false;   // RTE_MBUF_F_TX_TCP_CKSUM honoured (pseudo-header sum in the field)
  bool rx_ipv4_checksum = false;  // RX ol_flags carry RTE_MBUF_F_RX_IP_CKSUM_GOOD/BAD
  bool rx_tcp_checksum = false;   // RX ol_flags carry RTE_MBUF_F_RX_L4_CKSUM_GOOD/BAD
};

}  // namespace sluice::stack
