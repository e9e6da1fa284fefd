// See output.h for the RFCs.
#include "stack/tcp/output.h"

#include <algorithm>
#include <utility>

#include "stack/tcp/rack.h"
#include "stack/tcp/recovery.h"
#include "stack/tcp/tlp.h"

namespace sluice::stack::tcp {
namespace flags = wire::tcp_flags;
namespace {

constexpr int kMaxSegmentsPerOutput = 64;  // bound one call's work (the loop drains the rest)

// RFC 9293 3.8.6.2.2 / RFC 7323 2.4: the window to advertise; the right edge never moves left.
uint16_t advertise(const TcbEnv& env, Tcb& t) {
  uint32_t maxw = t.ws_ok ? (65535u << t.rcv_wscale) : 65535u;
  uint32_t free_space = static_cast<uint32_t>(std::min<size_t>(t.rcvbuf.free_space(), maxw));
  int32_t cur = t.rcv_adv - t.rcv_nxt;
  uint32_t current = cur > 0 ? static_cast<uint32_t>(cur) : 0;
  uint32_t wnd = free_space;
  if (wnd > current) {
    // Receiver SWS avoidance: move the right edge only by min(RCV.BUFF / 2, MSS) or more.
    uint32_t step = std::min<uint32_t>(t.rcvbuf.capacity() / 2, env.params().mss);
    if (wnd - current < step) wnd = current;
  } else {
    wnd = current;  // never shrink
  }
  uint32_t raw = wnd >> t.rcv_wscale;
  if ((raw << t.rcv_wscale) < current) ++raw;  // rounding must not shrink the edge either
  raw = std::min<uint32_t>(raw, 65535);
  TcpSeq edge = t.rcv_nxt + (raw << t.rcv_wscale);
  if (edge > t.rcv_adv) t.rcv_adv = edge;
  return static_cast<uint16_t>(raw);
}

TcpRepr base_header(const Tcb& t, TcpSeq seq, uint8_t fl) {
  TcpRepr h;
  h.src_port = t.tuple.local_port;
  h.dst_port = t.tuple.remote_port;
  h.seq = seq;
  h.flags = fl;
  return h;
}

// A segment of a synchronized connection: ACK, window, timestamps, SACK blocks; the ACK it
// carries cancels any delayed ACK.
void emit_synced(TcbEnv& env, Tcb& t, TcpSeq seq, uint8_t fl, BufChain payload) {
  TcpRepr h = base_header(t, seq, fl | flags::kAck);
  h.ack = t.rcv_nxt;
  h.window = advertise(env, t);
  // RFC 7323 3.2: once negotiated, TSopt is in every non-RST segment; TSecr echoes TS.Recent.
  if (t.ts_ok) h.timestamps = wire::TcpTimestamps{ts_now(env, t), t.ts_recent};
  // RFC 2883 4: a D-SACK block first, in the first ACK after the duplicate only.
  size_t n = 0;
  if (std::exchange(t.dsack_pending, false)) h.sack[n++] = {t.dsack_left, t.dsack_right};
  // RFC 2018 4: SACK blocks while out-of-order data is queued.
  if (t.sack_ok && t.rcvbuf.has_out_of_order())
    n += t.rcvbuf.sack_blocks(h.sack.data() + n, h.sack.size() - n);
  h.sack_count = static_cast<uint8_t>(n);
  t.last_ack_sent = t.rcv_nxt;
  t.ack_now = t.ack_delayed = false;
  t.segs_unacked = 0;
  t.delack_at = Instant::never();
  env.mut_counters().segments_out++;
  env.mut_counters().bytes_out += payload.size();
  env.emit(t.tuple, h, std::move(payload));
}

// A data/FIN segment at `seq` from the send buffer.
void emit_data(TcbEnv& env, Tcb& t, TcpSeq seq, size_t len, bool fin) {
  size_t off = static_cast<size_t>(seq - t.snd_una);
  uint8_t fl = fin ? flags::kFin : 0;
  if (len > 0 && off + len == t.sndbuf.size()) fl |= flags::kPsh;
  if (len > 0) t.last_data_sent = env.now();
  emit_synced(env, t, seq, fl, len ? t.sndbuf.range(off, len) : BufChain{});
}

}  // namespace

uint16_t advertise_window(const TcbEnv& env, Tcb& t) { return advertise(env, t); }

uint8_t choose_rcv_wscale(uint32_t receive_buffer) {
  uint8_t s = 0;
  while (s < 14 && (receive_buffer >> s) > 65535) ++s;  // RFC 7323 2.3: at most 14
  return s;
}

void set_effective_mss(TcbEnv& env, Tcb& t) {
  // RFC 9293 3.7.1: Eff.snd.MSS = min(SendMSS + 20, MMS_S) - TCPhdrsize - IPoptionsize, where
  // our MMS_S is params.mss + 40 and the header grows by the timestamp option when negotiated.
  // RFC 1191: and no more than the path MTU allows.
  uint32_t mss = std::min<uint32_t>({t.peer_mss, env.params().mss, t.pmtu_mss});
  if (t.ts_ok) mss -= 12;
  t.snd_mss = static_cast<uint16_t>(std::max<uint32_t>(mss, 64));
  if (t.cc) t.cc->set_mss(t.snd_mss);
}

void arm_rto(TcbEnv& env, Tcb& t) {
  // RFC 8985 7.2: a probe timeout instead, where a tail loss probe may be sent; it moves with
  // every transmission (the flight it covers changes), the retransmission timer does not.
  if (t.rto_at != Instant::never() && !t.pto_armed) return;
  std::optional<Duration> pto = probe_timeout(env, t);
  t.pto_armed = pto.has_value();
  t.rto_at = env.now() + (pto ? *pto : t.rtt.rto());
}

void send_syn(TcbEnv& env, Tcb& t) {
  const TcpParams& p = env.params();
  bool synack = t.state == TcpState::kSynReceived;
  TcpRepr h = base_header(t, t.iss, flags::kSyn | (synack ? flags::kAck : 0));
  if (synack) h.ack = t.rcv_nxt;
  // RFC 7323 2.2: the window of a SYN is never scaled.
  h.window = static_cast<uint16_t>(std::min<uint32_t>(t.rcvbuf.free_space(), 65535));
  t.rcv_adv = t.rcv_nxt + h.window;
  h.mss = p.mss;  // RFC 9293 3.7.1
  // RFC 7323 2.3 / 3.2, RFC 2018 2: offered on a SYN; on a SYN-ACK only if the SYN had them.
  bool active = t.state == TcpState::kSynSent;
  if (active ? p.window_scaling : t.ws_ok) h.window_scale = t.rcv_wscale;
  if (active ? p.sack : t.sack_ok) h.sack_permitted = true;
  if (active ? p.timestamps : t.ts_ok)
    h.timestamps = wire::TcpTimestamps{ts_now(env, t), synack ? t.ts_recent : 0};
  t.last_ack_sent = t.rcv_nxt;
  t.snd_nxt = t.iss + 1;
  t.snd_max = seq_max(t.snd_max, t.snd_nxt);
  env.mut_counters().segments_out++;
  env.emit(t.tuple, h, {});
  arm_rto(env, t);
}

void send_ack(TcbEnv& env, Tcb& t) { emit_synced(env, t, t.snd_nxt, 0, {}); }

void send_rst(TcbEnv& env, Tcb& t) {
  TcpRepr h = base_header(t, t.snd_nxt, flags::kRst);
  env.mut_counters().segments_out++;
  env.mut_counters().resets_sent++;
  env.emit(t.tuple, h, {});
}

void send_rst_reply(TcbEnv& env, const FourTuple& t, const TcpRepr& seg, uint32_t seg_len) {
  TcpRepr h;
  h.src_port = t.local_port;
  h.dst_port = t.remote_port;
  if (seg.ack_set()) {
    h.seq = seg.ack;                       // <SEQ=SEG.ACK><CTL=RST>
    h.flags = flags::kRst;
  } else {
    h.seq = TcpSeq(0);                     // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
    h.ack = seg.seq + seg_len;
    h.flags = flags::kRst | flags::kAck;
  }
  env.mut_counters().segments_out++;
  env.mut_counters().resets_sent++;
  env.emit(t, h, {});
}

namespace {

// RFC 6675 / RFC 2018 8: after a timeout SND.NXT goes back to SND.UNA; SACKed ranges are skipped
// (the scoreboard is kept across the timeout, RFC 6675 5.1). Returns the bytes a segment at
// SND.NXT may carry before it runs into SACKed data.
size_t skip_sacked(Tcb& t, size_t len) {
  if (t.scoreboard.empty() || !(t.snd_nxt < t.snd_max)) return len;
  while (const SackScoreboard::Block* b = t.scoreboard.block_at(t.snd_nxt))
    t.snd_nxt = seq_min(b->right, t.snd_max);
  if (const SackScoreboard::Block* b = t.scoreboard.block_after(t.snd_nxt))
    len = std::min<size_t>(len, static_cast<uint32_t>(b->left - t.snd_nxt));
  return len;
}

// RFC 5681 4.1: "a TCP SHOULD set cwnd to no more than RW before beginning transmission if the
// TCP has not sent data in an interval exceeding the retransmission timeout".
void restart_after_idle(TcbEnv& env, Tcb& t) {
  if (t.snd_una != t.snd_max || t.last_data_sent == Instant::never()) return;
  if (env.now() - t.last_data_sent <= t.rtt.rto()) return;
  if (t.sndbuf.size() == 0) return;  // nothing to send
  env.mut_counters().idle_restarts++;
  t.cc->on_idle_restart();
  t.last_data_sent = env.now();
}

// RFC 3042 limited transmit: on the first two duplicate ACKs, new data up to cwnd + 2*SMSS.
uint32_t limited_transmit_allowance(const Tcb& t) {
  if (t.in_recovery || t.dupacks == 0 || t.dupacks >= SackScoreboard::kDupThresh) return 0;
  if (t.snd_nxt != t.snd_max) return 0;
  return t.dupacks * t.snd_mss;
}

}  // namespace

bool send_one(TcbEnv& env, Tcb& t, uint32_t wnd) {
  const size_t queued = t.sndbuf.size();
  size_t off = static_cast<size_t>(t.snd_nxt - t.snd_una);
  size_t avail = off < queued ? queued - off : 0;
  int32_t usable_s = (t.snd_una + wnd) - t.snd_nxt;
  size_t usable = usable_s > 0 ? static_cast<size_t>(usable_s) : 0;
  size_t len = skip_sacked(t, std::min({avail, usable, size_t(t.snd_mss)}));
  off = static_cast<size_t>(t.snd_nxt - t.snd_una);
  avail = off < queued ? queued - off : 0;
  len = std::min(len, avail);
  bool fin = t.fin_queued && off + len == queued && off <= queued &&
             (!t.fin_sent || t.snd_nxt + static_cast<uint32_t>(len) == t.fin_seq);
  if (len == 0 && !fin) return false;
  if (len > 0 && len < t.snd_mss && !fin && t.snd_nxt == t.snd_max) {
    if (len < avail) {
      // RFC 9293 3.8.6.2.1 sender SWS avoidance: a window-limited short segment only if it is
      // at least half the largest window the peer offered (the persist timer overrides).
      if (len < t.max_snd_wnd / 2) return false;
    } else if (!t.nodelay && t.snd_max != t.snd_una) {
      return false;  // RFC 9293 3.7.4 Nagle: hold a short segment while data is unacknowledged
    }
  }
  TcpSeq seq = t.snd_nxt;
  bool retransmission = seq < t.snd_max;
  emit_data(env, t, seq, len, fin);
  const TcpSeq end = seq + static_cast<uint32_t>(len);
  if (retransmission) {
    note_retransmission(env, t);
    rack_on_retransmit(t, seq, end);
  } else {
    rack_on_send(env, t, seq, end);
    if (!t.rtt_timing && !t.ts_ok && len > 0) {
      t.rtt_timing = true;  // RFC 6298 3: time one segment per RTT when there are no timestamps
      t.rtt_seq = seq;
      t.rtt_start = env.now();
    }
  }
  t.snd_nxt = seq + static_cast<uint32_t>(len) + (fin ? 1 : 0);
  t.snd_max = seq_max(t.snd_max, t.snd_nxt);
  if (fin && !t.fin_sent) { t.fin_sent = true; t.fin_seq = seq + static_cast<uint32_t>(len); }
  arm_rto(env, t);
  t.persist_at = Instant::never();
  return true;
}

void tcp_output(TcbEnv& env, Tcb& t) {
  switch (t.state) {
    case TcpState::kEstablished: case TcpState::kFinWait1: case TcpState::kCloseWait:
    case TcpState::kClosing: case TcpState::kLastAck:
      break;
    case TcpState::kFinWait2: case TcpState::kTimeWait: case TcpState::kSynReceived:
      if (t.ack_now) send_ack(env, t);
      return;
    default:
      return;
  }
  restart_after_idle(env, t);
  bool sent = false;
  if (t.in_recovery && t.sack_ok) {
    sent = recovery_output(env, t);  // RFC 6675 5 (C): pipe-limited
  } else {
    uint32_t wnd = std::min(t.snd_wnd, t.cc->cwnd() + limited_transmit_allowance(t));
    for (int i = 0; i < kMaxSegmentsPerOutput && send_one(env, t, wnd); ++i) sent = true;
  }
  if (!sent && t.ack_now) send_ack(env, t);
  // RFC 9293 3.8.6.1: data waits, nothing is in flight to bring an ACK: the persist timer
  // probes the window (and overrides sender SWS avoidance).
  const size_t queued = t.sndbuf.size();
  size_t off = static_cast<size_t>(t.snd_nxt - t.snd_una);
  bool waiting = off < queued;
  if (waiting && t.snd_max == t.snd_una && t.rto_at == Instant::never() &&
      t.persist_at == Instant::never()) {
    Duration d = t.rtt.rto();
    for (unsigned i = 0; i < t.persist_backoff && d < env.params().persist_max; ++i) d = d * 2;
    t.persist_at = env.now() + std::min(d, env.params().persist_max);
  }
}

void note_retransmission(TcbEnv& env, Tcb& t) {
  env.mut_counters().retransmitted_segments++;
  t.rtt_timing = false;  // Karn
  if (t.undo_possible) ++t.undo_retrans;
}

uint32_t retransmit_range(TcbEnv& env, Tcb& t, TcpSeq seq, uint32_t max_len) {
  // A retransmission resends what was sent, nothing past SND.MAX: the bytes queued behind it are
  // new data, for send_one() and the window (with a zero window the timeout would otherwise
  // push unsent bytes and leave SND.NXT beyond SND.MAX).
  const TcpSeq data_end = t.sent_data_end();
  if (data_end < seq) return 0;
  size_t sent = static_cast<size_t>(data_end - seq);
  size_t queued = t.sndbuf.size();
  size_t off = static_cast<size_t>(seq - t.snd_una);
  size_t len = off < queued ? std::min<size_t>({queued - off, sent, max_len, t.snd_mss}) : 0;
  bool fin = t.fin_sent && seq + static_cast<uint32_t>(len) == t.fin_seq;
  if (len == 0 && !fin) return 0;
  emit_data(env, t, seq, len, fin);
  note_retransmission(env, t);
  rack_on_retransmit(t, seq, seq + static_cast<uint32_t>(len));
  return static_cast<uint32_t>(len) + (fin ? 1 : 0);
}

void retransmit_first(TcbEnv& env, Tcb& t) {
  uint32_t n = retransmit_range(env, t, t.snd_una, t.snd_mss);
  TcpSeq end = t.snd_una + n;
  if (t.snd_nxt < end) t.snd_nxt = end;
}

void send_probe(TcbEnv& env, Tcb& t) {
  size_t queued = t.sndbuf.size();
  size_t off = static_cast<size_t>(t.snd_nxt - t.snd_una);
  if (off >= queued) return;
  int32_t usable_s = (t.snd_una + t.snd_wnd) - t.snd_nxt;
  size_t len = std::min<size_t>({queued - off, size_t(t.snd_mss),
                                 size_t(std::max<int32_t>(usable_s, 1))});
  TcpSeq seq = t.snd_nxt;
  emit_data(env, t, seq, len, false);
  if (t.snd_max <= seq) rack_on_send(env, t, seq, seq + static_cast<uint32_t>(len));
  env.mut_counters().persist_probes++;
  t.snd_nxt = seq + static_cast<uint32_t>(len);
  t.snd_max = seq_max(t.snd_max, t.snd_nxt);
}

void send_keepalive(TcbEnv& env, Tcb& t) {
  env.mut_counters().keepalive_probes++;
  emit_synced(env, t, t.snd_una - 1, 0, {});
}

bool window_update_due(const TcbEnv& env, const Tcb& t) {
  if (!synchronized(t.state) || t.state == TcpState::kTimeWait || t.fin_received) return false;
  uint32_t maxw = t.ws_ok ? (65535u << t.rcv_wscale) : 65535u;
  uint32_t free_space = static_cast<uint32_t>(std::min<size_t>(t.rcvbuf.free_space(), maxw));
  int32_t cur = t.rcv_adv - t.rcv_nxt;
  uint32_t current = cur > 0 ? static_cast<uint32_t>(cur) : 0;
  uint32_t step = std::min<uint32_t>(t.rcvbuf.capacity() / 2, env.params().mss);
  return free_space > current && free_space - current >= step;
}

}  // namespace sluice::stack::tcp
