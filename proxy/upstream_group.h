// One upstream as one worker runs it: its definition, balancer (with passive health), keep-alive
// pool and active health checker. A proxy_pass URL is a group of one server.
#pragma once
#include <memory>
#include <string>

#include "conf/config.h"
#include "core/log.h"
#include "core/loop.h"
#include "proxy/balancer.h"
#include "proxy/conn_pool.h"
#include "proxy/health_check.h"
#include "transport/transport.h"

namespace sluice::proxy {

struct UpstreamGroup {
  UpstreamGroup(EventLoop& loop, transport::Transport& transport, Logger& log, conf::UpstreamConfig def);

  const conf::UpstreamConfig conf;
  Balancer balancer;
  ConnPool pool;
  std::unique_ptr<HealthChecker> health;  // null without [upstream.health_check]
};

// The implicit upstream of proxy_pass = "http://IP:PORT/...": one server, default settings.
conf::UpstreamConfig single_server_upstream(const transport::Address& address);
// Whether two definitions describe the same runtime (a reload keeps the state of unchanged ones).
bool same_definition(const conf::UpstreamConfig& a, const conf::UpstreamConfig& b);

}  // namespace sluice::proxy
