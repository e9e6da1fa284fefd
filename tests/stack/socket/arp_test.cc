// ARP between two whole stacks: the first datagram to an unknown next hop is held while a
// broadcast request resolves it, then sent (RFC 826, RFC 1122 2.3.2.2); entries in use are
// revalidated by unicast before they time out, unused ones go stale and are removed, and the next
// use resolves again (RFC 1122 2.3.2.1); each interface announces itself at start (RFC 5227 2.3).
#include "tests/stack/socket/stack_pair.h"

namespace sluice::stack::testbed {
namespace {

using ArpState = ArpCache::State;

bool request_for(const FrameInfo& f, Dir d, uint32_t target) {
  return f.dir == d && f.is_arp() && f.arp_op == 1 && f.arp_target_ip == target;
}

TEST_F(StackPairTest, Rfc1122FirstPacketIsHeldWhileTheNextHopResolvesThenSent) {
  Acceptor acceptor;
  auto listener = listen_b(acceptor, 8080);
  auto client = connect_a(8080);
  EXPECT_EQ(a_->netif().arp().state_of(kIpB), ArpState::kIncomplete) << "the SYN waits for B's MAC";
  ASSERT_TRUE(run_until([&] { return client->connected && !acceptor.peers.empty(); }));

  auto request = frames([](const FrameInfo& f) { return request_for(f, Dir::kAtoB, kIpB); });
  auto reply = frames([](const FrameInfo& f) { return f.dir == Dir::kBtoA && f.is_arp() && f.arp_op == 2; });
  auto syn = frames([](const FrameInfo& f) { return f.dir == Dir::kAtoB && f.syn(); });
  ASSERT_EQ(request.size(), 1u);
  ASSERT_EQ(reply.size(), 1u);
  ASSERT_EQ(syn.size(), 1u) << "held, then sent once: not dropped and retransmitted";
  EXPECT_TRUE(request[0].broadcast);
  EXPECT_EQ(request[0].arp_sender_ip, kIpA);
  EXPECT_EQ(reply[0].arp_sender_ip, kIpB);
  EXPECT_FALSE(reply[0].broadcast);
  EXPECT_LT(request[0].index, reply[0].index);
  EXPECT_LT(reply[0].index, syn[0].index) << "the SYN left only after B's reply";

  const ArpCounters& a = a_->netif().arp_counters();
  EXPECT_EQ(a.tx_requests, 1u);
  EXPECT_EQ(a.resolved, 1u);
  EXPECT_EQ(a.drop_unresolved + a.drop_queue_full, 0u);
  EXPECT_EQ(a_->netif().arp().state_of(kIpB), ArpState::kReachable);
  // B learned A from A's request (RFC 826 merge): its SYN-ACK needed no request of its own.
  const ArpCounters& b = b_->netif().arp_counters();
  EXPECT_EQ(b.learned, 1u);
  EXPECT_EQ(b.tx_replies, 1u);
  EXPECT_EQ(b.tx_requests, 0u);
  EXPECT_EQ(a_->tcp().counters().retransmitted_segments, 0u);

  // RFC 5227 2.3: two announcements each, ANNOUNCE_INTERVAL apart.
  advance(Duration::seconds(3), Duration::millis(1));
  EXPECT_EQ(a.tx_announcements, 2u);
  EXPECT_EQ(b.tx_announcements, 2u);
  EXPECT_EQ(b.conflicts + a.conflicts, 0u);
}

TEST_F(StackPairTest, Rfc1122EntriesInUseAreRevalidatedUnusedOnesAgeOutAndResolveAgain) {
  const ArpConfig cfg;  // reachable 60 s, refreshed 5 s before, stale entries kept 60 s
  Acceptor acceptor;
  std::unique_ptr<transport::Listener> listener;
  auto client = establish(acceptor, &listener);
  Peer& server = *acceptor.peers[0];
  const ArpCounters& a = a_->netif().arp_counters();
  // Every ARP packet from a cached station confirms its entry (RFC 826 merge): the RFC 5227
  // announcements, the last 2 s after start, are each side's latest confirmation.
  advance(Duration::seconds(3), Duration::millis(1));
  ASSERT_EQ(a.tx_announcements, 2u);
  const Instant confirmed = relay().log().back().seen;
  ASSERT_TRUE(relay().log().back().is_arp());
  client->send("in use");  // both entries used since their confirmation
  ASSERT_TRUE(run_until([&] { return server.in == "in use"; }));

  // Both entries were used since they were confirmed: shortly before
  // reachable_time runs out, the first one due is revalidated by a unicast poll, and its exchange
  // confirms the other end's entry too (RFC 826 merge), so one poll does for both. No broadcast.
  const Duration refresh_at = cfg.reachable_time - cfg.refresh_lead;
  advance(refresh_at + Duration::seconds(1) - (now() - confirmed), Duration::millis(10));
  auto polls = frames([](const FrameInfo& f) {
    return f.is_arp() && f.arp_op == 1 && f.arp_sender_ip != f.arp_target_ip;
  });
  ASSERT_EQ(polls.size(), 2u) << "the resolution, then one revalidation";
  EXPECT_FALSE(polls[1].broadcast) << "RFC 1122 2.3.2.1: unicast poll";
  EXPECT_GE(polls[1].seen - confirmed, refresh_at - Duration::millis(20));
  EXPECT_LE(polls[1].seen - confirmed, refresh_at + Duration::millis(20));
  EXPECT_EQ(a_->netif().arp().state_of(kIpB), ArpState::kReachable);
  EXPECT_EQ(b_->netif().arp().state_of(kIpA), ArpState::kReachable);
  EXPECT_EQ(a.resolved, 1u);
  EXPECT_EQ(a.refresh_failed + b_->netif().arp_counters().refresh_failed, 0u);

  // Unused since: stale after reachable_time, removed stale_time later.
  advance(cfg.reachable_time + cfg.stale_time, Duration::millis(10));
  EXPECT_EQ(a_->netif().arp().state_of(kIpB), std::nullopt);
  EXPECT_EQ(b_->netif().arp().state_of(kIpA), std::nullopt);
  EXPECT_EQ(a.expired, 1u);
  EXPECT_FALSE(client->closed) << "an idle connection outlives the ARP entry";

  // The next datagram resolves from scratch: a broadcast request again, then the data.
  client->send("after expiry");
  ASSERT_TRUE(run_until([&] { return server.in == "in use" "after expiry"; }));
  auto again = frames([&](const FrameInfo& f) { return request_for(f, Dir::kAtoB, kIpB) && f.broadcast; });
  ASSERT_EQ(again.size(), 2u) << "resolved again from scratch";
  EXPECT_GT(again[1].seen, polls[1].seen + cfg.reachable_time + cfg.stale_time);
  EXPECT_EQ(a.resolved, 2u);
  EXPECT_EQ(a.drop_unresolved, 0u);
}

}  // namespace
}  // namespace sluice::stack::testbed
