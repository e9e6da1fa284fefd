// See timers.h for the RFCs.
#include "stack/tcp/timers.h"

#include <algorithm>
#include <utility>

#include "stack/tcp/output.h"
#include "stack/tcp/recovery.h"
#include "stack/tcp/tlp.h"

namespace sluice::stack::tcp {
namespace {

void on_rto(TcbEnv& env, Tcb& t) {
  if (t.snd_una == t.snd_max) return;  // nothing outstanding
  env.mut_counters().timeouts++;
  ++t.retransmits;
  t.tlp_out = false;  // the timeout takes over from an unanswered probe (RFC 8985 7.3)
  bool handshake = t.state == TcpState::kSynSent || t.state == TcpState::kSynReceived;
  unsigned limit = handshake ? env.params().syn_retries : env.params().max_retransmits;
  if (t.retransmits > limit) {
    // RFC 9293 3.8.3 R2 / RFC 1122 4.2.3.5: give up and close.
    env.mut_counters().connection_timeouts++;
    env.closed(t, CloseReason::kTimedOut);
    return;
  }
  t.rtt.backoff();       // RFC 6298 5.5
  t.rtt_timing = false;  // Karn
  if (handshake) {
    t.syn_retransmitted = true;
    env.mut_counters().retransmitted_segments++;
    send_syn(env, t);    // arms the timer again (RFC 6298 5.6)
    return;
  }
  // The window and recovery state (recovery.cc); then go back to SND.UNA and resend from there
  // as ACKs return, skipping SACKed ranges.
  recovery_on_rto(env, t);
  retransmit_first(env, t);  // RFC 6298 5.4 (regardless of the window: it also probes it)
  arm_rto(env, t);           // RFC 6298 5.6
}

void on_persist(TcbEnv& env, Tcb& t) {
  if (!sending_state(t.state)) return;
  size_t off = static_cast<size_t>(t.snd_nxt - t.snd_una);
  if (off >= t.sndbuf.size()) return;
  if (++t.persist_unanswered > env.params().max_retransmits) {
    env.mut_counters().connection_timeouts++;
    env.closed(t, CloseReason::kTimedOut);
    return;
  }
  send_probe(env, t);
  if (t.snd_wnd > 0) {
    // An SWS override into a small open window: ordinary retransmission covers it now.
    arm_rto(env, t);
    return;
  }
  // RFC 9293 3.8.6.1 (SHLD-30): back off exponentially between probes.
  ++t.persist_backoff;
  Duration d = t.rtt.rto();
  for (unsigned i = 0; i < t.persist_backoff && d < env.params().persist_max; ++i) d = d * 2;
  t.persist_at = env.now() + std::min(d, env.params().persist_max);
}

void on_keepalive(TcbEnv& env, Tcb& t) {
  const TcpParams& p = env.params();
  if (!p.keepalive || t.state != TcpState::kEstablished) return;
  if (t.flight() > 0 || t.sndbuf.size() > 0) {  // data is moving: the RTO watches the peer
    t.keepalive_at = env.now() + *p.keepalive;
    return;
  }
  if (t.keepalive_sent >= p.keepalive_probes) {
    env.mut_counters().connection_timeouts++;
    env.closed(t, CloseReason::kTimedOut);
    return;
  }
  ++t.keepalive_sent;
  send_keepalive(env, t);
  t.keepalive_at = env.now() + p.keepalive_interval;
}

}  // namespace

void tcp_timers(TcbEnv& env, Tcb& t) {
  const Instant now = env.now();
  if (t.state_at <= now) {
    t.state_at = Instant::never();
    if (t.state == TcpState::kTimeWait || t.state == TcpState::kFinWait2) {
      env.closed(t, CloseReason::kClosed);  // 2*MSL over / orphan FIN-WAIT-2 timeout
      return;
    }
  }
  if (t.rto_at <= now) {
    t.rto_at = Instant::never();
    if (std::exchange(t.pto_armed, false)) on_probe_timeout(env, t);
    else on_rto(env, t);
    if (t.state == TcpState::kClosed) return;
  }
  if (t.reo_at <= now) {
    t.reo_at = Instant::never();
    recovery_on_reorder_timeout(env, t);
    if (t.state == TcpState::kClosed) return;
  }
  if (t.persist_at <= now) {
    t.persist_at = Instant::never();
    on_persist(env, t);
    if (t.state == TcpState::kClosed) return;
  }
  if (t.keepalive_at <= now) {
    t.keepalive_at = Instant::never();
    on_keepalive(env, t);
    if (t.state == TcpState::kClosed) return;
  }
  if (t.delack_at <= now) {
    t.delack_at = Instant::never();
    if (t.ack_delayed) {
      env.mut_counters().delayed_acks++;
      t.ack_now = true;
    }
  }
  if (t.ack_now) tcp_output(env, t);
}

}  // namespace sluice::stack::tcp
