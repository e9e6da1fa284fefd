#include "http/site.h"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "0"
#endif

namespace sluice::http {

std::shared_ptr<const Site> Site::build(std::shared_ptr<const conf::Config> config,
                                        const ModuleRegistry& modules, AccessLogSet& logs,
                                        std::string* err) {
  auto site = std::make_shared<Site>();
  site->config = std::move(config);
  const conf::HttpLimits& l = site->config->http;
  site->parser_limits = ParserLimits{l.max_request_line, l.max_header_size, l.max_headers,
                                     l.client_max_body_size};
  site->server_token = l.server_tokens ? std::string("sluice/") + SLUICE_VERSION : "sluice";
  Site* raw = site.get();
  AccessLogResolver resolve = [raw, &logs](const std::string& path, std::string* e) -> AccessLog* {
    auto log = logs.get(path, e);
    if (!log) return nullptr;
    raw->logs.push_back(log);
    return log.get();
  };
  site->router = Router::build(*site->config, modules, resolve, err);
  if (!site->router) return nullptr;
  return site;
}

}  // namespace sluice::http
