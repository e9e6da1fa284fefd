// RFC 9112: 4 (status line), 5 (fields), 6.3 (message body length), 7.1 (chunked), 9.3 (persistence).
#include "bench/load/response_parser.h"

#include <cstring>
#include <string_view>

namespace sluice::bench {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// True when the comma-separated list `value` holds `token` (case-insensitive).
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

bool parse_decimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + uint64_t(c - '0');
  }
  *out = v;
  return true;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void ResponseParser::reset(bool head_request) {
  *this = ResponseParser();
  head_ = head_request;
}

ResponseParser::Result ResponseParser::fail(const char* why) {
  state_ = State::kError;
  error_ = why;
  return Result::kError;
}

bool ResponseParser::take_line(const uint8_t* p, size_t n, size_t* i) {
  const uint8_t* start = p + *i;
  const size_t avail = n - *i;
  const auto* lf = static_cast<const uint8_t*>(std::memchr(start, '\n', avail));
  const size_t len = lf ? size_t(lf - start) : avail;  // the bytes before the LF
  const size_t consumed = len + (lf ? 1 : 0);
  *i += consumed;
  header_bytes_ += consumed;
  if (header_bytes_ > kHeaderMax) return false;
  // A CR that ended the previous piece was inside the line if more of the line follows it.
  if (line_cr_ && len > 0) keep("\r", 1);
  line_cr_ = false;
  size_t text = len;
  if (text > 0 && start[text - 1] == '\r') {  // CRLF ends the line; at the piece's end, maybe
    --text;
    line_cr_ = lf == nullptr;
  }
  keep(reinterpret_cast<const char*>(start), text);
  return lf != nullptr;
}

void ResponseParser::keep(const char* s, size_t n) {
  size_t room = kLineMax - line_len_;
  if (n > room) n = room;
  std::memcpy(line_ + line_len_, s, n);
  line_len_ += n;
}

ResponseParser::Result ResponseParser::feed(const uint8_t* p, size_t n, size_t* used) {
  size_t i = 0;
  while (i < n && state_ != State::kDone && state_ != State::kError) {
    switch (state_) {
      case State::kStatus: case State::kHeaders: case State::kChunkSize: case State::kChunkEnd:
      case State::kTrailers: {
        if (!take_line(p, n, &i)) {
          if (header_bytes_ > kHeaderMax) return fail("header section too large");
          break;
        }
        bool ok = on_line();
        line_len_ = 0;
        line_cr_ = false;
        if (!ok) { *used = i; return Result::kError; }
        break;
      }
      case State::kBody: case State::kChunkData: {
        uint64_t take = n - i < remaining_ ? n - i : remaining_;
        i += size_t(take);
        remaining_ -= take;
        body_bytes_ += take;
        if (remaining_ == 0) state_ = state_ == State::kBody ? State::kDone : State::kChunkEnd;
        break;
      }
      case State::kUntilEof:
        body_bytes_ += n - i;
        i = n;
        break;
      case State::kDone: case State::kError: break;
    }
  }
  *used = i;
  if (state_ == State::kError) return Result::kError;
  return state_ == State::kDone ? Result::kDone : Result::kNeedMore;
}

ResponseParser::Result ResponseParser::finish_eof() {
  if (state_ == State::kDone) return Result::kDone;
  if (state_ == State::kUntilEof) {
    state_ = State::kDone;
    keep_alive_ = false;
    return Result::kDone;
  }
  return fail(idle() ? "connection closed before a response" : "connection closed mid-response");
}

bool ResponseParser::on_line() {
  switch (state_) {
    case State::kStatus: return on_status_line();
    case State::kHeaders: return line_len_ == 0 ? end_of_headers() : on_header_line();
    case State::kChunkSize: header_bytes_ = 0; return on_chunk_size_line();  // the limit is per line here
    case State::kChunkEnd:
      header_bytes_ = 0;
      if (line_len_ != 0) { fail("chunk data longer than its size"); return false; }
      state_ = State::kChunkSize;
      return true;
    case State::kTrailers:
      if (line_len_ == 0) state_ = State::kDone;  // RFC 9112 7.1.2: trailer fields are ignored
      return true;
    default: return true;
  }
}

// RFC 9112 4: HTTP-version SP 3DIGIT SP [ reason-phrase ]
bool ResponseParser::on_status_line() {
  std::string_view l(line_, line_len_);
  if (l.empty() && header_bytes_ <= 2) return true;  // RFC 9112 2.2: a stray CRLF before the message
  if (l.size() < 12 || l.substr(0, 7) != "HTTP/1." || (l[7] != '0' && l[7] != '1') || l[8] != ' ' ||
      (l.size() > 12 && l[12] != ' ')) {
    fail("malformed status line");
    return false;
  }
  int s = 0;
  for (size_t k = 9; k < 12; ++k) {
    if (l[k] < '0' || l[k] > '9') { fail("malformed status code"); return false; }
    s = s * 10 + (l[k] - '0');
  }
  if (s < 100) { fail("malformed status code"); return false; }
  status_ = s;
  http10_ = l[7] == '0';
  keep_alive_ = !http10_;
  state_ = State::kHeaders;
  return true;
}

bool ResponseParser::on_header_line() {
  std::string_view l(line_, line_len_);
  if (l.front() == ' ' || l.front() == '\t') { fail("obsolete line folding"); return false; }  // RFC 9112 5.2
  size_t colon = l.find(':');
  if (colon == std::string_view::npos || colon == 0) { fail("malformed header line"); return false; }
  std::string_view name = l.substr(0, colon);
  if (name.back() == ' ' || name.back() == '\t') { fail("whitespace before a colon"); return false; }  // RFC 9112 5.1
  std::string_view value = trim(l.substr(colon + 1));
  if (iequals(name, "content-length")) {
    uint64_t v;
    if (!parse_decimal(value, &v) || (has_length_ && v != content_length_)) {
      fail("bad Content-Length");
      return false;
    }
    has_length_ = true;
    content_length_ = v;
  } else if (iequals(name, "transfer-encoding")) {
    chunked_ = has_token(value, "chunked");
    if (!chunked_) { fail("unsupported Transfer-Encoding"); return false; }
  } else if (iequals(name, "connection")) {
    if (has_token(value, "close")) keep_alive_ = false;
    else if (has_token(value, "keep-alive")) keep_alive_ = true;
  }
  return true;
}

// RFC 9112 6.3: how long the body is.
bool ResponseParser::end_of_headers() {
  if (status_ < 200) {  // interim response (100 Continue, 103 Early Hints): another follows
    bool head = head_;
    reset(head);
    return true;
  }
  header_bytes_ = 0;
  if (head_ || status_ == 204 || status_ == 304) {
    state_ = State::kDone;
  } else if (chunked_) {
    state_ = State::kChunkSize;
  } else if (has_length_) {
    remaining_ = content_length_;
    state_ = remaining_ ? State::kBody : State::kDone;
  } else {
    state_ = State::kUntilEof;
    keep_alive_ = false;
  }
  return true;
}

// RFC 9112 7.1: chunk-size [ chunk-ext ] CRLF
bool ResponseParser::on_chunk_size_line() {
  uint64_t v = 0;
  size_t k = 0;
  for (; k < line_len_; ++k) {
    int d = hex_digit(line_[k]);
    if (d < 0) break;
    if (v >> 56) { fail("chunk size too large"); return false; }
    v = v * 16 + uint64_t(d);
  }
  if (k == 0 || (k < line_len_ && line_[k] != ';' && line_[k] != ' ' && line_[k] != '\t')) {
    fail("malformed chunk size");
    return false;
  }
  if (v == 0) {
    state_ = State::kTrailers;
  } else {
    remaining_ = v;
    state_ = State::kChunkData;
  }
  return true;
}

}  // namespace sluice::bench
