// See recovery.h for the RFCs.
#include "stack/tcp/recovery.h"

#include <algorithm>

#include "stack/tcp/input.h"
#include "stack/tcp/output.h"
#include "stack/tcp/rack.h"
#include "stack/tcp/tlp.h"

namespace sluice::stack::tcp {
namespace {

constexpr int kMaxRecoverySegments = 64;  // bound one call's work, as tcp_output does

// A retransmission episode begins (fast retransmit or the first timeout): remember enough to
// recognize it as spurious later.
void begin_episode(TcbEnv& env, Tcb& t, bool rto) {
  t.undo_possible = true;
  t.undo_rto = rto;
  t.undo_marker = t.snd_una;
  t.undo_retrans = 0;
  // RFC 3522 2: RetransmitTS is the TSval of the retransmission (sent at this instant).
  t.eifel_armed = t.ts_ok;
  t.retx_tsval = ts_now(env, t);
}

// RFC 4015 3.2 / RFC 9438 4.9: the episode was spurious: restore the window; after a timeout,
// resume with new data instead of retransmitting what arrived (go-back-N).
void undo_reduction(TcbEnv& env, Tcb& t) {
  t.undo_possible = false;
  t.eifel_armed = false;
  if (!t.undo_rto) rack_on_spurious_retransmit(t);  // a fast retransmission: the path reorders
  if (!t.cc->can_undo()) return;
  t.cc->undo();
  env.mut_counters().spurious_undos++;
  if (t.in_recovery) {
    t.in_recovery = false;
    t.dupacks = 0;
  }
  // The episode is void: the next loss may start recovery at once (RFC 6582's "recover" and
  // RFC 6675 5.1's RecoveryPoint only guard against the duplicates of real retransmissions).
  t.recover = t.snd_una - 1;
  if (t.undo_rto && t.snd_nxt < t.snd_max) t.snd_nxt = t.snd_max;
}

// RFC 3522 2: the first acceptable ACK after the retransmission echoes a timestamp older than the
// retransmission's: the original arrived, the retransmission was spurious.
void check_eifel(TcbEnv& env, Tcb& t, const TcpRepr& h) {
  if (!t.eifel_armed || !(h.ack > t.undo_marker)) return;
  t.eifel_armed = false;
  if (!h.timestamps || h.timestamps->tsecr == 0) return;
  if (static_cast<int32_t>(h.timestamps->tsecr - t.retx_tsval) < 0) undo_reduction(env, t);
}

// RFC 3708 (D-SACK based detection): every retransmission of the episode was reported as a
// duplicate: nothing was lost. Decided once recovery is over.
void on_dsack(TcbEnv& env, Tcb& t, const SackScoreboard::Update& u) {
  env.mut_counters().dsacks_received++;
  if (!t.undo_possible || t.undo_retrans == 0) return;
  if (u.dsack_left < t.undo_marker || u.dsack_right > t.snd_max) return;
  --t.undo_retrans;
  if (t.undo_retrans == 0 && !t.in_recovery) undo_reduction(env, t);
}

void exit_recovery(TcbEnv& env, Tcb& t) {
  t.in_recovery = false;
  rack_on_recovery_exit(t);
  t.cc->on_recovery_exit(t.flight());
  if (t.undo_possible && t.undo_retrans == 0) undo_reduction(env, t);
}

// Below this sequence every unSACKed octet is lost: RACK's verdict (RFC 8985 6.2), and RFC 6675
// 4 IsLost()'s DupThresh rule until reordering has been seen (RFC 8985 6.2 step 4 then gives
// RACK no reordering window either).
TcpSeq lost_bound(const Tcb& t) {
  TcpSeq lost = seq_in(t.rack.lost_below, t.snd_una, t.snd_max + 1) ? t.rack.lost_below : t.snd_una;
  if (!t.rack.reordering_seen) lost = seq_max(lost, t.scoreboard.lost_below(t.snd_una, t.snd_mss));
  return lost;
}

// RFC 6675 5 (4): fast retransmit and the start of SACK-based loss recovery.
void enter_sack_recovery(TcbEnv& env, Tcb& t) {
  // RFC 6675 5.1: after a timeout, no new recovery until HighACK reaches RecoveryPoint.
  if (t.snd_una < t.recover) return;
  begin_episode(env, t, false);
  t.in_recovery = true;
  t.recover = t.snd_max;                    // (4.1) RecoveryPoint = HighData
  t.prr.start(t.flight());   // RFC 6937 3: RecoverFS = the flight now
  t.cc->on_congestion(env.now(), t.flight());  // (4.2) ssthresh = cwnd = the decrease
  env.mut_counters().fast_retransmits++;
  env.mut_counters().sack_recoveries++;
  t.snd_nxt = t.snd_max;
  // (4.3) retransmit the first segment presumed dropped; HighRxt covers it.
  uint32_t n = retransmit_range(env, t, t.snd_una, t.snd_mss);
  t.prr.on_send(n);
  t.high_rxt = t.snd_una + n;
  t.rxt_mark = t.snd_max;
}

// RFC 6582 3.2 (2): NewReno fast retransmit.
void enter_newreno_recovery(TcbEnv& env, Tcb& t) {
  if (t.snd_una <= t.recover) return;  // this loss belongs to the previous recovery
  begin_episode(env, t, false);
  t.in_recovery = true;
  t.recover = t.snd_max;
  t.cc->on_loss(env.now(), t.flight());
  env.mut_counters().fast_retransmits++;
  retransmit_first(env, t);
}

// RFC 5681 2 "duplicate acknowledgment" (a)-(e).
bool classic_dupack(const Tcb& t, const TcpRepr& h, uint32_t seg_len) {
  return h.ack == t.snd_una && seg_len == 0 && t.flight() > 0 &&
         (uint32_t(h.window) << t.snd_wscale) == t.snd_wnd && t.snd_wnd != 0 &&
         t.persist_at == Instant::never();
}

// A duplicate ACK per RFC 6675 2 (it SACKs new data) or, without SACK blocks, RFC 5681 2.
void on_duplicate(TcbEnv& env, Tcb& t, const TcpRepr& h, uint32_t seg_len,
                  const SackScoreboard::Update& u) {
  if (t.sack_ok && h.sack_count > 0) {
    // RFC 6675 5 (3): DupAcks counts ACKs carrying new SACK information outside recovery
    // (maybe_enter_sack_recovery decides). A D-SACK alone reports no new data and is not a
    // duplicate ACK (RFC 2883 tolerance).
    if (seg_len != 0 || u.newly_sacked == 0 || t.in_recovery) return;
    ++t.dupacks;
    return;
  }
  if (!classic_dupack(t, h, seg_len)) return;
  ++t.dupacks;
  if (t.in_recovery) {
    if (!t.sack_ok && t.dupacks > SackScoreboard::kDupThresh) t.cc->on_recovery_dupack();
    return;
  }
  if (t.dupacks != SackScoreboard::kDupThresh) return;
  if (t.sack_ok) enter_sack_recovery(env, t);
  else enter_newreno_recovery(env, t);
}

// SND.UNA < SEG.ACK =< SND.MAX.
void on_new_ack(TcbEnv& env, Tcb& t, const TcpRepr& h) {
  uint32_t acked = static_cast<uint32_t>(h.ack - t.snd_una);
  uint32_t data_acked = acked;
  if (t.snd_una == t.iss) --data_acked;                                // our SYN
  if (t.fin_sent && h.ack == t.fin_seq + 1 && t.snd_una <= t.fin_seq) --data_acked;  // our FIN
  t.sndbuf.ack(std::min<size_t>(data_acked, t.sndbuf.size()));
  take_rtt_sample(env, t, h);
  if (t.rtt.has_sample()) t.cc->on_rtt(t.rtt.srtt());
  check_eifel(env, t, h);
  t.retransmits = 0;
  t.persist_backoff = 0;
  t.snd_una = h.ack;
  if (t.snd_nxt < t.snd_una) t.snd_nxt = t.snd_una;
  if (t.high_rxt < t.snd_una) t.high_rxt = t.snd_una;
  t.scoreboard.advance(t.snd_una);
  t.dupacks = 0;  // RFC 6675 5 (2): a cumulative ACK resets DupAcks
  if (t.in_recovery) {
    if (h.ack >= t.recover) {
      exit_recovery(env, t);  // RFC 6582 3.2 (3) full ACK / RFC 6675 5 (A)
    } else if (!t.sack_ok) {
      // RFC 6582 3.2 (3) partial acknowledgment: retransmit the next unacknowledged segment.
      t.cc->on_partial_ack(acked);
      retransmit_first(env, t);
    }
    // RFC 6675 5 (B): with SACK, pipe is recomputed before the next transmission.
  }
  // RFC 6298 5.2 / 5.3: stop the timer when all is acknowledged, else restart it.
  t.rto_at = Instant::never();
  if (t.snd_una != t.snd_max) arm_rto(env, t);
  if (t.want_writable && t.sndbuf.space() > 0 && !t.fin_queued) {
    t.want_writable = false;
    env.post(EventKind::kWritable, t);
  }
}

// The first octet at or above s that is not SACKed.
TcpSeq first_unsacked(const Tcb& t, TcpSeq s) {
  while (const SackScoreboard::Block* b = t.scoreboard.block_at(s)) s = b->right;
  return s;
}

// Retransmits one segment at s, stopping short of SACKed data; HighRxt follows (RFC 6675 (C.2)).
bool retransmit_at(TcbEnv& env, Tcb& t, TcpSeq s) {
  uint32_t limit = t.snd_mss;
  if (const SackScoreboard::Block* b = t.scoreboard.block_after(s))
    limit = std::min<uint32_t>(limit, static_cast<uint32_t>(b->left - s));
  uint32_t n = retransmit_range(env, t, s, limit);
  if (n == 0) return false;
  t.high_rxt = seq_max(t.high_rxt, s + n);
  t.rxt_mark = t.snd_max;
  arm_rto(env, t);
  return true;
}

// RFC 6675 4 NextSeg(), rules (1)-(3), and the transmission it chooses.
bool next_seg(TcbEnv& env, Tcb& t) {
  const TcpSeq lost = lost_bound(t);
  const TcpSeq high_sacked = t.scoreboard.high_sacked(t.snd_una);
  const TcpSeq s = first_unsacked(t, seq_max(t.high_rxt, t.snd_una));
  // (1) the first unSACKed octet above HighRxt, below the highest SACKed octet, IsLost().
  if (s < lost && s < high_sacked && retransmit_at(env, t, s)) return true;
  // (2) new data, as the receiver's window allows.
  if (t.snd_nxt == t.snd_max && send_one(env, t, t.snd_wnd)) return true;
  // (3) an unSACKed octet above HighRxt below the highest SACKed octet, lost or not. Not once
  // the path is known to reorder: such a hole is most likely late, and RACK (RFC 8985 6.2) tells
  // when it is lost.
  if (t.rack.reordering_seen) return false;
  return s < high_sacked && retransmit_at(env, t, s);
}

// Lost retransmissions (RFC 6675 has no rule; this is RACK's time order, RFC 8985 6.2, by
// sequence): more than (DupThresh - 1) * SMSS SACKed from data sent after the latest
// retransmission means every earlier retransmission still unSACKed was lost too. NextSeg() may
// then send them again.
void detect_lost_retransmissions(TcbEnv& env, Tcb& t) {
  if (!t.in_recovery || !t.sack_ok || !(t.snd_una < t.high_rxt)) return;
  TcpSeq high = t.scoreboard.high_sacked(t.snd_una);
  if (!(t.rxt_mark < high)) return;
  if (t.scoreboard.sacked_in(t.rxt_mark, high) <= (SackScoreboard::kDupThresh - 1) * t.snd_mss)
    return;
  if (t.scoreboard.sacked_in(t.snd_una, t.high_rxt) == static_cast<uint32_t>(t.high_rxt - t.snd_una))
    return;  // every retransmission arrived
  env.mut_counters().lost_retransmits++;
  t.high_rxt = t.snd_una;
  t.rxt_mark = t.snd_max;
}

// RFC 6675 5 (3.a) DupThresh duplicate ACKs (while no reordering has been seen) or (3.b) the
// first octet is lost, by IsLost() or by RACK (RFC 8985 6.2): fast retransmit, recovery.
void maybe_enter_sack_recovery(TcbEnv& env, Tcb& t) {
  if (t.in_recovery || t.scoreboard.empty()) return;
  bool by_count = !t.rack.reordering_seen && t.dupacks >= SackScoreboard::kDupThresh;
  bool first_lost = t.snd_una < lost_bound(t) && !t.scoreboard.is_sacked(t.snd_una);
  if (by_count || first_lost) enter_sack_recovery(env, t);
}

}  // namespace

void process_ack(TcbEnv& env, Tcb& t, const TcpRepr& h, uint32_t seg_len) {
  const TcpSeq una_before = t.snd_una;
  const TcpSeq fack_before = t.scoreboard.high_sacked(t.snd_una);
  const uint32_t flight_before = t.flight();
  const bool recovering = t.in_recovery;
  // What this ACK delivers (RFC 6937 DeliveredData): the cumulative advance less what was
  // SACKed before, plus the newly SACKed.
  uint32_t delivered = 0;
  if (h.ack > t.snd_una)
    delivered = static_cast<uint32_t>(h.ack - t.snd_una) - t.scoreboard.sacked_in(t.snd_una, h.ack);
  // RFC 6675 5 (1): every ACK with SACK information updates the scoreboard.
  SackScoreboard::Update u;
  if (t.sack_ok && h.sack_count > 0) {
    TcpSeq una = h.ack > t.snd_una ? h.ack : t.snd_una;
    u = t.scoreboard.update(una, t.snd_max, h.ack, h.sack.data(), h.sack_count);
  }
  // RFC 2018 8: the cumulative ACK stops at data the receiver had SACKed: it dropped (reneged
  // on) it. The scoreboard no longer tells what the receiver holds: forget it, so that
  // retransmissions cover everything (Linux does the same).
  if (t.sack_ok && h.ack >= t.snd_una && !t.scoreboard.empty() &&
      t.scoreboard.blocks().front().left <= h.ack) {
    env.mut_counters().sack_renegings++;
    t.scoreboard.clear();
    u = {};
  }
  if (t.sack_ok) rack_on_ack(env, t, h, una_before, fack_before, u);
  if (h.ack > t.snd_una) {
    on_new_ack(env, t, h);
    // RFC 6675 5 (3): "regardless of its status as a cumulative acknowledgment", an ACK that
    // SACKs new data outside recovery counts toward DupThresh.
    if (t.sack_ok && !t.in_recovery && u.newly_sacked > 0 && seg_len == 0) ++t.dupacks;
  } else if (h.ack == t.snd_una) {
    on_duplicate(env, t, h, seg_len, u);
  }
  if (u.dsack) on_dsack(env, t, u);
  tlp_on_ack(env, t, u);
  if (t.sack_ok) {
    rack_detect_loss(env, t);
    maybe_enter_sack_recovery(env, t);
  }
  if (u.newly_sacked > 0) detect_lost_retransmissions(env, t);
  // RFC 5681 3.1 / RFC 9438: the window grows with what was delivered, outside recovery (SACKed
  // data counts as it arrives, as Linux counts it: under reordering the cumulative ACK moves in
  // jumps).
  delivered += u.newly_sacked;
  if (recovering && t.in_recovery) t.prr.on_ack(delivered);  // RFC 6937 3 prr_delivered
  if (recovering || t.in_recovery || delivered == 0 || !t.cc->cwnd_limited(flight_before)) return;
  if (env.params().hystart) {
    bool sampled = t.rtt.samples() != t.rtt_samples_seen;
    t.rtt_samples_seen = t.rtt.samples();
    t.hystart.on_ack(*t.cc, sampled, t.rtt.latest(), t.snd_una, t.snd_max);
  }
  t.cc->on_ack(env.now(), delivered, flight_before);
}

bool recovery_output(TcbEnv& env, Tcb& t) {
  // RFC 6675 5 (C) transmits while cwnd - pipe >= 1 SMSS; RFC 6937 bounds it by sndcnt, once per
  // ACK (DeliveredData is used up by the first transmission it allows).
  uint32_t pipe = t.scoreboard.pipe(t.snd_una, t.snd_max, t.high_rxt, lost_bound(t));
  int64_t budget = t.prr.sndcnt(pipe, t.cc->ssthresh(), t.snd_mss);
  t.prr.last_delivered = 0;
  bool sent = false;
  for (int i = 0; i < kMaxRecoverySegments && budget > 0; ++i) {
    const uint64_t before = env.mut_counters().bytes_out;
    if (!next_seg(env, t)) break;
    uint32_t bytes = static_cast<uint32_t>(env.mut_counters().bytes_out - before);
    t.prr.on_send(bytes);
    budget -= bytes;
    sent = true;
  }
  return sent;
}

void recovery_on_rto(TcbEnv& env, Tcb& t) {
  if (t.retransmits == 1) {
    begin_episode(env, t, true);
  } else {
    // Later expiries of the same episode: which copy arrived can no longer be told apart.
    t.undo_possible = false;
    t.eifel_armed = false;
  }
  // RFC 5681 3.1 (4)-(5), RFC 9438 4.8: ssthresh and cwnd = 1 SMSS. RFC 6675 5.1 / RFC 6582 4:
  // leave recovery; RecoveryPoint is the highest sequence sent.
  t.cc->on_rto(env.now(), t.flight());
  t.in_recovery = false;
  t.recover = t.snd_max;
  t.dupacks = 0;
  t.high_rxt = t.snd_una;
  // RFC 6675 5.1 keeps the scoreboard across a timeout; a second timeout in a row suggests the
  // receiver reneged (RFC 2018 8): forget it and resend everything.
  if (t.retransmits > 1) t.scoreboard.clear();
  t.snd_nxt = t.snd_una;
}

void recovery_on_reorder_timeout(TcbEnv& env, Tcb& t) {
  if (!t.sack_ok || t.snd_una == t.snd_max) return;
  rack_detect_loss(env, t);
  maybe_enter_sack_recovery(env, t);
  if (t.in_recovery) recovery_output(env, t);
}

}  // namespace sluice::stack::tcp
