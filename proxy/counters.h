// Per-worker proxy counters: plain integers touched by one worker only.
#pragma once
#include <cstdint>
#include <string>

namespace sluice::proxy {

struct ProxyCounters {
  uint64_t requests = 0;           // proxied requests started
  uint64_t attempts = 0;           // upstream attempts (one server each)
  uint64_t retries = 0;            // attempts after the first
  uint64_t stale_retries = 0;      // a kept-alive connection the server had closed: tried again
  uint64_t connect_errors = 0;     // connect failed, refused or reset before a response
  uint64_t tls_failures = 0;       // of those, TLS handshakes (or certificate checks) that failed
  uint64_t timeouts = 0;           // connect, send or read timeouts
  uint64_t invalid_responses = 0;  // malformed or oversized response heads and bodies
  uint64_t no_live_upstream = 0;   // 503: no server eligible
  uint64_t responses_502 = 0;      // our own 502s
  uint64_t responses_504 = 0;      // our own 504s
  uint64_t truncated = 0;          // the response failed after its head went to the client
  uint64_t client_gone = 0;        // the client went away before the response was complete
  uint64_t body_overflow = 0;      // request body beyond kUnpausableBodyCap (no pause_body hook)
  uint64_t tunnels = 0;            // Upgrade tunnels opened
};

// "requests=12 attempts=13 ..." for the worker's exit log line.
std::string to_string(const ProxyCounters& c);

}  // namespace sluice::proxy
