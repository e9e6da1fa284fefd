// multipart/byteranges (RFC 9110 14.6, 15.3.7.2): the body of a 206 for several ranges.
//
//   "\r\n--BOUNDARY\r\nContent-Type: T\r\nContent-Range: bytes a-b/LEN\r\n\r\n" DATA   (per range)
//   "\r\n--BOUNDARY--\r\n"
//
// (nginx's layout: the CRLF before each delimiter belongs to the delimiter, RFC 2046 5.1.1, and an
// empty preamble precedes the first.) Part data comes from a callback, so it can be sub-slices of
// cached content (no copy) or ranges of an open file.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/body_source.h"
#include "http/range.h"

namespace sluice::http {

using PartBodyFactory = std::function<std::unique_ptr<BodySource>(uint64_t offset, uint64_t length)>;

struct MultipartBody {
  std::string content_type;          // "multipart/byteranges; boundary=..."
  std::unique_ptr<BodySource> body;  // length() known
};

// A boundary of 20 characters derived from `seed` (a per-handler sequence mixed with the
// representation's tag): unpredictable enough never to occur in the parts by accident.
std::string make_boundary(uint64_t seed);

MultipartBody make_byteranges(const std::vector<ByteRange>& ranges, uint64_t length,
                              std::string_view part_type, std::string_view boundary,
                              const PartBodyFactory& part);

}  // namespace sluice::http
