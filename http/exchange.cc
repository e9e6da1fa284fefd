// The request side of a session: starting a request, routing it, error pages, building the
// response head, and the access log. RFC 9110 15 (status codes), RFC 9112 6.3, 9.3.
#include "http/session.h"

namespace sluice::http {

void HttpSession::start_request() {
  const Request& req = parser_.request();
  ++ctx_.counters.requests;
  if (requests_ > 0) ++ctx_.counters.keepalive_reused;
  ++requests_;
  phase_ = Phase::kActive;
  read_wait_ = ReadWait::kNone;
  ctx_.loop.timers().cancel(read_timer_);
  // RFC 9112 9.3, plus nginx's keepalive_requests and keepalive_timeout 0 (keep-alive off).
  keep_alive_ = req.keep_alive && !shutting_down_ && requests_ < limits_.keepalive_requests &&
                limits_.keepalive_timeout > Duration::zero();
  path_ = req.path();
  method_ = req.method;
  body_mode_ = parser_.body_done() ? BodyMode::kNone : BodyMode::kUnclaimed;
  vserver_ = &group_->select(req.host);
  if (req.parsed.asterisk) {  // RFC 9110 9.3.7: "OPTIONS *" asks about the server itself
    Response r;
    r.add("Allow", "GET, HEAD, OPTIONS");
    respond(std::move(r));
    return;
  }
  dispatch(vserver_->match(path_));
}

// Refuses a request the parser could not accept; the connection closes after the answer.
void HttpSession::reject(int status, BadRequest reason) {
  ctx_.counters.count_bad(reason);
  ++ctx_.counters.requests;
  ++requests_;
  phase_ = Phase::kActive;
  read_wait_ = ReadWait::kNone;
  ctx_.loop.timers().cancel(read_timer_);
  keep_alive_ = false;
  body_mode_ = BodyMode::kAbandoned;
  method_ = Method::kGet;
  vserver_ = &group_->select({});
  responded_ = true;
  begin_response(make_error_response(status, site_->server_token));
}

void HttpSession::dispatch(const RouteLocation* loc) {
  location_ = loc;
  if (!loc) {
    respond_error(404);
    return;
  }
  loc->handler->handle(*this);
}

void HttpSession::respond(Response r) {
  if (responded_ || phase_ != Phase::kActive) return;
  responded_ = true;
  pending_ = std::move(r);
  drive();  // inside a step this only notes that there is more to do
}

void HttpSession::respond_error(int status, HeaderList extra) {
  if (responded_ || phase_ != Phase::kActive) return;
  if (error_page_status_ == 0 && redirect_to_error_page(status, extra)) return;
  if (error_page_status_ != 0) {  // the error page itself failed: the built-in page instead
    status = error_page_status_;
    extra = std::move(error_extra_);
    error_page_status_ = 0;
  }
  Response r = make_error_response(status, site_->server_token);
  for (auto& h : extra) r.headers.push_back(std::move(h));
  respond(std::move(r));
}

// nginx's error_page: an internal redirect to a URI served by its own location, answered with the
// original status. Only one level (recursive_error_pages off).
bool HttpSession::redirect_to_error_page(int status, HeaderList& extra) {
  if (!vserver_) return false;
  const std::map<int, std::string>& pages =
      location_ ? location_->error_pages : vserver_->conf->error_page;
  auto it = pages.find(status);
  if (it == pages.end() || it->second.empty() || it->second[0] != '/') return false;
  error_page_status_ = status;
  error_extra_ = std::move(extra);
  path_ = it->second.substr(0, it->second.find('?'));
  if (method_ != Method::kHead) method_ = Method::kGet;
  dispatch(vserver_->match(path_));
  return true;
}

void HttpSession::internal_redirect(std::string path) {
  if (responded_ || phase_ != Phase::kActive) return;
  if (++redirects_ > kMaxInternalRedirects) {
    SLUICE_LOG(ctx_.error_log, LogLevel::kError, "internal redirection cycle while serving \"%s\"",
               path.c_str());
    respond_error(500);
    return;
  }
  path_ = std::move(path);
  dispatch(vserver_->match(path_));
}

void HttpSession::process_pending() {
  if (!pending_) return;
  Response r = std::move(*pending_);
  pending_.reset();
  begin_response(std::move(r));
  again_ = true;
}

// nginx discards an unread request body before answering: a framing error in what already arrived
// (a bad chunk) turns the answer into that error, so no keep-alive head goes out for a request
// whose end cannot be found. False when it did.
bool HttpSession::discard_buffered_body() {
  BufChain junk;
  if (parser_.parse_body(in_, junk) != ParseStatus::kError) return true;
  ctx_.counters.count_bad(parser_.error_reason());
  body_mode_ = BodyMode::kAbandoned;
  keep_alive_ = false;
  return false;
}

void HttpSession::begin_response(Response r) {
  const Request& req = parser_.request();
  // RFC 9110 10.1.1: a client that expects 100-continue and got a final answer may never send the
  // body; we cannot tell, so the connection ends after this response. Otherwise the unread body
  // is read and discarded to keep the connection usable.
  if (body_mode_ == BodyMode::kUnclaimed) {
    if (req.expect_continue && !continue_sent_) {
      body_mode_ = BodyMode::kAbandoned;
      keep_alive_ = false;
    } else {
      body_mode_ = BodyMode::kDiscard;
    }
  }
  if (body_mode_ == BodyMode::kDiscard && !parser_.body_done() && !discard_buffered_body()) {
    r = make_error_response(parser_.error_status(), site_->server_token);
    error_page_status_ = 0;
  }
  int status = r.status;
  if (error_page_status_ != 0 && status == 200) {
    status = error_page_status_;
    for (auto& h : error_extra_) r.headers.push_back(std::move(h));
  }
  status_ = status;
  response_started_ = true;
  body_bytes_sent_ = 0;
  ctx_.counters.count_response(status);
  ResponseMeta meta;
  meta.server = site_->server_token;
  meta.date = ctx_.date.http_date();
  bool no_content = status_has_no_body(status);  // RFC 9110 6.4.1
  std::optional<uint64_t> length =
      r.body ? r.body->length() : (r.declared_length ? r.declared_length : std::optional<uint64_t>(0));
  if (no_content) {
    r.body.reset();
  } else if (length) {
    meta.content_length = length;  // RFC 9110 8.6, also for HEAD (9.3.2)
  } else if (req.minor_version >= 1) {
    meta.chunked = true;  // RFC 9112 7.1
  } else {
    keep_alive_ = false;  // RFC 9112 6.3 rule 8: an HTTP/1.0 body of unknown length ends at close
  }
  meta.keep_alive = keep_alive_;
  out_.append(serialize_response_head(status, r.headers, meta));
  if (method_ == Method::kHead || no_content || !r.body) {
    body_.reset();
  } else if (meta.chunked) {
    body_ = std::make_unique<ChunkedBody>(std::move(r.body));
  } else {
    body_ = std::move(r.body);
  }
  if (body_) {
    // body_ never leaves the session and dies with it, so its callback can't outlive `this`.
    body_->set_ready_callback([this] { drive(); });
  }
}

void HttpSession::read_body(BodyReader* reader) {
  if (phase_ != Phase::kActive || body_mode_ != BodyMode::kUnclaimed) {
    if (phase_ == Phase::kActive && body_mode_ == BodyMode::kNone) reader->on_body_end();
    return;
  }
  reader_ = reader;
  body_mode_ = BodyMode::kReader;
  // RFC 9110 10.1.1: the interim response goes out only when the body will really be read.
  if (request().expect_continue && !continue_sent_ && !response_started_) {
    out_.append(Slice::from_static("HTTP/1.1 100 Continue\r\n\r\n"));
    continue_sent_ = true;
    ctx_.counters.count_response(100);
  }
  arm_read(ReadWait::kBody, limits_.client_body_timeout);
  drive();
}

void HttpSession::log_request() {
  if (logged_) return;
  logged_ = true;
  const VirtualServer* vs = vserver_ ? vserver_ : &group_->select({});
  if (!vs->access_log) return;
  const Request& req = parser_.request();
  AccessLogEntry e;
  e.remote_addr = remote_addr();
  e.time_local = ctx_.date.log_time();
  e.request_line = req.request_line.empty() ? parser_.partial_request_line() : req.request_line;
  e.status = status_;
  e.body_bytes_sent = body_bytes_sent_;
  e.referer = req.header("Referer");
  e.user_agent = req.header("User-Agent");
  vs->access_log->write(e);
}

void HttpSession::reset_request_state() {
  vserver_ = nullptr;
  location_ = nullptr;
  body_mode_ = BodyMode::kNone;
  reader_ = nullptr;
  continue_sent_ = responded_ = response_started_ = logged_ = false;
  pending_.reset();
  error_page_status_ = 0;
  redirects_ = 0;
  error_extra_.clear();
  keep_alive_ = true;
  status_ = 0;
  body_bytes_sent_ = 0;
  body_.reset();
  cancel_ = nullptr;
  body_paused_ = false;
}

// The listen address speaks TLS when its servers have [server.tls] (all or none do).
std::string_view HttpSession::scheme() const {
  return group_ && !group_->servers.empty() && group_->servers[0]->conf->tls ? "https" : "http";
}

// The handler holding the exchange is told, once, that it ended under it.
void HttpSession::notify_cancel() {
  if (auto cb = std::exchange(cancel_, nullptr)) cb();
}

bool HttpSession::pause_body(bool paused) {
  if (body_paused_ == paused) return true;
  body_paused_ = paused;
  if (paused) {
    if (read_wait_ == ReadWait::kBody) {
      ctx_.loop.timers().cancel(read_timer_);
      read_wait_ = ReadWait::kNone;
    }
  } else {
    defer_drive();
  }
  return true;
}

// RFC 9110 15.2.2: the 101 goes out with the handler's Upgrade and Connection fields; once it is
// written the connection leaves the session (hand_over).
void HttpSession::upgrade(Response r, TakeConnection take) {
  if (responded_ || phase_ != Phase::kActive || !can_upgrade()) return;
  responded_ = response_started_ = true;
  status_ = 101;
  keep_alive_ = false;
  ctx_.counters.count_response(101);
  ResponseMeta meta;
  meta.server = site_->server_token;
  meta.date = ctx_.date.http_date();
  meta.upgrade = true;
  out_.append(serialize_response_head(101, r.headers, meta));
  upgrade_take_ = std::move(take);
  drive();
}

// RFC 9110 7.8: after the 101 the connection speaks another protocol; whoever takes it owns it.
void HttpSession::hand_over() {
  TakeConnection take = std::move(upgrade_take_);
  upgrade_take_ = nullptr;
  log_request();
  cancel_ = nullptr;
  phase_ = Phase::kClosed;
  read_wait_ = ReadWait::kNone;
  ctx_.loop.timers().cancel(read_timer_);
  ctx_.loop.timers().cancel(write_timer_);
  BufChain early = std::move(in_);
  std::unique_ptr<transport::Connection> conn = std::move(conn_);
  if (!notified_) {
    notified_ = true;
    owner_.session_closed(this);
  }
  take(std::move(conn), std::move(early));
}

}  // namespace sluice::http
