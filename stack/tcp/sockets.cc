// The application's side of a connection: RFC 9293 3.10.2 SEND, 3.10.3 RECEIVE, 3.10.4 CLOSE,
// 3.10.5 ABORT, 3.10.6 STATUS, plus the window update after a read (3.8.6.2.2).
#include <algorithm>

#include "stack/tcp/layer.h"
#include "stack/tcp/output.h"

namespace sluice::stack::tcp {
namespace {

bool can_queue_data(const Tcb& t) {
  // RFC 9293 3.10.2: SEND is queued in SYN-SENT / SYN-RECEIVED, sent in ESTABLISHED and
  // CLOSE-WAIT; after a CLOSE it is an error.
  switch (t.state) {
    case TcpState::kSynSent: case TcpState::kSynReceived: case TcpState::kEstablished:
    case TcpState::kCloseWait:
      return !t.fin_queued;
    default:
      return false;
  }
}

}  // namespace

size_t TcpLayer::send(SocketHandle h, BufChain& data) {
  Tcb* t = find_app(h);
  if (!t || !can_queue_data(*t) || data.empty()) return 0;
  size_t offered = data.size();
  size_t n = t->sndbuf.push(data);
  if (n < offered) t->want_writable = true;
  output_soon(*t);
  flush();
  return n;
}

size_t TcpLayer::send_space(SocketHandle h) const {
  const Tcb* t = find_app(h);
  return t && can_queue_data(*t) ? t->sndbuf.space() : 0;
}

size_t TcpLayer::recv(SocketHandle h, BufChain& out, size_t max) {
  Tcb* t = find_app(h);
  if (!t || t->app_closed) return 0;
  size_t n = t->rcvbuf.read(out, max);
  // RFC 9293 3.8.6.2.2: announce the window when it grew by min(RCV.BUFF / 2, MSS) or more.
  // From a handler it rides on the answer, if one follows (output_soon).
  if (n > 0 && window_update_due(*this, *t)) {
    t->ack_now = true;
    output_soon(*t);
  }
  return n;
}

size_t TcpLayer::readable(SocketHandle h) const {
  const Tcb* t = find_app(h);
  return t ? t->rcvbuf.readable() : 0;
}

bool TcpLayer::recv_eof(SocketHandle h) const {
  const Tcb* t = find_app(h);
  if (!t) return true;
  return t->rcvbuf.readable() == 0 && (t->fin_received || t->state == TcpState::kClosed);
}

void TcpLayer::shutdown(SocketHandle h) {
  Tcb* t = find_app(h);
  if (!t || t->fin_queued) return;
  // RFC 9293 3.10.4 CLOSE (the sending half).
  switch (t->state) {
    case TcpState::kSynSent:
    case TcpState::kSynReceived:
      t->fin_queued = true;  // carried out on entering ESTABLISHED
      return;
    case TcpState::kEstablished:
      t->fin_queued = true;
      t->state = TcpState::kFinWait1;
      break;
    case TcpState::kCloseWait:
      t->fin_queued = true;
      t->state = TcpState::kLastAck;
      break;
    default:
      return;
  }
  output_soon(*t);
  flush();
}

void TcpLayer::close(SocketHandle h) {
  Tcb* t = find_app(h);
  if (!t || t->app_closed) return;
  if (t->state == TcpState::kSynSent) {  // RFC 9293 3.10.4: "delete the TCB"
    t->close_notified = true;
    closed(*t, CloseReason::kClosed);
    reschedule(*t);
    flush();
    return;
  }
  if (t->rcvbuf.readable() > 0 && synchronized(t->state) && t->state != TcpState::kTimeWait) {
    // RFC 2525 2.17 (and Linux): closing with unread data resets the connection.
    abort(h);
    return;
  }
  t->app_closed = true;
  remember_rtt(*t);  // its measurements are final enough for the next connection to the host
  if (t->state == TcpState::kFinWait2) t->state_at = now_ + params_.fin_wait2_timeout;
  shutdown(h);
  reschedule(*t);
  flush();
}

void TcpLayer::abort(SocketHandle h) {
  Tcb* t = find_app(h);
  if (!t || t->state == TcpState::kClosed) return;
  // RFC 9293 3.10.5 ABORT: RST in the synchronized states that still talk to the peer.
  switch (t->state) {
    case TcpState::kSynReceived: case TcpState::kEstablished: case TcpState::kFinWait1:
    case TcpState::kFinWait2: case TcpState::kCloseWait:
      send_rst(*this, *t);
      break;
    default:
      break;
  }
  t->close_notified = true;  // the application asked for it: no on_closed
  closed(*t, CloseReason::kAborted);
  reschedule(*t);
  flush();
}

void TcpLayer::release(SocketHandle h) {
  Tcb* t = find_app(h);
  if (!t) return;
  if (t->state != TcpState::kClosed && !t->app_closed) close(h);
  t = find_app(h);
  if (!t) return;
  t->app_owned = false;
  if (t->state == TcpState::kClosed) to_free_.push_back(t->slot);
  if (t->state == TcpState::kTimeWait) to_compact_.push_back(h);  // becomes an entry (time_wait.h)
  flush();
}

TcpState TcpLayer::state(SocketHandle h) const {
  const Tcb* t = find(h);
  return t ? t->state : TcpState::kClosed;
}

void TcpLayer::set_nodelay(SocketHandle h, bool on) {
  Tcb* t = find_app(h);
  if (!t) return;
  t->nodelay = on;
  if (on) {
    // What Nagle held back may leave now; from a handler, with what the handler queues next
    // (a client sets TCP_NODELAY in its connected handler, then writes its request).
    output_soon(*t);
    flush();
  }
}

size_t TcpLayer::unacked_bytes(SocketHandle h) const {
  const Tcb* t = find_app(h);
  return t ? t->sndbuf.size() : 0;
}

std::optional<FourTuple> TcpLayer::four_tuple(SocketHandle h) const {
  const Tcb* t = find(h);
  if (!t) return std::nullopt;
  return t->tuple;
}

size_t TcpLayer::busy_connection_count() const {
  size_t n = 0;
  table_.for_each_slot([&](uint32_t slot) {
    if (is_time_wait(slot)) return;
    TcpState st = slots_[slot].tcb->state;
    if (st != TcpState::kTimeWait && st != TcpState::kClosed) ++n;
  });
  return n;
}

TcpLayer::BufferTotals TcpLayer::buffer_totals() const {
  BufferTotals b;
  table_.for_each_slot([&](uint32_t slot) {
    if (is_time_wait(slot)) return;
    const Tcb& t = *slots_[slot].tcb;
    b.send += t.sndbuf.size();
    b.receive += t.rcvbuf.readable();
    b.receive_max = std::max(b.receive_max, t.rcvbuf.readable());
    ++b.connections;
  });
  b.out_of_order = ooo_bytes_;
  return b;
}

}  // namespace sluice::stack::tcp
