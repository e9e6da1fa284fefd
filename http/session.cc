// The connection side of a session: reading, writing, timers and closing.
// RFC 9112 9.3 (persistence), 9.3.2 (pipelining), 9.6 (tear-down: lingering close).
#include "http/session.h"

#include <algorithm>
#include <utility>

namespace sluice::http {
namespace {
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxBufferedInput = 256 * 1024;  // pipelined bytes held before we stop reading
constexpr size_t kPullMax = 64 * 1024;            // the most one pull may add to the write queue
constexpr size_t kPullMin = 4 * 1024;             // pull this much even with no space (see write_out)
constexpr size_t kWriteBudget = 1024 * 1024;      // per pass, then yield to other connections
constexpr size_t kLingerBudget = 1024 * 1024;
constexpr uint64_t kSendfileMin = 32 * 1024;      // smaller file regions are pulled (see sends_file)
}  // namespace

HttpSession::HttpSession(WorkerContext& ctx, SessionOwner& owner,
                         std::unique_ptr<transport::Connection> conn,
                         std::shared_ptr<const Site> site, const ServerGroup* group)
    : ctx_(ctx),
      owner_(owner),
      conn_(std::move(conn)),
      site_(std::move(site)),
      group_(group),
      limits_(site_->limits()),
      parser_(site_->parser_limits),
      read_timer_([this](Instant) { on_read_timeout(); }),
      write_timer_([this](Instant) { on_send_timeout(); }) {
  conn_->set_handler(this);
  peer_ = conn_->peer_address();
  parser_.adopt_buffers(ctx_.parser_buffers.take());
  ++ctx_.counters.connections;
}

HttpSession::~HttpSession() { ctx_.parser_buffers.give(parser_.release_buffers()); }

std::string_view HttpSession::remote_addr() const {
  if (remote_addr_.empty()) remote_addr_ = peer_.ip_string();
  return remote_addr_;
}

void HttpSession::defer_drive() {
  // The token is made only here: most connections never defer work, and skip its allocation.
  if (!alive_) alive_ = std::make_shared<char>(0);
  std::weak_ptr<char> alive = alive_;
  ctx_.loop.defer([this, alive] {
    if (!alive.expired()) drive();
  });
}

void HttpSession::start() {
  // nginx: the first request of a connection gets client_header_timeout from accept.
  arm_read(ReadWait::kHeader, limits_.client_header_timeout);
  drive();
}

bool HttpSession::idle() const {
  return phase_ == Phase::kHead && !parser_.head_started() && in_.empty();
}

void HttpSession::begin_shutdown() {
  shutting_down_ = true;
  keep_alive_ = false;
  if (idle()) close_now();
}

void HttpSession::on_closed(transport::Connection&, transport::CloseReason) {
  if (phase_ != Phase::kClosed) {
    notify_cancel();
    if (response_started_ && !logged_) log_request();
    phase_ = Phase::kClosed;
    read_wait_ = ReadWait::kNone;
    body_.reset();
    reader_ = nullptr;
  }
  ctx_.loop.timers().cancel(read_timer_);
  ctx_.loop.timers().cancel(write_timer_);
  if (!notified_) {
    notified_ = true;
    owner_.session_closed(this);
  }
}

void HttpSession::drive() {
  if (driving_) {
    again_ = true;
    return;
  }
  driving_ = true;
  do {
    again_ = false;
    step();
  } while (again_ && phase_ != Phase::kClosed);
  driving_ = false;
}

void HttpSession::step() {
  switch (phase_) {
    case Phase::kHead: step_head(); break;
    case Phase::kActive: step_active(); break;
    case Phase::kLinger: step_linger(); break;
    case Phase::kClosed: break;
  }
}

size_t HttpSession::fill_input() {
  size_t total = 0;
  input_capped_ = false;
  while (in_.size() < kMaxBufferedInput) {
    size_t n = conn_->read(in_, kReadChunk);
    if (n == 0) return total;
    total += n;
  }
  // Stopped with the buffer full, not the socket empty: no new edge will say more is waiting.
  input_capped_ = true;
  return total;
}

void HttpSession::step_head() {
  fill_input();
  if (in_.empty() && !parser_.head_started()) {
    if (conn_->read_eof() || shutting_down_) close_now();
    return;  // the idle (or header) timer is armed
  }
  if (read_wait_ == ReadWait::kIdle) arm_read(ReadWait::kHeader, limits_.client_header_timeout);
  ParseStatus st = parser_.parse_head(in_);
  if (st == ParseStatus::kNeedMore) {
    if (conn_->read_eof()) close_now();  // RFC 9112 9.6: an incomplete request; nothing to answer
    return;
  }
  if (st == ParseStatus::kError) {
    reject(parser_.error_status(), parser_.error_reason());
  } else {
    start_request();
  }
  again_ = true;
}

void HttpSession::step_active() {
  process_pending();
  if (phase_ != Phase::kActive) return;
  read_body();
  if (phase_ != Phase::kActive) return;
  if (!write_out()) return;
  if (upgrade_take_) return hand_over();
  bool body_finished = parser_.body_done() || body_mode_ == BodyMode::kAbandoned;
  if (response_started_ && !body_ && out_.empty() && body_finished) finish_request();
}

void HttpSession::read_body() {
  if (parser_.body_done() || body_mode_ == BodyMode::kNone || body_mode_ == BodyMode::kUnclaimed ||
      body_mode_ == BodyMode::kAbandoned || body_paused_)
    return;
  fill_input();
  BufChain data;
  uint64_t before = parser_.body_received();
  ParseStatus st = parser_.parse_body(in_, data);
  if (st == ParseStatus::kError) {
    ctx_.counters.count_bad(parser_.error_reason());
    BodyReader* reader = std::exchange(reader_, nullptr);
    body_mode_ = BodyMode::kAbandoned;
    keep_alive_ = false;
    if (reader) reader->on_body_error(parser_.error_status());
    if (!responded_) respond_error(parser_.error_status());
    again_ = true;
    return;
  }
  if (reader_ && !data.empty()) reader_->on_body_data(data);
  if (st == ParseStatus::kDone) {
    if (read_wait_ == ReadWait::kBody) ctx_.loop.timers().cancel(read_timer_);
    read_wait_ = ReadWait::kNone;
    if (BodyReader* reader = std::exchange(reader_, nullptr)) reader->on_body_end();
    again_ = true;
    return;
  }
  if (conn_->read_eof()) {  // the client stopped sending mid-body
    BodyReader* reader = std::exchange(reader_, nullptr);
    body_mode_ = BodyMode::kAbandoned;
    keep_alive_ = false;
    if (reader) reader->on_body_error(400);
    if (!responded_) close_now();
    again_ = true;
    return;
  }
  // nginx's client_body_timeout: the time between two successive reads.
  if (parser_.body_received() != before || read_wait_ != ReadWait::kBody)
    arm_read(ReadWait::kBody, limits_.client_body_timeout);
  if (input_capped_) {  // more may be waiting in the socket: read it after other connections had a turn
    defer_drive();
  }
}

// Moves queued bytes to the transport and pulls more body as the transport makes room. The queue
// is topped up from the body before each write, so a small response's head and body leave in one
// write (one segment). True when everything given so far has been handed over.
bool HttpSession::write_out() {
  size_t budget = kWriteBudget;
  while (true) {
    if (body_ && !sends_file()) {
      // Pull only what the transport can take. With no space at all, a small pull still goes to
      // write(): its short write is what makes the transport report on_writable() later.
      size_t want = std::clamp(conn_->write_space(), kPullMin, kPullMax);
      Fill f = out_.size() < want ? fill_output(want - out_.size()) : Fill::kReady;
      if (f == Fill::kFailed) return false;
      if (f == Fill::kBlocked && out_.empty()) return false;  // the ready callback drives us again
    }
    if (!out_.empty()) {
      size_t n = conn_->write(out_);
      ctx_.counters.bytes_out += n;
      budget -= std::min(budget, n);
      if (!out_.empty()) {
        if (n > 0 || !write_timer_.armed()) ctx_.loop.arm(write_timer_, limits_.send_timeout);
        return false;  // on_writable() resumes
      }
    }
    if (write_timer_.armed()) ctx_.loop.timers().cancel(write_timer_);
    if (!body_) return true;
    if (budget == 0) {
      defer_drive();
      return false;
    }
    if (sends_file() && !send_file_body(&budget)) return false;
  }
}

// Appends up to `want` bytes of body to the output queue.
HttpSession::Fill HttpSession::fill_output(size_t want) {
  size_t before = out_.size();
  PullResult r = body_->pull(out_, want);
  body_bytes_sent_ += out_.size() - before;
  switch (r) {
    case PullResult::kDone:
      body_.reset();
      return Fill::kReady;
    case PullResult::kError:
      SLUICE_LOG(ctx_.error_log, LogLevel::kError, "response body failed for \"%s\" from %s",
                 std::string(request().request_line).c_str(), std::string(remote_addr()).c_str());
      close_now(true);
      return Fill::kFailed;
    case PullResult::kBlocked:
      return Fill::kBlocked;
    case PullResult::kMore:
      return out_.size() == before ? Fill::kBlocked : Fill::kReady;
  }
  return Fill::kReady;
}

// Large file regions go to the transport's send_file() (sendfile(2) on kernel sockets) instead of
// being read into memory; small ones are pulled so they can share a write with the head. The
// queue (the head) is written first.
bool HttpSession::sends_file() const {
  if (!body_ || !conn_->can_send_file()) return false;
  std::optional<FileRegion> region = body_->file_region();
  return region && region->length >= kSendfileMin;
}

// One send_file() of the body's current file region. False when the transport is full.
bool HttpSession::send_file_body(size_t* budget) {
  FileRegion region = *body_->file_region();
  size_t want = size_t(std::min<uint64_t>(region.length, *budget));
  size_t n = conn_->send_file(region.fd, region.offset, want);
  body_->skip_file_bytes(n);
  body_bytes_sent_ += n;
  ctx_.counters.bytes_out += n;
  *budget -= n;
  if (n < want) {
    if (n > 0 || !write_timer_.armed()) ctx_.loop.arm(write_timer_, limits_.send_timeout);
    return false;  // on_writable() resumes (or the connection ended: on_closed())
  }
  return true;
}

void HttpSession::finish_request() {
  cancel_ = nullptr;  // the handler is done with the exchange
  log_request();
  if (!keep_alive_) {
    start_linger();
    return;
  }
  parser_.reset();
  reset_request_state();
  phase_ = Phase::kHead;
  if (in_.empty()) {
    arm_read(ReadWait::kIdle, limits_.keepalive_timeout);
  } else {
    arm_read(ReadWait::kHeader, limits_.client_header_timeout);
  }
  again_ = true;
}

// RFC 9112 9.6: close the sending side first and keep reading (and discarding) for a while, so the
// client's unread input does not turn our close into a reset that destroys the last response.
void HttpSession::start_linger() {
  phase_ = Phase::kLinger;
  ctx_.loop.timers().cancel(write_timer_);
  if (limits_.lingering_time <= Duration::zero() || conn_->read_eof()) {
    close_now();
    return;
  }
  conn_->shutdown_write();
  in_.clear();
  linger_deadline_ = ctx_.loop.now() + limits_.lingering_time;
  arm_read(ReadWait::kLinger, std::min(limits_.lingering_timeout, limits_.lingering_time));
  again_ = true;
}

void HttpSession::step_linger() {
  size_t drained = 0;
  while (drained < kLingerBudget) {
    BufChain junk;
    size_t n = conn_->read(junk, kReadChunk);
    if (n == 0) break;
    drained += n;
  }
  if (conn_->read_eof()) {
    close_now();
    return;
  }
  if (drained >= kLingerBudget) {
    defer_drive();
  }
  if (drained > 0) {
    Duration left = linger_deadline_ - ctx_.loop.now();
    arm_read(ReadWait::kLinger, std::max(Duration::zero(), std::min(limits_.lingering_timeout, left)));
  }
}

void HttpSession::close_now(bool abort) {
  if (phase_ == Phase::kClosed) return;
  notify_cancel();
  if (response_started_ && !logged_) log_request();
  phase_ = Phase::kClosed;
  read_wait_ = ReadWait::kNone;
  ctx_.loop.timers().cancel(read_timer_);
  ctx_.loop.timers().cancel(write_timer_);
  body_.reset();
  reader_ = nullptr;
  if (abort) {
    conn_->abort();
  } else {
    conn_->close();
  }
  if (!notified_) {
    notified_ = true;
    owner_.session_closed(this);
  }
}

void HttpSession::arm_read(ReadWait kind, Duration after) {
  read_wait_ = kind;
  ctx_.loop.arm(read_timer_, after);
}

void HttpSession::on_read_timeout() {
  ReadWait kind = std::exchange(read_wait_, ReadWait::kNone);
  switch (kind) {
    case ReadWait::kIdle:
      ++ctx_.counters.timeouts_idle;
      close_now();
      return;
    case ReadWait::kHeader:
      // nginx's client_header_timeout; a request that began gets a 408, an empty connection is
      // just closed.
      if (phase_ != Phase::kHead) return;
      if (!parser_.head_started() && in_.empty()) {
        close_now();
        return;
      }
      reject(408, BadRequest::kTimeout);
      break;
    case ReadWait::kBody: {
      ctx_.counters.count_bad(BadRequest::kTimeout);
      BodyReader* reader = std::exchange(reader_, nullptr);
      body_mode_ = BodyMode::kAbandoned;
      keep_alive_ = false;
      if (reader) reader->on_body_error(408);
      if (!responded_) respond_error(408);
      break;
    }
    case ReadWait::kLinger:
      close_now();
      return;
    case ReadWait::kNone:
      return;
  }
  drive();
}

void HttpSession::on_send_timeout() {
  ++ctx_.counters.timeouts_send;
  close_now(true);  // the client stopped reading: nothing more can be delivered
}

}  // namespace sluice::http
