// Request targets (RFC 9112 3.2) and the path that maps to files (RFC 3986 2.1, 5.2.4).
//
// Policy, stricter than RFC 3986 on purpose, because the decoded path names files:
// - Percent-decoding happens once; a malformed escape ("%4", "%zz") is an error.
// - Decoded NUL, decoded '/' (%2F) and any '\' (raw or %5C) are rejected: an encoded slash would
//   make one segment look like two to a later consumer, and '\' is a separator elsewhere.
// - Bytes that can never appear in UTF-8 (0xC0, 0xC1, 0xF5..0xFF) are rejected, so overlong forms
//   such as "%c0%ae" (a disguised '.') never reach the file system. Other bytes pass through.
// - Raw control characters, space, DEL, '#' and '"' are rejected.
// - Repeated slashes are merged (nginx's merge_slashes), then dot-segments are removed after
//   decoding; a path that would climb above "/" is an error instead of being clamped.
#pragma once
#include <string>
#include <string_view>

namespace sluice::http {

enum class PathError {
  kOk,
  kEmpty,           // target is not origin-form, absolute-form or "*"
  kBadEscape,       // '%' not followed by two hex digits
  kNul,             // %00
  kEncodedSlash,    // %2F
  kBackslash,       // '\' or %5C
  kBadByte,         // control characters, space, DEL, '#', bytes never valid in UTF-8
  kAboveRoot,       // "/.." climbs above "/"
  kBadAuthority,    // absolute-form with an empty host or userinfo
};
const char* to_string(PathError e);

struct RequestTarget {
  bool asterisk = false;        // "*" (OPTIONS only)
  bool absolute_form = false;   // "http://host/path"
  std::string_view authority;   // the host[:port] of absolute-form
  std::string_view raw_path;    // before decoding, without the query
  std::string_view query;       // after '?', without it
  std::string path;             // decoded and normalized, always starts with '/'
};

// RFC 9112 3.2: origin-form, absolute-form (http/https) and asterisk-form.
PathError parse_request_target(std::string_view target, RequestTarget* out);
// Decodes and normalizes an origin-form path ("/a/%2e%2e/b" -> "/b").
PathError normalize_path(std::string_view raw_path, std::string* out);
// Percent-encodes bytes that are not unreserved, sub-delims, ':', '@' or '/' (for Location, hrefs).
std::string percent_encode_path(std::string_view path);

}  // namespace sluice::http
