#include "proxy/balancer.h"

#include <algorithm>

namespace sluice::proxy {
namespace {

std::vector<Peer> make_peers(const conf::UpstreamConfig& conf) {
  std::vector<Peer> peers;
  for (const conf::UpstreamServer& s : conf.servers) peers.emplace_back(s);
  return peers;
}

// nginx's smooth weighted round-robin over the peers `ok` accepts: each gains its effective
// weight, the highest is chosen and loses the total. Over any window the picks follow the weights,
// spread out instead of in bursts.
template <typename Ok>
Peer* smooth_pick(std::vector<Peer>& peers, Ok&& ok) {
  Peer* best = nullptr;
  int64_t total = 0;
  for (Peer& p : peers) {
    if (!ok(p)) continue;
    p.current_weight += p.effective_weight;
    total += p.effective_weight;
    if (p.effective_weight < p.weight) ++p.effective_weight;
    if (!best || p.current_weight > best->current_weight) best = &p;
  }
  if (best) best->current_weight -= total;
  return best;
}

}  // namespace

size_t TriedSet::count() const { return size_t(std::count(bits_.begin(), bits_.end(), true)); }

Balancer::Balancer(const conf::UpstreamConfig& conf)
    : method_(conf.balance), peers_(make_peers(conf)), ring_(peers_, conf.hash_points) {
  // nginx: a lone server is never failed out (there is nothing to fail over to, and 503s for
  // fail_timeout would only prolong an outage).
  if (peers_.size() == 1) peers_[0].max_fails = 0;
  for (const Peer& p : peers_) {
    if (!p.backup) primary_weight_ += p.weight;
  }
}

Peer* Balancer::pick(const PickKey& key, const TriedSet& tried, Instant now) {
  Peer* p = pick_primary(key, tried, now);
  if (!p) p = round_robin(/*backup=*/true, tried, now);
  if (p) ++p->selected;
  return p;
}

Peer* Balancer::pick_primary(const PickKey& key, const TriedSet& tried, Instant now) {
  switch (method_) {
    case conf::Balance::kRoundRobin: return round_robin(false, tried, now);
    case conf::Balance::kLeastConn: return least_conn(tried, now);
    case conf::Balance::kIpHash:
      return key.client ? ip_hash(*key.client, tried, now) : round_robin(false, tried, now);
    case conf::Balance::kHash: return consistent_hash(key.hash, tried, now);
  }
  return nullptr;
}

Peer* Balancer::round_robin(bool backup, const TriedSet& tried, Instant now) {
  return smooth_pick(peers_, [&](const Peer& p) { return p.backup == backup && eligible(p, tried, now); });
}

// Fewest in flight per unit of weight (a.active / a.weight < b.active / b.weight, compared without
// division); ties go through smooth round-robin so equal servers still alternate.
Peer* Balancer::least_conn(const TriedSet& tried, Instant now) {
  const Peer* best = nullptr;
  for (const Peer& p : peers_) {
    if (p.backup || !eligible(p, tried, now)) continue;
    if (!best || uint64_t(p.active) * unsigned(best->weight) < uint64_t(best->active) * unsigned(p.weight)) best = &p;
  }
  if (!best) return nullptr;
  const Peer& b = *best;
  return smooth_pick(peers_, [&](const Peer& p) {
    return !p.backup && eligible(p, tried, now) &&
           uint64_t(p.active) * unsigned(b.weight) == uint64_t(b.active) * unsigned(p.weight);
  });
}

// nginx's ngx_http_upstream_get_ip_hash_peer: the first three octets of an IPv4 address (the whole
// IPv6 address) hashed, mapped onto the weights; an ineligible choice is rehashed, and after 20
// misses round-robin decides.
Peer* Balancer::ip_hash(const transport::Address& client, const TriedSet& tried, Instant now) {
  if (primary_weight_ == 0) return nullptr;
  size_t len = client.family == transport::Address::Family::kIpv4 ? 3 : 16;
  uint32_t hash = 89;
  for (int attempt = 0; attempt < 20; ++attempt) {
    for (size_t i = 0; i < len; ++i) hash = (hash * 113 + client.ip[i]) % 6271;
    int w = int(hash % unsigned(primary_weight_));
    for (Peer& p : peers_) {
      if (p.backup) continue;
      if (w < p.weight) {
        if (eligible(p, tried, now)) return &p;
        break;
      }
      w -= p.weight;
    }
  }
  return round_robin(false, tried, now);
}

Peer* Balancer::consistent_hash(uint32_t key, const TriedSet& tried, Instant now) {
  int i = ring_.walk(key, [&](int idx) { return eligible(peers_[size_t(idx)], tried, now); });
  return i < 0 ? nullptr : &peers_[size_t(i)];
}

void Balancer::report_failure(Peer& p, Instant now) {
  if (p.max_fails == 0) return;
  // Failures count within fail_timeout of each other; a server already out that fails its trial
  // stays out for another fail_timeout.
  if (p.fails > 0 && p.fails < p.max_fails && now - p.last_fail >= p.fail_timeout) p.fails = 0;
  p.fails = std::min(p.fails + 1, p.max_fails);
  p.last_fail = now;
  // nginx lowers the weight so a flapping server gets less traffic while it recovers.
  p.effective_weight = std::max(0, p.effective_weight - std::max(1, p.weight / int(p.max_fails)));
}

void Balancer::report_success(Peer& p) { p.fails = 0; }

}  // namespace sluice::proxy
