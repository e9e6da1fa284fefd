// See tlp.h.
#include "stack/tcp/tlp.h"

#include <algorithm>

#include "stack/tcp/output.h"

namespace sluice::stack::tcp {
namespace {

// RFC 8985 7.2: WCDelAckT, the worst case delayed-ACK time of a receiver.
constexpr Duration kWorstDelayedAck = Duration::millis(200);
// Added to 2*SRTT: on sub-millisecond paths a receiver's ordinary ACK timing must not look like a
// loss (Linux adds TCP_TIMEOUT_MIN, 2 ms at HZ=1000).
constexpr Duration kProbeTimeoutSlack = Duration::millis(2);

}  // namespace

std::optional<Duration> probe_timeout(const TcbEnv& env, const Tcb& t) {
  // RFC 8985 7.2: with SACK (the probe's ACK must be able to tell what arrived), outside loss
  // recovery and RTO backoff, one probe per tail (TLPRxtOut), once an RTT is known.
  if (!env.params().tail_loss_probe || !t.sack_ok || t.in_recovery || t.tlp_out || t.retransmits > 0 ||
      !t.rtt.has_sample() || !sending_state(t.state) || t.snd_una == t.snd_max)
    return std::nullopt;
  Duration pto = t.rtt.srtt() * 2 + kProbeTimeoutSlack;
  // "If FlightSize is one segment": the ACK of a lone segment may be delayed.
  if (t.flight() <= t.snd_mss) pto = pto + kWorstDelayedAck;
  return std::min(pto, t.rtt.rto());
}

void on_probe_timeout(TcbEnv& env, Tcb& t) {
  if (t.snd_una == t.snd_max) return;
  env.mut_counters().tail_loss_probes++;
  // RFC 8985 7.3: new data if the receive window allows a full segment, else the last segment.
  const size_t queued = t.sndbuf.size();
  const size_t sent = static_cast<size_t>(t.snd_max - t.snd_una) - (t.fin_sent ? 1 : 0);
  const bool fresh = t.snd_nxt == t.snd_max && sent < queued && !t.fin_sent &&
                     int32_t((t.snd_una + t.snd_wnd) - t.snd_max) >= int32_t(t.snd_mss);
  if (!fresh || !send_one(env, t, t.snd_wnd)) {
    TcpSeq data_end = t.sent_data_end();
    uint32_t len = std::min<uint32_t>(t.snd_mss, static_cast<uint32_t>(data_end - t.snd_una));
    retransmit_range(env, t, data_end - len, t.snd_mss);
  }
  t.tlp_out = true;
  t.tlp_high_seq = t.snd_max;  // TLPHighSeq = SND.NXT (our SND.MAX)
  // RFC 8985 7.3: the retransmission timer watches the probe (no second probe until answered).
  t.rto_at = Instant::never();
  arm_rto(env, t);
}

void tlp_on_ack(TcbEnv& env, Tcb& t, const SackScoreboard::Update& u) {
  if (!t.tlp_out) return;
  // RFC 8985 7.4.2: a D-SACK for the probe: the original arrived, nothing was lost.
  if (u.dsack && u.dsack_right <= t.tlp_high_seq) {
    t.tlp_out = false;
    return;
  }
  if (t.snd_una < t.tlp_high_seq) return;
  // Everything up to the probe is acknowledged without a D-SACK: the probe repaired a loss.
  // RFC 8985 7.4.2: respond as to a loss found by fast recovery (one reduction).
  t.tlp_out = false;
  env.mut_counters().tail_loss_repairs++;
  // The flight the lost segment belonged to has been acknowledged by now: the window stands for it.
  if (!t.in_recovery) t.cc->on_congestion(env.now(), std::max(t.flight(), t.cc->cwnd()));
}

}  // namespace sluice::stack::tcp
