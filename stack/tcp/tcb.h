// The transmission control block (RFC 9293 3.3.1) and the environment the per-connection logic
// (input.cc, output.cc, timers.cc) runs in. The logic is free functions over (TcbEnv&, Tcb&): it
// reads `now` from the env, emits through it, and asks the layer for the few things a connection
// cannot do alone (queue on a listener, leave the connection table, post application events).
#pragma once
#include <memory>

#include "core/buf.h"
#include "core/time.h"
#include "stack/tcp/congestion_box.h"
#include "stack/tcp/counters.h"
#include "stack/tcp/hystart.h"
#include "stack/tcp/params.h"
#include "stack/tcp/prr.h"
#include "stack/tcp/rack.h"
#include "stack/tcp/recv_buffer.h"
#include "stack/tcp/rtt.h"
#include "stack/tcp/sack.h"
#include "stack/tcp/send_buffer.h"
#include "stack/tcp/seq.h"
#include "stack/tcp/types.h"

namespace sluice::stack::tcp {

enum class EventKind : uint8_t { kAcceptReady, kConnected, kReadable, kWritable, kClosed };

struct Tcb {
  Tcb(const TcpParams& p, const FourTuple& t)
      : tuple(t), sndbuf(p.send_buffer), rcvbuf(p.receive_buffer, p.ooo_max_blocks),
        rtt(p.rto_initial, p.rto_min, p.rto_max) {}

  TcpState state = TcpState::kClosed;
  FourTuple tuple;
  uint32_t slot = 0;          // index in the layer's slab
  uint32_t generation = 0;

  // Ownership and application-side flags.
  bool app_owned = false;     // the application holds a handle (connect() or accept())
  bool passive = false;       // created from a listener
  bool half_open = false;     // counted against the SYN backlog (passive SYN-RECEIVED)
  uint32_t listener = UINT32_MAX;
  uint32_t listener_generation = 0;
  bool queued_for_accept = false;
  bool app_closed = false;    // close(): no more reads; data arriving now draws a RST
  bool close_notified = false;
  CloseReason close_reason = CloseReason::kClosed;
  bool want_writable = false; // send() was short: post kWritable when space opens

  // Send sequence variables (RFC 9293 3.3.1) plus SND.MAX, the highest sequence sent (after an
  // RTO rewinds SND.NXT to SND.UNA, BSD-style).
  TcpSeq iss, snd_una, snd_nxt, snd_max, snd_wl1, snd_wl2;
  uint32_t snd_wnd = 0;       // scaled
  uint32_t max_snd_wnd = 0;   // largest window the peer offered (RFC 9293 3.8.6.2.1)
  bool fin_queued = false;    // the application is done sending
  bool fin_sent = false;
  TcpSeq fin_seq;             // the FIN's sequence number once sent
  SendBuffer sndbuf;

  // Receive sequence variables.
  TcpSeq irs, rcv_nxt;
  TcpSeq rcv_adv;             // right edge of the window we advertised (never moves left)
  bool fin_received = false;
  bool ooo_fin = false;       // a FIN was seen beyond a hole, at ooo_fin_seq
  TcpSeq ooo_fin_seq;
  ReceiveBuffer rcvbuf;
  // RFC 2883: a duplicate arrived; the next ACK reports it first, as a D-SACK block.
  bool dsack_pending = false;
  TcpSeq dsack_left, dsack_right;

  // Options (RFC 9293 3.7.1 MSS, RFC 7323, RFC 2018).
  uint16_t peer_mss = 536;    // RFC 9293 3.7.1: 536 when the peer sends no MSS option
  uint16_t snd_mss = 536;     // effective: data bytes per segment
  uint8_t snd_wscale = 0, rcv_wscale = 0;
  bool ws_ok = false, ts_ok = false, sack_ok = false;
  uint32_t ts_offset = 0;
  uint32_t ts_recent = 0;
  TcpSeq last_ack_sent;
  bool nodelay = true;
  bool output_deferred = false;  // in the layer's list of sockets to send for after the events

  // RTT (RFC 6298) and Karn's algorithm.
  RttEstimator rtt;
  bool rtt_timing = false;
  TcpSeq rtt_seq;
  Instant rtt_start;
  unsigned retransmits = 0;   // consecutive RTO expirations
  bool syn_retransmitted = false;

  // Congestion control and loss recovery: RFC 6675 with SACK, RFC 6582 NewReno without
  // (recovery.cc).
  CongestionBox cc;
  HyStart hystart;            // RFC 9406, the initial slow start (hystart.h)
  uint64_t rtt_samples_seen = 0;
  unsigned dupacks = 0;
  bool in_recovery = false;
  TcpSeq recover;             // RFC 6582 "recover" / RFC 6675 RecoveryPoint
  SackScoreboard scoreboard;
  Prr prr;                    // RFC 6937: what SACK recovery may send (prr.h)
  TcpSeq high_rxt;            // RFC 6675 HighRxt: one past the highest octet retransmitted
  TcpSeq rxt_mark;            // SND.MAX when the latest retransmission left
  // Spurious retransmission detection (RFC 3522 Eifel, RFC 3708 D-SACK) for an undo (RFC 4015).
  bool undo_possible = false;
  bool undo_rto = false;      // the episode began with a timeout
  bool eifel_armed = false;
  TcpSeq undo_marker;         // SND.UNA when the episode began
  uint32_t undo_retrans = 0;  // retransmissions not yet reported duplicate by D-SACK
  uint32_t retx_tsval = 0;    // TSval of the episode's first retransmission
  Instant last_data_sent = Instant::never();  // RFC 5681 4.1 restart after idle
  uint16_t pmtu_mss = UINT16_MAX;             // RFC 1191: MSS cap from the path MTU

  // RACK loss detection (RFC 8985 6, rack.h).
  Rack rack;

  // Tail loss probe (RFC 8985 7, tlp.h).
  bool pto_armed = false;     // rto_at is the probe timeout, not the retransmission timeout
  bool tlp_out = false;       // TLPRxtOut: a probe was sent and not yet answered
  TcpSeq tlp_high_seq;        // TLPHighSeq

  // Delayed ACK (RFC 9293 3.8.6.3).
  bool ack_now = false;
  bool ack_delayed = false;
  uint32_t segs_unacked = 0;

  // Timers: deadlines, never() when off.
  Instant rto_at = Instant::never();
  Instant delack_at = Instant::never();
  Instant persist_at = Instant::never();
  Instant state_at = Instant::never();      // TIME-WAIT, orphaned FIN-WAIT-2
  Instant keepalive_at = Instant::never();
  Instant reo_at = Instant::never();        // RACK's reorder timer (RFC 8985 6.3)
  unsigned persist_backoff = 0;
  unsigned persist_unanswered = 0;   // probes without any ACK in between
  unsigned keepalive_sent = 0;
  Instant scheduled = Instant::never();     // the layer's timer index key

  Instant next_deadline() const {
    Instant d = rto_at;
    for (Instant x : {delack_at, persist_at, state_at, keepalive_at, reo_at}) if (x < d) d = x;
    return d;
  }
  uint32_t flight() const { return static_cast<uint32_t>(snd_max - snd_una); }
  // The end of the data sent so far: SND.MAX, less the FIN once it is sent.
  TcpSeq sent_data_end() const { return fin_sent ? fin_seq : snd_max; }
};

class TcbEnv {
 public:
  virtual ~TcbEnv() = default;
  virtual Instant now() const = 0;
  virtual const TcpParams& params() const = 0;
  virtual TcpCounters& mut_counters() = 0;
  virtual void emit(const FourTuple& t, const TcpRepr& hdr, BufChain payload) = 0;
  virtual void post(EventKind k, Tcb& tcb) = 0;
  // A passive connection reached ESTABLISHED: queue it for accept(). False when the accept queue
  // is full (the caller then drops the ACK, RFC 9293 leaves this to the implementation).
  virtual bool enqueue_accept(Tcb& tcb) = 0;
  // The connection reached CLOSED: it leaves the table; `reason` is reported to the application
  // if it still holds the handle and was not told yet.
  virtual void closed(Tcb& tcb, CloseReason reason) = 0;
  // The per-worker bound on out-of-order bytes across connections: may `n` more be queued, and
  // a connection's queue grew or shrank by `delta`.
  virtual bool ooo_room(size_t n) const = 0;
  virtual void ooo_changed(int64_t delta) = 0;
  // Sends what the connection may send once the application has seen the events this segment
  // raised, so that what it answers (a request after the handshake, the FIN of its close after
  // the peer's) leaves in the segment that carries the ACK.
  virtual void output_after_events(Tcb& tcb) = 0;
  // The connection entered TIME-WAIT: once the application lets it go and the ACK of the peer's
  // FIN is out, the layer may keep only what TIME-WAIT needs (time_wait.h).
  virtual void entered_time_wait(Tcb& tcb) = 0;
};

// The connection's TSval now (RFC 7323 5.4).
inline uint32_t ts_now(const TcbEnv& env, const Tcb& t) { return ts_clock(env.now(), t.ts_offset); }

}  // namespace sluice::stack::tcp
