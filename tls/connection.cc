// RFC 8446 (TLS 1.3) and RFC 5246 (TLS 1.2) record layer and closure, as OpenSSL implements them,
// driven by the inner connection's events. The state machine is described in connection.h.
#include "tls/connection.h"

#include <algorithm>

#include <openssl/err.h>

namespace sluice::tls {
namespace {

// The most a record adds to its plaintext with the suites we allow: 5 header bytes, TLS 1.3's
// content type byte and 16-byte AEAD tag (RFC 8446 5.2), or TLS 1.2's 8-byte explicit nonce and
// tag (RFC 5288 3); CBC with HMAC-SHA384 and padding (RFC 5246 6.2.3.2) stays below 128 too.
constexpr size_t kRecordOverhead = 128;
// Room kept for close_notify (one alert record).
constexpr size_t kCloseReserve = kRecordOverhead;
// With no send space at all, encrypt this much anyway: the inner connection's short write is what
// makes it report on_writable() later.
constexpr size_t kForcedChunk = 4096;
// Gather slices smaller than this into one record instead of one record each.
constexpr size_t kGatherBelow = 4096;

const transport::Address kNoAddress{};

}  // namespace

TlsConnection::TlsConnection(TlsRuntime& rt, std::unique_ptr<transport::Connection> inner, SslPtr ssl,
                             Duration handshake_timeout, std::shared_ptr<const void> keep)
    : rt_(rt),
      keep_(std::move(keep)),
      inner_(std::move(inner)),
      ssl_(std::move(ssl)),
      handshake_timeout_(handshake_timeout),
      timer_([this](Instant) { on_handshake_timeout(); }) {
  BIO* bio = new_buffer_bio(&bufs_);
  SSL_set_bio(ssl_.get(), bio, bio);  // one BIO both ways; the SSL owns it
  inner_->set_handler(this);
}

TlsConnection::~TlsConnection() {
  if (!app_closed_) close();
}

void TlsConnection::start(bool inner_connected) {
  rt_.loop.arm(timer_, handshake_timeout_);
  inner_ready_ = inner_connected;
  advance();
}

std::string TlsConnection::alpn() const {
  const unsigned char* p = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(ssl_.get(), &p, &len);
  return p ? std::string(reinterpret_cast<const char*>(p), len) : std::string();
}

std::string TlsConnection::server_name() const {
  const char* name = SSL_get_servername(ssl_.get(), TLSEXT_NAMETYPE_host_name);
  return name ? name : "";
}

// --- driving OpenSSL ----------------------------------------------------------------------------

void TlsConnection::advance() {
  if (!inner_ready_) return;  // the ClientHello waits for on_connected()
  if (phase_ == Phase::kHandshake) handshake_step();
  if (phase_ == Phase::kOpen) decrypt_available();
  flush_out();
}

// Moves what the inner connection has received into bufs_.in, up to kCipherCap queued.
size_t TlsConnection::pull_ciphertext() {
  if (!inner_ || bufs_.in_eof) return 0;
  size_t got = 0;
  while (bufs_.in.size() < kCipherCap) {
    size_t n = inner_->read(bufs_.in, kCipherCap - bufs_.in.size());
    if (n == 0) break;
    got += n;
  }
  if (bufs_.in.size() < kCipherCap && inner_->read_eof()) bufs_.in_eof = true;
  return got;
}

void TlsConnection::handshake_step() {
  pull_ciphertext();
  while (true) {
    ERR_clear_error();
    int r = SSL_do_handshake(ssl_.get());
    if (r == 1) {
      handshake_finished();
      return;
    }
    int e = SSL_get_error(ssl_.get(), r);
    if (e == SSL_ERROR_WANT_READ && !bufs_.in_eof) {
      if (pull_ciphertext() > 0) continue;
      return;
    }
    fail(/*during_handshake=*/true);
    return;
  }
}

void TlsConnection::handshake_finished() {
  phase_ = Phase::kOpen;
  handshake_done_ = true;
  rt_.loop.timers().cancel(timer_);
  ++rt_.counters.handshakes;
  if (SSL_session_reused(ssl_.get())) ++rt_.counters.resumed;
  if (SSL_version(ssl_.get()) == TLS1_3_VERSION) ++rt_.counters.tls1_3;
  else ++rt_.counters.tls1_2;
}

// Decrypts into plain_ until kPlainCap, the end of the available ciphertext, or the peer's end.
void TlsConnection::decrypt_available() {
  pull_ciphertext();
  while (plain_.size() < kPlainCap && !peer_done_ && phase_ == Phase::kOpen) {
    ERR_clear_error();
    size_t n = 0;
    int r = SSL_read_ex(ssl_.get(), rt_.scratch.data(), kScratchSize, &n);
    if (r == 1) {
      plain_.append(Slice::copy_of({reinterpret_cast<const char*>(rt_.scratch.data()), n}));
      fresh_ = true;
      continue;
    }
    int e = SSL_get_error(ssl_.get(), r);
    if (e == SSL_ERROR_WANT_READ && !bufs_.in_eof) {
      if (pull_ciphertext() > 0) continue;
      return;
    }
    if (e == SSL_ERROR_ZERO_RETURN) {  // RFC 8446 6.1: close_notify (or a bare FIN: see below)
      peer_done_ = true;
      fresh_ = true;
      // SSL_OP_IGNORE_UNEXPECTED_EOF turns a FIN without close_notify into the same result;
      // HTTP/1.1 framing tells a truncated response apart, so that is not an error here.
      if (bufs_.eof_read) ++rt_.counters.eof_without_close_notify;
      else ++rt_.counters.close_notify;
      return;
    }
    fail(/*during_handshake=*/false);
    return;
  }
}

void TlsConnection::flush_out() {
  if (!inner_ || phase_ == Phase::kDone) return;
  if (!bufs_.out.empty()) inner_->write(bufs_.out);
  if (!bufs_.out.empty()) return;
  bufs_.arena.release();
  if (shut_inner_) {
    shut_inner_ = false;
    inner_->shutdown_write();
  }
}

bool TlsConnection::write_record(const uint8_t* p, size_t n) {
  ERR_clear_error();
  size_t written = 0;
  // The BIO never blocks, so OpenSSL takes all n bytes or fails for good.
  if (SSL_write_ex(ssl_.get(), p, n, &written) == 1 && written == n) return true;
  fail(/*during_handshake=*/false);
  return false;
}

size_t TlsConnection::plaintext_fitting(size_t space) {
  if (space <= kCloseReserve) return 0;
  space -= kCloseReserve;
  constexpr size_t kFullRecord = kMaxRecordPlain + kRecordOverhead;
  size_t rest = space % kFullRecord;
  return (space / kFullRecord) * kMaxRecordPlain + (rest > kRecordOverhead ? rest - kRecordOverhead : 0);
}

// Encrypts from the front of `data`, one record at a time, each sized to the inner connection's
// current space. It stops when `data` is empty or the inner connection took less than it was
// given: then it owes on_writable(), so the caller's short write is always followed by one. With
// too little space for a record, one record of up to kForcedChunk is made anyway for that reason.
void TlsConnection::encrypt(BufChain& data) {
  while (!data.empty() && phase_ == Phase::kOpen && bufs_.out.empty()) {
    size_t room = std::min(plaintext_fitting(inner_->write_space()), kMaxRecordPlain);
    if (room == 0) room = kForcedChunk;
    const Slice& front = data.front();
    size_t n;
    bool ok;
    if (front.size() >= std::min(room, kGatherBelow)) {
      n = std::min(room, front.size());
      ok = write_record(front.data(), n);
    } else {
      n = data.copy_out(rt_.scratch.data(), std::min(room, kScratchSize));
      ok = write_record(rt_.scratch.data(), n);
    }
    if (!ok) return;
    data.consume(n);
    flush_out();
  }
}

void TlsConnection::send_close_notify() {
  if (shut_sent_ || !handshake_done_) return;
  shut_sent_ = true;
  ERR_clear_error();
  SSL_shutdown(ssl_.get());  // queues close_notify; the peer's is read (or not) as usual
  ERR_clear_error();
}

// --- endings ------------------------------------------------------------------------------------

void TlsConnection::fail(bool during_handshake) {
  std::string why = take_openssl_error("connection ended");
  // RFC 5280 6 / RFC 6125 6: say which check of the server's certificate failed.
  long verify = SSL_get_verify_result(ssl_.get());
  if (during_handshake && !SSL_is_server(ssl_.get()) && verify != X509_V_OK)
    why += std::string(": ") + X509_verify_cert_error_string(verify);
  error_ = why;
  bool quiet = during_handshake && bufs_.in_eof;  // the peer just left: nothing to report
  if (quiet) ++rt_.counters.handshake_eof;
  else if (during_handshake) ++rt_.counters.handshake_failures;
  else ++rt_.counters.record_errors;
  uint64_t suppressed = 0;
  if (!quiet && rt_.log.enabled(LogLevel::kInfo) && rt_.log_limit.allow(rt_.loop.now(), &suppressed)) {
    rt_.log.log(LogLevel::kInfo, "TLS %s failed with %s: %s%s", during_handshake ? "handshake" : "connection",
                peer_address().to_string().c_str(), why.c_str(),
                suppressed ? (" (" + std::to_string(suppressed) + " similar messages suppressed)").c_str() : "");
  }
  // Send the alert OpenSSL queued (if any), then FIN.
  if (inner_ && !bufs_.out.empty()) inner_->write(bufs_.out);
  if (inner_) inner_->close();
  end(during_handshake && quiet ? transport::CloseReason::kClosed : transport::CloseReason::kError);
}

// The connection is over: tell the application once, never inside its own call.
void TlsConnection::end(transport::CloseReason reason) {
  if (phase_ == Phase::kDone) return;
  phase_ = Phase::kDone;
  want_writable_ = false;
  rt_.loop.timers().cancel(timer_);
  if (!handler_) return;
  if (!in_app_call_) {
    transport::ConnectionHandler* h = handler_;
    handler_ = nullptr;
    h->on_closed(*this, reason);
    return;
  }
  std::weak_ptr<char> alive = alive_;
  rt_.loop.defer([this, alive, reason] {
    if (alive.expired() || !handler_) return;
    transport::ConnectionHandler* h = handler_;
    handler_ = nullptr;
    h->on_closed(*this, reason);
  });
}

void TlsConnection::on_handshake_timeout() {
  if (phase_ != Phase::kHandshake) return;
  ++rt_.counters.handshake_timeouts;
  error_ = "TLS handshake timed out";
  if (inner_) inner_->close();
  end(transport::CloseReason::kTimedOut);
}

// --- events of the inner connection -------------------------------------------------------------

void TlsConnection::on_connected(transport::Connection&) {
  inner_ready_ = true;
  advance();
}

void TlsConnection::on_readable(transport::Connection&) {
  bool was_handshaking = phase_ == Phase::kHandshake;
  advance();
  notify_app(was_handshaking);
}

void TlsConnection::on_writable(transport::Connection&) {
  bool was_handshaking = phase_ == Phase::kHandshake;
  flush_out();
  if (phase_ == Phase::kHandshake) advance();
  notify_app(was_handshaking);
}

void TlsConnection::on_closed(transport::Connection&, transport::CloseReason reason) {
  if (phase_ == Phase::kHandshake) {
    if (inner_ready_) ++rt_.counters.handshake_eof;  // else the TCP connection never opened
    error_ = std::string(transport::to_string(reason)) + (inner_ready_ ? " during the TLS handshake" : "");
  }
  end(reason);
}

// After an inner event: what the application should hear, checking after each callback that it
// did not close us meanwhile.
void TlsConnection::notify_app(bool was_handshaking) {
  if (phase_ != Phase::kOpen) return;
  if (was_handshaking && !SSL_is_server(ssl_.get()) && handler_) handler_->on_connected(*this);
  if (phase_ == Phase::kOpen && handler_ && want_writable_ && bufs_.out.empty()) {
    want_writable_ = false;
    handler_->on_writable(*this);
  }
  if (phase_ == Phase::kOpen && handler_ && fresh_) {
    fresh_ = false;
    handler_->on_readable(*this);
  }
}

// --- the application's calls --------------------------------------------------------------------

size_t TlsConnection::read(BufChain& out, size_t max) {
  in_app_call_ = true;
  if (phase_ == Phase::kOpen && plain_.size() < max) {
    decrypt_available();
    flush_out();  // post-handshake messages (KeyUpdate) may have produced output
  }
  in_app_call_ = false;
  BufChain got = plain_.split_front(max);
  size_t n = got.size();
  out.append(std::move(got));
  if (plain_.empty()) fresh_ = false;
  return n;
}

size_t TlsConnection::write(BufChain& data) {
  if (phase_ == Phase::kHandshake && !app_closed_) want_writable_ = true;
  if (phase_ != Phase::kOpen || shut_sent_ || !inner_ || data.empty()) return 0;
  in_app_call_ = true;
  size_t before = data.size();
  flush_out();
  encrypt(data);
  if (!data.empty() && phase_ == Phase::kOpen) want_writable_ = true;
  in_app_call_ = false;
  return before - data.size();
}

size_t TlsConnection::write_space() const {
  if (phase_ != Phase::kOpen || shut_sent_ || !inner_ || !bufs_.out.empty()) return 0;
  return plaintext_fitting(inner_->write_space());
}

size_t TlsConnection::unsent_bytes() const {
  return bufs_.out.size() + (inner_ ? inner_->unsent_bytes() : 0);
}

const transport::Address& TlsConnection::local_address() const {
  return inner_ ? inner_->local_address() : kNoAddress;
}
const transport::Address& TlsConnection::peer_address() const {
  return inner_ ? inner_->peer_address() : kNoAddress;
}
void TlsConnection::set_nodelay(bool on) {
  if (inner_) inner_->set_nodelay(on);
}

bool TlsConnection::is_open() const {
  return phase_ != Phase::kDone && !app_closed_ && inner_ && inner_->is_open();
}

void TlsConnection::shutdown_write() {
  if (phase_ == Phase::kDone || shut_sent_ || !inner_) return;
  want_writable_ = false;
  send_close_notify();
  shut_sent_ = true;
  shut_inner_ = true;
  flush_out();
}

void TlsConnection::close() {
  if (app_closed_) return;
  app_closed_ = true;
  handler_ = nullptr;
  want_writable_ = false;
  rt_.loop.timers().cancel(timer_);
  if (!inner_) return;
  if (phase_ == Phase::kOpen) send_close_notify();
  bool drain = phase_ == Phase::kOpen;  // a half-done handshake or a failed connection has nothing to finish
  phase_ = Phase::kDone;
  if (!drain) {
    inner_->close();
    return;
  }
  if (!bufs_.out.empty()) inner_->write(bufs_.out);
  if (bufs_.out.empty()) {
    inner_->close();
    return;
  }
  ++rt_.counters.drained;
  rt_.drain.adopt(std::move(inner_), std::move(bufs_.out));
  bufs_.out.clear();
}

void TlsConnection::abort() {
  if (app_closed_) return;
  app_closed_ = true;
  handler_ = nullptr;
  want_writable_ = false;
  phase_ = Phase::kDone;
  rt_.loop.timers().cancel(timer_);
  if (inner_) inner_->abort();
}

}  // namespace sluice::tls
