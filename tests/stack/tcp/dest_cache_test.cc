// RFC 9040 temporal sharing: the round trip a finished connection measured seeds the next one to
// the same host (DestinationCache), so a lost SYN is resent after the path's RTO, not after 1 s.
#include "stack/tcp/dest_cache.h"
#include "stack/tcp/rtt.h"
#include "tests/stack/tcp/harness.h"

namespace sluice::stack::tcp::testing {
namespace {

TEST(TcpDestinationCache, Rfc9040RemembersPerHostBounded) {
  DestinationCache cache(64);
  EXPECT_FALSE(cache.lookup(kIpB).has_value());
  cache.remember(kIpB, {Duration::millis(20), Duration::millis(5)});
  ASSERT_TRUE(cache.lookup(kIpB).has_value());
  EXPECT_EQ(cache.lookup(kIpB)->srtt, Duration::millis(20));
  EXPECT_FALSE(cache.lookup(kIpA).has_value());
  // Bounded: more hosts than slots overwrite older ones, never grow it.
  for (uint32_t ip = 1; ip < 1000; ++ip) cache.remember(ip, {Duration::millis(ip), Duration::millis(1)});
  int found = 0;
  for (uint32_t ip = 1; ip < 1000; ++ip) found += cache.lookup(ip).has_value();
  EXPECT_LE(found, 64);
  EXPECT_GT(found, 0);
}

TEST(TcpDestinationCache, Rfc9040SeededEstimatorGivesThePathsTimeout) {
  RttEstimator rtt(Duration::seconds(1), Duration::millis(200), Duration::seconds(60));
  EXPECT_EQ(rtt.rto(), Duration::seconds(1));  // RFC 6298 2.1
  rtt.seed(Duration::millis(30), Duration::millis(10));
  EXPECT_EQ(rtt.rto(), Duration::millis(200));  // 30 + 4 * 10 ms, raised to rto_min
  rtt.seed(Duration::millis(300), Duration::millis(50));
  EXPECT_EQ(rtt.rto(), Duration::millis(500));
}

}  // namespace
}  // namespace sluice::stack::tcp::testing

namespace sluice::stack::tcp::testing {
namespace {

// A connection to b measures the path; the next one's lost SYN is resent after rto_min (the
// path's 10 ms RTT is below it), not after RFC 6298's 1 s.
TEST(TcpDestinationCache, Rfc9040LostSynToAKnownHostIsResentAfterThePathsTimeout) {
  Net net;
  auto [ha, hb] = net.establish();
  Pump p{&net.a, ha, random_bytes(20000, 1)};
  p.push();
  net.run_while_not([&] { return net.b.received.size() == p.data.size(); }, Duration::seconds(2));
  net.a.layer.close(ha);
  net.b.layer.close(hb);
  net.run_for(Duration::millis(100));
  size_t syns = 0;
  Instant first_syn, second_syn;
  net.filter = [&](size_t, bool from_a, const Captured& c) {
    if (!from_a || !c.hdr.syn()) return Fate::kDeliver;
    (++syns == 1 ? first_syn : second_syn) = net.now;
    return syns == 1 ? Fate::kDrop : Fate::kDeliver;
  };
  auto h = net.a.layer.connect(net.now, kIpA, kIpB, 80);
  ASSERT_TRUE(h.has_value());
  net.run_while_not([&] { return net.a.layer.state(*h) == TcpState::kEstablished; }, Duration::seconds(3));
  EXPECT_EQ(net.a.layer.state(*h), TcpState::kEstablished);
  ASSERT_EQ(syns, 2u);
  EXPECT_LT(second_syn - first_syn, Duration::millis(300));
}

}  // namespace
}  // namespace sluice::stack::tcp::testing
