// Two workers on B's two queues (the relay spreads TCP flows over them by a 4-tuple hash, as RSS
// would; everything else lands on queue 0): both carry passive connections on one listen address,
// the second learns ARP from frames the first shares, and replies to either worker's active opens
// come back to the worker that opened (ephemeral ports partitioned, frames handed over by ring).
#include "tests/stack/socket/stack_pair.h"

namespace sluice::stack::testbed {
namespace {

class TwoWorkersTest : public StackPairTest {
 protected:
  void SetUp() override {
    TestbedOptions opts;
    opts.b_queues = 2;
    start(opts);
    b1_ = bed_->make_b(loop_b_, 1);
    more_b_.push_back(b1_.get());
  }
  void TearDown() override {
    more_b_.clear();
    b1_.reset();
    StackPairTest::TearDown();
  }
  std::unique_ptr<StackTransport> b1_;
};

bool has_counter(const std::string& stats, const std::string& name) {
  return stats.find(" " + name + "=") != std::string::npos;
}

TEST_F(TwoWorkersTest, BothWorkersAcceptOnTheSameAddressAndCarryConnections) {
  Acceptor acc0, acc1;
  acc0.on_new = acc1.on_new = [](Peer& p) { p.echo = true; };
  std::string err;
  auto l0 = b_->listen(Address::ipv4(kIpB, 8080), {}, acc0, &err);
  auto l1 = b1_->listen(Address::ipv4(kIpB, 8080), {}, acc1, &err);
  ASSERT_TRUE(l0 && l1) << err;

  std::vector<std::unique_ptr<Peer>> clients;
  for (int i = 0; i < 16; ++i) {
    clients.push_back(connect_a(8080));
    clients.back()->send("hello " + std::to_string(i) + ";");
  }
  ASSERT_TRUE(run_until([&] {
    for (auto& c : clients)
      if (c->in.empty() || c->in.back() != ';') return false;
    return true;
  }));
  for (int i = 0; i < 16; ++i) EXPECT_EQ(clients[i]->in, "hello " + std::to_string(i) + ";");
  EXPECT_EQ(acc0.peers.size() + acc1.peers.size(), 16u);
  EXPECT_GE(acc0.peers.size(), 1u) << "worker 0 carries connections";
  EXPECT_GE(acc1.peers.size(), 1u) << "worker 1 carries connections";

  // Worker 1 never saw A's ARP request on its own queue: it learned A from worker 0's copy.
  EXPECT_EQ(b1_->netif().arp_counters().tx_requests, 0u);
  EXPECT_EQ(b1_->netif().arp().state_of(kIpA), ArpCache::State::kReachable);
  EXPECT_TRUE(has_counter(b_->stats(), "arp.shared")) << b_->stats();

  for (auto& c : clients) c->conn->shutdown_write();
  ASSERT_TRUE(run_until([&] {
    for (auto* acc : {&acc0, &acc1})
      for (auto& p : acc->peers)
        if (!p->eof) return false;
    return true;
  }));
}

TEST_F(TwoWorkersTest, RepliesToEitherWorkersActiveOpensReachTheOpener) {
  Acceptor acceptor;
  acceptor.on_new = [](Peer& p) { p.echo = true; };
  std::string err;
  auto listener = a_->listen(Address::ipv4(kIpA, 9000), {}, acceptor, &err);
  ASSERT_TRUE(listener) << err;

  std::vector<std::unique_ptr<Peer>> from0, from1;
  for (int i = 0; i < 8; ++i) {
    for (auto [t, v] : {std::pair{b_.get(), &from0}, std::pair{b1_.get(), &from1}}) {
      auto p = std::make_unique<Peer>();
      p->conn = t->connect(Address::ipv4(kIpA, 9000), *p, &err);
      ASSERT_TRUE(p->conn) << err;
      p->send("ping;");
      v->push_back(std::move(p));
    }
  }
  ASSERT_TRUE(run_until([&] {
    for (auto* v : {&from0, &from1})
      for (auto& p : *v)
        if (p->in != "ping;") return false;
    return true;
  }));
  for (auto& p : from0) EXPECT_EQ(p->conn->local_address().port % 2, 0) << "worker 0's share of the ports";
  for (auto& p : from1) EXPECT_EQ(p->conn->local_address().port % 2, 1) << "worker 1's share of the ports";
  // The relay's hash put some replies on the other worker's queue: they were handed over.
  EXPECT_TRUE(has_counter(b_->stats(), "steer.forwarded") || has_counter(b1_->stats(), "steer.forwarded"))
      << b_->stats() << "\n" << b1_->stats();
  EXPECT_EQ(acceptor.peers.size(), 16u);
}

}  // namespace
}  // namespace sluice::stack::testbed
