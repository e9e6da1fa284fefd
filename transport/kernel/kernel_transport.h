// The Linux kernel-socket transport: non-blocking TCP sockets and one epoll instance per worker.
//
//   EventLoop loop(clock);
//   KernelTransport t(loop, worker_id);            // check t.ok() / t.init_error()
//   auto l = t.listen(addr, {}, accept_handler, &err);   // SO_REUSEPORT: every worker may listen
//   auto c = t.connect(remote, conn_handler, &err);
//   for (;;) { t.poll(wait); loop.run_due(); }
//
// Each worker builds its own instance; nothing is shared between them. wake() is the one call that
// may come from another thread. See kernel_connection.h for how reads, writes and close work.
#pragma once
#include <memory>
#include <string>

#include "core/loop.h"
#include "transport/kernel/kernel_types.h"
#include "transport/transport.h"

namespace sluice::transport::kernel {

class Reactor;

class KernelTransport final : public Transport {
 public:
  KernelTransport(EventLoop& loop, unsigned worker_id, const KernelOptions& opts = {});
  ~KernelTransport() override;
  KernelTransport(const KernelTransport&) = delete;
  KernelTransport& operator=(const KernelTransport&) = delete;

  // False when epoll or the eventfd could not be created; listen() and connect() then fail with
  // init_error() and poll() does no I/O.
  bool ok() const;
  const std::string& init_error() const;
  unsigned worker_id() const { return worker_id_; }
  const KernelCounters& counters() const;
  // Listeners and connections this transport still holds, including ones finishing a graceful
  // close after the app let go; freed ones leave at the end of poll().
  size_t tracked_sockets() const;

  const char* name() const override { return "kernel"; }
  std::unique_ptr<Listener> listen(const Address& addr, const ListenOptions& opts,
                                   AcceptHandler& handler, std::string* err) override;
  std::unique_ptr<Connection> connect(const Address& remote, ConnectionHandler& handler,
                                      std::string* err) override;
  // epoll_wait for at most max_wait (rounded up to whole milliseconds; 0 does not block), then
  // EventLoop::update_time(), then the callbacks.
  void poll(Duration max_wait) override;
  Instant next_deadline() const override;
  void wake() override;
  // No connection closed by the app is still flushing its queue or lingering for the peer's FIN.
  bool idle() const override;

 private:
  EventLoop& loop_;
  unsigned worker_id_;
  std::unique_ptr<Reactor> reactor_;
};

}  // namespace sluice::transport::kernel
