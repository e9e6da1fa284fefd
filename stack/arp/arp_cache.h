// The ARP cache of one worker: resolution, aging, answering for our address. Sans-I/O: every call
// takes `now` and appends what to transmit (and which held packets are now ready) to an ArpActions
// the caller owns and drains; no clock reads, no I/O, timers are deadlines in the entries.
//
// RFCs: RFC 826 (packet reception and the merge rule), RFC 1122 2.3.2.1 (cache validation by unicast
// poll, one request per second per destination), RFC 1122 2.3.2.2 (queue while resolving, keep the
// latest), RFC 5227 2.3 (announcements at start), RFC 5227 2.4 (conflicts detected and counted).
//
// Entry states:
//   kIncomplete  resolving: broadcast requests every retry interval (times backoff), packets held
//                (bounded); after max_requests unanswered the entry fails and its packets are dropped.
//   kReachable   confirmed within reachable_time. Shortly before that runs out (refresh_lead) an entry
//                that was used since its confirmation is re-confirmed by unicast requests (kRefreshing);
//                an unused one turns kStale.
//   kRefreshing  still used for sending while unicast requests go out; no answer after max_requests
//                removes the entry, so the next use resolves by broadcast again.
//   kStale       still used for sending; its next use starts a refresh. Unused for stale_time: removed.
#pragma once
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/time.h"
#include "stack/mbuf.h"
#include "stack/wire/arp.h"

namespace sluice::stack {

struct ArpConfig {
  Duration reachable_time = Duration::seconds(60);
  Duration refresh_lead = Duration::seconds(5);
  Duration stale_time = Duration::seconds(60);
  Duration retry_interval = Duration::seconds(1);  // RFC 1122 2.3.2.1: at most 1/s per destination
  unsigned retry_backoff = 1;                      // each retry interval is the last one times this
  unsigned max_requests = 3;                       // per resolution or refresh
  size_t max_queued = 8;                           // packets held per unresolved address
  size_t max_entries = 1024;
  unsigned announcements = 2;                      // RFC 5227 ANNOUNCE_NUM
  Duration announce_interval = Duration::seconds(2);  // RFC 5227 ANNOUNCE_INTERVAL
};

struct ArpCounters {
  uint64_t rx_requests = 0;
  uint64_t rx_replies = 0;
  uint64_t tx_requests = 0;
  uint64_t tx_replies = 0;
  uint64_t tx_announcements = 0;
  uint64_t learned = 0;           // new entries from packets addressed to us
  uint64_t updated = 0;           // RFC 826 merge: an existing entry refreshed by any packet
  uint64_t resolved = 0;          // kIncomplete -> kReachable
  uint64_t failed = 0;            // resolutions that gave up
  uint64_t refresh_failed = 0;    // refreshes that gave up (entry removed)
  uint64_t expired = 0;           // stale entries removed unused
  uint64_t evicted = 0;           // stale entries removed to make room
  uint64_t conflicts = 0;         // someone else claims our address (RFC 5227 2.4)
  uint64_t drop_truncated = 0;    // parse errors, by reason (counted by the interface)
  uint64_t drop_unsupported_hardware = 0;
  uint64_t drop_unsupported_protocol = 0;
  uint64_t drop_bad_operation = 0;
  uint64_t drop_bad_sender = 0;   // sender MAC not unicast, or sender IP broadcast/multicast
  uint64_t drop_queue_full = 0;   // held packets pushed out by newer ones
  uint64_t drop_unresolved = 0;   // held packets dropped when resolution failed
  uint64_t drop_table_full = 0;   // packets (or learned mappings) refused: no room for an entry

  template <class F> void for_each(F&& f) const {
    f("rx_requests", rx_requests); f("rx_replies", rx_replies); f("tx_requests", tx_requests);
    f("tx_replies", tx_replies); f("tx_announcements", tx_announcements); f("learned", learned);
    f("updated", updated); f("resolved", resolved); f("failed", failed);
    f("refresh_failed", refresh_failed); f("expired", expired); f("evicted", evicted);
    f("conflicts", conflicts); f("drop_truncated", drop_truncated);
    f("drop_unsupported_hardware", drop_unsupported_hardware);
    f("drop_unsupported_protocol", drop_unsupported_protocol);
    f("drop_bad_operation", drop_bad_operation); f("drop_bad_sender", drop_bad_sender);
    f("drop_queue_full", drop_queue_full); f("drop_unresolved", drop_unresolved);
    f("drop_table_full", drop_table_full);
  }
  void count(ArpError e);
};

// An ARP packet to transmit, and the Ethernet destination to send it to.
struct ArpTx {
  ArpRepr arp;
  MacAddr eth_dst;
};
// A held packet whose next hop is now resolved: the caller adds the Ethernet header and sends it.
struct ArpReady {
  MacAddr mac;
  Packet packet;
};
// What a call asks the caller to do. The caller owns it, drains both lists and reuses it.
struct ArpActions {
  std::vector<ArpTx> send;
  std::vector<ArpReady> ready;  // in the order the packets were held
  void clear() { send.clear(); ready.clear(); }
  bool empty() const { return send.empty() && ready.empty(); }
};

class ArpCache {
 public:
  enum class State : uint8_t { kIncomplete, kReachable, kRefreshing, kStale };

  ArpCache(MacAddr our_mac, uint32_t our_ip, uint8_t prefix_len, const ArpConfig& cfg = {});

  // RFC 5227 2.3: announces our address now and schedules the remaining announcements.
  void announce(Instant now, ArpActions& out);
  // A received, parsed ARP packet.
  void process(Instant now, const ArpRepr& in, ArpActions& out);
  // The MAC for `ip` if it is usable now (marks the entry used; a stale entry starts a refresh,
  // whose request goes out at the next poll()). nullopt: call hold().
  std::optional<MacAddr> lookup(Instant now, uint32_t ip);
  // Takes `pkt` (an IPv4 datagram waiting for its next hop's MAC) and holds it until `ip` resolves,
  // starting the resolution if needed. Held packets come back through ArpActions::ready, or are
  // dropped and counted.
  void hold(Instant now, uint32_t ip, Packet pkt, ArpActions& out);
  // Runs due timers: retries, refreshes, aging, announcements.
  void poll(Instant now, ArpActions& out);
  // When poll() next has work: never later than the earliest entry deadline, possibly earlier
  // (a deadline that moved later is only noticed by the next poll(), which then does nothing).
  Instant next_deadline() const { return next_deadline_; }

  const ArpCounters& counters() const { return counters_; }
  ArpCounters& counters() { return counters_; }
  size_t size() const { return entries_.size(); }
  std::optional<State> state_of(uint32_t ip) const;
  const ArpConfig& config() const { return cfg_; }

 private:
  struct Entry {
    State state = State::kIncomplete;
    MacAddr mac;
    Instant deadline = Instant::never();  // the next thing to do, by state (see above)
    unsigned requests = 0;                // sent in the current resolution or refresh
    Duration interval;                    // the current retry interval
    bool used = false;                    // looked up since the last confirmation
    std::vector<Packet> held;             // kIncomplete only
  };

  void confirm(Instant now, uint32_t ip, Entry& e, MacAddr mac, ArpActions& out);
  void reply(const ArpRepr& request, ArpActions& out);
  void send_request(uint32_t ip, MacAddr eth_dst, ArpActions& out);
  void start_requests(Instant now, uint32_t ip, Entry& e, MacAddr eth_dst, ArpActions& out);
  // Handles one due entry; false when the entry must be removed.
  bool on_deadline(Instant now, uint32_t ip, Entry& e, ArpActions& out);
  bool retry(Instant now, uint32_t ip, Entry& e, MacAddr eth_dst, ArpActions& out);
  Entry* insert(uint32_t ip);
  bool on_link(uint32_t ip) const { return ((ip ^ our_ip_) & mask_) == 0; }
  void schedule(Instant t) { if (t < next_deadline_) next_deadline_ = t; }

  MacAddr our_mac_;
  uint32_t our_ip_;
  uint32_t mask_;
  ArpConfig cfg_;
  std::unordered_map<uint32_t, Entry> entries_;
  unsigned announcements_left_ = 0;
  Instant announce_at_ = Instant::never();
  Instant next_deadline_ = Instant::never();
  ArpCounters counters_;
};

}  // namespace sluice::stack
