// Validators and conditional requests: RFC 9110 8.8.3 (ETag), 8.8.2 (Last-Modified),
// 13.1 (preconditions) evaluated in the order of 13.2.2.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "http/request.h"

namespace sluice::http {

// nginx-style strong ETag: "<mtime hex>-<size hex>" with the quotes; a variant (the gzip_static
// sibling) appends "-<variant>" inside the quotes, so it never equals the plain file's tag.
std::string make_etag(int64_t mtime, uint64_t size, std::string_view variant = {});

// RFC 9110 8.8.3.2: strong (both strong and equal) or weak (opaque tags equal) comparison of
// `tag` against each member of an If-Match / If-None-Match list; "*" matches any current tag.
bool etag_list_matches(std::string_view list, std::string_view tag, bool weak);

enum class Precondition {
  kProceed,      // serve normally
  kNotModified,  // 304 (GET/HEAD)
  kFailed,       // 412
};

// RFC 9110 13.2.2: If-Match, else If-Unmodified-Since; then If-None-Match, else If-Modified-Since.
Precondition evaluate_preconditions(const Request& req, Method method, std::string_view etag,
                                    int64_t mtime);

}  // namespace sluice::http
