// Two complete userspace stacks in one process: port A (198.18.0.1, one worker) and port B
// (198.18.0.2, one or two workers on their own queues) over the net_ring pair of relay.h, each
// StackTransport built as server/dpdk_backend.cc builds one (its own mempool, software checksums,
// TcpParams from conf::TcpConfig). The test supplies the EventLoops, so it owns time.
//
// Teardown order: every connection and listener, then every stack, then leaks(), then the
// Testbed (which closes the ports and frees their pools).
#pragma once
#include <memory>
#include <string>

#include "conf/config.h"
#include "core/loop.h"
#include "stack/dpdk/port.h"
#include "stack/socket/stack_transport.h"
#include "tests/stack/socket/relay.h"

namespace sluice::stack::testbed {

inline constexpr uint32_t kIpA = 0xc6120001;  // 198.18.0.1
inline constexpr uint32_t kIpB = 0xc6120002;  // 198.18.0.2
inline const MacAddr kMacA{{0x02, 0, 0, 0, 0, 0x0a}};
inline const MacAddr kMacB{{0x02, 0, 0, 0, 0, 0x0b}};

struct TestbedOptions {
  conf::TcpConfig tcp;       // both sides: TcpParams::from_config(tcp, 1500, fixed key)
  ArpConfig arp;             // both sides
  uint16_t b_queues = 1;     // B's workers (2: RSS over the relay, ARP shared through rings)
  uint32_t mbufs = 4095;     // per pool
};

class Testbed {
 public:
  explicit Testbed(const TestbedOptions& opts = {});
  ~Testbed();
  Testbed(const Testbed&) = delete;
  Testbed& operator=(const Testbed&) = delete;

  // False when the ports could not be opened; error() says why.
  bool ok() const { return a_ && b_; }
  const std::string& error() const { return error_; }

  Relay& relay() { return *relay_; }
  StackOptions options_a() const;
  StackOptions options_b(uint16_t queue = 0) const;
  std::unique_ptr<StackTransport> make_a(EventLoop& loop) const;
  std::unique_ptr<StackTransport> make_b(EventLoop& loop, uint16_t queue = 0) const;

  // Call with no stack left: frees whatever is still on the wire, then reports every pool that
  // does not hold all its mbufs again ("" when none leaked).
  std::string leaks();

 private:
  StackOptions options(const Port& port, uint16_t queue, MacAddr mac, uint32_t ip) const;

  TestbedOptions opts_;
  std::string error_;
  std::unique_ptr<Port> a_, b_;
  std::unique_ptr<Relay> relay_;
};

}  // namespace sluice::stack::testbed
