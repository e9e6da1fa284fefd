// The proxy as an http::Module: locations with proxy_pass get a handler bound to this worker's
// ProxyRuntime and the upstream group the location names (resolved once, when the config
// snapshot is loaded). Register it with the worker's other modules:
//   mods.add(std::make_unique<proxy::ProxyModule>(runtime));
#pragma once
#include <memory>

#include "http/handler.h"
#include "proxy/runtime.h"

namespace sluice::proxy {

class ProxyModule final : public http::Module {
 public:
  explicit ProxyModule(ProxyRuntime& runtime) : runtime_(runtime) {}
  std::string_view name() const override { return "proxy"; }
  std::unique_ptr<http::ContentHandler> make_handler(const http::LocationScope& scope,
                                                     std::string* err) const override;

 private:
  ProxyRuntime& runtime_;
};

}  // namespace sluice::proxy
