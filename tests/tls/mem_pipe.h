// An in-memory TCP-like connection pair for TLS tests: bytes written at one end arrive at the other
// (copied, in slices of `slice` bytes), each direction holds at most `capacity` unread bytes
// (write() takes less beyond that: backpressure), and events are queued and delivered by pump(),
// never from inside the caller's own read()/write(), as the real transports do.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>

#include "core/buf.h"
#include "core/loop.h"
#include "transport/transport.h"

namespace sluice::testing {

class MemPipe {
 public:
  struct Side {
    transport::Connection* handle = nullptr;
    transport::ConnectionHandler* handler = nullptr;
    BufChain inbound;  // written by the other side, not read yet
    bool eof = false;  // the other side sent FIN
    bool closed = false, shut = false;
    bool want_writable = false;
    bool readable_pending = false, writable_pending = false;
    std::optional<transport::CloseReason> closed_pending;
  };
  struct State {
    Side side[2];
    size_t capacity = SIZE_MAX;
    size_t slice = SIZE_MAX;
  };

  class End final : public transport::Connection {
   public:
    End(std::shared_ptr<State> s, int me) : s_(std::move(s)), me_(me) { self().handle = this; }
    ~End() override {
      if (!self().closed) close();
      self().handle = nullptr;
      self().handler = nullptr;
    }
    void set_handler(transport::ConnectionHandler* h) override { self().handler = h; }
    size_t read(BufChain& out, size_t max) override {
      if (self().closed) return 0;
      BufChain got = self().inbound.split_front(max);
      size_t n = got.size();
      out.append(std::move(got));
      if (n > 0 && peer().want_writable && self().inbound.size() <= s_->capacity / 2) {
        peer().want_writable = false;
        peer().writable_pending = true;
      }
      return n;
    }
    bool read_eof() const override { return self().eof && self().inbound.empty(); }
    size_t write(BufChain& data) override {
      if (self().closed || self().shut || data.empty()) return 0;
      size_t room = s_->capacity - std::min(s_->capacity, peer().inbound.size());
      size_t n = std::min(room, data.size());
      BufChain taken = data.split_front(n);
      std::string bytes = taken.to_string();
      for (size_t i = 0; i < bytes.size(); i += s_->slice)
        peer().inbound.append_copy(std::string_view(bytes).substr(i, s_->slice));
      if (n > 0) peer().readable_pending = true;
      if (!data.empty()) self().want_writable = true;
      return n;
    }
    size_t write_space() const override {
      if (self().closed || self().shut) return 0;
      return s_->capacity - std::min(s_->capacity, peer().inbound.size());
    }
    size_t unsent_bytes() const override { return 0; }
    void shutdown_write() override {
      if (self().shut || self().closed) return;
      self().shut = true;
      peer().eof = true;
      peer().readable_pending = true;
    }
    void close() override {
      if (self().closed) return;
      shutdown_write();
      self().closed = true;
      self().handler = nullptr;
    }
    void abort() override {
      if (self().closed) return;
      self().closed = true;
      self().handler = nullptr;
      if (!peer().closed) peer().closed_pending = transport::CloseReason::kReset;
    }
    bool is_open() const override { return !self().closed; }
    const transport::Address& local_address() const override { return addr_; }
    const transport::Address& peer_address() const override { return addr_; }
    void set_nodelay(bool) override {}

   private:
    Side& self() const { return s_->side[me_]; }
    Side& peer() const { return s_->side[1 - me_]; }
    std::shared_ptr<State> s_;
    int me_;
    transport::Address addr_ = transport::Address::ipv4(0x7f000001, 443);
  };

  MemPipe() : state_(std::make_shared<State>()) {}
  std::unique_ptr<End> end(int which) { return std::make_unique<End>(state_, which); }
  State& state() { return *state_; }

  // Delivers queued events (and the loop's deferred work) until nothing is pending.
  size_t pump(EventLoop& loop, size_t max_rounds = 1000000) {
    size_t delivered = 0;
    for (size_t round = 0; round < max_rounds; ++round) {
      bool any = false;
      for (Side& s : state_->side) any = deliver(s) || any;
      if (loop.has_deferred()) {
        loop.run_deferred();
        any = true;
      }
      if (!any) break;
      ++delivered;
    }
    return delivered;
  }

 private:
  static bool deliver(Side& s) {
    if (s.closed_pending && s.handle) {
      auto reason = *s.closed_pending;
      s.closed_pending.reset();
      s.closed = true;
      if (auto* h = std::exchange(s.handler, nullptr)) h->on_closed(*s.handle, reason);
      return true;
    }
    if (s.readable_pending) {
      s.readable_pending = false;
      if (s.handler && s.handle && !s.closed) s.handler->on_readable(*s.handle);
      return true;
    }
    if (s.writable_pending) {
      s.writable_pending = false;
      if (s.handler && s.handle && !s.closed) s.handler->on_writable(*s.handle);
      return true;
    }
    return false;
  }

  std::shared_ptr<State> state_;
};

}  // namespace sluice::testing
