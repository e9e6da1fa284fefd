// Turns one complete request head (request line + fields + the empty line, all bytes contiguous)
// into a Request, applying RFC 9112's syntax rules strictly and the smuggling defenses of
// RFC 9112 6.3. Framing of the body is then left to llhttp (parser.h).
#pragma once
#include <string_view>

#include "http/counters.h"
#include "http/request.h"

namespace sluice::http {

struct HeadError {
  int status = 400;
  BadRequest reason = BadRequest::kMalformed;
};

// Returns false and fills `err` when the head must be refused. `req` views point into `head`.
bool parse_head_block(std::string_view head, Request* req, HeadError* err);

}  // namespace sluice::http
