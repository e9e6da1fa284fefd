// RFC 9293 3.10.7.4 (SYN-RECEIVED onward), with RFC 5961 (challenge ACKs), RFC 7323 (timestamps, PAWS),
// RFC 6298 (RTT samples), RFC 1122 4.2.3.2 and RFC 5681 4.2 (delayed and immediate ACKs). The
// ACK's effect on the sender (duplicate ACKs, SACK, recovery) is in recovery.cc.
#include "stack/tcp/input.h"

#include <algorithm>

#include "stack/tcp/output.h"
#include "stack/tcp/recovery.h"

namespace sluice::stack::tcp {
namespace {

// One arriving segment, trimmed as the steps go.
struct Seg {
  const TcpRepr& h;
  BufChain data;
  TcpSeq seq;
  bool syn;
  bool fin;
  uint32_t len() const { return static_cast<uint32_t>(data.size()) + syn + fin; }
};

void challenge_ack(TcbEnv& env, Tcb& t) {
  env.mut_counters().challenge_acks++;
  send_ack(env, t);
}

bool fin_acked(const Tcb& t) { return t.fin_sent && t.snd_una == t.fin_seq + 1; }

// RFC 2883 4: remember a duplicate [l, r) for the next ACK's first SACK block (one per ACK: the
// first reported wins until it is sent).
void note_duplicate(Tcb& t, TcpSeq l, TcpSeq r) {
  if (!t.sack_ok || t.dsack_pending) return;
  t.dsack_pending = true;
  t.dsack_left = l;
  t.dsack_right = r;
}

// RFC 9293 3.10.7.4 first: the acceptability test, then trimming to the window.
bool check_sequence(TcbEnv& env, Tcb& t, Seg& s) {
  int32_t w = t.rcv_adv - t.rcv_nxt;
  uint32_t wnd = w > 0 ? static_cast<uint32_t>(w) : 0;
  uint32_t len = s.len();
  bool ok = segment_acceptable(s.seq, len, t.rcv_nxt, wnd);
  if (!ok && wnd == 0 && s.seq == t.rcv_nxt && !s.h.rst()) {
    // "If the RCV.WND is zero, no segments will be acceptable, but special allowance should be
    // made to accept valid ACKs, URGs, and RSTs": keep the ACK, drop the text, ACK our window.
    if (!s.data.empty()) { s.data.clear(); s.fin = false; }
    s.syn = false;
    t.ack_now = true;
    return true;
  }
  if (!ok) {
    env.mut_counters().unacceptable_segments++;
    if (len > 0) env.mut_counters().dup_segments++;
    // RFC 2883 4 (1): data wholly below RCV.NXT arrived again.
    if (!s.data.empty() && s.seq + len <= t.rcv_nxt) note_duplicate(t, s.seq, s.seq + len);
    // RFC 9293 3.10.7.4 TIME-WAIT: "The only thing that can arrive in this state is a
    // retransmission of the remote FIN. Acknowledge it, and restart the 2 MSL timeout."
    // Not for a RST, nor without ACK ("if the ACK bit is off, drop the segment" comes first).
    if (t.state == TcpState::kTimeWait && s.fin && t.fin_received && s.seq + len == t.rcv_nxt &&
        !s.h.rst() && s.h.ack_set())
      t.state_at = env.now() + env.params().time_wait;
    // "If an incoming segment is not acceptable, an acknowledgment should be sent in reply
    // (unless the RST bit is set)": <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
    if (!s.h.rst()) send_ack(env, t);
    return false;
  }
  // Trim what lies before RCV.NXT (duplicate bytes) ...
  if (s.seq < t.rcv_nxt) {
    uint32_t cut = static_cast<uint32_t>(t.rcv_nxt - s.seq);
    if (s.syn) { s.syn = false; --cut; }
    size_t d = std::min<size_t>(cut, s.data.size());
    // RFC 2883 4 (1): the part below RCV.NXT is a duplicate.
    if (d > 0) note_duplicate(t, t.rcv_nxt - static_cast<uint32_t>(d), t.rcv_nxt);
    s.data.consume(d);
    s.seq = t.rcv_nxt;
    t.ack_now = true;  // a retransmission we already have: tell the peer now
  }
  // ... and beyond the right edge ("the data beyond the window is trimmed, FIN with it").
  TcpSeq edge = t.rcv_nxt + wnd;
  TcpSeq data_start = s.seq + (s.syn ? 1 : 0);
  if (data_start + static_cast<uint32_t>(s.data.size()) > edge) {
    int32_t keep = edge - data_start;
    size_t k = keep > 0 ? static_cast<size_t>(keep) : 0;
    BufChain kept = s.data.split_front(k);
    s.data = std::move(kept);
    s.fin = false;
  }
  return true;
}

// RFC 9293 3.10.7.4 second, with RFC 5961 3.2.
void on_rst(TcbEnv& env, Tcb& t, const Seg& s) {
  if (s.seq != t.rcv_nxt) {  // in the window but not exact: challenge ACK
    challenge_ack(env, t);
    return;
  }
  env.mut_counters().resets_received++;
  if (t.state == TcpState::kSynReceived) {
    // Passive: "return this connection to the LISTEN state" (the listener never went away).
    // Active (simultaneous open): "the connection was refused".
    env.closed(t, t.passive ? CloseReason::kReset : CloseReason::kRefused);
    return;
  }
  env.closed(t, CloseReason::kReset);
}

// RFC 9293 3.10.7.4 fifth (SYN-RECEIVED): the ACK that completes the handshake.
bool establish_passive(TcbEnv& env, Tcb& t, const Seg& s) {
  if (!(t.snd_una < s.h.ack && s.h.ack <= t.snd_max)) {
    send_rst_reply(env, t.tuple, s.h, s.len());  // <SEQ=SEG.ACK><CTL=RST>
    return false;
  }
  t.state = TcpState::kEstablished;
  if (t.passive && !env.enqueue_accept(t)) {
    t.state = TcpState::kSynReceived;  // accept queue full: drop the ACK, the peer retries
    return false;
  }
  env.mut_counters().established++;
  // SND.WND <- SEG.WND, SND.WL1 <- SEG.SEQ, SND.WL2 <- SEG.ACK (a non-SYN window is scaled).
  t.snd_wnd = uint32_t(s.h.window) << t.snd_wscale;
  t.max_snd_wnd = std::max(t.max_snd_wnd, t.snd_wnd);
  t.snd_wl1 = s.seq;
  t.snd_wl2 = s.h.ack;
  if (t.syn_retransmitted) t.rtt.reset_after_syn_timeout();  // RFC 6298 5.7
  if (!t.passive) env.post(EventKind::kConnected, t);
  // RFC 9293 3.10.4: a CLOSE while in SYN-RECEIVED is carried out once ESTABLISHED.
  if (t.fin_queued) t.state = TcpState::kFinWait1;
  return true;
}

// RFC 9293 3.10.7.4 fifth: the ACK field. False when the segment is dropped here.
bool on_ack(TcbEnv& env, Tcb& t, Seg& s) {
  if (t.state == TcpState::kSynReceived && !establish_passive(env, t, s)) return false;
  const TcpSeq ack = s.h.ack;
  if (ack > t.snd_max) {  // "acks something not yet sent": ACK and drop
    send_ack(env, t);
    return false;
  }
  // RFC 5961 5.2: an ACK older than the window the peer could have seen is dropped.
  if (ack < t.snd_una - t.max_snd_wnd) {
    challenge_ack(env, t);
    return false;
  }
  t.persist_unanswered = 0;
  process_ack(env, t, s.h, s.len());  // recovery.cc
  if (t.state == TcpState::kClosed) return false;
  // Window update: SND.WL1 < SEG.SEQ or (SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK).
  if (t.snd_wl1 < s.seq || (t.snd_wl1 == s.seq && t.snd_wl2 <= ack)) {
    t.snd_wnd = uint32_t(s.h.window) << t.snd_wscale;
    t.max_snd_wnd = std::max(t.max_snd_wnd, t.snd_wnd);
    t.snd_wl1 = s.seq;
    t.snd_wl2 = ack;
    if (t.snd_wnd > 0 && t.persist_at != Instant::never()) {
      // RFC 9293 3.8.6.1: the window opened; stop probing and resend any probe byte in order.
      t.persist_at = Instant::never();
      t.persist_backoff = 0;
      t.snd_nxt = t.snd_una;
    }
  }
  // Our FIN acknowledged: the state-specific rules.
  switch (t.state) {
    case TcpState::kFinWait1:
      if (fin_acked(t)) {
        t.state = TcpState::kFinWait2;
        if (t.app_closed) t.state_at = env.now() + env.params().fin_wait2_timeout;
      }
      break;
    case TcpState::kClosing:
      if (fin_acked(t)) { enter_time_wait(env, t); return false; }
      break;
    case TcpState::kLastAck:
      if (fin_acked(t)) { env.closed(t, CloseReason::kClosed); return false; }
      break;
    default:
      break;
  }
  return true;
}

// RFC 9293 3.10.7.4 seventh: segment text.
bool on_text(TcbEnv& env, Tcb& t, Seg& s) {
  if (s.data.empty()) return true;
  switch (t.state) {
    case TcpState::kEstablished: case TcpState::kFinWait1: case TcpState::kFinWait2: break;
    default: return true;  // the peer's FIN was received: ignore
  }
  if (t.app_closed) {
    // Data after close(): nobody will read it. RFC 9293 3.10.4 allows it; Linux (and so
    // nginx's clients) expect a RST (RFC 2525 2.17).
    send_rst(env, t);
    env.closed(t, CloseReason::kAborted);
    return false;
  }
  uint32_t n = static_cast<uint32_t>(s.data.size());
  if (s.seq == t.rcv_nxt) {
    bool filled_hole = t.rcvbuf.has_out_of_order();
    size_t ooo_before = filled_hole ? t.rcvbuf.out_of_order_bytes() : 0;
    t.rcvbuf.push(std::move(s.data));
    s.seq = s.seq + n;  // the text is taken: what is left of the segment (its FIN) begins here
    t.rcv_nxt = t.rcv_nxt + n;
    t.rcvbuf.drain(t.rcv_nxt);
    if (filled_hole) env.ooo_changed(int64_t(t.rcvbuf.out_of_order_bytes()) - int64_t(ooo_before));
    env.mut_counters().bytes_in += n;
    // RFC 5681 4.2: ACK at once when a segment fills (part of) a hole.
    if (filled_hole) t.ack_now = true;
    // RFC 9293 3.8.6.3 / RFC 1122 4.2.3.2: ACK at least every second segment, and otherwise
    // within the delayed-ACK time.
    if (++t.segs_unacked >= 2) t.ack_now = true;
    if (!t.ack_now && !t.ack_delayed) {
      t.ack_delayed = true;
      t.delack_at = env.now() + env.params().delayed_ack;
    }
    env.post(EventKind::kReadable, t);
  } else {
    // Beyond RCV.NXT: hold it (RFC 9293 3.10.7.4), ACK at once (RFC 5681 4.2, a duplicate ACK
    // that drives the peer's fast retransmit).
    env.mut_counters().out_of_order_segments++;
    t.ack_now = true;
    if (!env.ooo_room(n)) {
      // The worker's bound on out-of-order memory: drop it (the peer retransmits), as the
      // per-connection block bound does.
      env.mut_counters().ooo_memory_drops++;
      return true;
    }
    size_t ooo_before = t.rcvbuf.out_of_order_bytes();
    auto r = t.rcvbuf.insert(t.rcv_nxt, s.seq, std::move(s.data));
    // RFC 2883 4 (2): an out-of-order segment we already held (part of) is a duplicate.
    if (r.duplicate) note_duplicate(t, r.dup_left, r.dup_right);
    env.ooo_changed(int64_t(t.rcvbuf.out_of_order_bytes()) - int64_t(ooo_before));
    if (r.dropped) env.mut_counters().ooo_drops++;
    if (s.fin) { t.ooo_fin = true; t.ooo_fin_seq = s.seq + n; s.fin = false; }
  }
  return true;
}

// RFC 9293 3.10.7.4 eighth: the FIN, once everything before it has arrived.
void on_fin(TcbEnv& env, Tcb& t, Seg& s) {
  bool in_order = s.fin && s.seq + static_cast<uint32_t>(s.data.size()) == t.rcv_nxt;
  bool queued = t.ooo_fin && t.ooo_fin_seq == t.rcv_nxt;
  if (!in_order && !queued) return;
  if (t.fin_received) {  // a FIN again (TIME-WAIT's restart is in check_sequence: it lands there)
    t.ack_now = true;
    return;
  }
  t.ooo_fin = false;
  t.fin_received = true;
  t.rcv_nxt = t.rcv_nxt + 1;
  t.ack_now = true;
  env.post(EventKind::kReadable, t);
  switch (t.state) {
    case TcpState::kSynReceived:
    case TcpState::kEstablished: t.state = TcpState::kCloseWait; break;
    case TcpState::kFinWait1:
      if (fin_acked(t)) enter_time_wait(env, t);
      else t.state = TcpState::kClosing;  // simultaneous close
      break;
    case TcpState::kFinWait2: enter_time_wait(env, t); break;
    default: break;  // CLOSE-WAIT, CLOSING, LAST-ACK: remain
  }
}

}  // namespace

void take_rtt_sample(TcbEnv& env, Tcb& t, const TcpRepr& h) {
  if (t.ts_ok && h.timestamps && h.timestamps->tsecr != 0) {
    // RFC 7323 4.1: RTT from the echoed timestamp of a segment that acknowledges new data.
    int32_t ms = static_cast<int32_t>(ts_now(env, t) - h.timestamps->tsecr);
    if (ms >= 0) t.rtt.sample(Duration::millis(ms));
  } else if (t.rtt_timing && h.ack > t.rtt_seq) {
    // RFC 6298 3 / Karn: only segments never retransmitted are timed.
    t.rtt.sample(env.now() - t.rtt_start);
  }
  if (t.rtt_timing && h.ack > t.rtt_seq) t.rtt_timing = false;
}

void enter_time_wait(TcbEnv& env, Tcb& t) {
  t.state = TcpState::kTimeWait;
  t.state_at = env.now() + env.params().time_wait;
  // Only the 2 MSL timer is left (the FIN's ACK goes now: ack_now), so the deadline is state_at.
  t.rto_at = t.persist_at = t.keepalive_at = t.delack_at = t.reo_at = Instant::never();
  t.sndbuf.clear();
  t.close_reason = CloseReason::kClosed;
  env.post(EventKind::kClosed, t);
  env.entered_time_wait(t);
}

void input_synchronized(TcbEnv& env, Tcb& t, const TcpRepr& h, BufChain payload) {
  Seg s{h, std::move(payload), h.seq, h.syn(), h.fin()};
  if (t.state == TcpState::kSynReceived && s.syn && s.seq == t.irs) {
    if (h.ack_set() && t.snd_una < h.ack && h.ack <= t.snd_max) {
      s.syn = false;  // a SYN-ACK (simultaneous open): take its ACK
      s.seq = s.seq + 1;
    } else {
      send_syn(env, t);  // the peer did not get our SYN-ACK: send it again
      return;
    }
  }
  // RFC 7323 5.3 PAWS: a segment whose TSval is older than TS.Recent is a stale duplicate.
  if (t.ts_ok && h.timestamps && !h.rst() &&
      static_cast<int32_t>(h.timestamps->tsval - t.ts_recent) < 0) {
    env.mut_counters().unacceptable_segments++;
    send_ack(env, t);
    return;
  }
  if (!check_sequence(env, t, s)) return;
  // RFC 7323 4.3: TS.Recent <- SEG.TSval when SEG.SEQ =< Last.ACK.sent.
  if (t.ts_ok && h.timestamps && s.seq <= t.last_ack_sent) t.ts_recent = h.timestamps->tsval;
  if (h.rst()) { on_rst(env, t, s); return; }
  // Fourth: a SYN in a synchronized state. RFC 9293 / RFC 5961 4: challenge ACK.
  if (s.syn) {
    if (t.state == TcpState::kSynReceived && t.passive) {
      env.closed(t, CloseReason::kReset);  // "return this connection to the LISTEN state"
      return;
    }
    challenge_ack(env, t);
    return;
  }
  if (!h.ack_set()) return;  // fifth: "if the ACK bit is off, drop the segment"
  if (!on_ack(env, t, s)) return;
  if (!on_text(env, t, s)) return;
  on_fin(env, t, s);
  // RFC 9293 3.8.6.3 lets the ACK wait (up to 0.5 s); it waits only until the handlers have run.
  env.output_after_events(t);
}

}  // namespace sluice::stack::tcp
