// RFC 9112 2.2 (message parsing), 6 (body framing), 7.1 (chunked); limits per RFC 9110 15.5.14
// (413), 15.5.15 (414) and RFC 6585 5 (431).
#include "http/parser.h"

#include <algorithm>
#include <cstring>

#include "http/head.h"

namespace sluice::http {

// The callbacks are the same for every parser: one immutable table, not 184 bytes per connection.
const llhttp_settings_t& RequestParser::settings() {
  static const llhttp_settings_t s = [] {
    llhttp_settings_t t;
    llhttp_settings_init(&t);
    t.on_body = &RequestParser::on_body;
    t.on_chunk_header = &RequestParser::on_chunk_header;
    t.on_message_complete = &RequestParser::on_message_complete;
    return t;
  }();
  return s;
}

RequestParser::RequestParser(const ParserLimits& limits) : limits_(limits) {
  llhttp_init(&llhttp_, HTTP_REQUEST, &settings());
  llhttp_.data = this;
}

void RequestParser::reset() {
  llhttp_reset(&llhttp_);
  llhttp_.data = this;
  head_.clear();
  line_start_ = request_line_end_ = 0;
  field_lines_ = 0;
  head_done_ = body_done_ = false;
  body_bytes_ = chunks_ = framing_bytes_ = 0;
  std::vector<Header> headers = std::move(req_.headers);
  headers.clear();
  req_ = Request{};
  req_.headers = std::move(headers);  // its capacity serves the next request
  err_status_ = 0;
}

ParserBuffers ParserBufferPool::take() {
  if (spare_.empty()) return {};
  ParserBuffers b = std::move(spare_.back());
  spare_.pop_back();
  return b;
}

void ParserBufferPool::give(ParserBuffers b) {
  if (spare_.size() >= kMaxSpare) return;
  b.head.clear();
  b.headers.clear();
  // Swapped with empty ones, so the storage is freed (a move-assignment may keep it).
  if (b.head.capacity() > kMaxKeptHead) std::string().swap(b.head);
  if (b.headers.capacity() > kMaxKeptFields) std::vector<Header>().swap(b.headers);
  spare_.push_back(std::move(b));
}

void RequestParser::adopt_buffers(ParserBuffers b) {
  b.head.clear();
  b.headers.clear();
  head_ = std::move(b.head);
  req_.headers = std::move(b.headers);
}

ParserBuffers RequestParser::release_buffers() {
  req_.headers.clear();  // views into head_
  return {std::move(head_), std::move(req_.headers)};
}

std::string_view RequestParser::partial_request_line() const {
  std::string_view h(head_);
  size_t end = h.find_first_of("\r\n");
  return end == std::string_view::npos ? h : h.substr(0, end);
}

ParseStatus RequestParser::error(int status, BadRequest reason) {
  err_status_ = status;
  err_reason_ = reason;
  return ParseStatus::kError;
}

// Copies bytes of `s` up to and including the head's final LF into head_. Returns true when the
// head is complete; *used is how many bytes of `s` were taken. Limits are checked as bytes arrive.
bool RequestParser::scan(const Slice& s, size_t* used) {
  const char* data = reinterpret_cast<const char*>(s.data());
  size_t n = s.size(), i = 0;
  // RFC 9112 2.2: empty lines before the request line are ignored.
  while (head_.empty() && i < n && (data[i] == '\r' || data[i] == '\n')) ++i;
  // Never buffer more than the limits allow (plus one byte, so exceeding them is visible).
  const size_t cap = size_t(limits_.max_request_line) + limits_.max_header_size + 5;
  // A head usually arrives whole: one allocation for it instead of one per doubling.
  if (head_.empty() && i < n) head_.reserve(std::min(n - i, cap));
  while (i < n && head_.size() < cap) {
    size_t room = cap - head_.size();
    const void* lf = std::memchr(data + i, '\n', std::min(n - i, room));
    size_t take = lf ? size_t(static_cast<const char*>(lf) - (data + i)) + 1 : std::min(n - i, room);
    head_.append(data + i, take);
    i += take;
    if (!lf) break;
    std::string_view line(head_.data() + line_start_, head_.size() - line_start_);
    bool first = line_start_ == 0;
    line_start_ = head_.size();
    if (first) {
      request_line_end_ = head_.size();
      if (request_line_end_ > limits_.max_request_line + 2) break;  // 414, below
      continue;
    }
    if (line == "\n" || line == "\r\n") {
      *used = i;
      return true;
    }
    ++field_lines_;
    if (field_lines_ > limits_.max_headers) break;
  }
  *used = i;
  return false;
}

ParseStatus RequestParser::parse_head(BufChain& in) {
  while (!in.empty()) {
    size_t used = 0;
    bool done = scan(in.front(), &used);
    in.consume(used);
    if (request_line_end_ == 0 && head_.size() > limits_.max_request_line)
      return error(414, BadRequest::kRequestLineTooLong);
    if (request_line_end_ > limits_.max_request_line + 2)
      return error(414, BadRequest::kRequestLineTooLong);
    if (field_lines_ > limits_.max_headers) return error(431, BadRequest::kTooManyHeaders);
    if (request_line_end_ != 0 && head_.size() - request_line_end_ > limits_.max_header_size + 2)
      return error(431, BadRequest::kHeaderTooLarge);
    if (done) return finish_head() ? ParseStatus::kDone : ParseStatus::kError;
  }
  return ParseStatus::kNeedMore;
}

bool RequestParser::finish_head() {
  head_done_ = true;
  HeadError herr;
  if (!parse_head_block(head_, &req_, &herr)) {
    error(herr.status, herr.reason);
    return false;
  }
  // RFC 9110 8.6 / 15.5.14: a declared length beyond the limit is refused before reading it.
  if (req_.content_length && *req_.content_length > limits_.max_body) {
    error(413, BadRequest::kBodyTooLarge);
    return false;
  }
  // RFC 9112 6.3 (7): a request with neither Content-Length nor Transfer-Encoding has no body,
  // whatever else its head holds; there is no framing for llhttp to agree on or to keep.
  if (!req_.content_length && !req_.chunked) {
    body_done_ = true;
    return true;
  }
  // llhttp re-parses the validated head and keeps the framing state for the body.
  llhttp_errno_t e = llhttp_execute(&llhttp_, head_.data(), head_.size());
  if (e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) {
    body_done_ = true;  // on_message_complete: no body
  } else if (e != HPE_OK) {
    error(400, BadRequest::kBadFraming);
    return false;
  }
  if (body_done_ == req_.has_body()) {  // the two parsers must agree on framing
    error(400, BadRequest::kBadFraming);
    return false;
  }
  return true;
}

ParseStatus RequestParser::parse_body(BufChain& in, BufChain& body) {
  if (body_done_) return ParseStatus::kDone;
  if (err_status_) return ParseStatus::kError;
  body_out_ = &body;
  while (!in.empty() && !body_done_) {
    const Slice& s = in.front();
    cur_ = &s;
    const char* data = reinterpret_cast<const char*>(s.data());
    uint64_t before = body_bytes_;
    llhttp_errno_t e = llhttp_execute(&llhttp_, data, s.size());
    cur_ = nullptr;
    size_t used = s.size();
    if (e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) {
      used = size_t(llhttp_get_error_pos(&llhttp_) - data);
    } else if (e == HPE_USER) {
      body_out_ = nullptr;
      return ParseStatus::kError;  // a callback set the status
    } else if (e != HPE_OK) {
      body_out_ = nullptr;
      return error(400, BadRequest::kMalformed);
    }
    framing_bytes_ += used - (body_bytes_ - before);
    in.consume(used);
    // Chunk extensions and trailers are not body, but they must be bounded as well.
    if (framing_bytes_ > uint64_t(limits_.max_header_size) + 32 * chunks_) {
      body_out_ = nullptr;
      return error(400, BadRequest::kBadFraming);
    }
  }
  body_out_ = nullptr;
  return body_done_ ? ParseStatus::kDone : ParseStatus::kNeedMore;
}

int RequestParser::on_body(llhttp_t* p, const char* at, size_t len) {
  auto* self = static_cast<RequestParser*>(p->data);
  self->body_bytes_ += len;
  // RFC 9112 7.1: a chunked body has no declared length; the limit is enforced as it streams.
  if (self->body_bytes_ > self->limits_.max_body) {
    self->err_status_ = 413;
    self->err_reason_ = BadRequest::kBodyTooLarge;
    return HPE_USER;
  }
  const uint8_t* base = self->cur_->data();
  self->body_out_->append(self->cur_->sub(size_t(reinterpret_cast<const uint8_t*>(at) - base), len));
  return 0;
}

int RequestParser::on_chunk_header(llhttp_t* p) {
  ++static_cast<RequestParser*>(p->data)->chunks_;
  return 0;
}

int RequestParser::on_message_complete(llhttp_t* p) {
  static_cast<RequestParser*>(p->data)->body_done_ = true;
  return HPE_PAUSED;  // stop here: what follows belongs to the next request
}

}  // namespace sluice::http
