#include "http/router.h"

#include <algorithm>

namespace sluice::http {
namespace {

// A location nobody serves (no root, alias or proxy_pass): 404, as nginx does without files.
class NotFoundHandler final : public ContentHandler {
 public:
  void handle(Exchange& ex) override { ex.respond_error(404); }
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

std::string resolve_path(const conf::Config& config, const std::string& path) {
  if (path.empty() || path[0] == '/' || config.base_dir.empty()) return path;
  return config.base_dir + "/" + path;
}

bool build_location(const conf::Config& config, const conf::ServerConfig& server,
                    const conf::LocationConfig& loc, const ModuleRegistry& modules,
                    RouteLocation* out, std::string* err) {
  out->conf = &loc;
  out->error_pages = server.error_page;
  for (const auto& [status, uri] : loc.error_page) out->error_pages[status] = uri;
  LocationScope scope{config, server, loc};
  for (const auto& m : modules.modules()) {
    std::string merr;
    out->handler = m->make_handler(scope, &merr);
    if (out->handler) return true;
    if (!merr.empty()) {
      *err = server.file + ":" + std::to_string(server.line) + ": location \"" + loc.path +
             "\": " + std::string(m->name()) + ": " + merr;
      return false;
    }
  }
  if (loc.proxy_pass) {  // only the proxy module serves these; without it the config cannot work
    *err = server.file + ":" + std::to_string(server.line) + ": location \"" + loc.path +
           "\": proxy_pass needs the proxy module";
    return false;
  }
  out->handler = std::make_unique<NotFoundHandler>();
  return true;
}

}  // namespace

const RouteLocation* VirtualServer::match(std::string_view path) const {
  for (const RouteLocation& l : exact) {
    if (l.conf->path == path) return &l;
  }
  for (const RouteLocation& l : prefix) {  // longest first, so the first hit is the longest
    if (path.substr(0, l.conf->path.size()) == l.conf->path) return &l;
  }
  return nullptr;
}

const VirtualServer& ServerGroup::select(std::string_view host) const {
  if (!host.empty()) {
    auto it = by_name.find(host);
    if (it != by_name.end()) return *it->second;
  }
  return *servers.front();
}

const ServerGroup* Router::group(const transport::Address& listen) const {
  for (const ServerGroup& g : groups_) {
    if (g.address == listen) return &g;
  }
  return nullptr;
}

std::unique_ptr<Router> Router::build(const conf::Config& config, const ModuleRegistry& modules,
                                      const AccessLogResolver& logs, std::string* err) {
  auto router = std::unique_ptr<Router>(new Router());
  for (const conf::ServerConfig& sc : config.servers) {
    auto vs = std::make_unique<VirtualServer>();
    vs->conf = &sc;
    if (sc.access_log != "off" && !sc.access_log.empty()) {
      vs->access_log = logs(resolve_path(config, sc.access_log), err);
      if (!vs->access_log) return nullptr;
    }
    for (const conf::LocationConfig& lc : sc.locations) {
      RouteLocation rl;
      if (!build_location(config, sc, lc, modules, &rl, err)) return nullptr;
      (lc.match == conf::MatchKind::kExact ? vs->exact : vs->prefix).push_back(std::move(rl));
    }
    std::stable_sort(vs->prefix.begin(), vs->prefix.end(), [](const auto& a, const auto& b) {
      return a.conf->path.size() > b.conf->path.size();
    });
    for (const transport::Address& addr : sc.listen) {
      auto g = std::find_if(router->groups_.begin(), router->groups_.end(),
                            [&](const ServerGroup& x) { return x.address == addr; });
      if (g == router->groups_.end()) {
        router->groups_.push_back(ServerGroup{addr, {}, {}});
        g = router->groups_.end() - 1;
      }
      g->servers.push_back(vs.get());
      for (const std::string& name : sc.server_name) g->by_name.emplace(lower(name), vs.get());
    }
    router->servers_.push_back(std::move(vs));
  }
  return router;
}

}  // namespace sluice::http
