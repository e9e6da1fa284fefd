// The request parser: bytes arriving as BufChain slices in, one Request and its body out.
//
// The head (request line and fields) is copied into a per-connection buffer bounded by the limits,
// so it may span any number of read slices; it is validated by head.h and, when it declares a body
// (Content-Length or Transfer-Encoding), run through llhttp (no lenient flags), which must agree on
// the framing and takes over the body. Body bytes are never copied: decoded body data
// leaves as sub-slices of the slices that carried it. The parser stops at the end of each message,
// leaving pipelined bytes in the input chain for the next request.
#pragma once
#include <llhttp.h>

#include <cstdint>
#include <string>

#include "core/buf.h"
#include "http/counters.h"
#include "http/request.h"

namespace sluice::http {

struct ParserLimits {
  uint32_t max_request_line = 8192;  // 414 beyond
  uint32_t max_header_size = 32768;  // field bytes after the request line; 431 beyond
  uint32_t max_headers = 100;        // 431 beyond
  uint64_t max_body = 1024 * 1024;   // 413 beyond
};

enum class ParseStatus { kNeedMore, kDone, kError };

// A parser's two growable buffers. A session gives them back when it ends and the next one adopts
// them, so their capacity outlives a connection (ParserBufferPool), as nginx reuses its buffers.
struct ParserBuffers {
  std::string head;
  std::vector<Header> headers;
};

// One worker's spare ParserBuffers, bounded in count and in the capacity kept per buffer.
class ParserBufferPool {
 public:
  ParserBufferPool() { spare_.reserve(kMaxSpare); }
  // Spare buffers (cleared), or empty ones when none is left.
  ParserBuffers take();
  void give(ParserBuffers b);
  size_t spare() const { return spare_.size(); }

  static constexpr size_t kMaxSpare = 256;
  static constexpr size_t kMaxKeptHead = 4096;   // a larger head's buffer goes back to malloc
  static constexpr size_t kMaxKeptFields = 64;

 private:
  std::vector<ParserBuffers> spare_;
};

class RequestParser {
 public:
  explicit RequestParser(const ParserLimits& limits);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Consumes head bytes from the front of `in`. kDone: request() is ready and any body follows.
  ParseStatus parse_head(BufChain& in);
  // Consumes body framing from `in`, appending decoded body bytes to `body`.
  // kDone once the message is complete (immediately for requests without a body).
  ParseStatus parse_body(BufChain& in, BufChain& body);
  // Ready for the next request on the connection (call after the body is done or abandoned).
  void reset();
  void set_limits(const ParserLimits& limits) { limits_ = limits; }
  // Parses into `b`'s storage from now on (before the first byte is parsed).
  void adopt_buffers(ParserBuffers b);
  // Gives the storage up when the parser's connection ends (nothing is parsed after this).
  ParserBuffers release_buffers();

  const Request& request() const { return req_; }
  bool head_started() const { return !head_.empty(); }
  bool body_done() const { return body_done_; }
  uint64_t body_received() const { return body_bytes_; }
  int error_status() const { return err_status_; }
  BadRequest error_reason() const { return err_reason_; }
  // The first line received so far (possibly partial), for logging refused requests.
  std::string_view partial_request_line() const;

 private:
  bool scan(const Slice& s, size_t* used);
  bool finish_head();
  ParseStatus error(int status, BadRequest reason);
  static int on_body(llhttp_t* p, const char* at, size_t len);
  static int on_chunk_header(llhttp_t* p);
  static int on_message_complete(llhttp_t* p);
  static const llhttp_settings_t& settings();

  ParserLimits limits_;
  llhttp_t llhttp_;
  std::string head_;           // the current head, bounded by the limits
  size_t line_start_ = 0;      // start of the line being scanned in head_
  size_t request_line_end_ = 0;
  uint32_t field_lines_ = 0;
  bool head_done_ = false;
  bool body_done_ = false;
  uint64_t body_bytes_ = 0;
  uint64_t chunks_ = 0;
  uint64_t framing_bytes_ = 0; // chunk sizes, extensions, trailers: bounded too
  Request req_;
  const Slice* cur_ = nullptr; // the slice llhttp is executing over (on_body makes sub-slices)
  BufChain* body_out_ = nullptr;
  int err_status_ = 0;
  BadRequest err_reason_ = BadRequest::kMalformed;
};

}  // namespace sluice::http
