// The layer's side of SYN cookies (RFC 4987 3.6): a stateless SYN-ACK when the SYN backlog is
// full, and the connection built from a final ACK whose cookie validates. The encoding is in
// syncookie.cc.
#include <algorithm>

#include "stack/tcp/input.h"
#include "stack/tcp/layer.h"
#include "stack/tcp/output.h"

namespace sluice::stack::tcp {
namespace flags = wire::tcp_flags;

void TcpLayer::send_syn_cookie(const FourTuple& tuple, const TcpRepr& syn) {
  // What a cookie can keep: the MSS always; window scale and SACK only with timestamps.
  SynCookies::Options o;
  o.mss = syn.mss.value_or(536);  // RFC 9293 3.7.1
  o.timestamps = params_.timestamps && syn.timestamps.has_value();
  if (o.timestamps && params_.window_scaling && syn.window_scale) o.wscale = *syn.window_scale;
  o.sack = o.timestamps && params_.sack && syn.sack_permitted;
  uint32_t iss = cookies_.make(tuple, syn.seq, now_, o);
  // <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, as send_syn() would build it.
  TcpRepr h;
  h.src_port = tuple.local_port;
  h.dst_port = tuple.remote_port;
  h.seq = TcpSeq(iss);
  h.ack = syn.seq + 1;
  h.flags = flags::kSyn | flags::kAck;
  h.window = static_cast<uint16_t>(std::min<uint32_t>(params_.receive_buffer, 65535));
  h.mss = params_.mss;
  if (o.wscale) h.window_scale = choose_rcv_wscale(params_.receive_buffer);
  h.sack_permitted = o.sack;
  if (o.timestamps) {
    uint32_t ts = ts_clock(now_, isn_.ts_offset(tuple));
    h.timestamps = wire::TcpTimestamps{
        SynCookies::encode_tsval(ts, SynCookies::option_bits(o)), syn.timestamps->tsval};
  }
  counters_.syn_cookies_sent++;
  counters_.segments_out++;
  last_cookie_at_ = now_;
  emitter_.emit(tuple, h, {});
}

bool TcpLayer::cookie_input(Listener& l, uint32_t li, const FourTuple& tuple, const TcpRepr& h,
                            BufChain& payload) {
  // Only while cookies may be outstanding (RFC 4987 3.6 leaves when to check to us; Linux does
  // the same): otherwise a bare ACK to a listener is simply answered with a RST.
  if (last_cookie_at_ == Instant::never() ||
      now_ - last_cookie_at_ > SynCookies::kPeriod * (SynCookies::kMaxAge + 1))
    return false;
  bool ts = h.timestamps.has_value();
  auto o = cookies_.check(tuple, h.seq - 1, h.ack.raw() - 1, now_, ts,
                          ts ? h.timestamps->tsecr : 0);
  if (!o) {
    counters_.syn_cookies_rejected++;
    return false;
  }
  if (tcb_count() >= params_.max_connections) {
    counters_.syn_drops++;
    return true;  // dropped: the peer retransmits
  }
  counters_.syn_cookies_accepted++;
  counters_.passive_opens++;
  // The TCB a SYN-RECEIVED connection would have had; the ACK then completes it as usual.
  Tcb& t = new_tcb(tuple, TcpState::kSynReceived);
  t.passive = true;
  t.listener = li;
  t.listener_generation = l.generation;
  t.iss = h.ack - 1;
  t.snd_una = t.recover = t.high_rxt = t.iss;
  t.snd_nxt = t.snd_max = t.iss + 1;
  t.irs = h.seq - 1;
  t.rcv_nxt = h.seq;
  t.peer_mss = o->mss;
  t.ws_ok = o->wscale.has_value();
  t.snd_wscale = t.ws_ok ? *o->wscale : 0;
  if (!t.ws_ok) t.rcv_wscale = 0;
  t.sack_ok = o->sack;
  t.ts_ok = o->timestamps;
  if (t.ts_ok) t.ts_recent = h.timestamps->tsval;
  set_effective_mss(*this, t);
  t.rcv_adv = t.rcv_nxt + std::min<uint32_t>(params_.receive_buffer, 65535);
  t.last_ack_sent = t.rcv_nxt;
  input_synchronized(*this, t, h, std::move(payload));
  if (t.state == TcpState::kSynReceived) closed(t, CloseReason::kAborted);  // accept queue full
  reschedule(t);
  return true;
}

}  // namespace sluice::stack::tcp
