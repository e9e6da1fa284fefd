#include "http/range.h"

#include <algorithm>
#include <cstdio>

#include "http/date_cache.h"
#include "http/request.h"

namespace sluice::http {
namespace {

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view v) {
  while (!v.empty() && is_ows(v.front())) v.remove_prefix(1);
  while (!v.empty() && is_ows(v.back())) v.remove_suffix(1);
  return v;
}

// 1*DIGIT, saturating at UINT64_MAX. False when empty or not all digits.
bool parse_pos(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = uint64_t(c - '0');
    v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
  }
  *out = v;
  return true;
}

// RFC 9110 14.1.1: int-range = first-pos "-" [ last-pos ]; suffix-range = "-" suffix-length.
bool parse_spec(std::string_view s, RangeSpec* out) {
  size_t dash = s.find('-');
  if (dash == std::string_view::npos) return false;
  std::string_view a = s.substr(0, dash), b = s.substr(dash + 1);
  if (a.empty()) {
    out->suffix = true;
    return parse_pos(b, &out->suffix_length);
  }
  if (!parse_pos(a, &out->first)) return false;
  if (b.empty()) return true;
  if (!parse_pos(b, &out->last)) return false;
  return out->last >= out->first;  // "An int-range is invalid if the last-pos ... is less than"
}

// RFC 9110 14.1.1: the satisfiable part of one spec against `length`, clipped; false if none.
bool resolve(const RangeSpec& s, uint64_t length, ByteRange* out) {
  if (s.suffix) {
    if (s.suffix_length == 0) return false;
    out->first = s.suffix_length >= length ? 0 : length - s.suffix_length;
    out->last = length - 1;
    return true;
  }
  if (s.first >= length) return false;
  out->first = s.first;
  out->last = s.last >= length ? length - 1 : s.last;
  return true;
}

bool near(const ByteRange& a, const ByteRange& b, uint64_t gap) {
  const ByteRange& lo = a.first <= b.first ? a : b;
  const ByteRange& hi = a.first <= b.first ? b : a;
  return hi.first <= lo.last || hi.first - lo.last - 1 <= gap;
}

// RFC 9110 14.6: merges list neighbours that overlap or nearly touch, keeping the list order.
std::vector<ByteRange> coalesce(const std::vector<ByteRange>& in, uint64_t gap) {
  std::vector<ByteRange> out;
  for (const ByteRange& r : in) {
    if (!out.empty() && near(out.back(), r, gap)) {
      out.back().first = std::min(out.back().first, r.first);
      out.back().last = std::max(out.back().last, r.last);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace

bool parse_range_field(std::string_view field, std::vector<RangeSpec>* out, size_t max_specs) {
  field = trim(field);
  // RFC 9110 14.1: range units are case-insensitive.
  if (field.size() < 6 || !iequals(field.substr(0, 6), "bytes=")) return false;
  std::string_view set = field.substr(6);
  out->clear();
  // RFC 9110 5.6.1: 1#element tolerates empty list elements and OWS around commas.
  while (!set.empty()) {
    size_t comma = set.find(',');
    std::string_view item = trim(set.substr(0, comma));
    set = comma == std::string_view::npos ? std::string_view() : set.substr(comma + 1);
    if (item.empty()) continue;
    RangeSpec spec;
    if (!parse_spec(item, &spec)) return false;
    if (out->size() == max_specs) return false;  // over the limit: the caller ignores the field
    out->push_back(spec);
  }
  return !out->empty();
}

RangePlan plan_ranges(std::string_view field, uint64_t length, const RangePolicy& policy) {
  RangePlan plan;
  std::vector<RangeSpec> specs;
  if (policy.max_ranges == 0 || length == 0) return plan;
  if (!parse_range_field(field, &specs, policy.max_ranges)) return plan;
  std::vector<ByteRange> ranges;
  uint64_t total = 0;
  for (const RangeSpec& s : specs) {
    ByteRange r;
    if (!resolve(s, length, &r)) continue;
    total += r.length();
    // Overlapping requests for more than the whole: not worth a multipart answer (nginx's rule).
    if (total > length) return plan;
    ranges.push_back(r);
  }
  if (ranges.empty()) {
    plan.outcome = RangeOutcome::kUnsatisfiable;  // RFC 9110 15.5.17
    return plan;
  }
  plan.outcome = RangeOutcome::kPartial;
  plan.ranges = coalesce(ranges, policy.coalesce_gap);
  return plan;
}

bool if_range_holds(std::string_view if_range, std::string_view etag, int64_t mtime) {
  if_range = trim(if_range);
  if (if_range.empty()) return false;
  // RFC 9110 13.1.5: an entity-tag is compared strongly; a weak one never matches.
  if (if_range.front() == '"' || if_range.starts_with("W/")) {
    return if_range.front() == '"' && !etag.empty() && etag.front() == '"' && if_range == etag;
  }
  // A date must match the Last-Modified exactly (it is only a strong validator then).
  auto date = parse_http_date(if_range);
  return date && *date == mtime;
}

std::string content_range(const ByteRange& r, uint64_t length) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "bytes %llu-%llu/%llu", static_cast<unsigned long long>(r.first),
                static_cast<unsigned long long>(r.last), static_cast<unsigned long long>(length));
  return buf;
}

std::string unsatisfied_range(uint64_t length) {
  return "bytes */" + std::to_string(length);
}

}  // namespace sluice::http
