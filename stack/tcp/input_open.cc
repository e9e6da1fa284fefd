// RFC 9293 3.10.7.3 (SYN-SENT) and the handshake's option negotiation: RFC 9293 3.7.1 (MSS),
// RFC 7323 2-3 (window scale, timestamps), RFC 2018 2 (SACK-permitted); RFC 6191 (TIME-WAIT reuse).
#include <algorithm>

#include "stack/tcp/input.h"
#include "stack/tcp/output.h"
#include "stack/tcp/time_wait.h"

namespace sluice::stack::tcp {

void negotiate_options(TcbEnv& env, Tcb& t, const TcpRepr& syn) {
  const TcpParams& p = env.params();
  t.peer_mss = syn.mss.value_or(536);  // RFC 9293 3.7.1 (SHLD-5): 536 when absent
  // RFC 7323 2.2: scaling only when both sides sent the option; 2.3: shifts above 14 count as 14.
  t.ws_ok = p.window_scaling && syn.window_scale.has_value();
  if (t.ws_ok) {
    t.snd_wscale = std::min<uint8_t>(*syn.window_scale, 14);
  } else {
    t.snd_wscale = 0;
    t.rcv_wscale = 0;
  }
  // RFC 7323 3.2: timestamps only when both sides sent TSopt; TS.Recent from the SYN.
  t.ts_ok = p.timestamps && syn.timestamps.has_value();
  if (t.ts_ok) t.ts_recent = syn.timestamps->tsval;
  t.sack_ok = p.sack && syn.sack_permitted;  // RFC 2018 2
  set_effective_mss(env, t);
}

bool time_wait_reusable(const Tcb& t, const TcpRepr& syn) {
  return time_wait_reusable(t.ts_ok, t.ts_recent, t.rcv_nxt, syn);  // RFC 6191 2 (time_wait.cc)
}

void input_syn_sent(TcbEnv& env, Tcb& t, const TcpRepr& h, BufChain payload) {
  // RFC 9293 3.10.7.3 first: the ACK bit.
  bool ack_ok = false;
  if (h.ack_set()) {
    if (h.ack <= t.iss || h.ack > t.snd_max) {
      if (!h.rst()) send_rst_reply(env, t.tuple, h, 0);  // <SEQ=SEG.ACK><CTL=RST>
      return;
    }
    ack_ok = true;
  }
  // Second: the RST bit.
  if (h.rst()) {
    if (ack_ok) {
      env.mut_counters().resets_received++;
      env.closed(t, CloseReason::kRefused);  // "error: connection reset"
    }
    return;
  }
  // Fourth: the SYN bit.
  if (!h.syn()) return;
  t.irs = h.seq;
  t.rcv_nxt = h.seq + 1;
  // RCV.NXT is known only now: the (unscaled, RFC 7323 2.2) window our SYN offered starts here.
  // Left at its SYN-SENT value, the right edge would be random and the window unbounded.
  t.rcv_adv = t.rcv_nxt + std::min<uint32_t>(t.rcvbuf.free_space(), 65535);
  negotiate_options(env, t, h);
  // RFC 7323 2.2: the window of a SYN is not scaled.
  t.snd_wnd = h.window;
  t.max_snd_wnd = t.snd_wnd;
  t.snd_wl1 = h.seq;
  t.snd_wl2 = h.ack;
  if (ack_ok) {
    take_rtt_sample(env, t, h);
    t.snd_una = h.ack;
    t.rto_at = Instant::never();
    t.retransmits = 0;
    t.state = TcpState::kEstablished;
    if (t.syn_retransmitted) t.rtt.reset_after_syn_timeout();  // RFC 6298 5.7
    env.mut_counters().established++;
    env.post(EventKind::kConnected, t);
    if (t.fin_queued) t.state = TcpState::kFinWait1;
    // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (data in a SYN-ACK is not taken). "Data or controls
    // which were queued for transmission may be included": it leaves after the kConnected
    // handler, so the application's first write (an HTTP request) shares the segment.
    t.ack_now = true;
    env.output_after_events(t);
  } else {
    // Simultaneous open (RFC 9293 3.5 figure 8): <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
    t.state = TcpState::kSynReceived;
    send_syn(env, t);
  }
}

}  // namespace sluice::stack::tcp
