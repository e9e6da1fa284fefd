// A response as handlers build it, and the serializer for its head: status line and fields go out
// as one Slice (RFC 9112 4, RFC 9110 6.3). The session adds Server, Date, framing and Connection.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/buf.h"
#include "http/body_source.h"

namespace sluice::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Response {
  int status = 200;
  HeaderList headers;                 // handler fields, in order (Content-Type first by habit)
  std::unique_ptr<BodySource> body;   // null: empty body
  // For HEAD, or a body whose length is known but is not produced (RFC 9110 9.3.2).
  std::optional<uint64_t> declared_length;

  void add(std::string_view name, std::string_view value) {
    headers.emplace_back(std::string(name), std::string(value));
  }
  std::string_view find(std::string_view name) const;
};

// RFC 9110 15: the reason phrase we send for a status.
std::string_view reason_phrase(int status);
// RFC 9110 6.4.1: 1xx, 204 and 304 never carry content.
inline bool status_has_no_body(int status) {
  return status < 200 || status == 204 || status == 304;
}
// A small nginx-like HTML page for an error status.
std::string error_page_html(int status, std::string_view server_token);
// The built-in response for an error status (text/html body).
Response make_error_response(int status, std::string_view server_token);

struct ResponseMeta {
  std::string_view server;                // Server field value
  std::string_view date;                  // IMF-fixdate from the DateCache
  std::optional<uint64_t> content_length; // unset and !chunked: no Content-Length
  bool chunked = false;
  bool keep_alive = true;
  bool upgrade = false;  // 101: the handler's Upgrade and Connection fields, no framing of ours
};

// "HTTP/1.1 <status> <reason>\r\n" + fields + "\r\n", in one slice.
Slice serialize_response_head(int status, const HeaderList& headers, const ResponseMeta& meta);

}  // namespace sluice::http
