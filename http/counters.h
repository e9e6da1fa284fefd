// Per-worker HTTP counters. Plain integers: a worker's counters are touched only by that worker;
// the worker publishes them however it likes (stats endpoint, periodic log).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace sluice::http {

// Why a request was refused before it reached a handler.
enum class BadRequest : uint8_t {
  kMalformed,          // 400: syntax (request line, header line, chunk framing)
  kRequestLineTooLong, // 414
  kHeaderTooLarge,     // 431: bytes
  kTooManyHeaders,     // 431: count
  kBodyTooLarge,       // 413
  kUnknownMethod,      // 501
  kBadVersion,         // 505
  kMissingHost,        // 400: HTTP/1.1 without Host, or several Host fields
  kBadFraming,         // 400: Content-Length/Transfer-Encoding smuggling defenses (RFC 9112 6.3)
  kBadHeader,          // 400: obs-fold, space before colon, bare CR/LF, control characters
  kBadTarget,          // 400: request target (path.h policy)
  kExpectation,        // 417: Expect other than 100-continue
  kTimeout,            // 408: header or body timeout
  kCount
};
const char* to_string(BadRequest r);

struct HttpCounters {
  uint64_t connections = 0;              // accepted
  uint64_t requests = 0;                 // heads parsed (valid or not)
  std::array<uint64_t, 6> responses{};   // by status class: [1]=1xx ... [5]=5xx
  uint64_t bytes_out = 0;                // all bytes handed to the transport
  uint64_t keepalive_reused = 0;         // requests after the first on a connection
  std::array<uint64_t, size_t(BadRequest::kCount)> bad_requests{};
  uint64_t timeouts_idle = 0;            // keep-alive idle closes
  uint64_t timeouts_send = 0;

  void count_response(int status) {
    if (status >= 100 && status < 600) ++responses[size_t(status / 100)];
  }
  void count_bad(BadRequest r) { ++bad_requests[size_t(r)]; }
  uint64_t bad(BadRequest r) const { return bad_requests[size_t(r)]; }
};

}  // namespace sluice::http
