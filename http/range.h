// Range requests: RFC 9110 14 (Range, Content-Range, 206, 416) and 13.1.5 (If-Range).
//
// Policy against abusive range lists (nginx-like, documented here and in static_handler.h):
//  - more range-specs than `max_ranges` -> the Range field is ignored: 200 with the whole content;
//  - the satisfiable ranges add up to more bytes than the representation has (overlaps such as
//    "0-,0-,0-") -> ignored: 200 with the whole content;
//  - neighbours in the list that overlap or are separated by a gap of at most `coalesce_gap` bytes
//    are merged (RFC 9110 14.6 allows it; the list order is otherwise kept);
//  - a syntactically invalid field or a unit other than "bytes" -> ignored (RFC 9110 14.2);
//  - nothing satisfiable -> 416 with "Content-Range: bytes */LENGTH" (RFC 9110 15.5.17);
//  - a zero-length representation is always sent whole (no range of it can be expressed).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::http {

struct ByteRange {
  uint64_t first = 0;  // both inclusive, within the representation
  uint64_t last = 0;
  uint64_t length() const { return last - first + 1; }
  bool operator==(const ByteRange&) const = default;
};

struct RangePolicy {
  uint32_t max_ranges = 16;
  uint64_t coalesce_gap = 80;  // about what one more part's header costs
};

enum class RangeOutcome {
  kIgnore,         // send the whole representation (200)
  kPartial,        // 206 with `ranges` (one: a single part; more: multipart/byteranges)
  kUnsatisfiable,  // 416
};

struct RangePlan {
  RangeOutcome outcome = RangeOutcome::kIgnore;
  std::vector<ByteRange> ranges;
};

// A parsed range-spec before it meets a length: first-pos "-" [last-pos], or "-" suffix-length.
struct RangeSpec {
  bool suffix = false;
  uint64_t first = 0;     // int-range
  uint64_t last = UINT64_MAX;  // int-range; UINT64_MAX when open ("500-")
  uint64_t suffix_length = 0;
};

// RFC 9110 14.1.1: "bytes=" range-set. False when the field is invalid or uses another unit.
// Numbers too large for 64 bits saturate (such a first-pos is simply unsatisfiable).
bool parse_range_field(std::string_view field, std::vector<RangeSpec>* out, size_t max_specs);

// Applies RFC 9110 14.1.1 satisfiability and the policy above to a Range field for a
// representation of `length` bytes.
RangePlan plan_ranges(std::string_view field, uint64_t length, const RangePolicy& policy);

// RFC 9110 13.1.5: true when the range may be applied: If-Range is a strong entity-tag equal to
// `etag` (strong comparison), or an HTTP-date exactly equal to the Last-Modified time `mtime`.
// Anything else (weak tag, other tag, other date, garbage) means "send the whole content".
bool if_range_holds(std::string_view if_range, std::string_view etag, int64_t mtime);

// RFC 9110 14.4: "bytes 0-499/1234" and "bytes */1234".
std::string content_range(const ByteRange& r, uint64_t length);
std::string unsatisfied_range(uint64_t length);

}  // namespace sluice::http
