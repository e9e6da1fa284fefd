// Content negotiation of Accept-Encoding (RFC 9110 12.5.3) for precompressed variants.
#pragma once
#include <string_view>

namespace sluice::http {

// True when the Accept-Encoding field value allows `coding` ("gzip"): the coding (or, for gzip,
// its alias "x-gzip", RFC 9110 18.6) is listed with a qvalue above 0, or it is not listed and "*"
// is, with a qvalue above 0. "gzip;q=0" forbids it. A member with an invalid weight is ignored.
// No field at all means identity for us (nginx's gzip_static serves .gz only when asked).
bool accepts_coding(std::string_view accept_encoding, std::string_view coding);

}  // namespace sluice::http
