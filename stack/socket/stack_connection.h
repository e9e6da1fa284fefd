// The application's handles on the userspace stack: a Connection over a TCP socket handle and a
// Listener over a TCP listener handle. They are thin: every operation is the TCP layer's.
// Both are safe to use after their transport is gone (it detaches them): they are then closed.
// close() is a lingering close: the transport keeps the socket after the handle lets go of it
// (StackTransport::begin_linger).
#pragma once
#include "stack/socket/stack_transport.h"

namespace sluice::stack {

class StackConnection final : public transport::Connection {
 public:
  StackConnection(StackTransport& t, tcp::SocketHandle h, transport::Address local, transport::Address peer,
                  transport::ConnectionHandler* handler);
  StackConnection(const StackConnection&) = delete;
  StackConnection& operator=(const StackConnection&) = delete;
  ~StackConnection() override;

  void set_handler(transport::ConnectionHandler* h) override { handler_ = h; }
  size_t read(BufChain& out, size_t max) override;
  bool read_eof() const override;
  size_t write(BufChain& data) override;
  size_t write_space() const override;
  size_t unsent_bytes() const override;
  void shutdown_write() override;
  void close() override;
  void abort() override;
  bool is_open() const override { return open_; }
  const transport::Address& local_address() const override { return local_; }
  const transport::Address& peer_address() const override { return peer_; }
  void set_nodelay(bool on) override;

  tcp::SocketHandle handle() const { return h_; }
  // Event delivery from the transport; nothing is delivered once the application closed it.
  void deliver_connected();
  void deliver_readable();
  void deliver_writable();
  void deliver_closed(transport::CloseReason reason);
  // The transport is going away: every later call is a no-op.
  void detach() { t_ = nullptr; open_ = false; }

 private:
  StackTransport* t_;     // null once detached
  tcp::SocketHandle h_;
  transport::Address local_, peer_;
  transport::ConnectionHandler* handler_;
  bool open_ = true;      // no on_closed yet, and not closed by the application
  bool owns_ = true;      // the socket is still ours to release (not handed to a lingering close)
};

class StackListener final : public transport::Listener {
 public:
  StackListener(StackTransport& t, tcp::ListenerHandle h, transport::Address addr, transport::AcceptHandler& a)
      : t_(&t), h_(h), addr_(addr), accept_(a) {}
  StackListener(const StackListener&) = delete;
  StackListener& operator=(const StackListener&) = delete;
  ~StackListener() override;
  const transport::Address& address() const override { return addr_; }
  tcp::ListenerHandle handle() const { return h_; }
  transport::AcceptHandler& acceptor() { return accept_; }
  void detach() { t_ = nullptr; }

 private:
  StackTransport* t_;     // null once detached
  tcp::ListenerHandle h_;
  transport::Address addr_;
  transport::AcceptHandler& accept_;
};

}  // namespace sluice::stack
