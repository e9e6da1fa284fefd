// The fixture of the whole-stack tests: a Testbed with stack A (client side, 198.18.0.1) and
// stack B (server side, 198.18.0.2), each on its own EventLoop over one manual clock. Time moves
// only in step(): the relay, A, the relay, B, then the clock by `step_`. Every test ends with the
// mempool check: once both stacks are gone, every mbuf is back in its pool.
//
// Connections are driven through transport::Transport with the contract suite's recording
// handlers (Peer, Acceptor in tests/transport/transport_harness.h).
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "stack/socket/stack_connection.h"
#include "tests/stack/socket/testbed.h"
#include "tests/transport/transport_harness.h"

namespace sluice::stack::testbed {

using transport::Address;
using transport::CloseReason;
using transport::testing::Acceptor;
using transport::testing::ManualClock;
using transport::testing::Peer;
using transport::testing::random_bytes;
using State = tcp::TcpState;

class StackPairTest : public ::testing::Test {
 protected:
  void SetUp() override { start(); }
  void TearDown() override { stop(); }

  // (Re)builds the testbed and both stacks; a test wanting other settings calls it first.
  void start(const TestbedOptions& opts = {}) {
    stop();
    bed_ = std::make_unique<Testbed>(opts);
    ASSERT_TRUE(bed_->ok()) << bed_->error();
    a_ = bed_->make_a(loop_a_);
    b_ = bed_->make_b(loop_b_);
  }
  // Destroys both stacks and checks that every mbuf went home.
  void stop() {
    if (!bed_) return;
    more_b_.clear();
    a_.reset();
    b_.reset();
    loop_a_.run_deferred();
    loop_b_.run_deferred();
    EXPECT_EQ(bed_->leaks(), "") << "mbufs leaked";
    bed_.reset();
  }

  Relay& relay() { return bed_->relay(); }
  Instant now() { return clock_.now(); }

  // One iteration for everyone, then time moves on by step_.
  void step() {
    relay().step(now());
    a_->poll(Duration::zero());
    relay().step(now());
    b_->poll(Duration::zero());
    for (StackTransport* t : more_b_) {
      relay().step(now());
      t->poll(Duration::zero());
    }
    clock_.advance(step_);
    for (EventLoop* l : {&loop_a_, &loop_b_}) {
      l->update_time();
      l->run_due();
    }
  }
  // Steps until `done()` (checked before each step) or `max_steps`; returns done().
  bool run_until(const std::function<bool()>& done, int max_steps = 200000) {
    for (int i = 0; i < max_steps; ++i) {
      if (done()) return true;
      step();
    }
    return done();
  }
  // Steps until `d` has passed, in steps of `by` (step_ when zero).
  void advance(Duration d, Duration by = Duration::zero()) {
    const Duration saved = step_;
    if (by > Duration::zero()) step_ = by;
    const Instant end = now() + d;
    while (now() < end) {
      if (end - now() < step_) step_ = end - now();
      step();
    }
    step_ = saved;
  }

  std::unique_ptr<transport::Listener> listen_b(Acceptor& acceptor, uint16_t port) {
    std::string err;
    auto l = b_->listen(Address::ipv4(kIpB, port), {}, acceptor, &err);
    EXPECT_TRUE(l) << err;
    return l;
  }
  std::unique_ptr<Peer> connect_a(uint16_t port) {
    auto p = std::make_unique<Peer>();
    std::string err;
    p->conn = a_->connect(Address::ipv4(kIpB, port), *p, &err);
    EXPECT_TRUE(p->conn) << err;
    return p;
  }
  // An active open with a chosen local port (TcpLayer::connect through the stack's own layer),
  // wrapped in the StackConnection the Transport API would have made.
  std::unique_ptr<Peer> connect_fixed(StackTransport& from, uint32_t local_ip, uint16_t local_port,
                                      uint32_t remote_ip, uint16_t remote_port) {
    auto p = std::make_unique<Peer>();
    auto h = from.tcp().connect(now(), local_ip, remote_ip, remote_port, local_port);
    if (!h) return p;
    p->conn = std::make_unique<StackConnection>(from, *h, Address::ipv4(local_ip, local_port),
                                                Address::ipv4(remote_ip, remote_port), p.get());
    return p;
  }
  // Listens on B:port, connects from A and steps until both ends are up.
  std::unique_ptr<Peer> establish(Acceptor& acceptor, std::unique_ptr<transport::Listener>* listener,
                                  uint16_t port = 8080, int max_steps = 200000) {
    *listener = listen_b(acceptor, port);
    auto client = connect_a(port);
    EXPECT_TRUE(run_until([&] { return client->connected && !acceptor.peers.empty(); }, max_steps));
    return client;
  }

  static tcp::SocketHandle handle(const Peer& p) { return static_cast<StackConnection&>(*p.conn).handle(); }
  static State state(StackTransport& t, const Peer& p) { return t.tcp().state(handle(p)); }
  // Frames in the relay's log matching `pred`.
  std::vector<FrameInfo> frames(const std::function<bool(const FrameInfo&)>& pred) {
    std::vector<FrameInfo> out;
    for (const FrameInfo& f : relay().log())
      if (pred(f)) out.push_back(f);
    return out;
  }

  ManualClock clock_;
  EventLoop loop_a_{clock_}, loop_b_{clock_};
  std::unique_ptr<Testbed> bed_;
  std::unique_ptr<StackTransport> a_, b_;
  std::vector<StackTransport*> more_b_;  // B's other workers, polled after b_
  Duration step_ = Duration::micros(10);
};

}  // namespace sluice::stack::testbed
