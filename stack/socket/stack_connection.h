// The application's handles on the userspace stack: a Connection over a TCP socket handle and a
// Listener over a TCP listener handle. They are thin: every operation is the TCP layer's.
#pragma once
#include "stack/socket/stack_transport.h"

namespace sluice::stack {

class StackConnection final : public transport::Connection {
 public:
  StackConnection(StackTransport& t, tcp::SocketHandle h, transport::Address local, transport::Address peer,
                  transport::ConnectionHandler* handler);
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

 private:
  StackTransport& t_;
  tcp::SocketHandle h_;
  transport::Address local_, peer_;
  transport::ConnectionHandler* handler_;
  bool open_ = true;      // no on_closed yet, and not closed by the application
};

class StackListener final : public transport::Listener {
 public:
  StackListener(StackTransport& t, tcp::ListenerHandle h, transport::Address addr, transport::AcceptHandler& a)
      : t_(t), h_(h), addr_(addr), accept_(a) {}
  ~StackListener() override;
  const transport::Address& address() const override { return addr_; }
  tcp::ListenerHandle handle() const { return h_; }
  transport::AcceptHandler& acceptor() { return accept_; }

 private:
  StackTransport& t_;
  tcp::ListenerHandle h_;
  transport::Address addr_;
  transport::AcceptHandler& accept_;
};

}  // namespace sluice::stack
