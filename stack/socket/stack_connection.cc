#include "stack/socket/stack_connection.h"

namespace sluice::stack {

StackConnection::StackConnection(StackTransport& t, tcp::SocketHandle h, transport::Address local,
                                 transport::Address peer, transport::ConnectionHandler* handler)
    : t_(t), h_(h), local_(local), peer_(peer), handler_(handler) {
  t_.track(this);
}

StackConnection::~StackConnection() {
  t_.untrack(this);
  // Still open: a graceful close; the TCB lives on in the layer until its close handshake ends.
  t_.tcp_.release(h_);
}

size_t StackConnection::read(BufChain& out, size_t max) { return t_.tcp_.recv(h_, out, max); }
bool StackConnection::read_eof() const { return t_.tcp_.recv_eof(h_); }
size_t StackConnection::write(BufChain& data) { return open_ ? t_.tcp_.send(h_, data) : 0; }
size_t StackConnection::write_space() const { return open_ ? t_.tcp_.send_space(h_) : 0; }
size_t StackConnection::unsent_bytes() const { return t_.tcp_.unacked_bytes(h_); }
void StackConnection::shutdown_write() { t_.tcp_.shutdown(h_); }
void StackConnection::set_nodelay(bool on) { t_.tcp_.set_nodelay(h_, on); }

void StackConnection::close() {
  if (!open_) return;
  open_ = false;
  t_.tcp_.close(h_);
}

void StackConnection::abort() {
  if (!open_) return;
  open_ = false;
  t_.tcp_.abort(h_);
}

void StackConnection::deliver_connected() {
  if (open_ && handler_) handler_->on_connected(*this);
}
void StackConnection::deliver_readable() {
  if (open_ && handler_) handler_->on_readable(*this);
}
void StackConnection::deliver_writable() {
  if (open_ && handler_) handler_->on_writable(*this);
}
void StackConnection::deliver_closed(transport::CloseReason reason) {
  if (!open_) return;
  open_ = false;
  if (handler_) handler_->on_closed(*this, reason);
}

StackListener::~StackListener() {
  t_.listeners_[h_.index] = nullptr;
  t_.tcp_.close_listener(h_);
}

}  // namespace sluice::stack
