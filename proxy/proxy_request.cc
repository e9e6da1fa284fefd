// The attempt side of a proxied request: choosing servers, connecting, sending the head and the
// streamed body, timeouts, and the retry rules (nginx's proxy_next_upstream; RFC 9110 9.2.2 for
// which methods are idempotent; RFC 9112 9.3.1 for retrying on a kept-alive connection).
#include "proxy/proxy_request.h"

#include <cstdio>

#include "proxy/conn_pool.h"
#include "proxy/runtime.h"
#include "proxy/vars.h"

namespace sluice::proxy {
namespace {

// RFC 9110 9.2.2.
bool is_idempotent(http::Method m) {
  switch (m) {
    case http::Method::kGet:
    case http::Method::kHead:
    case http::Method::kPut:
    case http::Method::kDelete:
    case http::Method::kOptions:
    case http::Method::kTrace:
      return true;
    default:
      return false;
  }
}

unsigned condition_bit(int status) {
  switch (status) {
    case 500: return conf::kNextHttp500;
    case 502: return conf::kNextHttp502;
    case 503: return conf::kNextHttp503;
    case 504: return conf::kNextHttp504;
    case 429: return conf::kNextHttp429;
    default: return 0;
  }
}

// Connections made with different TLS settings (or none) never share a keep-alive pool slot.
std::string pool_key(const conf::ProxyConfig& p) {
  if (!p.ssl) return "";
  const conf::ProxySslConfig& s = *p.ssl;
  return "tls\n" + s.name + "\n" + (s.verify ? "verify\n" : "-\n") + s.trusted_certificate + "\n" +
         (s.server_name ? "sni\n" : "-\n") + s.certificate + "\n" + s.certificate_key;
}

std::optional<transport::Address> parse_ip(std::string_view ip) {
  if (ip.empty()) return std::nullopt;
  std::string text = ip.find(':') == std::string_view::npos ? std::string(ip) + ":1" : "[" + std::string(ip) + "]:1";
  return transport::Address::parse(text);
}

}  // namespace

ProxyRequest::ProxyRequest(ProxyRuntime& rt, std::unique_ptr<Downstream> client, std::shared_ptr<UpstreamGroup> group,
                           std::shared_ptr<const conf::LocationConfig> location,
                           std::shared_ptr<const tls::ClientContext> tls)
    : rt_(rt),
      client_(std::move(client)),
      group_(std::move(group)),
      location_(std::move(location)),
      conf_(location_->proxy),
      tls_(std::move(tls)),
      pool_key_(pool_key(conf_)),
      tried_(group_->balancer.peers().size()),
      connect_timer_([this](Instant) { on_timer("connecting"); }),
      send_timer_([this](Instant) { on_timer("sending the request"); }),
      read_timer_([this](Instant) { on_timer("reading the response"); }),
      parser_(conf_.buffer_size) {}

ProxyRequest::~ProxyRequest() {
  if (body_) body_->detach();
  drop_connection(true);
  if (peer_) --peer_->active;
}

void ProxyRequest::start() {
  ++rt_.counters().requests;
  std::weak_ptr<char> alive = alive_;
  client_->set_cancel_callback([this, alive] {
    if (!alive.expired()) cancel();
  });
  prepare();
  if (conf_.request_buffering && framing_ != BodyFraming::kNone) {
    body_reading_ = true;  // the whole body first (bounded by client_max_body_size); then connect
    client_->read_body(this);
    return;
  }
  attempt();
}

// Everything an attempt needs from the request, computed once: the Exchange's views are only
// valid while the client is.
void ProxyRequest::prepare() {
  const http::Request& req = client_->request();
  request_line_ = std::string(req.request_line);
  idempotent_ = is_idempotent(req.method);
  if (req.chunked) framing_ = BodyFraming::kChunked;
  else if (req.content_length && *req.content_length > 0) framing_ = BodyFraming::kLength;
  upgrade_ = conf_.websocket && wants_websocket(req) && client_->can_upgrade();
  RequestHeadInput in{req, *location_, client_->remote_addr(), client_->scheme()};
  in.framing = framing_;
  in.length = req.content_length.value_or(0);
  in.keep_alive = group_->pool.enabled();
  in.upgrade = upgrade_;
  head_ = build_request_head(in);
  key_.client = parse_ip(client_->remote_addr());
  if (group_->conf.balance == conf::Balance::kHash) {
    VarContext vars{req, client_->remote_addr(), client_->scheme(), conf_.proxy_host};
    key_.hash = hash32(expand(group_->conf.hash, vars));
  }
}

void ProxyRequest::attempt() {
  if (!client_alive_) return finish_if_idle();
  Instant now = rt_.loop().now();
  peer_ = group_->balancer.pick(key_, tried_, now);
  if (!peer_) {
    if (attempts_ == 0) {
      ++rt_.counters().no_live_upstream;
      SLUICE_LOG(rt_.log(), LogLevel::kError, "no live upstreams in \"%s\" for \"%s\"", group_->conf.name.c_str(),
                 request_line_.c_str());
      return give_up(503);
    }
    return give_up(last_status_);
  }
  tried_.add(group_->balancer.index_of(*peer_));
  ++peer_->active;
  ++attempts_;
  ++rt_.counters().attempts;
  if (attempts_ > 1) ++rt_.counters().retries;
  sent_any_ = received_any_ = conn_closed_ = false;
  in_.clear();
  parser_.reset(client_->request().method == http::Method::kHead);
  out_.clear();
  out_.append_copy(head_);
  BufChain replay = replay_;  // shares the slices
  out_.append(std::move(replay));
  reused_ = false;
  if (!fresh_only_) {
    conn_ = group_->pool.take(peer_->address, pool_key_, &conn_requests_);
    reused_ = conn_ != nullptr;
  }
  if (reused_) {
    conn_->set_handler(this);
    return begin_exchange();
  }
  conn_requests_ = 0;
  std::string err;
  if (!open_connection(&err)) return fail(Failure::kError, err.empty() ? "connect failed" : err.c_str());
  phase_ = Phase::kConnecting;
  rt_.loop().arm(connect_timer_, conf_.connect_timeout);
}

// A new connection to peer_: TCP, or for an https upstream TLS over it, whose on_connected()
// comes once the handshake and the certificate checks are done (proxy_connect_timeout covers both).
bool ProxyRequest::open_connection(std::string* err) {
  tls::SslPtr ssl;
  if (tls_) {
    if (!rt_.tls()) {
      *err = "https upstreams need the worker's TLS runtime";
      return false;
    }
    ssl = tls_->new_ssl(peer_->address, err);  // before connecting: nothing to undo when it fails
    if (!ssl) return false;
  }
  conn_ = rt_.transport().connect(peer_->address, *this, err);
  if (!conn_ || !tls_) return conn_ != nullptr;
  auto wrapped = tls::wrap_client(*rt_.tls(), tls_, std::move(ssl), std::move(conn_), conf_.connect_timeout);
  wrapped->set_handler(this);
  conn_ = std::move(wrapped);
  return true;
}

void ProxyRequest::on_connected(transport::Connection&) {
  rt_.loop().timers().cancel(connect_timer_);
  begin_exchange();
}

void ProxyRequest::begin_exchange() {
  phase_ = Phase::kExchanging;
  if (framing_ != BodyFraming::kNone && !body_reading_ && !body_done_) {
    body_reading_ = true;  // nginx's proxy_request_buffering off: the body follows the connection
    client_->read_body(this);
    if (!conn_ || phase_ != Phase::kExchanging) return;  // the body's arrival ended the attempt
  }
  send();
}

bool ProxyRequest::request_sent() const {
  return out_.empty() && (framing_ == BodyFraming::kNone || body_done_);
}

void ProxyRequest::send() {
  if (!conn_ || (phase_ != Phase::kExchanging && phase_ != Phase::kResponding)) return;
  size_t n = out_.empty() ? 0 : conn_->write(out_);
  if (n > 0) sent_any_ = true;
  if (!out_.empty()) {
    // nginx's proxy_send_timeout: between two successive writes.
    if (n > 0 || !send_timer_.armed()) rt_.loop().arm(send_timer_, conf_.send_timeout);
  } else {
    rt_.loop().timers().cancel(send_timer_);
  }
  if (out_.size() <= conf_.buffer_size / 2) resume_body();
  // nginx's proxy_read_timeout runs once the whole request is out.
  if (request_sent() && !parser_.done() && !read_timer_.armed()) rt_.loop().arm(read_timer_, conf_.read_timeout);
}

// Body bytes are framed for the upstream (RFC 9112 7.1 when the client's length is unknown), kept
// for a retry while they fit proxy_buffer_size, and the client is held back when the upstream is
// slower than it.
void ProxyRequest::on_body_data(BufChain& data) {
  if (!client_alive_ || data.empty()) return;
  body_seen_ += data.size();
  BufChain framed;
  if (framing_ == BodyFraming::kChunked) {
    char size[24];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    framed.append_copy(size);
    framed.append(std::move(data));
    framed.append(Slice::from_static("\r\n"));
  } else {
    framed.append(std::move(data));
  }
  queue_body(framed);
}

void ProxyRequest::queue_body(BufChain& framed) {
  if (body_replayable_) {
    if (conf_.request_buffering || replay_.size() + framed.size() <= conf_.buffer_size) {
      BufChain copy = framed;
      replay_.append(std::move(copy));
    } else {
      body_replayable_ = false;
      replay_.clear();
    }
  }
  if (phase_ == Phase::kStart) return;  // proxy_request_buffering: sent when the body is complete
  if (!conn_ && phase_ != Phase::kConnecting) return;  // the upstream already answered and closed
  out_.append(std::move(framed));
  send();
  if (out_.size() <= conf_.buffer_size || !client_alive_ || body_paused_) return;
  if (client_->pause_body(true)) {
    body_paused_ = true;
  } else if (out_.size() > kUnpausableBodyCap) {
    ++rt_.counters().body_overflow;
    body_replayable_ = false;
    const char* why = "the upstream takes the request body slower than the client sends it";
    if (phase_ == Phase::kResponding) return upstream_broken(why);
    fail(Failure::kTimeout, why);
  }
}

void ProxyRequest::on_body_end() {
  body_reading_ = false;
  body_done_ = true;
  if (client_alive_ && framing_ == BodyFraming::kChunked) {
    BufChain last;
    last.append(Slice::from_static("0\r\n\r\n"));
    queue_body(last);
  }
  if (phase_ == Phase::kStart) return attempt();
  send();
  finish_if_idle();
}

// The client's body failed (the session answers 400, 408 or 413 itself, or closes).
void ProxyRequest::on_body_error(int) {
  body_reading_ = false;
  cancel();
}

void ProxyRequest::on_closed(transport::Connection& c, transport::CloseReason r) {
  conn_closed_ = true;
  if (phase_ == Phase::kConnecting && tls_) {
    // The TCP connection or the TLS handshake failed (RFC 8446 6.2 alerts, RFC 5280 6 chain or
    // RFC 6125 6 name checks): an upstream connect error either way.
    const std::string& why = static_cast<tls::TlsConnection&>(c).error();
    std::string text = "TLS connection to upstream failed: " + (why.empty() ? transport::to_string(r) : why);
    if (r == transport::CloseReason::kTimedOut) {  // the handshake timer: nginx's "timed out while connecting"
      ++rt_.counters().timeouts;
      return fail(Failure::kTimeout, text.c_str());
    }
    ++rt_.counters().tls_failures;
    return fail(Failure::kError, text.c_str());
  }
  if (phase_ == Phase::kConnecting) return fail(Failure::kError, transport::to_string(r));
  if (r != transport::CloseReason::kClosed && !parser_.done()) {
    if (phase_ == Phase::kResponding) return upstream_broken(transport::to_string(r));
    return fail(Failure::kError, transport::to_string(r));
  }
  receive();  // whatever is left, then end of stream
}

void ProxyRequest::on_timer(const char* what) {
  ++rt_.counters().timeouts;
  std::string why = std::string("timed out ") + what;
  if (phase_ == Phase::kResponding) return upstream_broken(why.c_str());
  fail(Failure::kTimeout, why.c_str());
}

void ProxyRequest::log_failure(const char* what) {
  SLUICE_LOG(rt_.log(), LogLevel::kError, "upstream \"%s\" server %s: %s, request \"%s\"", group_->conf.name.c_str(),
             peer_ ? peer_->address.to_string().c_str() : "-", what, request_line_.c_str());
}

// The attempt failed before any of its response reached the client.
void ProxyRequest::fail(Failure f, const char* why) {
  log_failure(why);
  if (f == Failure::kError) ++rt_.counters().connect_errors;
  if (f == Failure::kInvalid) ++rt_.counters().invalid_responses;
  int status = f == Failure::kStatus ? parser_.status() : 0;
  // RFC 9112 9.3.1: a kept-alive connection the server closed before answering is not the server
  // failing; an idempotent request goes again on a fresh connection.
  bool stale = f == Failure::kError && reused_ && !received_any_;
  Peer* peer = peer_;
  drop_connection(true);
  end_attempt();
  if (stale && peer && (idempotent_ || (conf_.next_upstream & conf::kNextNonIdempotent)) && client_alive_) {
    ++rt_.counters().stale_retries;
    tried_.remove(group_->balancer.index_of(*peer));
    fresh_only_ = true;
    --attempts_;
    return attempt();
  }
  // nginx: errors, timeouts, invalid heads, and 500/502/503/504 when retried on, count against
  // max_fails; 429 does not.
  if (peer && (f != Failure::kStatus || (status >= 500 && status != 501)))
    group_->balancer.report_failure(*peer, rt_.loop().now());
  last_status_ = f == Failure::kTimeout ? 504 : f == Failure::kStatus ? status : 502;
  if (may_retry(f, status)) return attempt();
  give_up(last_status_);
}

bool ProxyRequest::may_retry(Failure f, int status) const {
  if (responded_ || !client_alive_) return false;
  unsigned bit = f == Failure::kError     ? conf::kNextError
                 : f == Failure::kTimeout ? conf::kNextTimeout
                 : f == Failure::kInvalid ? conf::kNextInvalidHeader
                                          : condition_bit(status);
  if (!(conf_.next_upstream & bit)) return false;
  // RFC 9110 9.2.2: a request that reached the server may have had its effect; only idempotent
  // ones are repeated unless proxy_next_upstream says non_idempotent.
  if (sent_any_ && !idempotent_ && !(conf_.next_upstream & conf::kNextNonIdempotent)) return false;
  if (body_seen_ > 0 && !body_replayable_) return false;  // part of the body is gone
  return conf_.next_upstream_tries == 0 || attempts_ < conf_.next_upstream_tries;
}

// Lets the session read the client's body again (to pass it on, or to drain it after an answer).
void ProxyRequest::resume_body() {
  if (!body_paused_ || !client_alive_) return;
  body_paused_ = false;
  client_->pause_body(false);
}

void ProxyRequest::give_up(int status) {
  phase_ = Phase::kDone;
  resume_body();
  if (client_alive_ && !responded_) {
    responded_ = true;
    if (status == 502) ++rt_.counters().responses_502;
    if (status == 504) ++rt_.counters().responses_504;
    client_->respond_error(status);
  }
  finish_if_idle();
}

void ProxyRequest::end_attempt() {
  rt_.loop().timers().cancel(connect_timer_);
  rt_.loop().timers().cancel(send_timer_);
  rt_.loop().timers().cancel(read_timer_);
  if (peer_) --peer_->active;
  peer_ = nullptr;
}

void ProxyRequest::drop_connection(bool abort) {
  if (!conn_) return;
  conn_->set_handler(&ignore_events());
  if (abort) conn_->abort();
  else conn_->close();
  rt_.loop().defer_delete(std::move(conn_));
}

// The client went away: nothing more goes to it; the upstream exchange is cut short.
void ProxyRequest::cancel() {
  if (!client_alive_ || finishing_) return;
  client_alive_ = false;
  ++rt_.counters().client_gone;
  if (body_) {
    body_->detach();
    body_ = nullptr;
  }
  body_reading_ = false;
  drop_connection(true);
  end_attempt();
  phase_ = Phase::kDone;
  finish_if_idle();
}

void ProxyRequest::finish_if_idle() {
  if (finishing_ || conn_ || body_ || body_reading_) return;
  if (client_alive_ && !responded_) return;
  finishing_ = true;
  rt_.finished(this);
}

}  // namespace sluice::proxy
