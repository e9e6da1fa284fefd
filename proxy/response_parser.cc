// RFC 9112 4 (status line), 5 (fields), 6.3 (message body length), 7.1 (chunked); RFC 9110 15.2
// (interim responses), 6.4.1 (HEAD, 204 and 304 have no content).
#include "proxy/response_parser.h"

#include <algorithm>

#include "http/request.h"

namespace sluice::proxy {
namespace {
ResponseParser* self(llhttp_t* p) { return static_cast<ResponseParser*>(p->data); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}
}  // namespace

ResponseParser::ResponseParser(size_t max_head, uint32_t max_headers)
    : max_head_(max_head), max_headers_(max_headers) {
  llhttp_settings_init(&settings_);
  settings_.on_status = &ResponseParser::on_status;
  settings_.on_header_field = &ResponseParser::on_field;
  settings_.on_header_value = &ResponseParser::on_value;
  settings_.on_header_value_complete = &ResponseParser::on_value_complete;
  settings_.on_headers_complete = &ResponseParser::on_headers_complete;
  settings_.on_body = &ResponseParser::on_body;
  settings_.on_message_complete = &ResponseParser::on_message_complete;
  llhttp_init(&llhttp_, HTTP_RESPONSE, &settings_);
  llhttp_.data = this;
}

void ResponseParser::reset(bool head_request) {
  llhttp_reset(&llhttp_);
  llhttp_.data = this;
  head_request_ = head_request;
  head_done_ = done_ = bodiless_ = chunked_ = keep_alive_ = upgraded_ = in_value_ = false;
  status_ = 0;
  minor_ = 1;
  head_bytes_ = 0;
  headers_.clear();
  content_length_.reset();
  error_ = nullptr;
}

ResponseParser::Status ResponseParser::fail(const char* why) {
  error_ = why;
  return Status::kError;
}

ResponseParser::Status ResponseParser::parse(BufChain& in, BufChain& body) {
  if (error_) return Status::kError;
  while (!in.empty() && !done_) {
    size_t used = 0;
    Status st = feed(in.front(), &used, body);
    in.consume(used);
    if (st != Status::kNeedMore) return st;
  }
  return done_ ? Status::kDone : Status::kNeedMore;
}

// Runs llhttp over (part of) one slice. While the head is incomplete it is fed at most one byte
// past the head limit, so an oversized head is caught however the bytes were split.
ResponseParser::Status ResponseParser::feed(const Slice& s, size_t* used, BufChain& body) {
  cur_ = &s;
  body_ = &body;
  const char* data = reinterpret_cast<const char*>(s.data());
  size_t n = s.size();
  if (!head_done_) n = std::min(n, max_head_ + 1 - std::min(head_bytes_, max_head_));
  llhttp_errno_t e = llhttp_execute(&llhttp_, data, n);
  size_t consumed = n;
  while (e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) {
    consumed = size_t(llhttp_get_error_pos(&llhttp_) - data);
    if (done_) break;
    // RFC 9110 15.2: an interim response; the final one follows on the same connection.
    headers_.clear();
    status_ = 0;
    llhttp_resume(&llhttp_);
    e = llhttp_execute(&llhttp_, data + consumed, n - consumed);
    if (e == HPE_OK) consumed = n;
  }
  cur_ = nullptr;
  body_ = nullptr;
  *used = consumed;
  if (error_) return Status::kError;
  if (e != HPE_OK && !done_) return fail(llhttp_get_error_reason(&llhttp_));
  if (!head_done_) {
    head_bytes_ += consumed;
    if (head_bytes_ > max_head_) return fail("the response head is larger than proxy_buffer_size");
  }
  return done_ ? Status::kDone : Status::kNeedMore;
}

ResponseParser::Status ResponseParser::finish() {
  if (done_) return Status::kDone;
  if (error_) return Status::kError;
  if (!head_done_) return fail("the upstream closed before a complete response head");
  llhttp_errno_t e = llhttp_finish(&llhttp_);
  if ((e == HPE_OK || e == HPE_PAUSED) && done_) return Status::kDone;
  return fail("the upstream closed before the end of the response body");
}

int ResponseParser::on_status(llhttp_t*, const char*, size_t) { return 0; }

int ResponseParser::on_field(llhttp_t* p, const char* at, size_t len) {
  ResponseParser* r = self(p);
  if (r->headers_.empty() || r->in_value_) {
    if (r->headers_.size() >= r->max_headers_) {
      r->error_ = "the response has too many header fields";
      return HPE_USER;
    }
    r->headers_.emplace_back();
    r->in_value_ = false;
  }
  // RFC 9110 5.1: a field name is a token (llhttp alone lets some separators through).
  for (size_t i = 0; i < len; ++i) {
    if (!http::is_tchar(static_cast<unsigned char>(at[i]))) {
      r->error_ = "a response field name is not a token";
      return HPE_USER;
    }
  }
  r->headers_.back().first.append(at, len);
  return 0;
}

int ResponseParser::on_value(llhttp_t* p, const char* at, size_t len) {
  ResponseParser* r = self(p);
  r->in_value_ = true;
  // RFC 9110 5.5: field-vchar, SP, HTAB (obs-text passes); no other control characters.
  for (size_t i = 0; i < len; ++i) {
    unsigned char c = static_cast<unsigned char>(at[i]);
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      r->error_ = "a response field value has a control character";
      return HPE_USER;
    }
  }
  r->headers_.back().second.append(at, len);
  return 0;
}

int ResponseParser::on_value_complete(llhttp_t* p) {
  ResponseParser* r = self(p);
  if (r->headers_.empty()) return 0;
  r->in_value_ = true;  // an empty value gets no on_value call
  std::string& v = r->headers_.back().second;
  v = std::string(trim(v));
  return 0;
}

int ResponseParser::on_headers_complete(llhttp_t* p) {
  ResponseParser* r = self(p);
  r->status_ = llhttp_get_status_code(p);
  if (r->status_ >= 100 && r->status_ < 200 && r->status_ != 101) return 0;  // interim
  r->on_head_complete();
  return r->head_request_ ? 1 : 0;  // 1: no body follows, whatever the fields say
}

void ResponseParser::on_head_complete() {
  head_done_ = true;
  minor_ = llhttp_get_http_minor(&llhttp_);
  chunked_ = (llhttp_.flags & F_CHUNKED) != 0;
  if (llhttp_.flags & F_CONTENT_LENGTH) content_length_ = llhttp_.content_length;
  upgraded_ = status_ == 101;
  // RFC 9110 6.4.1 and 9.3.2.
  bodiless_ = head_request_ || status_ < 200 || status_ == 204 || status_ == 304 ||
              (content_length_ && *content_length_ == 0 && !chunked_);
}

int ResponseParser::on_body(llhttp_t* p, const char* at, size_t len) {
  ResponseParser* r = self(p);
  size_t off = size_t(reinterpret_cast<const uint8_t*>(at) - r->cur_->data());
  r->body_->append(r->cur_->sub(off, len));
  return 0;
}

int ResponseParser::on_message_complete(llhttp_t* p) {
  ResponseParser* r = self(p);
  if (r->head_done_) {
    r->done_ = true;
    r->keep_alive_ = llhttp_should_keep_alive(p) && !r->upgraded_;
  }
  return HPE_PAUSED;
}

}  // namespace sluice::proxy
