#include "transport/kernel/kernel_listener.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "transport/kernel/kernel_connection.h"
#include "transport/kernel/socket_ops.h"

namespace sluice::transport::kernel {

ListenerState::ListenerState(Reactor& r, int fd, const Address& bound, AcceptHandler& handler)
    : r_(r), fd_(fd), bound_(bound), handler_(handler), backoff_([this](Instant) { resume(); }) {}

ListenerState::~ListenerState() { shutdown_now(); }

void ListenerState::shutdown_now() {
  close();
  if (handle_) {
    handle_->s_ = nullptr;
    handle_ = nullptr;
  }
}

void ListenerState::release_handle() {
  handle_ = nullptr;
  close();
}

void ListenerState::close() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  r_.loop().timers().cancel(backoff_);
  r_.retire(*this);
}

void ListenerState::on_events(uint32_t events) {
  if (fd_ >= 0 && (events & EPOLLIN)) accept_batch();
}

void ListenerState::accept_batch() {
  for (unsigned i = 0; i < r_.options().accept_batch && fd_ >= 0; ++i) {
    sockaddr_storage sa{};
    socklen_t len = sizeof sa;
    int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&sa), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int e = errno;
      if (e == EINTR || e == ECONNABORTED || e == EPROTO) continue;  // that one is gone; next
      if (e == EMFILE || e == ENFILE) {
        ++r_.counters().accept_emfile;
        pause();
      } else if (e == ENOBUFS || e == ENOMEM) {
        pause();
      }
      return;  // EAGAIN: nothing left
    }
    auto conn = adopt_socket(r_, fd, ConnState::Phase::kOpen, from_sockaddr(sa), nullptr);
    if (!conn) continue;
    ++r_.counters().accepted;
    handler_.on_accept(std::move(conn));  // may close this listener
  }
}

// Out of descriptors: accepting again at once would spin on the same error, so stop watching the
// socket for a while. Pending connections wait in the backlog (or overflow it) meanwhile.
void ListenerState::pause() {
  r_.rewatch(*this, fd_, 0);
  r_.loop().arm(backoff_, r_.options().accept_backoff);
}

void ListenerState::resume() {
  if (fd_ >= 0) r_.rewatch(*this, fd_, EPOLLIN);  // level-triggered: reports waiting connections
}

std::unique_ptr<Listener> open_listener(Reactor& r, const Address& addr, const ListenOptions& opts,
                                        AcceptHandler& handler, std::string* err) {
  int fd = open_listen_socket(addr, opts.backlog, err);
  if (fd < 0) return nullptr;
  ListenerState* s = r.add(std::make_unique<ListenerState>(r, fd, local_address_of(fd), handler));
  if (int e = r.watch(*s, fd, EPOLLIN)) {
    s->close();
    if (err) *err = errno_message("epoll_ctl", e);
    return nullptr;
  }
  return std::make_unique<KernelListener>(s);
}

}  // namespace sluice::transport::kernel
