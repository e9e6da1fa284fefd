// RFC 9293 3.10.7.1 (CLOSED), 3.10.7.2 (LISTEN), 3.10.1 (OPEN), connection table, timers and
// event delivery. Socket operations are in sockets.cc.
#include "stack/tcp/layer.h"

#include <bit>
#include <algorithm>
#include <new>

#include "stack/tcp/input.h"
#include "stack/tcp/output.h"
#include "stack/tcp/timers.h"

namespace sluice::stack::tcp {

const char* to_string(TcpState s) {
  switch (s) {
    case TcpState::kClosed: return "CLOSED";
    case TcpState::kListen: return "LISTEN";
    case TcpState::kSynSent: return "SYN-SENT";
    case TcpState::kSynReceived: return "SYN-RECEIVED";
    case TcpState::kEstablished: return "ESTABLISHED";
    case TcpState::kFinWait1: return "FIN-WAIT-1";
    case TcpState::kFinWait2: return "FIN-WAIT-2";
    case TcpState::kCloseWait: return "CLOSE-WAIT";
    case TcpState::kClosing: return "CLOSING";
    case TcpState::kLastAck: return "LAST-ACK";
    case TcpState::kTimeWait: return "TIME-WAIT";
  }
  return "?";
}

TcpLayer::TcpLayer(const TcpParams& params, Emitter& emitter, Events& events)
    : params_(params), emitter_(emitter), events_(events), isn_(params.isn_key),
      cookies_(params.isn_key),
      dest_cache_(params.dest_cache_slots),
      ports_(params.ephemeral_lo, params.ephemeral_hi),
      table_(params.isn_key[0] ^ std::rotl(params.isn_key[1], 23)),
      // Entry indices carry kTimeWaitTag in the table: they must stay below it.
      time_waits_(std::min<size_t>(params.max_time_wait, kTimeWaitTag - 1)) {}

TcpLayer::~TcpLayer() {
  for (Tcb* p : spare_tcbs_) ::operator delete(p);  // memory from new_tcb()'s make_unique
}

// ---- TcbEnv

void TcpLayer::emit(const FourTuple& t, const TcpRepr& hdr, BufChain payload) {
  emitter_.emit(t, hdr, std::move(payload));
}

void TcpLayer::post(EventKind k, Tcb& t) {
  if (k == EventKind::kClosed) {
    if (t.close_notified) return;
    t.close_notified = true;
  }
  pending_.push_back({k, t.slot, t.generation, t.close_reason});
}

bool TcpLayer::enqueue_accept(Tcb& t) {
  if (t.half_open) { t.half_open = false; --half_open_; }
  Listener* l = t.listener < listeners_.size() ? &listeners_[t.listener] : nullptr;
  if (!l || !l->open || l->generation != t.listener_generation) {
    // The listener went away while the handshake ran: refuse the connection.
    send_rst(*this, t);
    closed(t, CloseReason::kAborted);
    return false;
  }
  if (l->queue.size() >= l->backlog) {
    counters_.accept_queue_drops++;
    t.half_open = true;
    ++half_open_;
    return false;
  }
  l->queue.push_back({t.slot, t.generation});
  t.queued_for_accept = true;
  pending_.push_back({EventKind::kAcceptReady, t.listener, l->generation, CloseReason::kClosed});
  return true;
}

void TcpLayer::closed(Tcb& t, CloseReason reason) {
  if (t.state == TcpState::kClosed) return;
  retire(t);
  table_.erase(t.tuple);
  counters_.closed++;
  if (t.close_reason == CloseReason::kClosed) t.close_reason = reason;
  if (t.app_owned) {
    t.close_reason = reason;
    post(EventKind::kClosed, t);
  } else {
    to_free_.push_back(t.slot);  // unaccepted or released: nobody will look at it again
  }
}

void TcpLayer::retire(Tcb& t) {
  if (t.half_open) { t.half_open = false; --half_open_; }
  t.state = TcpState::kClosed;
  remember_rtt(t);
  ooo_bytes_ -= std::min(ooo_bytes_, t.rcvbuf.out_of_order_bytes());
  t.rcvbuf.drop_out_of_order();
  t.rto_at = t.delack_at = t.persist_at = t.state_at = t.keepalive_at = t.reo_at = Instant::never();
  t.sndbuf.clear();
}

void TcpLayer::remember_rtt(const Tcb& t) {
  // RFC 9040 4.2: what this connection measured seeds the next one to the host.
  if (t.rtt.samples() > 0) dest_cache_.remember(t.tuple.remote_ip, {t.rtt.srtt(), t.rtt.rttvar()});
}

// ---- Slots, table, timers

Tcb* TcpLayer::find(SocketHandle h) const {
  if (h.index >= slots_.size()) return nullptr;
  const Slot& s = slots_[h.index];
  return s.tcb && s.generation == h.generation ? s.tcb.get() : nullptr;
}

Tcb* TcpLayer::find_app(SocketHandle h) const {
  Tcb* t = find(h);
  return t && t->app_owned ? t : nullptr;
}

Tcb& TcpLayer::new_tcb(const FourTuple& tuple, TcpState st) {
  uint32_t idx;
  if (!free_slots_.empty()) {
    idx = free_slots_.back();
    free_slots_.pop_back();
  } else {
    idx = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[idx];
  if (spare_tcbs_.empty()) {
    s.tcb = std::make_unique<Tcb>(params_, tuple);
  } else {
    Tcb* mem = spare_tcbs_.back();
    spare_tcbs_.pop_back();
    s.tcb.reset(new (mem) Tcb(params_, tuple));
  }
  Tcb& t = *s.tcb;
  t.slot = idx;
  t.generation = s.generation;
  // RFC 9040 4.2: start from what the last connection to this host measured.
  if (auto rtt = dest_cache_.lookup(tuple.remote_ip)) t.rtt.seed(rtt->srtt, rtt->rttvar);
  t.state = st;
  t.nodelay = params_.nodelay;
  const IsnGenerator::Secrets secrets = isn_.secrets(tuple, now_);
  t.iss = secrets.isn;  // RFC 6528
  t.snd_una = t.snd_nxt = t.snd_max = t.recover = t.iss;
  t.ts_offset = secrets.ts_offset;  // RFC 7323 5.4
  t.rcv_wscale = params_.window_scaling ? choose_rcv_wscale(params_.receive_buffer) : 0;
  t.cc.emplace(params_.congestion, t.snd_mss, params_.initial_cwnd_segments);
  table_.insert_or_assign(tuple, idx);
  return t;
}

void TcpLayer::release_tcb(std::unique_ptr<Tcb> t) {
  constexpr size_t kMaxSpare = 1024;  // bounds what a past burst of connections keeps
  if (spare_tcbs_.size() >= kMaxSpare) return;
  Tcb* p = t.release();
  p->~Tcb();  // what it still holds (buffers, congestion control) goes now
  spare_tcbs_.push_back(p);
}

void TcpLayer::reschedule(Tcb& t) {
  Instant d = t.state == TcpState::kClosed ? Instant::never() : t.next_deadline();
  if (d == t.scheduled) return;
  const bool in_heap = t.scheduled != Instant::never();
  t.scheduled = d;
  if (d == Instant::never()) {
    if (in_heap) timers_.erase(t.slot);
    return;
  }
  timers_.set(t.slot, d.us);
}

Instant TcpLayer::next_deadline() const {
  int64_t d = timers_.empty() ? Instant::never().us : timers_.top_key();
  // A stale front only wakes the loop early once: poll() drops it.
  if (auto tw = time_waits_.next_deadline()) d = std::min(d, *tw);
  return Instant::from_micros(d);
}

void TcpLayer::flush() {
  if (flushing_) return;
  flushing_ = true;
  // Events first, then output: what input and handlers queued leaves after every handler ran.
  while (!pending_.empty() || !deferred_output_.empty()) {
    std::vector<Pending>& batch = pending_batch_;
    batch.swap(pending_);
    for (const Pending& e : batch) {
      if (e.kind == EventKind::kAcceptReady) {
        if (e.index < listeners_.size() && listeners_[e.index].open &&
            listeners_[e.index].generation == e.generation)
          events_.on_accept_ready({e.index, e.generation});
        continue;
      }
      SocketHandle h{e.index, e.generation};
      if (!find_app(h)) continue;
      switch (e.kind) {
        case EventKind::kConnected: events_.on_connected(h); break;
        case EventKind::kReadable: events_.on_readable(h); break;
        case EventKind::kWritable: events_.on_writable(h); break;
        case EventKind::kClosed: events_.on_closed(h, e.reason); break;
        default: break;
      }
    }
    batch.clear();
    run_deferred_output();
  }
  compact_time_waits();  // after the output: the ACK of the peer's FIN has left
  for (uint32_t idx : to_free_) {
    Slot& s = slots_[idx];
    if (!s.tcb) continue;
    if (s.tcb->scheduled != Instant::never()) timers_.erase(idx);
    release_tcb(std::move(s.tcb));
    ++s.generation;
    free_slots_.push_back(idx);
  }
  to_free_.clear();
  flushing_ = false;
}

void TcpLayer::output_soon(Tcb& t) {
  if (!flushing_) {
    tcp_output(*this, t);
    reschedule(t);
    return;
  }
  // Like Linux's autocorking: what handlers queue while events are delivered goes out after them,
  // so data, the FIN of a close() and the ACK of the request share segments (RFC 9293 3.8.6.3
  // allows the ACK to wait; RFC 9293 3.10.4 lets the FIN follow the queued data).
  defer_output(t);
}

void TcpLayer::defer_output(Tcb& t) {
  if (!t.output_deferred) {
    t.output_deferred = true;
    deferred_output_.push_back({t.slot, slots_[t.slot].generation});
  }
}

void TcpLayer::run_deferred_output() {
  while (!deferred_output_.empty()) {
    std::vector<SocketHandle>& batch = output_batch_;
    batch.swap(deferred_output_);
    for (SocketHandle h : batch) {
      Tcb* t = find(h);
      if (!t || !t->output_deferred) continue;
      t->output_deferred = false;
      tcp_output(*this, *t);
      reschedule(*t);
    }
    batch.clear();
  }
}

// ---- Input

TcpLayer::Listener* TcpLayer::find_listener(uint32_t ip, uint16_t port, uint32_t* index) {
  Listener* any = nullptr;
  for (uint32_t i = 0; i < listeners_.size(); ++i) {
    Listener& l = listeners_[i];
    if (!l.open || l.port != port) continue;
    if (l.ip == ip) { *index = i; return &l; }
    if (l.ip == 0 && !any) { any = &l; *index = i; }
  }
  return any;
}

void TcpLayer::prefetch_state(const FourTuple& t) const {
  const uint32_t* value = table_.find(t);
  if (!value) return;
  if (is_time_wait(*value)) {
    __builtin_prefetch(&time_waits_.at(time_wait_index(*value)));
    return;
  }
  // The lines input_synchronized() and the send path read first: the head of the TCB.
  const char* tcb = reinterpret_cast<const char*>(slots_[*value].tcb.get());
  if (!tcb) return;
  __builtin_prefetch(tcb);
  __builtin_prefetch(tcb + 64);
  __builtin_prefetch(tcb + 128);
}

void TcpLayer::on_segment(Instant now, uint32_t src_ip, uint32_t dst_ip, const TcpRepr& h,
                          BufChain payload) {
  now_ = now;
  counters_.segments_in++;
  const FourTuple tuple{dst_ip, h.dst_port, src_ip, h.src_port};
  if (const uint32_t* value = table_.find(tuple)) {
    if (is_time_wait(*value)) {
      if (time_wait_segment(time_wait_index(*value), h, static_cast<uint32_t>(payload.size()))) {
        flush();
        return;
      }
      // Taken over by a new incarnation: the SYN goes to the listener.
    } else {
      Tcb& t = *slots_[*value].tcb;
      if (t.state == TcpState::kTimeWait && h.syn() && !h.ack_set() && !h.rst() &&
          time_wait_reusable(t, h)) {
        // RFC 6191 / RFC 9293 3.10.7.4: a new incarnation may take over the TIME-WAIT 4-tuple.
        counters_.time_wait_reuses++;
        closed(t, CloseReason::kClosed);
      } else {
        if (t.state == TcpState::kSynSent) input_syn_sent(*this, t, h, std::move(payload));
        else input_synchronized(*this, t, h, std::move(payload));
        if (params_.keepalive && t.state == TcpState::kEstablished) {
          t.keepalive_at = now_ + *params_.keepalive;
          t.keepalive_sent = 0;
        }
        reschedule(t);
        flush();
        return;
      }
    }
  }
  uint32_t li = 0;
  if (Listener* l = find_listener(dst_ip, h.dst_port, &li)) {
    listen_input(*l, li, tuple, h, payload);
  } else if (h.rst()) {
    counters_.no_socket_drops++;  // RFC 9293 3.10.7.1: "an incoming segment containing a RST
                                  // is discarded"
  } else {
    // RFC 9293 3.10.7.1: any other segment for no connection draws a RST.
    counters_.no_socket_rsts++;
    uint32_t len = static_cast<uint32_t>(payload.size()) + h.syn() + h.fin();
    send_rst_reply(*this, tuple, h, len);
  }
  flush();
}

// RFC 9293 3.10.7.2.
void TcpLayer::listen_input(Listener& l, uint32_t li, const FourTuple& tuple, const TcpRepr& h,
                            BufChain& payload) {
  if (h.rst()) return;  // "An incoming RST segment could not be valid ... ignore it"
  if (h.ack_set()) {
    // RFC 4987 3.6: the final ACK of a handshake answered with a SYN cookie.
    if (params_.syn_cookies && !h.syn() && cookie_input(l, li, tuple, h, payload)) return;
    // RFC 9293 3.10.7.2: "Any acknowledgment is bad": <SEQ=SEG.ACK><CTL=RST>.
    counters_.no_socket_rsts++;
    send_rst_reply(*this, tuple, h, 0);
    return;
  }
  if (!h.syn()) return;
  // Per-worker limits: the connection table, then the half-open (SYN-RECEIVED) backlog, past
  // which SYN cookies answer without state (RFC 4987 3.6).
  if (tcb_count() >= params_.max_connections) {
    counters_.syn_drops++;
    return;
  }
  if (half_open_ >= params_.syn_backlog) {
    if (params_.syn_cookies) send_syn_cookie(tuple, h);
    else counters_.syn_drops++;
    return;
  }
  Tcb& t = new_tcb(tuple, TcpState::kSynReceived);
  t.passive = true;
  t.listener = li;
  t.listener_generation = l.generation;
  t.half_open = true;
  ++half_open_;
  t.irs = h.seq;
  t.rcv_nxt = h.seq + 1;
  negotiate_options(*this, t, h);
  t.snd_wnd = h.window;  // RFC 7323 2.2: unscaled in a SYN
  t.snd_wl1 = h.seq;
  t.rtt_timing = true;
  t.rtt_seq = t.iss;
  t.rtt_start = now_;
  counters_.passive_opens++;
  send_syn(*this, t);  // <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>
  reschedule(t);
}

void TcpLayer::poll(Instant now) {
  now_ = now;
  // Bounded work per pass, as a receive burst is bounded.
  size_t budget = 4096;
  for (; budget > 0 && !timers_.empty(); --budget) {
    if (timers_.top_key() > now.us) break;
    uint32_t idx = timers_.top_id();
    timers_.pop();
    Tcb& t = *slots_[idx].tcb;
    t.scheduled = Instant::never();
    tcp_timers(*this, t);
    reschedule(t);
  }
  expire_time_waits(now, budget);
  flush();
}

// ---- Opens

std::optional<ListenerHandle> TcpLayer::listen(uint32_t ip, uint16_t port, unsigned backlog) {
  uint32_t existing;
  if (Listener* l = find_listener(ip, port, &existing); l && l->ip == ip) return std::nullopt;
  uint32_t idx = static_cast<uint32_t>(listeners_.size());
  for (uint32_t i = 0; i < listeners_.size(); ++i)
    if (!listeners_[i].open) { idx = i; break; }
  if (idx == listeners_.size()) listeners_.emplace_back();
  Listener& l = listeners_[idx];
  l.ip = ip;
  l.port = port;
  l.backlog = backlog;
  l.open = true;
  l.queue.clear();
  return ListenerHandle{idx, l.generation};
}

std::optional<SocketHandle> TcpLayer::accept(ListenerHandle lh) {
  if (lh.index >= listeners_.size()) return std::nullopt;
  Listener& l = listeners_[lh.index];
  if (!l.open || l.generation != lh.generation) return std::nullopt;
  while (!l.queue.empty()) {
    SocketHandle h = l.queue.front();
    l.queue.pop_front();
    Tcb* t = find(h);
    if (!t || !t->queued_for_accept) continue;
    t->queued_for_accept = false;
    if (t->state == TcpState::kClosed) continue;
    t->app_owned = true;
    return h;
  }
  return std::nullopt;
}

void TcpLayer::close_listener(ListenerHandle lh) {
  if (lh.index >= listeners_.size()) return;
  Listener& l = listeners_[lh.index];
  if (!l.open || l.generation != lh.generation) return;
  l.open = false;
  ++l.generation;
  for (SocketHandle h : l.queue) {
    Tcb* t = find(h);
    if (!t || !t->queued_for_accept || t->state == TcpState::kClosed) continue;
    send_rst(*this, *t);
    closed(*t, CloseReason::kAborted);
    reschedule(*t);
  }
  l.queue.clear();
  flush();
}

bool TcpLayer::port_usable(uint32_t local_ip, uint16_t port, uint32_t remote_ip,
                           uint16_t remote_port) {
  if (table_.contains(FourTuple{local_ip, port, remote_ip, remote_port})) return false;
  for (const Listener& l : listeners_)
    if (l.open && l.port == port && (l.ip == 0 || l.ip == local_ip)) return false;
  return true;
}

std::optional<SocketHandle> TcpLayer::connect(Instant now, uint32_t local_ip, uint32_t remote_ip,
                                              uint16_t remote_port,
                                              std::optional<uint16_t> local_port) {
  now_ = now;
  if (tcb_count() >= params_.max_connections) return std::nullopt;
  uint16_t port;
  if (local_port) {
    if (table_.contains(FourTuple{local_ip, *local_port, remote_ip, remote_port})) return std::nullopt;
    port = *local_port;
  } else {
    auto p = ports_.pick(isn_.port_hint(local_ip, remote_ip, remote_port), [&](uint16_t c) {
      return (!port_ok_ || port_ok_(c)) && port_usable(local_ip, c, remote_ip, remote_port);
    });
    if (!p) {
      counters_.port_exhaustions++;
      return std::nullopt;
    }
    port = *p;
  }
  // RFC 9293 3.10.1 OPEN (active): ISS, <SEQ=ISS><CTL=SYN>, SYN-SENT.
  Tcb& t = new_tcb(FourTuple{local_ip, port, remote_ip, remote_port}, TcpState::kSynSent);
  t.app_owned = true;
  t.rtt_timing = true;
  t.rtt_seq = t.iss;
  t.rtt_start = now_;
  counters_.active_opens++;
  send_syn(*this, t);
  reschedule(t);
  return SocketHandle{t.slot, t.generation};
}

}  // namespace sluice::stack::tcp
