#include "server/backend.h"

#include "transport/kernel/kernel_transport.h"

namespace sluice::server {
namespace {

// Linux sockets: nothing to set up per process; each worker gets its own epoll.
class KernelBackend final : public Backend {
 public:
  bool init(const conf::Config&, Logger&, std::string*) override { return true; }
  std::unique_ptr<transport::Transport> make_transport(unsigned worker, EventLoop& loop, Logger&,
                                                       std::string*) override {
    return std::make_unique<transport::kernel::KernelTransport>(loop, worker);
  }
  bool busy_polls() const override { return false; }
};

}  // namespace

std::unique_ptr<Backend> make_backend(conf::Backend which) {
  switch (which) {
    case conf::Backend::kKernel: return std::make_unique<KernelBackend>();
    case conf::Backend::kDpdk: return make_dpdk_backend();
  }
  return nullptr;
}

}  // namespace sluice::server
