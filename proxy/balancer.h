// Choosing a server for one attempt of one request, per worker (no state is shared between
// workers, so each worker balances its own share of the traffic):
// - round_robin: nginx's smooth weighted round-robin (weights 5,1,1 give a a b a c a a);
// - least_conn: fewest requests in flight relative to weight, ties by smooth round-robin;
// - ip_hash: nginx's hash of the client's /24 (IPv4) or whole address (IPv6), weighted;
// - hash: consistent hashing of a key on a ring (hash_ring.h).
// Servers that are down, failed out (max_fails within fail_timeout), failing active checks, or
// already tried by this request are skipped; backups are used only when no primary is eligible.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "conf/config.h"
#include "core/time.h"
#include "proxy/hash_ring.h"
#include "proxy/peer.h"

namespace sluice::proxy {

// What the request offers the balancer.
struct PickKey {
  std::optional<transport::Address> client;  // ip_hash (none: round-robin)
  uint32_t hash = 0;                         // hash: hash32() of the expanded key
};

// The servers one request has tried, by index.
class TriedSet {
 public:
  explicit TriedSet(size_t n = 0) : bits_(n) {}
  void add(size_t i) { if (i < bits_.size()) bits_[i] = true; }
  void remove(size_t i) { if (i < bits_.size()) bits_[i] = false; }
  bool has(size_t i) const { return i < bits_.size() && bits_[i]; }
  size_t count() const;

 private:
  std::vector<bool> bits_;
};

class Balancer {
 public:
  explicit Balancer(const conf::UpstreamConfig& conf);

  // The server for the next attempt, or nullptr when none is eligible.
  Peer* pick(const PickKey& key, const TriedSet& tried, Instant now);
  // Passive health (nginx's max_fails/fail_timeout): a failure counts within fail_timeout of the
  // previous one; a success clears the count.
  void report_failure(Peer& p, Instant now);
  void report_success(Peer& p);

  std::vector<Peer>& peers() { return peers_; }
  const std::vector<Peer>& peers() const { return peers_; }
  size_t index_of(const Peer& p) const { return size_t(&p - peers_.data()); }
  conf::Balance method() const { return method_; }

 private:
  bool eligible(const Peer& p, const TriedSet& tried, Instant now) const {
    return p.available(now) && !tried.has(index_of(p));
  }
  Peer* pick_primary(const PickKey& key, const TriedSet& tried, Instant now);
  Peer* round_robin(bool backup, const TriedSet& tried, Instant now);
  Peer* least_conn(const TriedSet& tried, Instant now);
  Peer* ip_hash(const transport::Address& client, const TriedSet& tried, Instant now);
  Peer* consistent_hash(uint32_t key, const TriedSet& tried, Instant now);

  conf::Balance method_;
  std::vector<Peer> peers_;
  int primary_weight_ = 0;  // sum of primary weights (ip_hash)
  HashRing ring_;
};

}  // namespace sluice::proxy
