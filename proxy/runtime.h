// Everything the proxy keeps on one worker: the upstream groups (balancer state, passive and
// active health, keep-alive pools), the requests in flight and the tunnels. Created by the worker
// before its HttpServer and destroyed after it (handlers point here, and the sessions' response
// bodies point at requests):
//
//   auto proxy = std::make_unique<proxy::ProxyRuntime>(loop, *transport, log);
//   mods.add(std::make_unique<proxy::ProxyModule>(*proxy));
//   ... http.reset(); loop.run_deferred(); proxy.reset(); transport.reset();
#pragma once
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "conf/config.h"
#include "core/log.h"
#include "core/loop.h"
#include "proxy/counters.h"
#include "proxy/downstream.h"
#include "proxy/upstream_group.h"
#include "tls/client_context.h"
#include "transport/transport.h"

namespace sluice::proxy {

class ProxyRequest;
class Tunnel;

class ProxyRuntime {
 public:
  // `tls`: the worker's TLS services, for https upstreams (without them, https locations are refused).
  ProxyRuntime(EventLoop& loop, transport::Transport& transport, Logger& log, tls::TlsRuntime* tls = nullptr);
  ~ProxyRuntime();
  ProxyRuntime(const ProxyRuntime&) = delete;
  ProxyRuntime& operator=(const ProxyRuntime&) = delete;

  // This worker's state for an upstream. An unchanged definition gets the same group across
  // reloads (health and pools survive); a changed one gets a new group, and the old one lives on
  // while the old snapshot's requests use it.
  std::shared_ptr<UpstreamGroup> group(const conf::UpstreamConfig& def);

  // Graceful stop: idle upstream connections close and no more are kept, health checks stop;
  // requests in flight and tunnels carry on (the worker's shutdown_timeout bounds them).
  void begin_shutdown();

  // A proxied request: runs until the response is delivered or the client goes away. `tls` is the
  // location's client context for an https upstream, nullptr for http.
  void start(std::unique_ptr<Downstream> client, std::shared_ptr<UpstreamGroup> group,
             std::shared_ptr<const conf::LocationConfig> location,
             std::shared_ptr<const tls::ClientContext> tls = nullptr);
  // The request is done: destroyed at the end of the loop iteration.
  void finished(ProxyRequest* r);
  void adopt(std::unique_ptr<Tunnel> t);
  void finished(Tunnel* t);

  size_t active_requests() const { return requests_.size(); }
  size_t active_tunnels() const { return tunnels_.size(); }
  ProxyCounters& counters() { return counters_; }
  EventLoop& loop() { return loop_; }
  transport::Transport& transport() { return transport_; }
  Logger& log() { return log_; }
  tls::TlsRuntime* tls() { return tls_; }

 private:
  EventLoop& loop_;
  transport::Transport& transport_;
  Logger& log_;
  tls::TlsRuntime* tls_;
  ProxyCounters counters_;
  std::map<std::string, std::shared_ptr<UpstreamGroup>> groups_;
  std::unordered_map<ProxyRequest*, std::unique_ptr<ProxyRequest>> requests_;
  std::unordered_map<Tunnel*, std::unique_ptr<Tunnel>> tunnels_;
};

}  // namespace sluice::proxy
