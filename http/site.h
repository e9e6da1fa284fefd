// One loaded configuration as the HTTP layer uses it: the immutable snapshot, its router (with the
// handlers modules built for it) and the access logs it names. Connections hold the Site they were
// accepted under until they close, so a reload never changes a connection's rules mid-way.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "conf/config.h"
#include "core/log.h"
#include "core/loop.h"
#include "http/access_log.h"
#include "http/counters.h"
#include "http/date_cache.h"
#include "http/parser.h"
#include "http/router.h"

namespace sluice::http {

struct Site {
  std::shared_ptr<const conf::Config> config;
  std::unique_ptr<Router> router;
  std::vector<std::shared_ptr<AccessLog>> logs;  // keeps this snapshot's logs open
  ParserLimits parser_limits;
  std::string server_token;  // "sluice/<version>" or "sluice" (server_tokens off)

  const conf::HttpLimits& limits() const { return config->http; }
  // nullptr and *err on failure (a module refused a location, a log did not open).
  static std::shared_ptr<const Site> build(std::shared_ptr<const conf::Config> config,
                                           const ModuleRegistry& modules, AccessLogSet& logs,
                                           std::string* err);
};

// What every session of a worker shares: the loop, the clock-derived date, logs and counters.
struct WorkerContext {
  EventLoop& loop;
  Logger& error_log;
  DateCache& date;
  HttpCounters& counters;
  ParserBufferPool& parser_buffers;  // adopted by a session at its start, given back at its end
};

}  // namespace sluice::http
