// The per-worker core of the kernel transport: one epoll instance, an eventfd to wake it, and the
// registry of endpoints (listening and connected sockets) the transport owns.
//
// Endpoints are registered in epoll under a 64-bit id, never a pointer, and are freed only by the
// reactor at the end of poll(): an endpoint closed inside a callback (or by the app outside poll)
// lingers, inert, until then, so no event or callback can reach freed memory. Work an endpoint must
// do outside the app's own call (report a close found inside read(), continue a capped drain) is
// posted and runs after the epoll events of the next poll, which then does not block.
#pragma once
#include <sys/epoll.h>
#include <sys/uio.h>

#include <climits>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/buf.h"
#include "core/loop.h"
#include "transport/kernel/kernel_types.h"

namespace sluice::transport::kernel {

class Reactor;

class Endpoint {
 public:
  virtual ~Endpoint() = default;
  uint64_t id() const { return id_; }
  // Readiness of the endpoint's socket, as epoll reported it.
  virtual void on_events(uint32_t events) = 0;
  // Work posted with Reactor::post().
  virtual void on_posted() = 0;
  // Nothing needs this endpoint any more (socket closed, app handle gone): the reactor frees it.
  virtual bool finished() const = 0;
  // The transport is going away: close the socket now and cut the app's handle loose.
  virtual void shutdown_now() = 0;
  // Closed by the app but still flushing or lingering.
  virtual bool closing() const { return false; }

 private:
  friend class Reactor;
  uint64_t id_ = 0;
  bool posted_ = false;
};

class Reactor {
 public:
  Reactor(EventLoop& loop, const KernelOptions& opts);
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  // Empty when epoll and the eventfd were created.
  const std::string& init_error() const { return init_error_; }
  EventLoop& loop() { return loop_; }
  const KernelOptions& options() const { return opts_; }
  KernelCounters& counters() { return counters_; }

  // Takes ownership and assigns the endpoint's id.
  template <typename T>
  T* add(std::unique_ptr<T> e) {
    T* raw = e.get();
    Endpoint* base = raw;
    base->id_ = next_id_++;
    endpoints_.emplace(base->id_, std::move(e));
    return raw;
  }
  // epoll_ctl ADD / MOD for the endpoint's socket; 0 or errno.
  int watch(Endpoint& e, int fd, uint32_t events);
  int rewatch(Endpoint& e, int fd, uint32_t events);
  // Runs e.on_posted() in the next poll (once, however often it is posted before then).
  void post(Endpoint& e);
  // e may have finished: check it (and free it) at the end of the next poll.
  void retire(Endpoint& e) { retired_.push_back(e.id_); }

  // epoll_wait up to max_wait (0 when work is posted), refresh the loop's time, dispatch.
  void poll(Duration max_wait);
  bool has_posted() const { return !posted_.empty(); }
  size_t endpoint_count() const { return endpoints_.size(); }
  // True when no endpoint is closing(); walks them all (for a graceful stop, not per poll).
  bool idle() const;
  void wake();

  // Receive buffer: recv into read_area(), then take_read(n) hands out the n bytes as a slice.
  // Reads of a quarter chunk or more give the chunk itself away; smaller ones are copied into a
  // right-sized slice and the chunk is kept for the next recv.
  uint8_t* read_area();
  size_t read_area_size() const { return opts_.read_chunk; }
  Slice take_read(size_t n);
  // Scratch iovecs for sendmsg().
  iovec* iov() { return iov_.data(); }
  static constexpr size_t kMaxIov = IOV_MAX;

 private:
  void run_posted();
  void reap();
  void drain_wake_fd();

  EventLoop& loop_;
  KernelOptions opts_;
  KernelCounters counters_;
  std::string init_error_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  uint64_t next_id_ = 1;  // 0 is the wake eventfd
  std::unordered_map<uint64_t, std::unique_ptr<Endpoint>> endpoints_;
  std::vector<uint64_t> posted_;
  std::vector<uint64_t> retired_;
  Slice spare_;
  std::vector<iovec> iov_;
  std::vector<epoll_event> events_;
};

}  // namespace sluice::transport::kernel
