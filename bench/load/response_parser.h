// An incremental HTTP/1.1 response parser for the load generator (RFC 9112): the status line, the
// headers that frame the body (Content-Length, Transfer-Encoding: chunked) or end the connection
// (Connection), and the body, which it skips. Minimal but correct: interim 1xx responses are
// skipped, 204/304 have no body, a response without framing runs to the end of the connection.
//
// No allocation: a header line that straddles two reads is gathered in a fixed buffer; lines longer
// than that keep their first kLineMax bytes (enough for every header it looks at).
#pragma once
#include <cstddef>
#include <cstdint>

namespace sluice::bench {

class ResponseParser {
 public:
  enum class Result { kNeedMore, kDone, kError };
  static constexpr size_t kLineMax = 256;
  static constexpr size_t kHeaderMax = 64 * 1024;  // all header bytes of one response

  // Ready for the next response on the connection. `head_request`: the body is not sent.
  void reset(bool head_request = false);
  // Parses up to `n` bytes; `*used` is how many belong to this response. kDone once the response
  // is complete (bytes after it are left unused), kError on malformed input (error() says why).
  Result feed(const uint8_t* p, size_t n, size_t* used);
  // The peer closed the connection: completes a body that runs to the end, else an error.
  Result finish_eof();

  int status() const { return status_; }
  // Whether the connection may carry another request (RFC 9112 9.3).
  bool keep_alive() const { return keep_alive_; }
  uint64_t body_bytes() const { return body_bytes_; }
  bool done() const { return state_ == State::kDone; }
  // True when nothing of a response has arrived yet (a close now is not a truncated response).
  bool idle() const { return state_ == State::kStatus && line_len_ == 0 && header_bytes_ == 0; }
  const char* error() const { return error_; }

 private:
  enum class State { kStatus, kHeaders, kBody, kChunkSize, kChunkData, kChunkEnd, kTrailers, kUntilEof, kDone, kError };

  // Gathers one line; true when `line_` holds a complete line (CRLF or LF stripped).
  bool take_line(const uint8_t* p, size_t n, size_t* i);
  void keep(const char* s, size_t n);  // appends to line_, up to kLineMax
  bool on_line();
  bool on_status_line();
  bool on_header_line();
  bool end_of_headers();
  bool on_chunk_size_line();
  Result fail(const char* why);

  State state_ = State::kStatus;
  bool head_ = false;
  int status_ = 0;
  bool http10_ = false;
  bool keep_alive_ = true;
  bool chunked_ = false;
  bool has_length_ = false;
  uint64_t content_length_ = 0;
  uint64_t remaining_ = 0;  // body or chunk bytes left
  uint64_t body_bytes_ = 0;
  size_t header_bytes_ = 0;
  char line_[kLineMax];
  size_t line_len_ = 0;     // bytes kept in line_
  bool line_cr_ = false;    // the last byte taken was CR
  const char* error_ = "";
};

}  // namespace sluice::bench
