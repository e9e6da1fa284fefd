// The connection interface that http/, tls/ and proxy/ are written against. Two implementations:
// the userspace TCP/IP stack (stack/, the product) and Linux kernel sockets (transport/kernel/).
//
// Contract (both implementations honour it, and transport tests check it on both):
// - Everything is per worker and single-threaded: a Transport, its listeners and connections are
//   created, used and destroyed on the worker that owns them.
// - Reads and writes move Slices, never raw copies: the userspace stack hands up received payload
//   as mbuf-backed slices, and attaches written slices to outgoing mbufs where it can. A layer in
//   between (TLS) is just another ConnectionHandler/Connection pair over the same interface.
// - Events are edge-like: on_readable() fires when new data (or FIN) arrives; on_writable() fires
//   when send space opens after a write() accepted less than it was given, and once after connect.
//   read() and write() may be called at any time, not only from those callbacks.
// - on_closed() is the last callback; the handler must not destroy the Connection inside any
//   callback (use EventLoop::defer_delete).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/buf.h"
#include "core/time.h"
#include "transport/address.h"

namespace sluice::transport {

enum class CloseReason {
  kClosed,      // both directions finished normally (FIN both ways) or closed locally
  kReset,       // the peer sent RST
  kTimedOut,    // retransmissions or connect timed out
  kRefused,     // active open refused (RST to our SYN)
  kUnreachable, // no route / ARP failed
  kAborted,     // closed locally with abort()
  kError,       // any other error
};
const char* to_string(CloseReason r);

class Connection;

// Implemented by whoever consumes a connection: the HTTP session, the TLS layer, the proxy.
class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // An active open completed (connect()).
  virtual void on_connected(Connection&) {}
  // New in-order data or the peer's FIN can be read.
  virtual void on_readable(Connection&) = 0;
  // Send space opened after a short write().
  virtual void on_writable(Connection&) = 0;
  // The connection is finished; no more callbacks follow.
  virtual void on_closed(Connection&, CloseReason) = 0;
};

class Connection {
 public:
  // Destroying a connection that is still open closes it gracefully (as close()).
  virtual ~Connection() = default;
  virtual void set_handler(ConnectionHandler* h) = 0;

  // Moves up to `max` bytes of in-order received data to the end of `out`; returns how many.
  virtual size_t read(BufChain& out, size_t max = SIZE_MAX) = 0;
  // True once the peer's FIN has arrived and every byte before it has been read.
  virtual bool read_eof() const = 0;

  // Takes bytes from the front of `data` into the send queue; returns how many it took (0 when the
  // queue is full or the connection cannot send). What it did not take stays in `data`.
  virtual size_t write(BufChain& data) = 0;
  // Bytes write() would accept now.
  virtual size_t write_space() const = 0;
  // Bytes accepted by write() but not yet acknowledged by the peer (userspace) or sent (kernel).
  virtual size_t unsent_bytes() const = 0;
  // Sends FIN after everything queued.
  virtual void shutdown_write() = 0;
  // Graceful close: FIN after queued data; data that arrives afterwards is discarded.
  virtual void close() = 0;
  // Abortive close: RST, queued data dropped.
  virtual void abort() = 0;

  virtual bool is_open() const = 0;
  virtual const Address& local_address() const = 0;
  virtual const Address& peer_address() const = 0;
  virtual void set_nodelay(bool on) = 0;

  // Optional zero-copy path for file content (sendfile(2) on kernel sockets). A connection that
  // has one says so with can_send_file(); send_file() then sends up to `len` bytes of the regular
  // file `fd` from `offset`, after everything write() accepted before, and returns how many it
  // took. Less than `len` (or 0) means the socket is full and on_writable() follows, as after a
  // short write(); bytes the file no longer has (truncated under us) end the connection with an
  // error. The caller keeps `fd` open for the duration of the call only.
  virtual bool can_send_file() const { return false; }
  virtual size_t send_file(int fd, uint64_t offset, size_t len) {
    (void)fd, (void)offset, (void)len;
    return 0;
  }
};

struct ListenOptions {
  int backlog = 511;
};

class AcceptHandler {
 public:
  virtual ~AcceptHandler() = default;
  // A new passive connection; the callee owns it and must set a handler before returning.
  virtual void on_accept(std::unique_ptr<Connection> conn) = 0;
};

class Listener {
 public:
  virtual ~Listener() = default;  // stops listening
  virtual const Address& address() const = 0;
};

// One per worker. Owns that worker's listeners, connections and I/O.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual const char* name() const = 0;
  // Every worker listens on the same address (SO_REUSEPORT, or the NIC's RSS): the caller gets
  // its own Listener and its own share of the connections. nullptr and `err` set on failure.
  virtual std::unique_ptr<Listener> listen(const Address& addr, const ListenOptions& opts,
                                           AcceptHandler& handler, std::string* err) = 0;
  // Starts an active open; on_connected() or on_closed() follows. nullptr and `err` on failure.
  virtual std::unique_ptr<Connection> connect(const Address& remote, ConnectionHandler& handler,
                                              std::string* err) = 0;
  // One pass of I/O: waits at most `max_wait` (the kernel backend blocks in epoll; the userspace
  // stack polls its queue and never blocks), then dispatches callbacks.
  virtual void poll(Duration max_wait) = 0;
  // The earliest time the transport needs poll() again without new input (its own timers).
  virtual Instant next_deadline() const { return Instant::never(); }
  // Wakes a poll() blocked in another thread (control messages to the worker).
  virtual void wake() {}
  // True when no closed connection still has data to deliver or a close handshake to finish,
  // so the worker may exit without cutting a response short (graceful stop).
  virtual bool idle() const { return true; }
};

}  // namespace sluice::transport
