// A TLS test bench: server TlsWorkers built from a TOML config (the real ContextSet, SNI, tickets),
// a client TlsConnection on a client SSL_CTX made here, a MemPipe between them, and recording
// applications on both ends. Certificates are made once per test binary.
#pragma once
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "conf/load.h"
#include "core/log.h"
#include "core/loop.h"
#include "tests/tls/mem_pipe.h"
#include "tests/tls/test_certs.h"
#include "tls/worker_tls.h"

namespace sluice::testing {

class ManualClock final : public Clock {
 public:
  Instant now() override { return t; }
  Instant t = Instant::from_micros(1'000'000);
};

// Records what a connection delivers; writes `to_send` as space allows.
struct App final : transport::ConnectionHandler {
  transport::Connection* conn = nullptr;
  std::string received;
  bool eof = false;
  std::optional<transport::CloseReason> closed;
  int connected = 0, readable = 0, writable = 0;
  BufChain to_send;
  bool read_enabled = true;

  void on_connected(transport::Connection&) override { ++connected; push(); }
  void on_readable(transport::Connection& c) override {
    ++readable;
    if (read_enabled) drain(c);
  }
  void on_writable(transport::Connection&) override { ++writable; push(); }
  void on_closed(transport::Connection&, transport::CloseReason r) override { closed = r; }
  void drain(transport::Connection& c) {
    BufChain b;
    while (c.read(b, 1 << 20) > 0) {}
    received += b.to_string();
    if (c.read_eof()) eof = true;
  }
  void push() {
    if (conn && !to_send.empty()) conn->write(to_send);
  }
};

struct ClientOptions {
  std::string sni;                     // "" sends none
  int max_version = TLS1_3_VERSION;
  int min_version = TLS1_2_VERSION;
  std::string alpn = "http/1.1";       // one protocol; "" offers none
  std::string sigalgs;                 // e.g. "ECDSA+SHA256"; "" keeps OpenSSL's
  SSL_SESSION* session = nullptr;      // resume this
  bool want_ocsp = false;
};

class TlsBench : public ::testing::Test {
 protected:
  static CertDir& certs();
  // "rsa", "ecdsa" (CN a.test), "b" (ECDSA, CN b.test), "expired", "weak" (RSA 1024).
  static const CertFiles& cert(const std::string& name);

  TlsBench();
  ~TlsBench() override;

  // A config with these [[server]] bodies (listen, server_name, [server.tls] ...), each given a
  // location; loaded with conf, then built by both server workers.
  void load_servers(const std::vector<std::string>& servers);
  std::string tls_server(const std::string& names, const std::string& certs_toml, const std::string& extra = "");

  struct Link {
    MemPipe pipe;
    App server_app, client_app;
    std::unique_ptr<transport::Connection> server;
    std::unique_ptr<tls::TlsConnection> client;
    tls::TlsConnection* server_tls() { return static_cast<tls::TlsConnection*>(server.get()); }
  };
  // Connects a client to worker `w`'s listener at 127.0.0.1:8443 and runs the handshake.
  std::unique_ptr<Link> connect(const ClientOptions& o, int w = 0, size_t capacity = SIZE_MAX, size_t slice = SIZE_MAX);
  void pump(Link& l) { l.pipe.pump(loop); }

  ManualClock clock;
  EventLoop loop{clock};
  Logger log{"stderr", LogLevel::kWarn, "tls-test"};
  std::shared_ptr<const tls::TicketKeyRing> ring;
  std::unique_ptr<tls::TlsWorker> workers[2];
  std::unique_ptr<tls::TlsWorker> client_side;
  SSL_CTX* client_ctx = nullptr;
  std::shared_ptr<const conf::Config> config;
  transport::Address listen = transport::Address::ipv4(0x7f000001, 8443);
};

}  // namespace sluice::testing
