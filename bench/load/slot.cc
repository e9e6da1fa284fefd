// One connection slot of a load worker: connect, send the request, parse the response, then reuse
// the connection (keep-alive) or wait for the server's FIN and close (close mode, so the server is
// the side that holds TIME-WAIT, as with wrk and with browsers).
#include "bench/load/load_worker.h"

namespace sluice::bench {
namespace {

constexpr size_t kReadMax = 256 * 1024;
constexpr unsigned kReadRounds = 16;  // reads per readable event: bounded work per callback

}  // namespace

using transport::CloseReason;
using transport::Connection;

void Slot::begin(Instant now, Instant due) {
  start_ = due;
  deadline_ = now + w_.plan_.timeout;
  if (conn_) {
    send_request();
    return;
  }
  std::string err;
  conn_ = w_.t_.connect(w_.plan_.target, *this, &err);
  if (!conn_) {
    w_.count_error(now, ErrorKind::kConnectFailed);
    w_.retry_later(*this, now);
    return;
  }
  state_ = State::kConnecting;
}

void Slot::on_connected(Connection& c) {
  if (&c != conn_.get() || state_ != State::kConnecting) return;
  w_.count_connection(w_.loop_.now());
  c.set_nodelay(true);
  send_request();
}

void Slot::send_request() {
  state_ = State::kWaiting;
  parser_.reset();
  sent_ = 0;
  if (w_.recording(w_.loop_.now())) w_.stats_.requests_sent++;
  write_more();
}

void Slot::write_more() {
  if (!conn_ || sent_ >= w_.request_.size()) return;
  BufChain& out = w_.out_;
  out.clear();
  out.append(Slice::from_static(w_.request_.substr(sent_)));
  sent_ += conn_->write(out);
  out.clear();
}

void Slot::on_writable(Connection& c) {
  if (&c == conn_.get() && state_ == State::kWaiting) write_more();
}

void Slot::on_readable(Connection& c) {
  if (&c == conn_.get()) consume(c);
}

// Reads what arrived and feeds the parser; the buffer is emptied before acting on the outcome, so
// whatever the outcome triggers (the next request, a close) may safely reach other slots.
void Slot::consume(Connection& c) {
  for (unsigned round = 0; round < kReadRounds; ++round) {
    BufChain& in = w_.in_;
    in.clear();
    if (c.read(in, kReadMax) == 0) break;
    if (state_ != State::kWaiting) {
      in.clear();
      if (state_ == State::kIdle) {  // bytes nobody asked for
        fail(ErrorKind::kParse, true);
        return;
      }
      continue;  // draining a closed-mode connection: nothing more is expected, discard it
    }
    ResponseParser::Result r = ResponseParser::Result::kNeedMore;
    size_t leftover = 0;
    for (const Slice& s : in.slices()) {
      if (r != ResponseParser::Result::kNeedMore) {
        leftover += s.size();
        continue;
      }
      size_t used = 0;
      r = parser_.feed(s.data(), s.size(), &used);
      leftover += s.size() - used;
    }
    in.clear();
    if (r == ResponseParser::Result::kError) {
      fail(ErrorKind::kParse, true);
      return;
    }
    if (r == ResponseParser::Result::kDone) {
      response_complete(leftover);
      if (&c != conn_.get()) return;
    }
  }
  if (&c == conn_.get() && c.read_eof()) on_eof();
}

void Slot::response_complete(size_t leftover) {
  Instant now = w_.loop_.now();
  w_.count_response(now, start_, parser_.status(), parser_.body_bytes());
  if (leftover != 0) {  // no pipelining: bytes past the response are a framing error
    fail(ErrorKind::kParse, true);
    return;
  }
  bool reuse = w_.plan_.mode == ConnMode::kKeepAlive && parser_.keep_alive() && !conn_->read_eof();
  if (reuse) {
    state_ = State::kIdle;
    w_.slot_free(*this, now);
    return;
  }
  state_ = State::kDraining;
  deadline_ = now + w_.plan_.timeout;
}

// The peer's FIN, with everything before it read.
void Slot::on_eof() {
  if (state_ == State::kWaiting) {
    if (parser_.finish_eof() == ResponseParser::Result::kDone) {
      response_complete(0);
    } else {
      fail(ErrorKind::kClosedEarly, false);
      return;
    }
  }
  if (conn_ && (state_ == State::kDraining || state_ == State::kIdle)) {
    release(false);
    finished();
  }
}

void Slot::on_closed(Connection& c, CloseReason reason) {
  if (&c != conn_.get()) return;
  if (reason == CloseReason::kClosed) {
    consume(c);  // the last bytes and the FIN may come together with the close
    if (&c != conn_.get()) return;
  }
  if (state_ == State::kConnecting) {
    fail(reason == CloseReason::kRefused || reason == CloseReason::kReset ? ErrorKind::kConnectRefused
         : reason == CloseReason::kTimedOut                              ? ErrorKind::kConnectTimeout
                                                                         : ErrorKind::kConnectFailed,
         false);
  } else if (state_ == State::kWaiting) {
    fail(reason == CloseReason::kReset ? ErrorKind::kReset
         : reason == CloseReason::kTimedOut ? ErrorKind::kTimeout
                                            : ErrorKind::kClosedEarly,
         false);
  } else {
    release(false);
    finished();
  }
}

void Slot::check_timeout(Instant now) {
  if (state_ == State::kIdle || now < deadline_) return;
  switch (state_) {
    case State::kConnecting: fail(ErrorKind::kConnectTimeout, true); break;
    case State::kWaiting: fail(ErrorKind::kTimeout, true); break;
    default:  // the server never closed after its last response: cut it
      release(true);
      finished();
  }
}

void Slot::fail(ErrorKind k, bool abort) {
  w_.count_error(w_.loop_.now(), k);
  release(abort);
  finished();
}

void Slot::release(bool abort) {
  state_ = State::kIdle;
  if (!conn_) return;
  conn_->set_handler(nullptr);
  if (abort) conn_->abort();
  else conn_->close();
  w_.retire(std::move(conn_));
}

void Slot::finished() { w_.slot_free(*this, w_.loop_.now()); }

void Slot::shut() {
  if (conn_) release(state_ == State::kConnecting);
}

}  // namespace sluice::bench
