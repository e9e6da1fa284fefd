// Active health checks for one upstream, run by every worker for itself (no cross-worker
// messages: each worker's balancer sees its own results, at the cost of one probe per worker per
// interval). Each server gets "GET <path> HTTP/1.1" on a new connection every `interval`; a 2xx or
// 3xx status within `timeout` is a success. `fall` failures in a row take the server out of
// balancing (Peer::check_down), `rise` successes bring it back. Servers start in service.
#pragma once
#include <memory>
#include <vector>

#include "conf/config.h"
#include "core/log.h"
#include "core/loop.h"
#include "proxy/peer.h"
#include "transport/transport.h"

namespace sluice::proxy {

struct HealthCounters {
  uint64_t checks = 0;
  uint64_t failures = 0;
  uint64_t went_down = 0;
  uint64_t came_up = 0;
};

class HealthChecker {
 public:
  // `peers` must outlive the checker and never move (the balancer's vector).
  HealthChecker(EventLoop& loop, transport::Transport& transport, Logger& log, const conf::HealthCheckConfig& conf,
                std::vector<Peer>& peers, std::string upstream_name);
  ~HealthChecker();
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  const HealthCounters& counters() const { return counters_; }

 private:
  class Probe;
  void record(Peer& peer, bool ok, const char* why);

  EventLoop& loop_;
  transport::Transport& transport_;
  Logger& log_;
  conf::HealthCheckConfig conf_;
  std::string name_;
  std::vector<std::unique_ptr<Probe>> probes_;
  HealthCounters counters_;
};

}  // namespace sluice::proxy
