// Small TCP vocabulary types: connection states, the 4-tuple, handles, and the two interfaces the
// TCP layer talks through (Emitter for segments out, Events for the application).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

#include "core/buf.h"
#include "core/time.h"
#include "stack/wire/tcp.h"
#include "transport/transport.h"

namespace sluice::stack::tcp {

using wire::TcpRepr;
using CloseReason = transport::CloseReason;

// RFC 9293 3.3.2.
enum class TcpState : uint8_t {
  kClosed, kListen, kSynSent, kSynReceived, kEstablished, kFinWait1, kFinWait2, kCloseWait,
  kClosing, kLastAck, kTimeWait,
};
const char* to_string(TcpState s);

// RFC 9293 3.3.2: states in which both ISNs are known.
inline bool synchronized(TcpState s) {
  return s != TcpState::kClosed && s != TcpState::kListen && s != TcpState::kSynSent;
}

// States in which data of ours may still be in flight (sent, or retransmitted, before our FIN is
// acknowledged): the retransmission timer and tail loss probes work here.
inline bool sending_state(TcpState s) {
  return s == TcpState::kEstablished || s == TcpState::kFinWait1 || s == TcpState::kCloseWait ||
         s == TcpState::kClosing || s == TcpState::kLastAck;
}

// RFC 7323 5.4: our timestamp clock, one tick per millisecond, plus a per-connection offset.
inline uint32_t ts_clock(Instant now, uint32_t offset) {
  return static_cast<uint32_t>(now.us / 1000) + offset;
}

// Addresses are IPv4 in host byte order; "local" is ours.
struct FourTuple {
  uint32_t local_ip = 0;
  uint16_t local_port = 0;
  uint32_t remote_ip = 0;
  uint16_t remote_port = 0;
  bool operator==(const FourTuple&) const = default;
};

// A socket in the layer's slab; stale handles (a reused slot) are detected by generation.
struct SocketHandle {
  uint32_t index = UINT32_MAX;
  uint32_t generation = 0;
  bool operator==(const SocketHandle&) const = default;
};

struct ListenerHandle {
  uint32_t index = UINT32_MAX;
  uint32_t generation = 0;
  bool operator==(const ListenerHandle&) const = default;
};

// Segments out. The glue builds IPv4 + TCP in an mbuf (header from hdr.emit(), checksum) and
// attaches the payload slices. `t.local_*` is the source.
class Emitter {
 public:
  virtual ~Emitter() = default;
  virtual void emit(const FourTuple& t, const TcpRepr& hdr, BufChain payload) = 0;
};

// Application events. Delivered synchronously at the end of on_segment()/poll(), after the
// layer's own processing is complete, so the callee may call any TcpLayer operation (send, recv,
// close, abort, release, connect) from inside. No event is delivered for a socket the application
// has released, nor from inside an application call (abort() does not call on_closed()).
class Events {
 public:
  virtual ~Events() = default;
  // A connection was queued on the listener; accept() it. Data or a FIN may already be waiting
  // on an accepted socket: check recv()/recv_eof() after accept().
  virtual void on_accept_ready(ListenerHandle) {}
  // An active open reached ESTABLISHED.
  virtual void on_connected(SocketHandle) {}
  // New in-order data or the peer's FIN.
  virtual void on_readable(SocketHandle) {}
  // Send space opened after send() took less than it was offered.
  virtual void on_writable(SocketHandle) {}
  // The connection is finished (both FINs exchanged: TIME-WAIT or CLOSED; or reset, timed out,
  // refused). The last event for the handle; release() it.
  virtual void on_closed(SocketHandle, CloseReason) {}
};

}  // namespace sluice::stack::tcp
