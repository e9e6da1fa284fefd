#include "http/conditional.h"


#include "http/date_cache.h"

namespace sluice::http {
namespace {

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

bool is_weak(std::string_view tag) { return tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/'; }
std::string_view opaque(std::string_view tag) { return is_weak(tag) ? tag.substr(2) : tag; }

}  // namespace

namespace {
// Lowercase hex without leading zeros ("0" for zero), as printf's %llx.
char* put_hex(char* p, uint64_t v) {
  char tmp[16];
  size_t n = 0;
  do {
    tmp[n++] = "0123456789abcdef"[v & 15];
    v >>= 4;
  } while (v != 0);
  while (n > 0) *p++ = tmp[--n];
  return p;
}
}  // namespace

// Formatted by hand (it runs for every file response): "<mtime hex>-<size hex>[-variant]".
std::string make_etag(int64_t mtime, uint64_t size, std::string_view variant) {
  char buf[36];
  char* p = buf;
  *p++ = '"';
  p = put_hex(p, static_cast<uint64_t>(mtime));
  *p++ = '-';
  p = put_hex(p, size);
  std::string tag;
  tag.reserve(size_t(p - buf) + variant.size() + 2);
  tag.append(buf, size_t(p - buf));
  if (!variant.empty()) {
    tag += '-';
    tag += variant;
  }
  tag += '"';
  return tag;
}

bool etag_list_matches(std::string_view list, std::string_view tag, bool weak) {
  list = trim(list);
  if (list == "*") return true;
  // Entity tags are quoted and may contain commas only inside quotes: walk them.
  size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && (list[i] == ' ' || list[i] == '\t' || list[i] == ',')) ++i;
    if (i >= list.size()) break;
    size_t start = i;
    if (list.substr(i, 2) == "W/") i += 2;
    if (i >= list.size() || list[i] != '"') return false;  // malformed: no match
    size_t close = list.find('"', i + 1);
    if (close == std::string_view::npos) return false;
    std::string_view member = list.substr(start, close + 1 - start);
    i = close + 1;
    if (weak) {
      if (opaque(member) == opaque(tag)) return true;
    } else if (!is_weak(member) && !is_weak(tag) && member == tag) {
      return true;
    }
  }
  return false;
}

Precondition evaluate_preconditions(const Request& req, Method method, std::string_view etag,
                                    int64_t mtime) {
  // RFC 9110 13.1.1 / 13.1.4: If-Match (strong), or If-Unmodified-Since without If-Match.
  if (req.has_header("If-Match")) {
    if (!etag_list_matches(req.header("If-Match"), etag, false)) return Precondition::kFailed;
  } else if (req.has_header("If-Unmodified-Since")) {
    auto since = parse_http_date(req.header("If-Unmodified-Since"));
    if (since && mtime > *since) return Precondition::kFailed;
  }
  bool get_or_head = method == Method::kGet || method == Method::kHead;
  // RFC 9110 13.1.2: If-None-Match (weak); a match is 304 for GET/HEAD, 412 otherwise.
  if (req.has_header("If-None-Match")) {
    if (etag_list_matches(req.header("If-None-Match"), etag, true))
      return get_or_head ? Precondition::kNotModified : Precondition::kFailed;
    return Precondition::kProceed;
  }
  // RFC 9110 13.1.3: If-Modified-Since only for GET/HEAD and only without If-None-Match; an
  // invalid date is ignored.
  if (get_or_head && req.has_header("If-Modified-Since")) {
    auto since = parse_http_date(req.header("If-Modified-Since"));
    if (since && mtime <= *since) return Precondition::kNotModified;
  }
  return Precondition::kProceed;
}

}  // namespace sluice::http
