#include "http/path.h"

#include <vector>

namespace sluice::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Bytes that are never part of well-formed UTF-8 (RFC 3629 3): overlong leads and > U+10FFFF.
bool never_utf8(unsigned char b) { return b == 0xC0 || b == 0xC1 || b >= 0xF5; }

bool bad_raw_byte(unsigned char b) {
  return b <= 0x20 || b == 0x7F || b == '#' || b == '"' || never_utf8(b);
}

// RFC 3986 2.1: percent-decoding, with the policy in path.h.
PathError decode(std::string_view raw, std::string* out) {
  out->clear();
  out->reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c == '\\') return PathError::kBackslash;
    if (bad_raw_byte(c)) return PathError::kBadByte;
    if (c != '%') {
      out->push_back(char(c));
      continue;
    }
    if (i + 2 >= raw.size()) return PathError::kBadEscape;
    int hi = hex_value(raw[i + 1]), lo = hex_value(raw[i + 2]);
    if (hi < 0 || lo < 0) return PathError::kBadEscape;
    unsigned char d = static_cast<unsigned char>(hi * 16 + lo);
    if (d == 0) return PathError::kNul;
    if (d == '/') return PathError::kEncodedSlash;
    if (d == '\\') return PathError::kBackslash;
    if (never_utf8(d)) return PathError::kBadByte;
    out->push_back(char(d));
    i += 2;
  }
  return PathError::kOk;
}

// RFC 3986 5.2.4 (remove_dot_segments) over segments, after merging repeated slashes; climbing
// above the root is an error rather than clamped.
PathError remove_dot_segments(std::string_view decoded, std::string* out) {
  std::vector<std::string_view> stack;
  bool trailing_slash = false;
  size_t i = 1;  // decoded[0] == '/'
  while (i <= decoded.size()) {
    size_t end = decoded.find('/', i);
    if (end == std::string_view::npos) end = decoded.size();
    std::string_view seg = decoded.substr(i, end - i);
    bool last = end == decoded.size();
    if (seg == "..") {
      if (stack.empty()) return PathError::kAboveRoot;
      stack.pop_back();
      trailing_slash = true;
    } else if (seg == "." || seg.empty()) {
      trailing_slash = true;  // "/a/." and "/a//" both end in a directory
    } else {
      stack.push_back(seg);
      trailing_slash = false;
    }
    if (last) break;
    i = end + 1;
  }
  out->clear();
  for (std::string_view s : stack) {
    out->push_back('/');
    out->append(s);
  }
  if (out->empty() || trailing_slash) out->push_back('/');
  return PathError::kOk;
}

// True when decode() and remove_dot_segments() would give `raw` (which starts with '/') back
// unchanged: no escapes and no byte decode() refuses, and no ".", ".." or empty segment except
// an empty last one (the trailing slash, which remove_dot_segments() keeps).
bool already_normal(std::string_view raw) {
  for (unsigned char c : raw) {
    if (c == '%' || c == '\\' || bad_raw_byte(c)) return false;
  }
  size_t i = 1;
  while (i < raw.size()) {
    size_t end = raw.find('/', i);
    if (end == std::string_view::npos) end = raw.size();
    std::string_view seg = raw.substr(i, end - i);
    if (seg.empty() || seg == "." || seg == "..") return false;
    i = end + 1;
  }
  return true;
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i];
    if (a >= 'A' && a <= 'Z') a = char(a - 'A' + 'a');
    if (a != prefix[i]) return false;
  }
  return true;
}

}  // namespace

const char* to_string(PathError e) {
  switch (e) {
    case PathError::kOk: return "ok";
    case PathError::kEmpty: return "bad target form";
    case PathError::kBadEscape: return "bad percent-escape";
    case PathError::kNul: return "encoded NUL";
    case PathError::kEncodedSlash: return "encoded slash";
    case PathError::kBackslash: return "backslash";
    case PathError::kBadByte: return "invalid byte";
    case PathError::kAboveRoot: return "path above root";
    case PathError::kBadAuthority: return "bad authority";
  }
  return "?";
}

PathError normalize_path(std::string_view raw_path, std::string* out) {
  if (raw_path.empty() || raw_path[0] != '/') return PathError::kEmpty;
  if (already_normal(raw_path)) {  // the common case: nothing to decode or remove
    out->assign(raw_path);
    return PathError::kOk;
  }
  std::string decoded;
  PathError e = decode(raw_path, &decoded);
  if (e != PathError::kOk) return e;
  return remove_dot_segments(decoded, out);
}

PathError parse_request_target(std::string_view target, RequestTarget* out) {
  *out = RequestTarget{};
  // RFC 9112 3.2.4: asterisk-form.
  if (target == "*") {
    out->asterisk = true;
    out->path = "*";
    return PathError::kOk;
  }
  std::string_view rest = target;
  // RFC 9112 3.2.2: absolute-form; the authority replaces Host (RFC 9112 3.2.2, 7.2).
  if (!rest.empty() && rest[0] != '/') {
    size_t scheme_len = iequals_prefix(rest, "http://") ? 7 : iequals_prefix(rest, "https://") ? 8 : 0;
    if (scheme_len == 0) return PathError::kEmpty;
    rest.remove_prefix(scheme_len);
    size_t end = rest.find_first_of("/?");
    out->authority = rest.substr(0, end);
    if (out->authority.empty() || out->authority.find('@') != std::string_view::npos)
      return PathError::kBadAuthority;
    for (unsigned char c : out->authority) {
      if (bad_raw_byte(c) || c == '\\') return PathError::kBadAuthority;
    }
    out->absolute_form = true;
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  }
  size_t q = rest.find('?');
  out->raw_path = rest.substr(0, q);
  if (q != std::string_view::npos) {
    out->query = rest.substr(q + 1);
    for (unsigned char c : out->query) {
      if (c <= 0x20 || c == 0x7F || c == '#') return PathError::kBadByte;
    }
  }
  if (out->raw_path.empty()) {
    if (!out->absolute_form) return PathError::kEmpty;
    out->raw_path = "/";  // RFC 9112 3.2.2: an empty path in absolute-form means "/"
  }
  return normalize_path(out->raw_path, &out->path);
}

std::string percent_encode_path(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size());
  for (unsigned char c : path) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                std::string_view("-._~!$&'()*+,;=:@/").find(char(c)) != std::string_view::npos;
    if (keep) {
      out.push_back(char(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace sluice::http
