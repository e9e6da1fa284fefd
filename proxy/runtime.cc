#include "proxy/runtime.h"

#include "proxy/proxy_request.h"
#include "proxy/tunnel.h"

namespace sluice::proxy {

std::string to_string(const ProxyCounters& c) {
  std::string out;
  auto add = [&](const char* name, uint64_t v) {
    if (!out.empty()) out += ' ';
    out += name;
    out += '=';
    out += std::to_string(v);
  };
  add("requests", c.requests);
  add("attempts", c.attempts);
  add("retries", c.retries);
  add("stale_retries", c.stale_retries);
  add("connect_errors", c.connect_errors);
  add("tls_failures", c.tls_failures);
  add("timeouts", c.timeouts);
  add("invalid_responses", c.invalid_responses);
  add("no_live_upstream", c.no_live_upstream);
  add("502", c.responses_502);
  add("504", c.responses_504);
  add("truncated", c.truncated);
  add("client_gone", c.client_gone);
  add("body_overflow", c.body_overflow);
  add("tunnels", c.tunnels);
  return out;
}

ProxyRuntime::ProxyRuntime(EventLoop& loop, transport::Transport& transport, Logger& log, tls::TlsRuntime* tls)
    : loop_(loop), transport_(transport), log_(log), tls_(tls) {}

ProxyRuntime::~ProxyRuntime() {
  requests_.clear();
  tunnels_.clear();
  groups_.clear();
}

std::shared_ptr<UpstreamGroup> ProxyRuntime::group(const conf::UpstreamConfig& def) {
  auto it = groups_.find(def.name);
  if (it != groups_.end() && same_definition(it->second->conf, def)) return it->second;
  auto g = std::make_shared<UpstreamGroup>(loop_, transport_, log_, def);
  groups_[def.name] = g;
  return g;
}

void ProxyRuntime::begin_shutdown() {
  for (auto& [name, g] : groups_) {
    g->pool.close_all();
    g->health.reset();
  }
}

void ProxyRuntime::start(std::unique_ptr<Downstream> client, std::shared_ptr<UpstreamGroup> group,
                         std::shared_ptr<const conf::LocationConfig> location,
                         std::shared_ptr<const tls::ClientContext> tls) {
  auto r = std::make_unique<ProxyRequest>(*this, std::move(client), std::move(group), std::move(location),
                                          std::move(tls));
  ProxyRequest* p = r.get();
  requests_.emplace(p, std::move(r));
  p->start();
}

void ProxyRuntime::finished(ProxyRequest* r) {
  auto it = requests_.find(r);
  if (it == requests_.end()) return;
  loop_.defer_delete(std::move(it->second));
  requests_.erase(it);
}

void ProxyRuntime::adopt(std::unique_ptr<Tunnel> t) {
  Tunnel* p = t.get();
  tunnels_.emplace(p, std::move(t));
  p->start();
}

void ProxyRuntime::finished(Tunnel* t) {
  auto it = tunnels_.find(t);
  if (it == tunnels_.end()) return;
  loop_.defer_delete(std::move(it->second));
  tunnels_.erase(it);
}

}  // namespace sluice::proxy
