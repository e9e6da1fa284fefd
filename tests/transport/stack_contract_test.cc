// The contract suite on the userspace stack: the client is stack A (198.18.0.1) and the server
// stack B (198.18.0.2) of tests/stack/socket's testbed, two StackTransports over a net_ring pair.
// The relay between them runs inside each transport's poll(), so the harness's Pump drives the
// wire as well. A second server worker (make_server_peer) is B's second queue: the relay then
// spreads flows over both, as RSS would. Every test ends with every mbuf back in its pool.
#include "stack/socket/stack_transport.h"
#include "tests/stack/socket/testbed.h"
#include "tests/transport/transport_harness.h"

namespace sluice::transport::testing {
namespace {

using stack::StackTransport;
using stack::testbed::Relay;
using stack::testbed::Testbed;

// A stack whose poll() first moves what is on the wire.
class RelayedStack final : public Transport {
 public:
  RelayedStack(std::unique_ptr<StackTransport> stack, Relay& relay, EventLoop& loop)
      : stack_(std::move(stack)), relay_(relay), loop_(loop) {}

  const char* name() const override { return stack_->name(); }
  std::unique_ptr<Listener> listen(const Address& addr, const ListenOptions& opts, AcceptHandler& handler,
                                   std::string* err) override {
    return stack_->listen(addr, opts, handler, err);
  }
  std::unique_ptr<Connection> connect(const Address& remote, ConnectionHandler& handler, std::string* err) override {
    return stack_->connect(remote, handler, err);
  }
  void poll(Duration max_wait) override {
    relay_.step(loop_.now());
    stack_->poll(max_wait);
  }
  Instant next_deadline() const override { return stack_->next_deadline(); }
  bool idle() const override { return stack_->idle(); }

 private:
  std::unique_ptr<StackTransport> stack_;
  Relay& relay_;
  EventLoop& loop_;
};

stack::testbed::TestbedOptions two_server_queues() {
  stack::testbed::TestbedOptions o;
  o.b_queues = 2;  // B's queue 1 serves make_server_peer()
  return o;
}

class StackFactory final : public TransportFactory {
 public:
  StackFactory() : bed_(two_server_queues()) {
    if (bed_.ok()) bed_.relay().set_b_queues(1);  // until a second worker exists
  }
  // The harness destroys the transports first (TransportSetup), then the factory.
  ~StackFactory() override { EXPECT_EQ(bed_.leaks(), "") << "mbufs leaked"; }

  TransportSetup make(EventLoop& loop) override {
    TransportSetup s;
    if (!bed_.ok()) {
      ADD_FAILURE() << bed_.error();
      return s;
    }
    s.server = wrap(bed_.make_b(loop, 0), loop);
    s.client = wrap(bed_.make_a(loop), loop);
    s.listen = Address::ipv4(stack::testbed::kIpB, 8080);
    return s;
  }
  std::unique_ptr<Transport> make_server_peer(EventLoop& loop) override {
    bed_.relay().set_b_queues(2);
    return wrap(bed_.make_b(loop, 1), loop);
  }

 private:
  std::unique_ptr<Transport> wrap(std::unique_ptr<StackTransport> t, EventLoop& loop) {
    return std::make_unique<RelayedStack>(std::move(t), bed_.relay(), loop);
  }
  Testbed bed_;
};

std::unique_ptr<TransportFactory> make_stack_factory() { return std::make_unique<StackFactory>(); }

INSTANTIATE_TEST_SUITE_P(Stack, TransportContract,
                         ::testing::Values(FactoryParam{"NetRingIpv4", &make_stack_factory}),
                         FactoryParam::name);

}  // namespace
}  // namespace sluice::transport::testing
