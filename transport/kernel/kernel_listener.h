// A listening kernel socket (SO_REUSEPORT: each worker has its own, the kernel spreads connections).
// Level-triggered in epoll so that accepting at most KernelOptions::accept_batch per poll leaves the
// rest to be reported again; paused for a while when the process runs out of descriptors.
#pragma once
#include <memory>

#include "core/timer.h"
#include "transport/kernel/reactor.h"
#include "transport/transport.h"

namespace sluice::transport::kernel {

class KernelListener;

class ListenerState final : public Endpoint {
 public:
  ListenerState(Reactor& r, int fd, const Address& bound, AcceptHandler& handler);
  ~ListenerState() override;

  void on_events(uint32_t events) override;
  void on_posted() override {}
  bool finished() const override { return fd_ < 0; }
  void shutdown_now() override;

  void attach(KernelListener* h) { handle_ = h; }
  // The handle is gone: stop listening.
  void release_handle();
  void close();
  const Address& address() const { return bound_; }

 private:
  void accept_batch();
  void pause();
  void resume();

  Reactor& r_;
  int fd_;
  Address bound_;
  AcceptHandler& handler_;
  KernelListener* handle_ = nullptr;
  Timer backoff_;
};

// The app's handle; destroying it stops listening.
class KernelListener final : public Listener {
 public:
  explicit KernelListener(ListenerState* s) : s_(s), address_(s->address()) { s_->attach(this); }
  ~KernelListener() override {
    if (s_) s_->release_handle();
  }
  KernelListener(const KernelListener&) = delete;
  KernelListener& operator=(const KernelListener&) = delete;
  const Address& address() const override { return address_; }

 private:
  friend class ListenerState;
  ListenerState* s_;
  Address address_;
};

// Opens, binds and registers a listening socket; nullptr and `err` on failure.
std::unique_ptr<Listener> open_listener(Reactor& r, const Address& addr, const ListenOptions& opts,
                                        AcceptHandler& handler, std::string* err);

}  // namespace sluice::transport::kernel
