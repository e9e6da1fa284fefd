#include "proxy/module.h"

#include <algorithm>

namespace sluice::proxy {
namespace {

class ProxyHandler final : public http::ContentHandler {
 public:
  ProxyHandler(ProxyRuntime& rt, std::shared_ptr<UpstreamGroup> group, std::shared_ptr<const conf::LocationConfig> loc,
               std::shared_ptr<const tls::ClientContext> tls)
      : rt_(rt), group_(std::move(group)), location_(std::move(loc)), tls_(std::move(tls)) {}
  void handle(http::Exchange& ex) override { rt_.start(make_downstream(ex), group_, location_, tls_); }

 private:
  ProxyRuntime& rt_;
  std::shared_ptr<UpstreamGroup> group_;
  // A copy: a request may outlive its session's config snapshot by a few loop iterations.
  std::shared_ptr<const conf::LocationConfig> location_;
  std::shared_ptr<const tls::ClientContext> tls_;  // https upstreams: built once per snapshot
};

// The location's TLS client context (https upstreams), built when the snapshot is loaded.
bool make_client_context(ProxyRuntime& rt, const conf::ProxyConfig& p, std::shared_ptr<const tls::ClientContext>& out,
                         std::string* err) {
  if (!p.ssl) return true;
  if (!rt.tls()) {
    *err = "proxy_pass to an https upstream needs TLS support in this worker";
    return false;
  }
  std::string why;
  out = tls::ClientContext::build(*p.ssl, &why);
  if (!out) *err = "proxy_pass " + std::string(p.address ? p.address->to_string() : p.upstream) + ": " + why;
  return out != nullptr;
}

}  // namespace

std::unique_ptr<http::ContentHandler> ProxyModule::make_handler(const http::LocationScope& scope,
                                                                std::string* err) const {
  const conf::LocationConfig& loc = scope.location;
  const conf::ProxyConfig& p = loc.proxy;
  if (!p.address && p.upstream.empty()) return nullptr;  // no proxy_pass here
  std::shared_ptr<const tls::ClientContext> tls;
  if (!make_client_context(runtime_, p, tls, err)) return nullptr;
  std::shared_ptr<UpstreamGroup> group;
  if (p.address) {
    group = runtime_.group(single_server_upstream(*p.address));
  } else {
    const auto& ups = scope.config.upstreams;
    auto it = std::find_if(ups.begin(), ups.end(), [&](const conf::UpstreamConfig& u) { return u.name == p.upstream; });
    if (it == ups.end()) {
      *err = "proxy_pass names no [[upstream]] \"" + p.upstream + "\"";
      return nullptr;
    }
    group = runtime_.group(*it);
  }
  return std::make_unique<ProxyHandler>(runtime_, std::move(group), std::make_shared<const conf::LocationConfig>(loc),
                                        std::move(tls));
}

}  // namespace sluice::proxy
