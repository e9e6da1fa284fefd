// The userspace stack for sluice-load, set up as server/dpdk_backend.cc does for sluice: the EAL
// and one port for the process, then one StackTransport per worker thread on its own queue pair
// and mempool, built on that thread after it registered with the EAL.
#pragma once
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "bench/load/options.h"
#include "core/loop.h"
#include "stack/dpdk/port.h"
#include "stack/socket/stack_transport.h"

namespace sluice::bench {

class StackEnv {
 public:
  // EAL and port; nullptr with *err on failure (the EAL may then be half up: exit the process).
  static std::unique_ptr<StackEnv> open(const LoadOptions& o, std::string* err);
  ~StackEnv();
  StackEnv(const StackEnv&) = delete;
  StackEnv& operator=(const StackEnv&) = delete;

  // On the worker's own thread.
  std::unique_ptr<stack::StackTransport> make_transport(unsigned worker, EventLoop& loop, std::string* err);
  const std::string& description() const { return description_; }

 private:
  StackEnv() = default;
  bool make_peer_rings(std::string* err);
  void read_rss();

  LoadOptions opts_;
  bool eal_ = false;
  std::unique_ptr<stack::Port> port_;
  std::array<uint64_t, 2> isn_key_{};
  std::vector<rte_ring*> peer_rings_;   // one per worker, for frames that reached the wrong one
  std::vector<uint8_t> rss_key_;
  std::vector<uint16_t> rss_reta_;
  std::string description_;
};

}  // namespace sluice::bench
