// The answer for one regular file (or its .gz sibling), RFC 9110 throughout:
//  - validators: Last-Modified (8.8.2) and a strong ETag (8.8.3), distinct for the gzip variant;
//  - preconditions in the order of 13.2.2: 412 (If-Match, If-Unmodified-Since), 304 (If-None-Match,
//    If-Modified-Since) carrying the fields a 200 would (15.4.5);
//  - then Range with If-Range (13.1.5, 14.2) for GET only: 206 with Content-Range for one range,
//    multipart/byteranges for several (14.6), 416 with "Content-Range: bytes */LENGTH" (15.5.17),
//    the abuse limits of http/range.h (location max_ranges);
//  - Content-Encoding: gzip and Vary: Accept-Encoding (12.5.3) when gzip_static is on (Vary also
//    on the plain file, so caches keep the variants apart); Accept-Ranges: bytes (14.3);
//  - Expires / Cache-Control from the location.
// The body is a sub-slice of cached content (no copy) or a range of the open file.
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>

#include "conf/config.h"
#include "core/buf.h"
#include "http/body_source.h"
#include "http/handler.h"

namespace sluice::modules {

// One representation of a file, ready to send.
struct FileRep {
  int64_t mtime = 0;                             // seconds
  uint64_t size = 0;
  Slice cached;                                  // the whole content, when the cache holds it
  std::shared_ptr<const http::OpenFile> file;    // otherwise the open file
  bool gzip = false;                             // the precompressed sibling (FILE.gz)
  // ETag and Last-Modified as the file cache formatted them (empty: format them per response).
  // They point into the cache entry: valid until the cache's next non-const call, so only
  // respond_with_file() reads them, before it answers.
  std::string_view cached_etag;
  std::string_view cached_last_modified;

  // The bytes [offset, offset + length) as a body.
  std::unique_ptr<http::BodySource> body(uint64_t offset, uint64_t length) const;
};

// Answers the exchange with `rep`. `name` gives the Content-Type (the uncompressed file's name);
// `boundary_seed` makes the multipart boundary.
void respond_with_file(http::Exchange& ex, const FileRep& rep, std::string_view name,
                       const conf::LocationConfig& loc, uint64_t boundary_seed);

// Expires and Cache-Control from the location.
void add_cache_headers(const http::Exchange& ex, const conf::LocationConfig& loc, http::Response& r);

}  // namespace sluice::modules
