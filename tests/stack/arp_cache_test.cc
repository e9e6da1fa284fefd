// The ARP cache, time driven by the test: RFC 826 answering and merging, resolution holding packets,
// retries and failure, aging and refresh (RFC 1122 2.3.2.1), announcements (RFC 5227).
#include <gtest/gtest.h>

#include "stack/arp/arp_cache.h"
#include "stack/wire/ipv4.h"
#include "tests/stack/test_util.h"

namespace sluice::stack {
namespace {

const MacAddr kOurMac{{2, 0, 0, 0, 0, 1}};
const MacAddr kPeerMac{{2, 0, 0, 0, 0, 2}};
const MacAddr kPeerMac2{{2, 0, 0, 0, 0, 3}};
const uint32_t kOurIp = ipv4(10, 0, 0, 1);
const uint32_t kPeerIp = ipv4(10, 0, 0, 2);
const uint32_t kPeerIp2 = ipv4(10, 0, 0, 3);
const Instant t0 = Instant::from_micros(1'000'000'000);

Instant at(double seconds) { return t0 + Duration::micros(int64_t(seconds * 1e6)); }

ArpRepr request(MacAddr sha, uint32_t spa, uint32_t tpa) { return {ArpOp::kRequest, sha, spa, MacAddr{}, tpa}; }
ArpRepr reply(MacAddr sha, uint32_t spa) { return {ArpOp::kReply, sha, spa, kOurMac, kOurIp}; }

Packet marked(uint8_t mark) {
  uint8_t b[1] = {mark};
  return test::packet_of(b);
}

class ArpCacheTest : public test::PoolTest {
 protected:
  ArpConfig cfg;
  ArpActions out;
  std::unique_ptr<ArpCache> cache;
  void make() { cache = std::make_unique<ArpCache>(kOurMac, kOurIp, 24, cfg); }
  void SetUp() override { make(); }
};

TEST_F(ArpCacheTest, Rfc826RequestForOurAddressIsAnsweredAndRequesterLearned) {
  cache->process(t0, request(kPeerMac, kPeerIp, kOurIp), out);
  ASSERT_EQ(out.send.size(), 1u);
  const ArpTx& tx = out.send[0];
  EXPECT_EQ(tx.eth_dst, kPeerMac);  // unicast back to the requester
  EXPECT_EQ(tx.arp, (ArpRepr{ArpOp::kReply, kOurMac, kOurIp, kPeerMac, kPeerIp}));
  EXPECT_EQ(cache->lookup(t0, kPeerIp), kPeerMac);
  EXPECT_EQ(cache->counters().learned, 1u);
  EXPECT_EQ(cache->counters().resolved, 0u) << "learned, not resolved";
  EXPECT_EQ(cache->counters().tx_replies, 1u);
}

TEST_F(ArpCacheTest, Rfc826RequestForAnotherAddressIsIgnoredButMergesKnownSender) {
  cache->process(t0, request(kPeerMac, kPeerIp, ipv4(10, 0, 0, 9)), out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(cache->size(), 0u) << "not the target: nothing added";
  cache->process(t0, reply(kPeerMac, kPeerIp), out);  // now known
  // The peer's MAC changes; a request between others still updates it (merge flag).
  cache->process(at(1), request(kPeerMac2, kPeerIp, ipv4(10, 0, 0, 9)), out);
  EXPECT_TRUE(out.send.empty());
  EXPECT_EQ(cache->lookup(at(1), kPeerIp), kPeerMac2);
  EXPECT_EQ(cache->counters().updated, 1u);
}

TEST_F(ArpCacheTest, OffLinkRequesterIsAnsweredButNotLearned) {
  cache->process(t0, request(kPeerMac, ipv4(192, 168, 1, 1), kOurIp), out);
  EXPECT_EQ(out.send.size(), 1u);
  EXPECT_EQ(cache->size(), 0u);
}

TEST_F(ArpCacheTest, BadSendersAreDropped) {
  cache->process(t0, request(MacAddr::broadcast(), kPeerIp, kOurIp), out);
  cache->process(t0, request(kPeerMac, 0xffffffffu, kOurIp), out);
  cache->process(t0, request(MacAddr{}, kPeerIp, kOurIp), out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(cache->counters().drop_bad_sender, 3u);
}

TEST_F(ArpCacheTest, Rfc5227ConflictIsCountedAndNeverLearned) {
  cache->process(t0, request(kPeerMac, kOurIp, kOurIp), out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(cache->counters().conflicts, 1u);
  EXPECT_FALSE(cache->lookup(t0, kOurIp));
}

TEST_F(ArpCacheTest, Rfc5227ProbeForOurAddressIsAnswered) {
  cache->process(t0, request(kPeerMac, 0, kOurIp), out);  // sender IP 0: a probe
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(out.send[0].arp.target_ip, 0u);
  EXPECT_EQ(cache->size(), 0u);
}

TEST_F(ArpCacheTest, ResolutionHoldsPacketsThenReleasesThemInOrder) {
  EXPECT_FALSE(cache->lookup(t0, kPeerIp));
  for (uint8_t i = 0; i < 3; i++) cache->hold(t0, kPeerIp, marked(i), out);
  ASSERT_EQ(out.send.size(), 1u) << "one request for three packets";
  EXPECT_EQ(out.send[0].eth_dst, MacAddr::broadcast());
  EXPECT_EQ(out.send[0].arp, (ArpRepr{ArpOp::kRequest, kOurMac, kOurIp, MacAddr{}, kPeerIp}));
  EXPECT_TRUE(out.ready.empty());
  EXPECT_EQ(cache->state_of(kPeerIp), ArpCache::State::kIncomplete);
  EXPECT_EQ(cache->next_deadline(), at(1));
  out.clear();

  cache->process(at(0.5), reply(kPeerMac, kPeerIp), out);
  ASSERT_EQ(out.ready.size(), 3u);
  for (uint8_t i = 0; i < 3; i++) {
    EXPECT_EQ(out.ready[i].mac, kPeerMac);
    EXPECT_EQ(out.ready[i].packet.data()[0], i);
  }
  EXPECT_TRUE(out.send.empty());
  EXPECT_EQ(cache->state_of(kPeerIp), ArpCache::State::kReachable);
  EXPECT_EQ(cache->lookup(at(0.5), kPeerIp), kPeerMac);
  EXPECT_EQ(cache->counters().resolved, 1u);
}

TEST_F(ArpCacheTest, QueueIsBoundedAndKeepsTheLatest) {
  for (uint8_t i = 0; i < 10; i++) cache->hold(t0, kPeerIp, marked(i), out);
  EXPECT_EQ(cache->counters().drop_queue_full, 2u);
  out.clear();
  cache->process(at(0.1), reply(kPeerMac, kPeerIp), out);
  ASSERT_EQ(out.ready.size(), 8u);
  for (uint8_t i = 0; i < 8; i++) EXPECT_EQ(out.ready[i].packet.data()[0], i + 2);
}

TEST_F(ArpCacheTest, RetriesThenFailureDropsHeldPackets) {
  cache->hold(t0, kPeerIp, marked(1), out);
  cache->hold(t0, kPeerIp, marked(2), out);
  EXPECT_EQ(out.send.size(), 1u);
  out.clear();
  cache->poll(at(0.9), out);
  EXPECT_TRUE(out.empty()) << "not due yet";
  cache->poll(at(1), out);
  EXPECT_EQ(out.send.size(), 1u) << "second try";
  cache->poll(at(2), out);
  EXPECT_EQ(out.send.size(), 2u) << "third try";
  EXPECT_EQ(cache->next_deadline(), at(3));
  cache->poll(at(3), out);
  EXPECT_EQ(out.send.size(), 2u) << "max_requests reached: no fourth";
  EXPECT_FALSE(cache->state_of(kPeerIp));
  EXPECT_EQ(cache->counters().failed, 1u);
  EXPECT_EQ(cache->counters().drop_unresolved, 2u);
  EXPECT_EQ(cache->counters().tx_requests, 3u);
  EXPECT_EQ(cache->next_deadline(), Instant::never());
}

TEST_F(ArpCacheTest, RetriesBackOff) {
  cfg.retry_backoff = 2;
  make();
  cache->hold(t0, kPeerIp, marked(1), out);
  cache->poll(at(1), out);
  EXPECT_EQ(cache->next_deadline(), at(3));
  cache->poll(at(3), out);
  EXPECT_EQ(out.send.size(), 3u);
  EXPECT_EQ(cache->next_deadline(), at(7));
  cache->poll(at(6.9), out);
  EXPECT_TRUE(cache->state_of(kPeerIp));
  cache->poll(at(7), out);
  EXPECT_FALSE(cache->state_of(kPeerIp));
}

TEST_F(ArpCacheTest, Rfc1122EntryInUseIsRefreshedByUnicastBeforeExpiry) {
  cache->hold(t0, kPeerIp, marked(1), out);
  cache->process(t0, reply(kPeerMac, kPeerIp), out);
  out.clear();
  cache->poll(at(1), out);  // the resolution's retry time: nothing left to do
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(cache->next_deadline(), at(55));
  cache->lookup(at(30), kPeerIp);  // in use
  cache->poll(at(55), out);
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(out.send[0].eth_dst, kPeerMac) << "RFC 1122 2.3.2.1: unicast poll";
  EXPECT_EQ(out.send[0].arp.target_ip, kPeerIp);
  EXPECT_EQ(cache->state_of(kPeerIp), ArpCache::State::kRefreshing);
  EXPECT_EQ(cache->lookup(at(55.5), kPeerIp), kPeerMac) << "usable while refreshing";
  cache->process(at(55.5), reply(kPeerMac, kPeerIp), out);
  EXPECT_EQ(cache->state_of(kPeerIp), ArpCache::State::kReachable);
  cache->poll(at(56), out);  // the refresh's retry time: nothing left to do
  EXPECT_EQ(out.send.size(), 1u);
  EXPECT_EQ(cache->next_deadline(), at(110.5));
}

TEST_F(ArpCacheTest, UnansweredRefreshRemovesTheEntry) {
  cache->hold(t0, kPeerIp, marked(1), out);
  cache->process(t0, reply(kPeerMac, kPeerIp), out);
  out.clear();
  cache->lookup(at(10), kPeerIp);
  for (int s = 55; s <= 58; s++) cache->poll(at(s), out);
  EXPECT_EQ(out.send.size(), 3u);
  EXPECT_FALSE(cache->state_of(kPeerIp));
  EXPECT_EQ(cache->counters().refresh_failed, 1u);
  EXPECT_FALSE(cache->lookup(at(58), kPeerIp)) << "the next use resolves by broadcast";
}

TEST_F(ArpCacheTest, UnusedEntryGoesStaleThenExpires) {
  cache->process(t0, request(kPeerMac, kPeerIp, kOurIp), out);
  out.clear();
  cache->poll(at(55), out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(cache->state_of(kPeerIp), ArpCache::State::kStale);
  cache->poll(at(114.9), out);
  EXPECT_TRUE(cache->state_of(kPeerIp));
  cache->poll(at(115), out);
  EXPECT_FALSE(cache->state_of(kPeerIp));
  EXPECT_EQ(cache->counters().expired, 1u);
}

TEST_F(ArpCacheTest, StaleEntryInUseIsUsableAndRevalidated) {
  cache->process(t0, request(kPeerMac, kPeerIp, kOurIp), out);
  out.clear();
  cache->poll(at(55), out);
  EXPECT_EQ(cache->lookup(at(70), kPeerIp), kPeerMac);
  EXPECT_EQ(cache->next_deadline(), at(70));
  cache->poll(at(70), out);
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(out.send[0].eth_dst, kPeerMac);
  cache->process(at(70.2), reply(kPeerMac, kPeerIp), out);
  EXPECT_EQ(cache->state_of(kPeerIp), ArpCache::State::kReachable);
}

TEST_F(ArpCacheTest, TableIsBoundedAndEvictsOnlyStaleEntries) {
  cfg.max_entries = 2;
  make();
  cache->hold(t0, kPeerIp, marked(1), out);
  cache->hold(t0, kPeerIp2, marked(2), out);
  cache->hold(t0, ipv4(10, 0, 0, 4), marked(3), out);
  EXPECT_EQ(cache->counters().drop_table_full, 1u);
  EXPECT_EQ(cache->size(), 2u);
  cache->process(t0, reply(kPeerMac, kPeerIp), out);
  cache->process(t0, reply(kPeerMac2, kPeerIp2), out);
  cache->poll(at(55), out);  // both unused: stale
  out.clear();
  cache->hold(at(56), ipv4(10, 0, 0, 4), marked(4), out);
  EXPECT_EQ(cache->counters().evicted, 1u);
  EXPECT_EQ(cache->state_of(ipv4(10, 0, 0, 4)), ArpCache::State::kIncomplete);
}

TEST_F(ArpCacheTest, Rfc5227AnnouncementsAtStart) {
  cache->announce(t0, out);
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(out.send[0].eth_dst, MacAddr::broadcast());
  EXPECT_EQ(out.send[0].arp, (ArpRepr{ArpOp::kRequest, kOurMac, kOurIp, MacAddr{}, kOurIp}));
  EXPECT_EQ(cache->next_deadline(), at(2));
  cache->poll(at(2), out);
  EXPECT_EQ(out.send.size(), 2u);
  EXPECT_EQ(cache->next_deadline(), Instant::never());
  cache->poll(at(10), out);
  EXPECT_EQ(out.send.size(), 2u);
  EXPECT_EQ(cache->counters().tx_announcements, 2u);
}

TEST_F(ArpCacheTest, HeldPacketsAreFreedWithTheCache) {
  cache->hold(t0, kPeerIp, marked(1), out);
  cache.reset();  // the fixture checks nothing leaked
}

}  // namespace
}  // namespace sluice::stack
