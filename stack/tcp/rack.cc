// See rack.h.
#include "stack/tcp/rack.h"

#include <algorithm>

#include "stack/tcp/tcb.h"

namespace sluice::stack::tcp {
namespace {

constexpr uint8_t kReoWndPersist = 16;  // RFC 8985 6.2 step 4: recoveries a widened window lasts

// RFC 8985 6.2 step 2: only a segment never retransmitted tells when what was delivered left.
bool unambiguous(const Rack& r, TcpSeq s) { return !r.retransmitted || r.rexmit_high <= s; }

// RFC 8985 6.2 step 2: RACK.segment becomes the most recently sent of the delivered segments.
// `last` is the highest octet of a delivered range.
void take_delivered(const TcbEnv& env, Rack& r, TcpSeq last) {
  if (!unambiguous(r, last)) return;
  const TransmitLog::Run* run = r.log.find(last);
  if (run == nullptr) return;
  Instant now = env.now();
  // The run's earliest time errs on the safe side: an older RACK.xmit_ts and a longer RACK.rtt
  // both mark fewer segments lost.
  Instant xmit = run->first;
  // min_RTT only from a run of one transmission time: a merged run's times are bounds.
  if (run->first == run->last && now - xmit < r.min_rtt) r.min_rtt = now - xmit;
  if (r.have_segment && (xmit < r.xmit || (xmit == r.xmit && last < r.end_seq))) return;
  r.have_segment = true;
  r.xmit = xmit;
  r.end_seq = last + 1;
  r.rtt = now - xmit;
}

// RFC 8985 6.2 step 3: a never-retransmitted segment delivered below the highest SACKed octet
// arrived out of order.
void detect_reordering(Rack& r, const TcpRepr& h, TcpSeq una_before,
                       TcpSeq fack_before, const SackScoreboard::Update& u) {
  if (!(una_before < fack_before)) return;  // nothing was SACKed: no order to break
  // The hole at SND.UNA was acknowledged cumulatively, and its original was never resent.
  if (una_before < h.ack && unambiguous(r, una_before)) r.reordering_seen = true;
  // A SACK block filled part of an older hole.
  if (u.newly_sacked > 0 && u.newly_low < fack_before && unambiguous(r, u.newly_low))
    r.reordering_seen = true;
}

// RFC 8985 6.2 step 4: a D-SACK widens the window, once per round trip.
void widen_window(const Tcb& t, Rack& r) {
  if (r.dsack_round_set && r.dsack_round <= t.snd_una) r.dsack_round_set = false;
  if (r.dsack_round_set) return;
  r.reo_wnd_mult = static_cast<uint8_t>(std::min(r.reo_wnd_mult + 1, 255));
  r.dsack_round_set = true;
  r.dsack_round = t.snd_max;
  r.reo_wnd_persist = kReoWndPersist;
}

}  // namespace

void rack_on_send(const TcbEnv& env, Tcb& t, TcpSeq begin, TcpSeq end) {
  t.rack.log.sent(begin, end, env.now());
}

void rack_on_retransmit(Tcb& t, TcpSeq begin, TcpSeq end) {
  if (!(begin < end)) return;
  t.rack.rexmit_high = t.rack.retransmitted ? seq_max(t.rack.rexmit_high, end) : end;
  t.rack.retransmitted = true;
}

void rack_on_ack(TcbEnv& env, Tcb& t, const TcpRepr& h, TcpSeq una_before, TcpSeq fack_before,
                 const SackScoreboard::Update& u) {
  Rack& r = t.rack;
  detect_reordering(r, h, una_before, fack_before, u);
  if (u.dsack) widen_window(t, r);
  // Step 1-2: every range this ACK reports delivered, cumulatively or by SACK.
  if (una_before < h.ack) take_delivered(env, r, h.ack - 1);
  for (uint8_t i = u.dsack ? 1 : 0; i < h.sack_count; ++i) {
    TcpSeq right = seq_min(h.sack[i].right, t.snd_max);
    if (seq_max(una_before, h.ack) < right) take_delivered(env, r, right - 1);
  }
  if (una_before < h.ack) r.log.advance(h.ack);
  // Sequence marks stay within [SND.UNA, SND.MAX] (modulo 2^32 an old one would look ahead).
  if (r.retransmitted && r.rexmit_high <= seq_max(h.ack, una_before)) r.retransmitted = false;
}

Duration rack_reo_wnd(const Tcb& t) {
  const Rack& r = t.rack;
  if (!r.reordering_seen) {
    if (t.in_recovery) return Duration::zero();
    if (t.scoreboard.sacked_in(t.snd_una, t.snd_max) >= SackScoreboard::kDupThresh * t.snd_mss)
      return Duration::zero();
  }
  Duration base = r.min_rtt.us == INT64_MAX ? t.rtt.srtt() : r.min_rtt;
  Duration w = base / 4 * r.reo_wnd_mult;
  return t.rtt.has_sample() ? std::min(w, t.rtt.srtt()) : w;
}

void rack_detect_loss(const TcbEnv& env, Tcb& t) {
  Rack& r = t.rack;
  t.reo_at = Instant::never();
  // A fresh verdict when the old one fell behind SND.UNA (or was never given).
  if (!seq_in(r.lost_below, t.snd_una, t.snd_max + 1)) r.lost_below = t.snd_una;
  if (!r.have_segment || !(t.snd_una < r.end_seq)) return;
  const Duration reo = rack_reo_wnd(t);
  const Instant now = env.now();
  TcpSeq begin = r.log.begin();
  for (size_t i = 0; i < r.log.size() && begin < r.end_seq; ++i) {
    const TransmitLog::Run& run = r.log[i];
    // Only what left before RACK.segment (or with it, at a lower sequence) can be judged; the
    // run's latest time errs on the safe side.
    if (run.last > r.xmit) break;
    Instant when = run.last + r.rtt + reo;
    if (when > now) {
      t.reo_at = when;  // RFC 8985 6.3: the reorder timer
      break;
    }
    r.lost_below = seq_max(r.lost_below, seq_min(run.end, r.end_seq));
    begin = run.end;
  }
}

void rack_on_spurious_retransmit(Tcb& t) {
  // The original was only late, not lost: the path reorders (Linux counts the same).
  t.rack.reordering_seen = true;
  widen_window(t, t.rack);
}

void rack_on_recovery_exit(Tcb& t) {
  Rack& r = t.rack;
  if (r.reo_wnd_persist > 0 && --r.reo_wnd_persist == 0) r.reo_wnd_mult = 1;
}

}  // namespace sluice::stack::tcp
