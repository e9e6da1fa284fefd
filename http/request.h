// The request model: what the parser produces and handlers read. Field names and values are views
// into the session's header buffer and stay valid until the next request on the connection.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/path.h"

namespace sluice::http {

// RFC 9110 9.3 plus PATCH (RFC 5789). Anything else is 501 (RFC 9110 9.1).
enum class Method : uint8_t { kGet, kHead, kPost, kPut, kDelete, kConnect, kOptions, kTrace, kPatch };
std::optional<Method> method_from_token(std::string_view token);
const char* to_string(Method m);

struct Header {
  std::string_view name;
  std::string_view value;  // without leading/trailing whitespace
};

// Inline: the parser calls these for every header and every byte of every field name.
constexpr char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

// ALPHA / DIGIT (RFC 5234 B.1) and the bytes of `extra`, as a 256-entry table.
constexpr std::array<bool, 256> alnum_and(std::string_view extra) {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[size_t(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[size_t(c)] = true;
  for (int c = '0'; c <= '9'; ++c) t[size_t(c)] = true;
  for (char c : extra) t[static_cast<unsigned char>(c)] = true;
  return t;
}
// RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" /
// "`" / "|" / "~" / DIGIT / ALPHA.
inline constexpr std::array<bool, 256> kTcharTable = alnum_and("!#$%&'*+-.^_`|~");
inline bool is_tchar(unsigned char c) { return kTcharTable[c]; }
// True if the comma-separated list `value` holds `token` (case-insensitive), e.g. Connection.
bool list_has_token(std::string_view value, std::string_view token);

struct Request {
  Method method = Method::kGet;
  std::string_view request_line;  // "GET / HTTP/1.1", for logs
  std::string_view target;        // raw request-target
  RequestTarget parsed;           // decoded path, query, absolute-form authority
  int minor_version = 1;          // HTTP/1.<minor>
  std::vector<Header> headers;
  std::string host;               // lowercased, port and trailing dot removed
  bool keep_alive = true;         // RFC 9112 9.3, from the request alone
  bool chunked = false;
  std::optional<uint64_t> content_length;
  bool expect_continue = false;

  const std::string& path() const { return parsed.path; }
  // The first field with this name (case-insensitive), or an empty view.
  std::string_view header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  bool has_body() const { return chunked || (content_length && *content_length > 0); }
};

}  // namespace sluice::http
