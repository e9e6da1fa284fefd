#include "http/request.h"

#include <array>

#include "http/counters.h"

namespace sluice::http {

namespace {
struct MethodName {
  Method m;
  std::string_view name;
};
constexpr MethodName kMethods[] = {
    {Method::kGet, "GET"},         {Method::kHead, "HEAD"},       {Method::kPost, "POST"},
    {Method::kPut, "PUT"},         {Method::kDelete, "DELETE"},   {Method::kConnect, "CONNECT"},
    {Method::kOptions, "OPTIONS"}, {Method::kTrace, "TRACE"},     {Method::kPatch, "PATCH"},
};
}  // namespace

// RFC 9110 9.1: the method token is case-sensitive.
std::optional<Method> method_from_token(std::string_view token) {
  for (const auto& m : kMethods) {
    if (m.name == token) return m.m;
  }
  return std::nullopt;
}

const char* to_string(Method m) {
  for (const auto& e : kMethods) {
    if (e.m == m) return e.name.data();
  }
  return "?";
}

const char* to_string(BadRequest r) {
  switch (r) {
    case BadRequest::kMalformed: return "malformed";
    case BadRequest::kRequestLineTooLong: return "request_line_too_long";
    case BadRequest::kHeaderTooLarge: return "header_too_large";
    case BadRequest::kTooManyHeaders: return "too_many_headers";
    case BadRequest::kBodyTooLarge: return "body_too_large";
    case BadRequest::kUnknownMethod: return "unknown_method";
    case BadRequest::kBadVersion: return "bad_version";
    case BadRequest::kMissingHost: return "missing_host";
    case BadRequest::kBadFraming: return "bad_framing";
    case BadRequest::kBadHeader: return "bad_header";
    case BadRequest::kBadTarget: return "bad_target";
    case BadRequest::kExpectation: return "expectation";
    case BadRequest::kTimeout: return "timeout";
    case BadRequest::kCount: break;
  }
  return "?";
}

bool list_has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::string_view Request::header(std::string_view name) const {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return {};
}

bool Request::has_header(std::string_view name) const {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return true;
  }
  return false;
}

}  // namespace sluice::http
