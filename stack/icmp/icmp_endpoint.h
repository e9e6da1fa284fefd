// ICMP for one worker's interface: echo replies built in place, errors handed to the transport,
// everything else counted by type. Sans-I/O.
//
// RFCs: RFC 792, RFC 1122 3.2.2 (errors go to the transport layer; 3.2.2.6 echo: reply with the
// same data, broadcast requests may be ignored), RFC 1624 (incremental checksum update),
// RFC 1191 (fragmentation needed, handled by TCP later).
#pragma once
#include <array>
#include <cstdint>
#include <cstdio>

#include "stack/mbuf.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"

namespace sluice::stack {

struct IcmpCounters {
  uint64_t rx_messages = 0;
  uint64_t rx_echo_requests = 0;
  uint64_t rx_echo_replies = 0;
  uint64_t rx_errors = 0;            // unreachable, time exceeded, parameter problem, source quench
  uint64_t rx_frag_needed = 0;       // RFC 1191 destination unreachable, code 4
  uint64_t tx_echo_replies = 0;
  uint64_t drop_truncated = 0;
  uint64_t drop_bad_checksum = 0;
  uint64_t drop_broadcast_echo = 0;  // RFC 1122 3.2.2.6: echo requests to a broadcast address
  std::array<uint64_t, 256> rx_by_type{};

  template <class F> void for_each(F&& f) const {
    f("rx_messages", rx_messages); f("rx_echo_requests", rx_echo_requests);
    f("rx_echo_replies", rx_echo_replies); f("rx_errors", rx_errors);
    f("rx_frag_needed", rx_frag_needed); f("tx_echo_replies", tx_echo_replies);
    f("drop_truncated", drop_truncated); f("drop_bad_checksum", drop_bad_checksum);
    f("drop_broadcast_echo", drop_broadcast_echo);
    for (size_t t = 0; t < rx_by_type.size(); t++) {
      if (rx_by_type[t] == 0) continue;
      char name[24];
      std::snprintf(name, sizeof name, "rx_type_%zu", t);
      f(name, rx_by_type[t]);
    }
  }
};

class IcmpEndpoint {
 public:
  enum class Verdict : uint8_t {
    kDrop,   // consumed or refused (counted); free the packet
    kReply,  // the packet now holds an echo reply (from the ICMP header on): send it to ip.src
    kError,  // an error message for the transport layer: `*parsed` describes it (points into pkt)
  };

  // `pkt` holds one ICMP message (single segment; data starts at the ICMP header) that arrived in
  // `ip`; `to_broadcast` says ip.dst was a broadcast address.
  Verdict receive(const Ipv4Repr& ip, bool to_broadcast, Packet& pkt, IcmpRepr* parsed);

  const IcmpCounters& counters() const { return counters_; }

 private:
  Verdict echo_reply_in_place(Packet& pkt);

  IcmpCounters counters_;
};

}  // namespace sluice::stack
