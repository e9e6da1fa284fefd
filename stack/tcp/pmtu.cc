// RFC 1191 path MTU discovery, the TCP side: an ICMP "fragmentation needed" (type 3 code 4) for a
// segment in flight lowers the connection's MSS and resends what is outstanding in smaller
// segments. Validation per RFC 5927 4.1: the quoted sequence number must be in flight.
#include <algorithm>
#include <array>

#include "stack/tcp/layer.h"
#include "stack/tcp/output.h"

namespace sluice::stack::tcp {
namespace {

// RFC 1191 7: the MTU plateaus, for routers that report no next-hop MTU.
constexpr std::array<uint16_t, 11> kPlateaus{65535, 32000, 17914, 8166, 4352, 2002, 1492,
                                             1006, 508, 296, 68};
// RFC 791 / RFC 9293 3.7.1: every host takes 576-byte datagrams (MSS 536); never go below.
constexpr uint16_t kMinMtu = 576;
constexpr uint16_t kIpTcpHeaders = 40;

uint16_t plateau_below(uint32_t mtu) {
  for (uint16_t p : kPlateaus)
    if (p < mtu) return p;
  return kMinMtu;
}

}  // namespace

void TcpLayer::on_icmp_frag_needed(Instant now, const FourTuple& tuple, uint32_t seq,
                                   uint16_t next_hop_mtu) {
  now_ = now;
  const uint32_t* slot = table_.find(tuple);
  if (!slot || is_time_wait(*slot)) return;  // TIME-WAIT sends no data: nothing to resize
  Tcb& t = *slots_[*slot].tcb;
  if (!synchronized(t.state) || t.state == TcpState::kTimeWait) return;
  // RFC 5927 4.1: only for data we sent and is not acknowledged yet.
  if (!seq_in(TcpSeq(seq), t.snd_una, t.snd_max)) return;
  // The size of the datagrams the connection sends now.
  uint32_t current = t.snd_mss + kIpTcpHeaders + (t.ts_ok ? 12u : 0u);
  uint32_t mtu = next_hop_mtu;
  // RFC 1191 5: a router that reports 0 (RFC 792 format): the next plateau below our size.
  if (mtu == 0) mtu = plateau_below(current);
  if (mtu >= current) return;  // RFC 1191 3: never raise the estimate from an ICMP
  mtu = std::max<uint32_t>(mtu, kMinMtu);
  uint16_t cap = static_cast<uint16_t>(mtu - kIpTcpHeaders);
  if (cap >= t.pmtu_mss) return;
  t.pmtu_mss = cap;
  uint16_t before = t.snd_mss;
  set_effective_mss(*this, t);
  if (t.snd_mss == before) return;
  counters_.pmtu_updates++;
  // RFC 1191 6.5: resend at once in the new size. Not a congestion signal: cwnd stays (as
  // Linux's tcp_simple_retransmit); everything outstanding goes out again from SND.UNA.
  t.snd_nxt = t.snd_una;
  t.rto_at = Instant::never();
  tcp_output(*this, t);
  reschedule(t);
  flush();
}

}  // namespace sluice::stack::tcp
