// Balancing: nginx's smooth weighted round-robin sequence, least_conn, ip_hash stability,
// consistent hashing (only the removed server's keys move), passive health, backups.
#include <gtest/gtest.h>

#include <map>

#include "proxy/balancer.h"
#include "tests/proxy/fixture.h"

namespace sluice::proxy {
namespace {

using sluice::testing::upstream;

const Instant kT0 = Instant::from_micros(1'000'000'000);

std::string pick_name(Balancer& b, const PickKey& key = {}, Instant now = kT0) {
  TriedSet tried(b.peers().size());
  Peer* p = b.pick(key, tried, now);
  return p ? p->address.to_string() : "none";
}

conf::UpstreamConfig weighted(std::vector<std::pair<std::string, unsigned>> servers) {
  conf::UpstreamConfig u;
  u.name = "u";
  for (auto& [addr, w] : servers) {
    conf::UpstreamServer s;
    s.address = *transport::Address::parse(addr);
    s.weight = w;
    u.servers.push_back(s);
  }
  return u;
}

TEST(SmoothRoundRobin, NginxSequenceForWeights511) {
  Balancer b(weighted({{"10.0.0.1:80", 5}, {"10.0.0.2:80", 1}, {"10.0.0.3:80", 1}}));
  std::string order;
  for (int i = 0; i < 14; ++i) {
    std::string n = pick_name(b);
    order += n == "10.0.0.1:80" ? 'a' : n == "10.0.0.2:80" ? 'b' : 'c';
  }
  EXPECT_EQ(order, "aabacaa" "aabacaa");  // nginx's documented sequence, twice
}

TEST(SmoothRoundRobin, DistributionFollowsWeights) {
  Balancer b(weighted({{"10.0.0.1:80", 3}, {"10.0.0.2:80", 2}, {"10.0.0.3:80", 1}}));
  std::map<std::string, int> n;
  for (int i = 0; i < 600; ++i) ++n[pick_name(b)];
  EXPECT_EQ(n["10.0.0.1:80"], 300);
  EXPECT_EQ(n["10.0.0.2:80"], 200);
  EXPECT_EQ(n["10.0.0.3:80"], 100);
}

TEST(SmoothRoundRobin, TriedServersAreSkipped) {
  Balancer b(weighted({{"10.0.0.1:80", 5}, {"10.0.0.2:80", 1}}));
  TriedSet tried(2);
  tried.add(0);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(b.pick({}, tried, kT0)->address.to_string(), "10.0.0.2:80");
  tried.add(1);
  EXPECT_EQ(b.pick({}, tried, kT0), nullptr);
}

TEST(LeastConn, FewestInFlightPerWeight) {
  conf::UpstreamConfig u = weighted({{"10.0.0.1:80", 1}, {"10.0.0.2:80", 1}, {"10.0.0.3:80", 2}});
  u.balance = conf::Balance::kLeastConn;
  Balancer b(u);
  auto& p = b.peers();
  p[0].active = 2;
  p[1].active = 1;
  p[2].active = 3;  // 1.5 per unit of weight
  EXPECT_EQ(pick_name(b), "10.0.0.2:80");
  p[1].active = 2;
  EXPECT_EQ(pick_name(b), "10.0.0.3:80");  // 1.5 < 2
  // Ties alternate (smooth round-robin among the tied).
  p[0].active = p[1].active = 0;
  p[2].active = 0;
  std::map<std::string, int> n;
  for (int i = 0; i < 40; ++i) ++n[pick_name(b)];
  EXPECT_EQ(n["10.0.0.1:80"], 10);
  EXPECT_EQ(n["10.0.0.2:80"], 10);
  EXPECT_EQ(n["10.0.0.3:80"], 20);
}

PickKey client(const std::string& ip) {
  PickKey k;
  k.client = transport::Address::parse(ip + ":1");
  return k;
}

TEST(IpHash, SameClientSameServerAndSameSlash24) {
  conf::UpstreamConfig u = weighted({{"10.0.0.1:80", 1}, {"10.0.0.2:80", 1}, {"10.0.0.3:80", 1}});
  u.balance = conf::Balance::kIpHash;
  Balancer b(u);
  std::map<std::string, int> per_server;
  for (int net = 0; net < 300; ++net) {
    std::string base = "198." + std::to_string(18 + net / 256) + "." + std::to_string(net % 256) + ".";
    std::string first = pick_name(b, client(base + "1"));
    for (int i = 0; i < 5; ++i) EXPECT_EQ(pick_name(b, client(base + std::to_string(2 + i * 40))), first);
    ++per_server[first];
  }
  for (auto& [s, n] : per_server) EXPECT_GT(n, 60) << s;  // spread over all three
  EXPECT_EQ(per_server.size(), 3u);
}

TEST(IpHash, UnavailableServerRehashesElsewhereAndBack) {
  conf::UpstreamConfig u = weighted({{"10.0.0.1:80", 1}, {"10.0.0.2:80", 1}, {"10.0.0.3:80", 1}});
  u.balance = conf::Balance::kIpHash;
  Balancer b(u);
  std::string home = pick_name(b, client("203.0.113.9"));
  Peer* p = nullptr;
  for (Peer& x : b.peers()) {
    if (x.address.to_string() == home) p = &x;
  }
  p->check_down = true;
  std::string other = pick_name(b, client("203.0.113.9"));
  EXPECT_NE(other, home);
  EXPECT_EQ(pick_name(b, client("203.0.113.9")), other);  // stable while it is down
  p->check_down = false;
  EXPECT_EQ(pick_name(b, client("203.0.113.9")), home);
}

PickKey hashed(const std::string& key) {
  PickKey k;
  k.hash = hash32(key);
  return k;
}

TEST(ConsistentHash, RemovingOneServerMovesOnlyItsKeys) {
  std::vector<std::string> five = {"10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80", "10.0.0.5:80"};
  conf::UpstreamConfig all = upstream("c", five);
  all.balance = conf::Balance::kHash;
  conf::UpstreamConfig four = upstream("c", {five[0], five[1], five[3], five[4]});
  four.balance = conf::Balance::kHash;
  Balancer b5(all), b4(four);
  const int kKeys = 20000;
  int moved = 0, on_removed = 0;
  std::map<std::string, int> share;
  for (int i = 0; i < kKeys; ++i) {
    std::string key = "/video/" + std::to_string(i) + ".ts";
    std::string before = pick_name(b5, hashed(key));
    std::string after = pick_name(b4, hashed(key));
    ++share[before];
    if (before == five[2]) ++on_removed;
    else if (before != after) ++moved;
  }
  EXPECT_EQ(moved, 0);  // keys of the other servers stay where they were
  EXPECT_NEAR(double(on_removed) / kKeys, 0.2, 0.05);  // ~1/N of the keys move
  for (auto& [s, n] : share) EXPECT_NEAR(double(n) / kKeys, 0.2, 0.06) << s;
}

TEST(ConsistentHash, DownServerKeysGoToTheNextPointOnly) {
  conf::UpstreamConfig u = upstream("c", {"10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80"});
  u.balance = conf::Balance::kHash;
  Balancer b(u);
  std::map<std::string, std::string> before;
  for (int i = 0; i < 4000; ++i) before["k" + std::to_string(i)] = pick_name(b, hashed("k" + std::to_string(i)));
  b.peers()[1].down = true;
  int moved_elsewhere = 0;
  for (auto& [k, s] : before) {
    std::string now = pick_name(b, hashed(k));
    if (s != "10.0.0.2:80") moved_elsewhere += now != s;
    else EXPECT_NE(now, "10.0.0.2:80");
  }
  EXPECT_EQ(moved_elsewhere, 0);
}

TEST(PassiveHealth, MaxFailsWithinFailTimeoutTakesServerOutThenBack) {
  conf::UpstreamConfig u = upstream("p", {"10.0.0.1:80", "10.0.0.2:80"});
  for (auto& s : u.servers) {
    s.max_fails = 2;
    s.fail_timeout = Duration::seconds(10);
  }
  Balancer b(u);
  Peer& a = b.peers()[0];
  b.report_failure(a, kT0);
  EXPECT_TRUE(a.available(kT0));  // one failure: still in
  b.report_failure(a, kT0 + Duration::seconds(1));
  EXPECT_FALSE(a.available(kT0 + Duration::seconds(1)));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(pick_name(b, {}, kT0 + Duration::seconds(5)), "10.0.0.2:80");
  // After fail_timeout it gets a trial; failing it keeps it out another fail_timeout.
  Instant later = kT0 + Duration::seconds(11);
  EXPECT_TRUE(a.available(later));
  b.report_failure(a, later);
  EXPECT_FALSE(a.available(later + Duration::seconds(9)));
  EXPECT_TRUE(a.available(later + Duration::seconds(10)));
  b.report_success(a);
  EXPECT_EQ(a.fails, 0u);
}

TEST(PassiveHealth, FailuresFurtherApartThanFailTimeoutDoNotAddUp) {
  conf::UpstreamConfig u = upstream("p", {"10.0.0.1:80", "10.0.0.2:80"});
  u.servers[0].max_fails = 2;
  u.servers[0].fail_timeout = Duration::seconds(10);
  Balancer b(u);
  Peer& a = b.peers()[0];
  b.report_failure(a, kT0);
  b.report_failure(a, kT0 + Duration::seconds(15));
  EXPECT_TRUE(a.available(kT0 + Duration::seconds(15)));
}

TEST(PassiveHealth, LoneServerIsNeverFailedOut) {
  Balancer b(upstream("p", {"10.0.0.1:80"}));
  for (int i = 0; i < 5; ++i) b.report_failure(b.peers()[0], kT0);
  EXPECT_EQ(pick_name(b), "10.0.0.1:80");
}

TEST(Backup, UsedOnlyWhenNoPrimaryIsAvailable) {
  conf::UpstreamConfig u = upstream("b", {"10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"});
  u.servers[2].backup = true;
  Balancer b(u);
  for (int i = 0; i < 10; ++i) EXPECT_NE(pick_name(b), "10.0.0.3:80");
  b.peers()[0].check_down = true;
  for (int i = 0; i < 4; ++i) EXPECT_EQ(pick_name(b), "10.0.0.2:80");
  b.peers()[1].down = true;
  EXPECT_EQ(pick_name(b), "10.0.0.3:80");
  b.peers()[0].check_down = false;
  EXPECT_EQ(pick_name(b), "10.0.0.1:80");
  // Tried primaries count as unavailable for this request.
  TriedSet tried(3);
  tried.add(0);
  EXPECT_EQ(b.pick({}, tried, kT0)->address.to_string(), "10.0.0.3:80");
}

}  // namespace
}  // namespace sluice::proxy
