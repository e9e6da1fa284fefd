#include "stack/icmp/icmp_endpoint.h"

#include "stack/wire/checksum.h"

namespace sluice::stack {

IcmpEndpoint::Verdict IcmpEndpoint::receive(const Ipv4Repr& ip, bool to_broadcast, Packet& pkt,
                                            IcmpRepr* parsed) {
  IcmpError why{};
  auto msg = IcmpRepr::parse(std::span<const uint8_t>(pkt.data(), pkt.data_len()), true, why);
  if (!msg) {
    if (why == IcmpError::kTruncated) counters_.drop_truncated++; else counters_.drop_bad_checksum++;
    return Verdict::kDrop;
  }
  counters_.rx_messages++;
  counters_.rx_by_type[msg->type]++;
  switch (msg->type) {
    case icmptype::kEchoRequest:
      counters_.rx_echo_requests++;
      // RFC 1122 3.2.2.6: an Echo Request destined to an IP broadcast address MAY be silently
      // discarded (as Linux does by default).
      if (to_broadcast) {
        counters_.drop_broadcast_echo++;
        return Verdict::kDrop;
      }
      return echo_reply_in_place(pkt);
    case icmptype::kEchoReply:
      counters_.rx_echo_replies++;  // we never send echo requests; nothing waits for it
      return Verdict::kDrop;
    case icmptype::kDestUnreachable:
    case icmptype::kTimeExceeded:
    case icmptype::kParamProblem:
    case icmptype::kSourceQuench:
      // RFC 1122 3.2.2: these MUST be passed to the transport layer (RFC 1191: code 4 carries the
      // next-hop MTU). Source quench is to be ignored by TCP (RFC 6633); TCP decides.
      counters_.rx_errors++;
      if (msg->type == icmptype::kDestUnreachable && msg->code == icmpunreach::kFragNeeded)
        counters_.rx_frag_needed++;
      *parsed = *msg;
      return Verdict::kError;
    default:
      // RFC 1122 3.2.2: an ICMP message of unknown type MUST be silently discarded. Redirects
      // (3.2.2.2) are ignored as well: our routes are configured, not learned.
      return Verdict::kDrop;
  }
}

IcmpEndpoint::Verdict IcmpEndpoint::echo_reply_in_place(Packet& pkt) {
  // Rate limiting of replies belongs here (RFC 1812 4.3.2.8 style token bucket); none yet.
  //
  // RFC 792 / RFC 1122 3.2.2.6: the reply carries the request's identifier, sequence number and
  // data unchanged; only the type becomes 0. The received buffer is reused: one byte changes and
  // the checksum is updated incrementally (RFC 1624), no copy.
  uint8_t* p = pkt.data();
  uint16_t old_word = be::load16(p + IcmpView::kType);  // type and code
  p[IcmpView::kType] = icmptype::kEchoReply;
  uint16_t new_word = be::load16(p + IcmpView::kType);
  uint16_t cksum = be::load16(p + IcmpView::kChecksum);
  be::store16(p + IcmpView::kChecksum, checksum_update16(cksum, old_word, new_word));
  // The mbuf leaves as a new transmission: receive-side metadata must not reach the TX path.
  pkt->ol_flags = 0;
  pkt->packet_type = 0;
  counters_.tx_echo_replies++;
  return Verdict::kReply;
}

}  // namespace sluice::stack
