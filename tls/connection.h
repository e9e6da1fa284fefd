// TLS as a layer between a transport::Connection (ciphertext, below) and its application
// (plaintext, above), through the same interface: the application cannot tell it apart from a TCP
// connection. The same code runs on the userspace stack and on kernel sockets.
//
// OpenSSL is driven through a BIO over BufChains (tls/bio.h) by the inner connection's events:
// - Reading: ciphertext is pulled from the inner connection and decrypted eagerly into plaintext
//   slices, up to kPlainCap buffered; past that nothing more is pulled, so a slow reader pushes back
//   on the peer through TCP. read() hands out the plaintext and pulls more.
// - Writing: write() encrypts from the caller's slices only as much as the inner connection can
//   take, record by record (up to 16 KiB; small slices are gathered into one record), so accepted
//   bytes rarely wait here; at most one record does, when the inner connection is full (its short
//   write is what brings on_writable() back). on_writable() follows a short write() once the inner
//   connection drains.
// - Handshake: in the first phase; the handshake timer (an EventLoop Timer) ends it with
//   on_closed(kTimedOut). write() before it completes takes nothing and on_writable() follows it.
// - Endings: shutdown_write() and close() send close_notify (RFC 8446 6.1). The peer's
//   close_notify (or a TCP FIN without it) is read_eof(). A fatal TLS error sends OpenSSL's alert,
//   closes the inner connection and reports on_closed(kError); errors are counted and logged at a
//   bounded rate. close() hands any last records to the worker's Drain.
// Callbacks never run inside the application's own read()/write(): an error found there is
// reported from the end of the loop iteration.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/buf.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/timer.h"
#include "tls/bio.h"
#include "tls/counters.h"
#include "tls/drain.h"
#include "tls/openssl_util.h"
#include "transport/transport.h"

namespace sluice::tls {

// The per-worker services a TlsConnection uses (owned by the worker's TlsWorker, or by a test).
struct TlsRuntime {
  EventLoop& loop;
  Logger& log;
  TlsCounters& counters;
  LogRateLimit& log_limit;
  Drain& drain;
  std::vector<uint8_t>& scratch;  // at least kScratchSize bytes, used within one call only
};

class TlsConnection final : public transport::Connection, private transport::ConnectionHandler {
 public:
  static constexpr size_t kMaxRecordPlain = 16384;      // RFC 8446 5.1 / RFC 5246 6.2.1: 2^14
  static constexpr size_t kScratchSize = kMaxRecordPlain;
  static constexpr size_t kPlainCap = 64 * 1024;        // decrypted bytes buffered for the reader
  static constexpr size_t kCipherCap = 32 * 1024;       // ciphertext pulled ahead of OpenSSL

  // `ssl` is set up for its role (SSL_set_accept_state / SSL_set_connect_state). `keep` is held
  // for as long as this connection lives (what the SSL's callbacks point at). The connection sets
  // itself as `inner`'s handler.
  TlsConnection(TlsRuntime& rt, std::unique_ptr<transport::Connection> inner, SslPtr ssl,
                Duration handshake_timeout, std::shared_ptr<const void> keep = nullptr);
  ~TlsConnection() override;
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  // Arms the handshake timer and starts (a client sends its ClientHello). Call once. A client
  // over an active open still under way passes false: its ClientHello waits for the inner
  // connection's on_connected() (nothing is written to a connection that cannot send yet).
  void start(bool inner_connected = true);
  bool handshake_done() const { return handshake_done_; }
  SSL* ssl() const { return ssl_.get(); }
  // The negotiated ALPN protocol ("" if none) and SNI host name ("" if none).
  std::string alpn() const;
  std::string server_name() const;
  // Why the connection failed ("" while it has not): OpenSSL's reason, with the certificate
  // verification result when that is what failed, or the handshake timeout.
  const std::string& error() const { return error_; }

  // transport::Connection: plaintext (contract in transport/transport.h). A client's
  // on_connected() fires once its handshake is done.
  void set_handler(transport::ConnectionHandler* h) override { handler_ = h; }
  size_t read(BufChain& out, size_t max = SIZE_MAX) override;
  bool read_eof() const override { return peer_done_ && plain_.empty(); }
  size_t write(BufChain& data) override;
  size_t write_space() const override;
  size_t unsent_bytes() const override;
  void shutdown_write() override;
  void close() override;
  void abort() override;
  bool is_open() const override;
  const transport::Address& local_address() const override;
  const transport::Address& peer_address() const override;
  void set_nodelay(bool on) override;

  // Plaintext bytes that fit in `space` bytes of ciphertext, leaving room for close_notify.
  static size_t plaintext_fitting(size_t space);

 private:
  enum class Phase { kHandshake, kOpen, kDone };

  // transport::ConnectionHandler: events of the inner connection.
  void on_connected(transport::Connection&) override;
  void on_readable(transport::Connection&) override;
  void on_writable(transport::Connection&) override;
  void on_closed(transport::Connection&, transport::CloseReason reason) override;

  void advance();
  void handshake_step();
  void handshake_finished();
  void decrypt_available();
  size_t pull_ciphertext();
  void flush_out();
  void encrypt(BufChain& data);
  bool write_record(const uint8_t* p, size_t n);
  void send_close_notify();
  void fail(bool during_handshake);
  void end(transport::CloseReason reason);
  void notify_app(bool was_handshaking);
  void on_handshake_timeout();

  TlsRuntime& rt_;
  std::shared_ptr<const void> keep_;  // outlives ssl_
  std::unique_ptr<transport::Connection> inner_;
  CipherBuffers bufs_;  // before ssl_: the BIO inside ssl_ points at it
  SslPtr ssl_;
  Duration handshake_timeout_;
  Timer timer_;
  transport::ConnectionHandler* handler_ = nullptr;
  std::shared_ptr<char> alive_ = std::make_shared<char>(0);  // for deferred notifications

  Phase phase_ = Phase::kHandshake;
  bool handshake_done_ = false;
  bool peer_done_ = false;      // close_notify (or EOF) read: no more plaintext after plain_
  bool fresh_ = false;          // plaintext or EOF arrived since the application was told
  bool want_writable_ = false;  // a write() was short: on_writable() is owed
  bool shut_sent_ = false;      // close_notify queued
  bool shut_inner_ = false;     // the inner connection's shutdown_write() is owed after flushing
  bool app_closed_ = false;     // close() or abort() called
  bool in_app_call_ = false;    // inside read()/write(): report endings later
  bool inner_ready_ = true;     // false until a still-connecting inner connection is connected
  std::string error_;
  BufChain plain_;
};

}  // namespace sluice::tls
