// The response side of a proxied request: reading and parsing what the upstream sends, the
// retry-on-status rule, handing the head to the client, streaming the body through ResponseBody
// with at most proxy_buffer_size held, returning the connection to the pool, and the Upgrade
// tunnel (RFC 9110 7.8, 15.2.2).
#include "proxy/proxy_request.h"

#include <algorithm>

#include "proxy/conn_pool.h"
#include "proxy/response_head.h"
#include "proxy/runtime.h"
#include "proxy/tunnel.h"

namespace sluice::proxy {
namespace {
constexpr size_t kHeadRead = 16 * 1024;  // one read while waiting for the head
}

void ProxyRequest::receive() {
  if (!conn_) return;
  if (fill()) notify_body();
}

// Reads from the upstream while there is room, parses, and acts on the head, the end of the
// message, the end of the stream or a broken response. False when the attempt is over
// (retried, answered, tunnelled) and nothing more is to be done with it here.
bool ProxyRequest::fill() {
  if (in_fill_ || !conn_) return true;
  in_fill_ = true;
  bool progress = false;
  bool attempt_over = false;
  while (conn_ && !parser_.done()) {
    size_t room = kHeadRead;
    if (parser_.head_done()) room = resp_.size() < conf_.buffer_size ? conf_.buffer_size - resp_.size() : 0;
    if (room == 0) break;  // the client is behind; the rest waits in the upstream's TCP window
    size_t n = conn_->read(in_, room);
    if (n == 0 && in_.empty()) break;
    if (n > 0) received_any_ = progress = true;
    bool had_head = parser_.head_done();
    if (parser_.parse(in_, resp_) == ResponseParser::Status::kError) {
      in_fill_ = false;
      if (phase_ == Phase::kResponding) {
        upstream_broken(parser_.error());
      } else {
        fail(Failure::kInvalid, parser_.error());
      }
      return false;
    }
    if (!had_head && parser_.head_done() && !on_head()) {
      in_fill_ = false;
      return false;
    }
    if (n == 0) break;
  }
  in_fill_ = false;
  if (!conn_) return true;
  if (parser_.done()) {
    upstream_done();
    return true;
  }
  if (conn_->read_eof() || conn_closed_) {
    // RFC 9112 6.3 rule 8: a body without framing ends with the connection.
    if (parser_.finish() == ResponseParser::Status::kDone) {
      upstream_done();
    } else if (phase_ == Phase::kResponding) {
      upstream_broken(parser_.error());
    } else {
      attempt_over = true;
      fail(received_any_ ? Failure::kInvalid : Failure::kError, parser_.error());
    }
    return !attempt_over;
  }
  if (parser_.head_done() && resp_.size() >= conf_.buffer_size) {
    rt_.loop().timers().cancel(read_timer_);  // waiting on the client, not the upstream
  } else if (progress || (request_sent() && !read_timer_.armed())) {
    rt_.loop().arm(read_timer_, conf_.read_timeout);
  }
  return true;
}

// The final response head is here. False when the attempt ended instead (retry, tunnel, error).
bool ProxyRequest::on_head() {
  int status = parser_.status();
  if (parser_.upgraded()) {
    if (upgrade_ && client_alive_) {
      start_tunnel();
    } else {
      fail(Failure::kInvalid, "101 Switching Protocols to a request that did not ask for it");
    }
    return false;
  }
  bool retry_status = status == 500 || status == 502 || status == 503 || status == 504 || status == 429;
  if (retry_status && may_retry(Failure::kStatus, status)) {
    fail(Failure::kStatus, (std::string("status ") + std::to_string(status)).c_str());
    return false;
  }
  deliver_head();
  return true;
}

void ProxyRequest::deliver_head() {
  phase_ = Phase::kResponding;
  rt_.loop().timers().cancel(connect_timer_);
  if (!client_alive_) return;
  responded_ = true;
  http::Response r;
  r.status = parser_.status();
  r.headers = client_fields(parser_.headers(), parser_.minor_version(), *location_, false);
  std::optional<uint64_t> length = parser_.chunked() ? std::nullopt : parser_.content_length();
  bool head = client_->request().method == http::Method::kHead;
  if (head && length) {
    r.declared_length = length;  // RFC 9110 9.3.2: HEAD gets the length GET would have had
  } else if (!http::status_has_no_body(r.status) && !(parser_.bodiless() && !head)) {
    auto body = std::make_unique<ResponseBody>(this, length);
    body_ = body.get();
    r.body = std::move(body);
  }
  client_->respond(std::move(r));
}

void ProxyRequest::upstream_done() {
  rt_.loop().timers().cancel(read_timer_);
  upstream_finished_ = true;
  if (peer_) group_->balancer.report_success(*peer_);
  // RFC 9112 9.3: reusable only after a complete exchange with nothing left over either way.
  bool reusable = parser_.keep_alive() && in_.empty() && request_sent() && !conn_closed_ && conn_ &&
                  conn_->is_open() && !conn_->read_eof() && !upgrade_;
  if (reusable) {
    conn_->set_handler(&ignore_events());
    group_->pool.put(std::move(conn_), peer_->address, pool_key_, conn_requests_ + 1);
  } else {
    drop_connection(false);
  }
  end_attempt();
  resume_body();  // an early answer: whatever body is left is the session's to drain
  notify_body();
  finish_if_idle();
}

// The head went to the client, then the upstream failed: the client's connection must end
// without a clean end of body, so it can tell the response is incomplete (RFC 9112 6.3, 7.1).
void ProxyRequest::upstream_broken(const char* why) {
  log_failure(why);
  ++rt_.counters().truncated;
  body_error_ = why;
  if (peer_) group_->balancer.report_failure(*peer_, rt_.loop().now());
  drop_connection(true);
  end_attempt();
  resume_body();
  notify_body();
  finish_if_idle();
}

http::PullResult ProxyRequest::pull_body(BufChain& out, size_t max) {
  if (!body_error_ && !upstream_finished_ && resp_.size() < max) fill();
  if (body_error_) return http::PullResult::kError;
  size_t n = std::min(max, resp_.size());
  if (n > 0) out.append(resp_.split_front(n));
  if ((upstream_finished_ || parser_.done()) && resp_.empty()) return http::PullResult::kDone;
  if (n == 0) {
    body_waiting_ = true;
    return http::PullResult::kBlocked;
  }
  return http::PullResult::kMore;
}

void ProxyRequest::notify_body() {
  if (!body_ || !body_waiting_) return;
  if (resp_.empty() && !upstream_finished_ && !body_error_) return;
  body_waiting_ = false;
  body_->ready();
}

// The session destroyed the body: it was delivered, or the client went away.
void ProxyRequest::body_gone() {
  body_ = nullptr;
  if (!upstream_finished_ && !parser_.done() && !body_error_) {
    ++rt_.counters().client_gone;
    client_alive_ = false;
    drop_connection(true);
    end_attempt();
  }
  phase_ = Phase::kDone;
  finish_if_idle();
}

// RFC 9110 15.2.2 / RFC 6455 4.1: the upstream switched protocols; the client gets the 101 and
// both connections become one tunnel.
void ProxyRequest::start_tunnel() {
  phase_ = Phase::kDone;
  responded_ = true;
  ++rt_.counters().tunnels;
  if (peer_) group_->balancer.report_success(*peer_);
  end_attempt();
  http::Response r;
  r.status = 101;
  r.headers = client_fields(parser_.headers(), parser_.minor_version(), *location_, true);
  struct Pending {
    std::unique_ptr<transport::Connection> upstream;
    BufChain early;
  };
  auto pending = std::make_shared<Pending>();
  conn_->set_handler(&ignore_events());  // bytes wait in the transport until the tunnel starts
  pending->upstream = std::move(conn_);
  pending->early = std::move(in_);
  ProxyRuntime* rt = &rt_;
  Duration idle = conf_.read_timeout;
  size_t buffer = conf_.buffer_size;
  client_->upgrade(std::move(r), [rt, pending, idle, buffer](std::unique_ptr<transport::Connection> client,
                                                              BufChain client_early) {
    if (!pending->upstream) return;
    auto t = std::make_unique<Tunnel>(rt->loop(), std::move(client), std::move(pending->upstream),
                                      std::move(client_early), std::move(pending->early), idle, buffer,
                                      [rt](Tunnel* done) { rt->finished(done); });
    rt->adopt(std::move(t));
  });
  finish_if_idle();
}

}  // namespace sluice::proxy
