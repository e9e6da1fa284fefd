// The upstream response parser: llhttp in response mode with no lenient flags (RFC 9112 2.2, 4,
// 6.3, 7.1). Body bytes are never copied: decoded body data leaves as sub-slices of the slices
// that carried it. Interim 1xx responses (RFC 9110 15.2) other than 101 are skipped. The head is
// bounded (proxy_buffer_size); anything malformed or too large is an error the caller turns into
// 502 ("upstream sent an invalid response").
#pragma once
#include <llhttp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/buf.h"

namespace sluice::proxy {

class ResponseParser {
 public:
  enum class Status { kNeedMore, kDone, kError };

  ResponseParser(size_t max_head, uint32_t max_headers = 100);
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  // Ready for the response to a new request; `head_request` says it answers HEAD (no body).
  void reset(bool head_request);

  // Consumes bytes from the front of `in`, appending decoded body bytes to `body`. kDone once the
  // message is complete (bytes after it stay in `in`); check head_done() for the head.
  Status parse(BufChain& in, BufChain& body);
  // The upstream closed: kDone when the body was delimited by the close (RFC 9112 6.3 rule 8),
  // kError when the message is cut short.
  Status finish();

  bool head_done() const { return head_done_; }
  bool done() const { return done_; }
  int status() const { return status_; }
  int minor_version() const { return minor_; }
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }
  // Body framing once the head is done: Content-Length when the body has one.
  std::optional<uint64_t> content_length() const { return content_length_; }
  bool chunked() const { return chunked_; }
  // No body bytes follow the head (HEAD, 1xx, 204, 304, Content-Length: 0).
  bool bodiless() const { return bodiless_; }
  // After kDone: the connection may carry another request (RFC 9112 9.3).
  bool keep_alive() const { return keep_alive_; }
  // 101 Switching Protocols: bytes after the head belong to the new protocol.
  bool upgraded() const { return upgraded_; }
  const char* error() const { return error_; }

 private:
  Status fail(const char* why);
  Status feed(const Slice& s, size_t* used, BufChain& body);
  void on_head_complete();
  static int on_status(llhttp_t* p, const char* at, size_t len);
  static int on_field(llhttp_t* p, const char* at, size_t len);
  static int on_value(llhttp_t* p, const char* at, size_t len);
  static int on_value_complete(llhttp_t* p);
  static int on_headers_complete(llhttp_t* p);
  static int on_body(llhttp_t* p, const char* at, size_t len);
  static int on_message_complete(llhttp_t* p);

  size_t max_head_;
  uint32_t max_headers_;
  llhttp_settings_t settings_;
  llhttp_t llhttp_;
  bool head_request_ = false;
  bool head_done_ = false, done_ = false, bodiless_ = false, chunked_ = false;
  bool keep_alive_ = false, upgraded_ = false, in_value_ = false;
  int status_ = 0, minor_ = 1;
  size_t head_bytes_ = 0;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::optional<uint64_t> content_length_;
  const Slice* cur_ = nullptr;
  BufChain* body_ = nullptr;
  const char* error_ = nullptr;
};

}  // namespace sluice::proxy
