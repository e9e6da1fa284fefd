#include "proxy/module.h"

#include <algorithm>

namespace sluice::proxy {
namespace {

class ProxyHandler final : public http::ContentHandler {
 public:
  ProxyHandler(ProxyRuntime& rt, std::shared_ptr<UpstreamGroup> group, std::shared_ptr<const conf::LocationConfig> loc)
      : rt_(rt), group_(std::move(group)), location_(std::move(loc)) {}
  void handle(http::Exchange& ex) override { rt_.start(make_downstream(ex), group_, location_); }

 private:
  ProxyRuntime& rt_;
  std::shared_ptr<UpstreamGroup> group_;
  // A copy: a request may outlive its session's config snapshot by a few loop iterations.
  std::shared_ptr<const conf::LocationConfig> location_;
};

}  // namespace

std::unique_ptr<http::ContentHandler> ProxyModule::make_handler(const http::LocationScope& scope,
                                                                std::string* err) const {
  const conf::LocationConfig& loc = scope.location;
  const conf::ProxyConfig& p = loc.proxy;
  if (!p.address && p.upstream.empty()) return nullptr;  // no proxy_pass here
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
  return std::make_unique<ProxyHandler>(runtime_, std::move(group), std::make_shared<const conf::LocationConfig>(loc));
}

}  // namespace sluice::proxy
