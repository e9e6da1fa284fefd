// The contract suite on the kernel transport: two KernelTransports in one thread, over loopback.
#include "tests/transport/transport_harness.h"
#include "transport/kernel/kernel_transport.h"

namespace sluice::transport::testing {
namespace {

class KernelFactory : public TransportFactory {
 public:
  explicit KernelFactory(Address listen) : listen_(listen) {}
  TransportSetup make(EventLoop& loop) override {
    TransportSetup s;
    s.server = std::make_unique<kernel::KernelTransport>(loop, 0);
    s.client = std::make_unique<kernel::KernelTransport>(loop, 1);
    s.listen = listen_;
    return s;
  }
  std::unique_ptr<Transport> make_server_peer(EventLoop& loop) override {
    return std::make_unique<kernel::KernelTransport>(loop, 2);
  }

 private:
  Address listen_;
};

std::unique_ptr<TransportFactory> make_kernel_ipv4() {
  return std::make_unique<KernelFactory>(loopback_any_port());
}
std::unique_ptr<TransportFactory> make_kernel_ipv6() {
  return std::make_unique<KernelFactory>(loopback_any_port(Address::Family::kIpv6));
}

INSTANTIATE_TEST_SUITE_P(Kernel, TransportContract,
                         ::testing::Values(FactoryParam{"KernelIpv4", &make_kernel_ipv4},
                                           FactoryParam{"KernelIpv6", &make_kernel_ipv6}),
                         FactoryParam::name);

}  // namespace
}  // namespace sluice::transport::testing
