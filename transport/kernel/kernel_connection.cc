#include "transport/kernel/kernel_connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "transport/kernel/socket_ops.h"

namespace sluice::transport::kernel {
namespace {

const Address kNoAddress{};

bool would_block(int e) { return e == EAGAIN || e == EWOULDBLOCK; }

}  // namespace

ConnState::ConnState(Reactor& r, int fd, Phase phase, const Address& peer)
    : r_(r), fd_(fd), phase_(phase), peer_(peer),
      // Flush timeout: the peer took nothing for too long, drop the queue with RST.
      // Linger timeout: the peer never sent FIN; close anyway.
      close_timer_([this](Instant) { close_fd(!shut_done_); }) {}

ConnState::~ConnState() { shutdown_now(); }

void ConnState::shutdown_now() {
  handler_ = nullptr;
  app_done_ = true;
  close_fd(false);
  if (handle_) {
    handle_->s_ = nullptr;
    handle_ = nullptr;
  }
}

void ConnState::release_handle() {
  handle_ = nullptr;
  if (is_open()) close();
  handler_ = nullptr;
  app_done_ = true;
  r_.retire(*this);
}

// --- events -------------------------------------------------------------------------------------

void ConnState::on_events(uint32_t ev) {
  if (fd_ < 0) return;
  if (phase_ == Phase::kConnecting) {
    if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    finish_connect(ev);
    if (phase_ != Phase::kOpen) return;
  }
  if (ev & EPOLLERR) {
    on_error();
    return;
  }
  if (ev & (EPOLLRDHUP | EPOLLHUP)) peer_fin_hint_ = true;
  if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) {
    if (phase_ == Phase::kOpen) notify_readable();
    else if (phase_ == Phase::kClosing) discard_input();
  }
  if ((ev & EPOLLOUT) && (phase_ == Phase::kOpen || phase_ == Phase::kClosing)) on_send_space();
}

void ConnState::on_posted() {
  if (post_connected_) {
    post_connected_ = false;
    if (phase_ == Phase::kConnecting) finish_connect(EPOLLOUT);
  }
  if (post_readable_) {
    post_readable_ = false;
    if (phase_ == Phase::kOpen) notify_readable();
  }
  if (post_discard_) {
    post_discard_ = false;
    if (phase_ == Phase::kClosing) discard_input();
  }
  if (post_closed_) {
    CloseReason reason = *post_closed_;
    post_closed_.reset();
    ConnectionHandler* h = handler_;
    handler_ = nullptr;  // on_closed() is the last callback
    app_done_ = true;
    if (h && handle_) h->on_closed(*handle_, reason);
  }
}

void ConnState::finish_connect(uint32_t ev) {
  int e = take_socket_error(fd_);
  if (e == 0 && !(ev & EPOLLOUT)) e = ECONNABORTED;  // HUP without error and without writability
  if (e != 0) {
    finish(e);
    return;
  }
  phase_ = Phase::kOpen;
  ++r_.counters().connected;
  if (handler_ && handle_) handler_->on_connected(*handle_);
  notify_writable();
}

void ConnState::on_error() {
  int e = take_socket_error(fd_);
  if (e == 0) e = EIO;
  if (phase_ == Phase::kOpen) {
    finish(e);
  } else {
    count_failure(e);
    close_fd(false);
  }
}

void ConnState::notify_readable() {
  if (handler_ && handle_) handler_->on_readable(*handle_);
}

void ConnState::notify_writable() {
  want_writable_ = false;
  if (phase_ == Phase::kOpen && handler_ && handle_) handler_->on_writable(*handle_);
}

void ConnState::post_connected() {
  post_connected_ = true;
  r_.post(*this);
}

// --- reading ------------------------------------------------------------------------------------

size_t ConnState::read(BufChain& out, size_t max) {
  if (phase_ != Phase::kOpen || eof_) return 0;
  const KernelOptions& o = r_.options();
  size_t got = 0;
  while (got < max) {
    if (got >= o.read_batch) {  // leave the rest for the next poll so one peer can't hog it
      post_readable_ = true;
      r_.post(*this);
      break;
    }
    size_t want = std::min(r_.read_area_size(), max - got);
    ssize_t n = ::recv(fd_, r_.read_area(), want, 0);
    if (n > 0) {
      out.append(r_.take_read(size_t(n)));
      got += size_t(n);
      // A short read drained the socket; later data raises a new edge. Only a FIN doesn't, so
      // once epoll hinted at one, read on until recv() says 0.
      if (size_t(n) < want && !peer_fin_hint_) break;
      continue;
    }
    if (n == 0) {
      eof_ = true;
      if (shut_done_) finish(0);  // FIN both ways
      break;
    }
    if (errno == EINTR) continue;
    if (!would_block(errno)) finish(errno);
    break;
  }
  r_.counters().bytes_in += got;
  return got;
}

void ConnState::discard_input() {
  const KernelOptions& o = r_.options();
  size_t total = 0;
  while (fd_ >= 0) {
    if (total >= o.read_batch) {
      post_discard_ = true;
      r_.post(*this);
      break;
    }
    ssize_t n = ::recv(fd_, r_.read_area(), r_.read_area_size(), 0);
    if (n > 0) {
      total += size_t(n);
      continue;
    }
    if (n == 0) {
      eof_ = true;
      if (shut_done_) close_fd(false);
      break;
    }
    if (errno == EINTR) continue;
    if (!would_block(errno)) {
      count_failure(errno);
      close_fd(false);
    }
    break;
  }
  r_.counters().bytes_in += total;
}

// --- writing ------------------------------------------------------------------------------------

size_t ConnState::write(BufChain& data) {
  if (phase_ != Phase::kOpen || shut_requested_ || data.empty()) return 0;
  size_t before = data.size();
  if (queue_.empty()) {
    if (int e = send_from(data)) {
      finish(e);
      return before - data.size();
    }
  }
  queue_.append(data.split_front(std::min(write_space(), data.size())));
  if (!data.empty()) want_writable_ = true;
  return before - data.size();
}

size_t ConnState::write_space() const {
  size_t limit = r_.options().send_queue_limit;
  if (phase_ != Phase::kOpen || shut_requested_ || queue_.size() >= limit) return 0;
  return limit - queue_.size();
}

// Sends from the front of `c` until it is empty or the kernel takes no more, consuming what went
// out. 0, or the errno that stopped it (not EAGAIN).
int ConnState::send_from(BufChain& c) {
  iovec* iov = r_.iov();
  while (!c.empty()) {
    size_t count = 0, bytes = 0;
    for (const Slice& s : c.slices()) {
      if (count == Reactor::kMaxIov) break;
      iov[count].iov_base = const_cast<uint8_t*>(s.data());
      iov[count].iov_len = s.size();
      bytes += s.size();
      ++count;
    }
    msghdr m{};
    m.msg_iov = iov;
    m.msg_iovlen = count;
    ssize_t n = ::sendmsg(fd_, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      return would_block(errno) ? 0 : errno;
    }
    c.consume(size_t(n));
    r_.counters().bytes_out += size_t(n);
    if (size_t(n) < bytes) return 0;  // the kernel is full; EPOLLOUT follows when it drains
  }
  return 0;
}

void ConnState::on_send_space() {
  if (!queue_.empty()) {
    if (int e = send_from(queue_)) {
      if (phase_ == Phase::kOpen) {
        finish(e);
      } else {
        count_failure(e);
        close_fd(false);
      }
      return;
    }
  }
  shutdown_when_flushed();
  if (fd_ >= 0 && want_writable_ && queue_.size() <= r_.options().send_queue_limit / 2)
    notify_writable();
}

void ConnState::shutdown_write() {
  if (phase_ != Phase::kOpen || shut_requested_) return;
  shut_requested_ = true;
  want_writable_ = false;
  shutdown_when_flushed();
}

void ConnState::shutdown_when_flushed() {
  if (!shut_requested_ || shut_done_ || !queue_.empty() || fd_ < 0) return;
  ::shutdown(fd_, SHUT_WR);  // an error here shows up as the next event's error
  shut_done_ = true;
  if (phase_ == Phase::kClosing) begin_linger();
  else if (eof_) finish(0);
}

// --- closing ------------------------------------------------------------------------------------

void ConnState::close() {
  handler_ = nullptr;
  app_done_ = true;
  want_writable_ = false;
  if (phase_ == Phase::kConnecting) {
    close_fd(false);
  } else if (phase_ == Phase::kOpen) {
    phase_ = Phase::kClosing;
    r_.loop().arm(close_timer_, r_.options().close_flush_timeout);
    shut_requested_ = true;
    if (shut_done_) begin_linger();  // shutdown_write() already sent the FIN
    else shutdown_when_flushed();
  }
}

// nginx's lingering close: after our FIN, read and drop what the peer still sends until its FIN,
// so closing with unread data doesn't make the kernel answer with RST and destroy our last bytes.
void ConnState::begin_linger() {
  if (eof_) {
    close_fd(false);
    return;
  }
  r_.loop().arm(close_timer_, r_.options().linger_timeout);
  discard_input();
}

void ConnState::abort() {
  handler_ = nullptr;
  app_done_ = true;
  want_writable_ = false;
  close_fd(true);
}

void ConnState::fail_later(int err) { finish(err); }

// The connection ended while the app owns it: close now, tell the app in the next poll.
void ConnState::finish(int err) {
  count_failure(err);
  close_fd(false);
  if (handler_) {
    post_closed_ = reason_for_errno(err);
    r_.post(*this);
  }
}

void ConnState::count_failure(int err) {
  CloseReason reason = reason_for_errno(err);
  if (reason == CloseReason::kReset) ++r_.counters().reset;
  else if (reason != CloseReason::kClosed) ++r_.counters().errors;
}

void ConnState::close_fd(bool reset) {
  if (fd_ < 0) return;
  if (reset) set_linger_zero(fd_);
  ::close(fd_);
  fd_ = -1;
  phase_ = Phase::kDone;
  queue_.clear();
  r_.loop().timers().cancel(close_timer_);
  ++r_.counters().closed;
  r_.retire(*this);
}

// --- misc ---------------------------------------------------------------------------------------

const Address& ConnState::local_address() const {
  if (!local_ && fd_ >= 0) local_ = local_address_of(fd_);
  return local_ ? *local_ : kNoAddress;
}

void ConnState::set_nodelay(bool on) {
  if (fd_ >= 0) kernel::set_nodelay(fd_, on);
}

std::unique_ptr<KernelConnection> adopt_socket(Reactor& r, int fd, ConnState::Phase phase,
                                               const Address& peer, std::string* err) {
  ConnState* s = r.add(std::make_unique<ConnState>(r, fd, phase, peer));
  if (int e = r.watch(*s, fd, ConnState::kEvents)) {
    s->shutdown_now();
    if (err) *err = errno_message("epoll_ctl", e);
    return nullptr;
  }
  return std::make_unique<KernelConnection>(s);
}

// --- the app's handle ---------------------------------------------------------------------------

KernelConnection::~KernelConnection() {
  if (s_) s_->release_handle();
}

void KernelConnection::set_handler(ConnectionHandler* h) {
  if (s_) s_->set_handler(h);
}
size_t KernelConnection::read(BufChain& out, size_t max) { return s_ ? s_->read(out, max) : 0; }
bool KernelConnection::read_eof() const { return s_ && s_->read_eof(); }
size_t KernelConnection::write(BufChain& data) { return s_ ? s_->write(data) : 0; }
size_t KernelConnection::write_space() const { return s_ ? s_->write_space() : 0; }
size_t KernelConnection::unsent_bytes() const { return s_ ? s_->unsent_bytes() : 0; }
void KernelConnection::shutdown_write() { if (s_) s_->shutdown_write(); }
void KernelConnection::close() { if (s_) s_->close(); }
void KernelConnection::abort() { if (s_) s_->abort(); }
bool KernelConnection::is_open() const { return s_ && s_->is_open(); }
const Address& KernelConnection::local_address() const { return s_ ? s_->local_address() : kNoAddress; }
const Address& KernelConnection::peer_address() const { return s_ ? s_->peer_address() : kNoAddress; }
void KernelConnection::set_nodelay(bool on) { if (s_) s_->set_nodelay(on); }

}  // namespace sluice::transport::kernel
