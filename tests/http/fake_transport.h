// Test doubles for the transport interface: an in-memory Connection whose peer side the test
// drives (bytes in any slice split, write space, FIN, reset), a Transport whose listeners the test
// "connects" to, and a Clock whose time the test sets.
#pragma once
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/buf.h"
#include "core/time.h"
#include "transport/transport.h"

namespace sluice::testing {

class TestClock final : public Clock {
 public:
  Instant now() override { return t; }
  Instant t = Instant::from_micros(1'000'000);
};

class FakeConnection;

// The client's end, owned by the test; it outlives the server's Connection object.
struct FakePeer {
  FakeConnection* conn = nullptr;  // null once the server destroyed its Connection
  BufChain inbound;                // bytes the server has not read yet
  bool eof = false;
  std::string output;              // every byte the server wrote
  size_t space = SIZE_MAX;         // what write() accepts now
  bool short_write = false;        // a write() took less than offered: on_writable is owed
  bool closed = false, aborted = false, shut_wr = false;
  size_t max_write_seen = 0;       // the largest single write() offer, for bounded-memory checks
  size_t writes = 0;               // write() calls that offered bytes
  bool sendfile = false;           // the connection offers send_file() (as kernel sockets do)
  size_t sendfile_calls = 0;
  uint64_t sendfile_bytes = 0;
  std::vector<size_t> slice_kinds; // owner kind of every slice written, in order

  void send(std::string_view bytes);                 // one slice
  void send_split(std::string_view bytes, size_t piece);  // slices of `piece` bytes
  void send_eof();
  void reset();                                      // RST from the client
  void set_space(size_t n);                          // fires on_writable if owed
  std::string take() { std::string s; s.swap(output); return s; }
  bool open() const { return !closed && !aborted; }
};

class FakeConnection final : public transport::Connection {
 public:
  FakeConnection(std::shared_ptr<FakePeer> peer, transport::Address local, transport::Address remote)
      : peer_(std::move(peer)), local_(local), remote_(remote) {
    peer_->conn = this;
  }
  ~FakeConnection() override { peer_->conn = nullptr; }
  void set_handler(transport::ConnectionHandler* h) override { handler_ = h; }
  transport::ConnectionHandler* handler() const { return handler_; }

  size_t read(BufChain& out, size_t max) override {
    BufChain got = peer_->inbound.split_front(max);
    size_t n = got.size();
    out.append(std::move(got));
    return n;
  }
  bool read_eof() const override { return peer_->eof && peer_->inbound.empty(); }
  size_t write(BufChain& data) override {
    if (!is_open() || peer_->shut_wr) return 0;
    size_t offered = data.size();
    if (offered > 0) ++peer_->writes;
    peer_->max_write_seen = std::max(peer_->max_write_seen, offered);
    size_t n = std::min(peer_->space, offered);
    BufChain taken = data.split_front(n);
    for (const Slice& sl : taken.slices()) peer_->slice_kinds.push_back(size_t(sl.owner_kind()));
    peer_->output += taken.to_string();
    if (peer_->space != SIZE_MAX) peer_->space -= n;
    if (n < offered) peer_->short_write = true;
    return n;
  }
  size_t write_space() const override { return is_open() ? peer_->space : 0; }
  size_t unsent_bytes() const override { return 0; }
  void shutdown_write() override { peer_->shut_wr = true; }
  void close() override { peer_->closed = true; }
  void abort() override { peer_->aborted = true; }
  bool is_open() const override { return !peer_->closed && !peer_->aborted; }
  const transport::Address& local_address() const override { return local_; }
  const transport::Address& peer_address() const override { return remote_; }
  void set_nodelay(bool) override {}
  bool can_send_file() const override { return peer_->sendfile; }
  // As the kernel's: reads the file (pread stands in for sendfile) within the write space.
  size_t send_file(int fd, uint64_t offset, size_t len) override {
    if (!is_open() || peer_->shut_wr) return 0;
    ++peer_->sendfile_calls;
    size_t n = std::min(peer_->space, len);
    std::string buf(n, '\0');
    ssize_t got = ::pread(fd, buf.data(), n, off_t(offset));
    if (got < 0) got = 0;
    buf.resize(size_t(got));
    peer_->output += buf;
    peer_->sendfile_bytes += uint64_t(got);
    if (peer_->space != SIZE_MAX) peer_->space -= size_t(got);
    if (size_t(got) < len) peer_->short_write = true;
    return size_t(got);
  }

 private:
  std::shared_ptr<FakePeer> peer_;
  transport::Address local_, remote_;
  transport::ConnectionHandler* handler_ = nullptr;
};

inline void FakePeer::send(std::string_view bytes) {
  inbound.append_copy(bytes);
  if (conn && conn->handler()) conn->handler()->on_readable(*conn);
}

inline void FakePeer::send_split(std::string_view bytes, size_t piece) {
  for (size_t i = 0; i < bytes.size(); i += piece) inbound.append_copy(bytes.substr(i, piece));
  if (conn && conn->handler()) conn->handler()->on_readable(*conn);
}

inline void FakePeer::send_eof() {
  eof = true;
  if (conn && conn->handler()) conn->handler()->on_readable(*conn);
}

inline void FakePeer::reset() {
  aborted = true;
  if (conn && conn->handler()) conn->handler()->on_closed(*conn, transport::CloseReason::kReset);
}

inline void FakePeer::set_space(size_t n) {
  space = n;
  if (short_write && n > 0 && conn && conn->handler()) {
    short_write = false;
    conn->handler()->on_writable(*conn);
  }
}

class FakeListener final : public transport::Listener {
 public:
  FakeListener(transport::Address a, transport::AcceptHandler& h, std::vector<FakeListener*>& live)
      : addr_(a), handler_(h), live_(live) { live_.push_back(this); }
  ~FakeListener() override { std::erase(live_, this); }
  const transport::Address& address() const override { return addr_; }
  transport::AcceptHandler& handler() { return handler_; }

 private:
  transport::Address addr_;
  transport::AcceptHandler& handler_;
  std::vector<FakeListener*>& live_;
};

class FakeTransport final : public transport::Transport {
 public:
  const char* name() const override { return "fake"; }
  std::unique_ptr<transport::Listener> listen(const transport::Address& addr,
                                              const transport::ListenOptions&,
                                              transport::AcceptHandler& handler,
                                              std::string* err) override {
    if (fail_listen) {
      *err = "refused by test";
      return nullptr;
    }
    return std::make_unique<FakeListener>(addr, handler, listeners);
  }
  std::unique_ptr<transport::Connection> connect(const transport::Address&,
                                                 transport::ConnectionHandler&,
                                                 std::string* err) override {
    *err = "not supported";
    return nullptr;
  }
  void poll(Duration) override {}

  // A client connects to the listener on `addr`; nullptr if nobody listens there.
  std::shared_ptr<FakePeer> connect_client(const transport::Address& addr) {
    for (FakeListener* l : listeners) {
      if (l->address() == addr) {
        auto peer = std::make_shared<FakePeer>();
        auto remote = *transport::Address::parse("192.0.2.7:40000");
        l->handler().on_accept(std::make_unique<FakeConnection>(peer, addr, remote));
        return peer;
      }
    }
    return nullptr;
  }

  std::vector<FakeListener*> listeners;
  bool fail_listen = false;
};

}  // namespace sluice::testing
