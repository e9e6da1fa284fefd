#include "proxy/upstream_group.h"

namespace sluice::proxy {

UpstreamGroup::UpstreamGroup(EventLoop& loop, transport::Transport& transport, Logger& log, conf::UpstreamConfig def)
    : conf(std::move(def)),
      balancer(conf),
      pool(loop, conf.keepalive, conf.keepalive_timeout, conf.keepalive_requests) {
  if (conf.health_check)
    health = std::make_unique<HealthChecker>(loop, transport, log, *conf.health_check, balancer.peers(), conf.name);
}

conf::UpstreamConfig single_server_upstream(const transport::Address& address) {
  conf::UpstreamConfig u;
  u.name = address.to_string();
  conf::UpstreamServer s;
  s.address = address;
  u.servers.push_back(s);
  return u;
}

namespace {
bool same_server(const conf::UpstreamServer& a, const conf::UpstreamServer& b) {
  return a.address == b.address && a.weight == b.weight && a.max_fails == b.max_fails &&
         a.fail_timeout == b.fail_timeout && a.backup == b.backup && a.down == b.down;
}

bool same_check(const std::optional<conf::HealthCheckConfig>& a, const std::optional<conf::HealthCheckConfig>& b) {
  if (!a || !b) return !a && !b;
  return a->path == b->path && a->host == b->host && a->interval == b->interval && a->timeout == b->timeout &&
         a->rise == b->rise && a->fall == b->fall;
}
}  // namespace

bool same_definition(const conf::UpstreamConfig& a, const conf::UpstreamConfig& b) {
  if (a.name != b.name || a.balance != b.balance || a.hash != b.hash || a.hash_points != b.hash_points ||
      a.keepalive != b.keepalive || a.keepalive_timeout != b.keepalive_timeout ||
      a.keepalive_requests != b.keepalive_requests || a.servers.size() != b.servers.size() ||
      !same_check(a.health_check, b.health_check))
    return false;
  for (size_t i = 0; i < a.servers.size(); ++i) {
    if (!same_server(a.servers[i], b.servers[i])) return false;
  }
  return true;
}

}  // namespace sluice::proxy
