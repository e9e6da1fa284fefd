// RFC 9112 2.2 (message parsing), 3 (request line), 5 (field syntax), 6.1-6.3 (body framing),
// 9.3 (persistence); RFC 9110 7.2 (Host), 10.1.1 (Expect).
#include "http/head.h"

#include <array>
#include <charconv>

namespace sluice::http {
namespace {

// RFC 9110 5.5: a field value holds no CTL other than HTAB (SP, VCHAR and obs-text are allowed).
constexpr std::array<bool, 256> kFieldValueTable = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 256; ++c) t[size_t(c)] = c != 0x7F;
  t['\t'] = true;
  return t;
}();

// RFC 3986 3.2.2: reg-name's unreserved / pct-encoded / sub-delims, and IP-literal's brackets
// and colons.
constexpr std::array<bool, 256> kHostCharTable = alnum_and("-._~!$&'()*+,;=[]:%");

bool fail(HeadError* err, int status, BadRequest reason) {
  err->status = status;
  err->reason = reason;
  return false;
}

std::string_view trim_ows(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

// RFC 9112 2.2: every line ends in CRLF; a bare CR anywhere, or a bare LF, is refused.
// Returns how many lines the head has (the last one empty), or 0 when it breaks these rules.
size_t count_lines(std::string_view head) {
  size_t start = 0, lines = 0;
  bool last_empty = false;
  while (start < head.size()) {
    size_t lf = head.find('\n', start);
    if (lf == std::string_view::npos || lf == start || head[lf - 1] != '\r') return 0;
    std::string_view line = head.substr(start, lf - 1 - start);
    if (line.find('\r') != std::string_view::npos) return 0;
    ++lines;
    last_empty = line.empty();
    start = lf + 1;
  }
  return lines > 0 && last_empty ? lines : 0;
}

// The line at *start of a head count_lines() accepted, without its CRLF; moves *start past it.
std::string_view next_line(std::string_view head, size_t* start) {
  size_t lf = head.find('\n', *start);
  std::string_view line = head.substr(*start, lf - 1 - *start);
  *start = lf + 1;
  return line;
}

// RFC 9112 3: request-line = method SP request-target SP HTTP-version, single spaces.
bool parse_request_line(std::string_view line, Request* req, HeadError* err) {
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return fail(err, 400, BadRequest::kMalformed);
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return fail(err, 400, BadRequest::kMalformed);
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method) || target.empty()) return fail(err, 400, BadRequest::kMalformed);
  for (unsigned char c : target) {
    if (c < 0x21 || c == 0x7F) return fail(err, 400, BadRequest::kMalformed);
  }
  // RFC 9112 2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT; we speak 1.0 and 1.1 (RFC 9110 15.6.6).
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
    return fail(err, 400, BadRequest::kMalformed);
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1'))
    return fail(err, 505, BadRequest::kBadVersion);
  req->minor_version = version[7] - '0';
  req->request_line = line;
  req->target = target;
  auto m = method_from_token(method);
  // RFC 9110 9.1: an unrecognized method is 501. CONNECT is a proxy's method: not implemented.
  if (!m || *m == Method::kConnect) return fail(err, 501, BadRequest::kUnknownMethod);
  req->method = *m;
  return true;
}

// RFC 9112 5.1, 5.2: field-line = field-name ":" OWS field-value OWS; no whitespace before the
// colon, no obs-fold; RFC 9110 5.5: no CTLs other than HTAB in values.
bool parse_field_line(std::string_view line, Header* out, HeadError* err) {
  if (line[0] == ' ' || line[0] == '\t') return fail(err, 400, BadRequest::kBadHeader);  // obs-fold
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon)))
    return fail(err, 400, BadRequest::kBadHeader);
  std::string_view value = trim_ows(line.substr(colon + 1));
  for (unsigned char c : value) {
    if (!kFieldValueTable[c]) return fail(err, 400, BadRequest::kBadHeader);
  }
  *out = Header{line.substr(0, colon), value};
  return true;
}

// RFC 9110 7.2 / RFC 3986 3.2.2: host = reg-name / IP-literal, optional ":" port.
bool normalize_host(std::string_view raw, std::string* out) {
  out->clear();
  std::string_view host = raw;
  if (!host.empty() && host[0] == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view after = host.substr(close + 1);
    if (!after.empty() && after[0] != ':') return false;
    host = host.substr(0, close + 1);
  } else {
    size_t colon = host.find(':');
    if (colon != std::string_view::npos) {
      for (char c : host.substr(colon + 1)) {
        if (c < '0' || c > '9') return false;
      }
      host = host.substr(0, colon);
    }
  }
  out->resize(host.size());
  for (size_t i = 0; i < host.size(); ++i) {
    if (!kHostCharTable[static_cast<unsigned char>(host[i])]) return false;
    (*out)[i] = ascii_lower(host[i]);
  }
  if (!out->empty() && out->back() == '.') out->pop_back();
  return true;
}

// RFC 9112 6.3: exactly one well-formed Content-Length, or Transfer-Encoding "chunked" alone,
// never both.
bool apply_framing(const Request& r, Request* req, HeadError* err) {
  int cl_count = 0;
  std::string_view cl;
  std::vector<std::string_view> te;
  for (const Header& h : r.headers) {
    if (iequals(h.name, "content-length")) {
      ++cl_count;
      cl = h.value;
    } else if (iequals(h.name, "transfer-encoding")) {
      te.push_back(h.value);
    }
  }
  if (cl_count > 1 || (cl_count == 1 && !te.empty())) return fail(err, 400, BadRequest::kBadFraming);
  if (cl_count == 1) {
    uint64_t n = 0;
    if (cl.empty() || cl.size() > 18) return fail(err, 400, BadRequest::kBadFraming);
    auto [p, ec] = std::from_chars(cl.data(), cl.data() + cl.size(), n);
    if (ec != std::errc() || p != cl.data() + cl.size()) return fail(err, 400, BadRequest::kBadFraming);
    req->content_length = n;
  }
  if (!te.empty()) {
    // RFC 9112 6.1: HTTP/1.0 has no transfer codings; chunked must be the only (final) coding;
    // we implement no other coding, so anything else is refused rather than guessed at.
    if (r.minor_version == 0 || te.size() != 1 || !iequals(trim_ows(te[0]), "chunked"))
      return fail(err, 400, BadRequest::kBadFraming);
    req->chunked = true;
  }
  return true;
}

bool apply_semantics(Request* req, HeadError* err) {
  int host_count = 0;
  std::string_view host;
  std::string_view connection_lists[8];
  size_t connections = 0;
  for (const Header& h : req->headers) {
    if (iequals(h.name, "host")) {
      ++host_count;
      host = h.value;
    } else if (iequals(h.name, "connection") && connections < 8) {
      connection_lists[connections++] = h.value;
    } else if (iequals(h.name, "expect")) {
      // RFC 9110 10.1.1: 100-continue is the only expectation defined.
      if (!iequals(h.value, "100-continue")) return fail(err, 417, BadRequest::kExpectation);
      req->expect_continue = req->minor_version >= 1;
    }
  }
  // RFC 9112 3.2: HTTP/1.1 needs exactly one Host; more than one is always 400.
  if (host_count > 1 || (host_count == 0 && req->minor_version >= 1))
    return fail(err, 400, BadRequest::kMissingHost);
  // RFC 9112 3.2.2: absolute-form's authority takes precedence over Host.
  std::string_view authority = req->parsed.absolute_form ? req->parsed.authority : host;
  if (!normalize_host(authority, &req->host)) return fail(err, 400, BadRequest::kMissingHost);
  // RFC 9112 9.3: "close" ends the connection; 1.1 is persistent by default; 1.0 needs
  // "keep-alive".
  bool close = false, keep_alive = false;
  for (size_t i = 0; i < connections; ++i) {
    close |= list_has_token(connection_lists[i], "close");
    keep_alive |= list_has_token(connection_lists[i], "keep-alive");
  }
  req->keep_alive = !close && (req->minor_version >= 1 || keep_alive);
  return apply_framing(*req, req, err);
}

}  // namespace

bool parse_head_block(std::string_view head, Request* req, HeadError* err) {
  // Checked whole first, then walked: no list of lines to allocate.
  const size_t lines = count_lines(head);
  if (lines == 0) return fail(err, 400, BadRequest::kBadHeader);
  size_t pos = 0;
  if (!parse_request_line(next_line(head, &pos), req, err)) return false;
  req->headers.reserve(lines - 2);
  for (size_t i = 1; i + 1 < lines; ++i) {
    Header h;
    if (!parse_field_line(next_line(head, &pos), &h, err)) return false;
    req->headers.push_back(h);
  }
  PathError pe = parse_request_target(req->target, &req->parsed);
  if (pe != PathError::kOk) return fail(err, 400, BadRequest::kBadTarget);
  // RFC 9112 3.2.4: asterisk-form only for OPTIONS.
  if (req->parsed.asterisk && req->method != Method::kOptions)
    return fail(err, 400, BadRequest::kBadTarget);
  return apply_semantics(req, err);
}

}  // namespace sluice::http
