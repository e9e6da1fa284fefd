#include "stack/socket/stack_connection.h"

namespace sluice::stack {

StackConnection::StackConnection(StackTransport& t, tcp::SocketHandle h, transport::Address local,
                                 transport::Address peer, transport::ConnectionHandler* handler)
    : t_(&t), h_(h), local_(local), peer_(peer), handler_(handler) {
  t_->track(this);
}

StackConnection::~StackConnection() {
  if (!t_) return;
  close();  // still open: a graceful close, as close()
  t_->untrack(this);
  // Not handed to a lingering close (aborted, refused, or closed by the peer): the TCB lives on in
  // the layer only until its close handshake ends.
  if (owns_) t_->tcp_.release(h_);
}

size_t StackConnection::read(BufChain& out, size_t max) { return t_ ? t_->tcp_.recv(h_, out, max) : 0; }
bool StackConnection::read_eof() const { return t_ && t_->tcp_.recv_eof(h_); }
size_t StackConnection::write(BufChain& data) { return open_ ? t_->tcp_.send(h_, data) : 0; }
size_t StackConnection::write_space() const { return open_ ? t_->tcp_.send_space(h_) : 0; }
size_t StackConnection::unsent_bytes() const { return t_ ? t_->tcp_.unacked_bytes(h_) : 0; }
void StackConnection::shutdown_write() {
  if (t_) t_->tcp_.shutdown(h_);
}
void StackConnection::set_nodelay(bool on) {
  if (t_) t_->tcp_.set_nodelay(h_, on);
}

void StackConnection::close() {
  if (!open_) return;
  open_ = false;
  owns_ = !t_->begin_linger(h_);
}

void StackConnection::abort() {
  if (!open_) return;
  open_ = false;
  t_->tcp_.abort(h_);
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
  if (!t_) return;
  t_->listeners_[h_.index] = nullptr;
  t_->tcp_.close_listener(h_);
}

}  // namespace sluice::stack
