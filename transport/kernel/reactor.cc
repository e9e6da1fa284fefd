#include "transport/kernel/reactor.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "transport/kernel/socket_ops.h"

namespace sluice::transport::kernel {
namespace {

constexpr uint64_t kWakeId = 0;

// Milliseconds for epoll_wait, rounded up so a timer due in 300us is not polled for early.
int timeout_ms(Duration d) {
  if (d.us <= 0) return 0;
  int64_t ms = (d.us + 999) / 1000;
  return ms > INT_MAX ? INT_MAX : int(ms);
}

}  // namespace

Reactor::Reactor(EventLoop& loop, const KernelOptions& opts)
    : loop_(loop), opts_(opts), iov_(kMaxIov), events_(opts.events_per_poll ? opts.events_per_poll : 1) {
  if (opts_.read_chunk == 0) opts_.read_chunk = 16 * 1024;
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) {
    init_error_ = errno_message("epoll_create1", errno);
    return;
  }
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    init_error_ = errno_message("eventfd", errno);
    return;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeId;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0)
    init_error_ = errno_message("epoll_ctl(eventfd)", errno);
}

Reactor::~Reactor() {
  for (auto& [id, e] : endpoints_) e->shutdown_now();
  endpoints_.clear();
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

int Reactor::watch(Endpoint& e, int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = e.id_;
  return ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : errno;
}

int Reactor::rewatch(Endpoint& e, int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = e.id_;
  return ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) == 0 ? 0 : errno;
}

void Reactor::post(Endpoint& e) {
  if (e.posted_) return;
  e.posted_ = true;
  posted_.push_back(e.id_);
}

void Reactor::wake() {
  if (wake_fd_ < 0) return;
  uint64_t one = 1;
  // EAGAIN means the counter is already non-zero: the poller will wake anyway.
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void Reactor::drain_wake_fd() {
  uint64_t v;
  [[maybe_unused]] ssize_t n = ::read(wake_fd_, &v, sizeof v);
}

void Reactor::poll(Duration max_wait) {
  if (epoll_fd_ < 0) {
    loop_.update_time();
    return;
  }
  int n = ::epoll_wait(epoll_fd_, events_.data(), int(events_.size()),
                       posted_.empty() ? timeout_ms(max_wait) : 0);
  loop_.update_time();
  for (int i = 0; i < n; ++i) {
    uint64_t id = events_[i].data.u64;
    if (id == kWakeId) {
      drain_wake_fd();
      continue;
    }
    auto it = endpoints_.find(id);
    if (it != endpoints_.end()) it->second->on_events(events_[i].events);
  }
  run_posted();
  reap();
}

void Reactor::run_posted() {
  // Work posted while this batch runs waits for the next poll: one pass stays bounded.
  std::vector<uint64_t> batch;
  batch.swap(posted_);
  for (uint64_t id : batch) {
    auto it = endpoints_.find(id);
    if (it == endpoints_.end()) continue;
    it->second->posted_ = false;
    it->second->on_posted();
  }
}

void Reactor::reap() {
  std::vector<uint64_t> batch;
  batch.swap(retired_);
  for (uint64_t id : batch) {
    auto it = endpoints_.find(id);
    // Safe even if it still has posted work: run_posted() looks endpoints up by id.
    if (it != endpoints_.end() && it->second->finished()) endpoints_.erase(it);
  }
}

bool Reactor::idle() const {
  for (const auto& [id, e] : endpoints_)
    if (e->closing()) return false;
  return true;
}

uint8_t* Reactor::read_area() {
  if (spare_.empty()) spare_ = Slice::allocate(opts_.read_chunk);
  return spare_.writable_data();
}

Slice Reactor::take_read(size_t n) {
  if (n * 4 < opts_.read_chunk) return Slice::copy_of(spare_.view().substr(0, n));
  Slice out = std::move(spare_);
  out.trim_back(out.size() - n);
  return out;
}

}  // namespace sluice::transport::kernel
