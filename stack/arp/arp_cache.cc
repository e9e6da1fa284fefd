#include "stack/arp/arp_cache.h"

#include <algorithm>

namespace sluice::stack {
namespace {

bool is_broadcast_or_multicast(uint32_t ip) { return ip == 0xffffffffu || (ip >> 28) == 0xe; }

}  // namespace

void ArpCounters::count(ArpError e) {
  switch (e) {
    case ArpError::kTruncated: drop_truncated++; break;
    case ArpError::kUnsupportedHardware: drop_unsupported_hardware++; break;
    case ArpError::kUnsupportedProtocol: drop_unsupported_protocol++; break;
    case ArpError::kBadOperation: drop_bad_operation++; break;
  }
}

ArpCache::ArpCache(MacAddr our_mac, uint32_t our_ip, uint8_t prefix_len, const ArpConfig& cfg)
    : our_mac_(our_mac),
      our_ip_(our_ip),
      mask_(prefix_len == 0 ? 0 : ~uint32_t(0) << (32 - std::min<uint8_t>(prefix_len, 32))),
      cfg_(cfg) {}

std::optional<ArpCache::State> ArpCache::state_of(uint32_t ip) const {
  auto it = entries_.find(ip);
  if (it == entries_.end()) return std::nullopt;
  return it->second.state;
}

void ArpCache::announce(Instant now, ArpActions& out) {
  announcements_left_ = cfg_.announcements;
  announce_at_ = now;
  schedule(now);
  poll(now, out);
}

void ArpCache::process(Instant now, const ArpRepr& in, ArpActions& out) {
  if (in.op == ArpOp::kRequest) counters_.rx_requests++; else counters_.rx_replies++;
  // A mapping is only worth learning from a unicast station address.
  if (!in.sender_mac.is_unicast() || is_broadcast_or_multicast(in.sender_ip)) {
    counters_.drop_bad_sender++;
    return;
  }
  // RFC 5227 2.4: a packet claiming our address from another station is a conflict. Counted; we
  // do not defend (no ARP is sent for it) and we never learn our own address.
  if (in.sender_ip == our_ip_) {
    if (in.sender_mac != our_mac_) counters_.conflicts++;
    return;
  }
  // RFC 826: "If the pair <protocol type, sender protocol address> is already in my translation
  // table, update the sender hardware address field of the entry with the new information in the
  // packet and set Merge_flag to true." (Sender IP 0 is an RFC 5227 probe: nothing to merge.)
  bool merged = false;
  if (in.sender_ip != 0) {
    if (auto it = entries_.find(in.sender_ip); it != entries_.end()) {
      counters_.updated++;
      confirm(now, in.sender_ip, it->second, in.sender_mac, out);
      merged = true;
    }
  }
  // RFC 826: "?Am I the target protocol address?" Nothing more to do when not.
  if (in.target_ip != our_ip_) return;
  // RFC 826: "If Merge_flag is false, add the triplet <protocol type, sender protocol address,
  // sender hardware address> to the translation table." Only for on-link senders, which are the
  // only ones we would ever send to directly.
  if (!merged && in.sender_ip != 0 && on_link(in.sender_ip)) {
    if (Entry* e = insert(in.sender_ip)) {
      counters_.learned++;
      e->state = State::kReachable;  // learned, not resolved: confirm() releases nothing
      confirm(now, in.sender_ip, *e, in.sender_mac, out);
    } else {
      counters_.drop_table_full++;
    }
  }
  // RFC 826: "?Is the opcode ares_op$REQUEST? (NOW look at the opcode!!) If so, swap ... put the
  // local hardware and protocol addresses in the sender fields ... send the packet to the (new)
  // target hardware address on the same hardware on which the request was received."
  if (in.op == ArpOp::kRequest) reply(in, out);
}

std::optional<MacAddr> ArpCache::lookup(Instant now, uint32_t ip) {
  auto it = entries_.find(ip);
  if (it == entries_.end() || it->second.state == State::kIncomplete) return std::nullopt;
  Entry& e = it->second;
  e.used = true;
  if (e.state == State::kStale) {
    // RFC 1122 2.3.2.1: revalidate a cached entry that is in use by polling it (unicast request);
    // the entry stays usable meanwhile. The first request goes out at the next poll().
    e.state = State::kRefreshing;
    e.requests = 0;
    e.interval = cfg_.retry_interval;
    e.deadline = now;
    schedule(now);
  }
  return e.mac;
}

void ArpCache::hold(Instant now, uint32_t ip, Packet pkt, ArpActions& out) {
  auto it = entries_.find(ip);
  if (it != entries_.end() && it->second.state != State::kIncomplete) {
    it->second.used = true;
    out.ready.push_back({it->second.mac, std::move(pkt)});
    return;
  }
  Entry* e = it != entries_.end() ? &it->second : insert(ip);
  if (e == nullptr) {
    counters_.drop_table_full++;
    return;  // pkt freed here
  }
  // RFC 1122 2.3.2.2: the link layer SHOULD save at least one (the latest) packet of each set
  // waiting for the same unresolved address: past the bound the oldest is dropped.
  if (e->held.size() >= cfg_.max_queued) {
    counters_.drop_queue_full++;
    e->held.erase(e->held.begin());
  }
  e->held.push_back(std::move(pkt));
  if (e->requests == 0) start_requests(now, ip, *e, MacAddr::broadcast(), out);
}

void ArpCache::poll(Instant now, ArpActions& out) {
  if (now < next_deadline_) return;
  next_deadline_ = Instant::never();
  if (announcements_left_ > 0 && announce_at_ <= now) {
    // RFC 5227 2.3: an announcement is a request with sender and target IP both ours.
    ArpRepr a{ArpOp::kRequest, our_mac_, our_ip_, MacAddr{}, our_ip_};
    out.send.push_back({a, MacAddr::broadcast()});
    counters_.tx_announcements++;
    announcements_left_--;
    announce_at_ = announcements_left_ > 0 ? now + cfg_.announce_interval : Instant::never();
  }
  schedule(announce_at_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.deadline <= now && !on_deadline(now, it->first, it->second, out)) {
      it = entries_.erase(it);
      continue;
    }
    schedule(it->second.deadline);
    ++it;
  }
}

bool ArpCache::on_deadline(Instant now, uint32_t ip, Entry& e, ArpActions& out) {
  switch (e.state) {
    case State::kIncomplete:
      if (retry(now, ip, e, MacAddr::broadcast(), out)) return true;
      counters_.failed++;
      counters_.drop_unresolved += e.held.size();
      return false;  // held packets freed with the entry
    case State::kReachable:
      if (e.used) {
        // RFC 1122 2.3.2.1: an entry in use is revalidated (unicast poll) before it times out.
        e.state = State::kRefreshing;
        start_requests(now, ip, e, e.mac, out);
      } else {
        e.state = State::kStale;
        e.deadline = now + cfg_.stale_time;
      }
      return true;
    case State::kRefreshing:
      if (retry(now, ip, e, e.mac, out)) return true;
      counters_.refresh_failed++;
      return false;
    case State::kStale:
      counters_.expired++;
      return false;
  }
  return false;
}

bool ArpCache::retry(Instant now, uint32_t ip, Entry& e, MacAddr eth_dst, ArpActions& out) {
  if (e.requests >= cfg_.max_requests) return false;
  if (e.requests > 0) e.interval = e.interval * std::max(1u, cfg_.retry_backoff);
  send_request(ip, eth_dst, out);
  e.requests++;
  e.deadline = now + e.interval;
  return true;
}

void ArpCache::start_requests(Instant now, uint32_t ip, Entry& e, MacAddr eth_dst, ArpActions& out) {
  e.requests = 0;
  e.interval = cfg_.retry_interval;
  retry(now, ip, e, eth_dst, out);
  schedule(e.deadline);
}

void ArpCache::confirm(Instant now, uint32_t ip, Entry& e, MacAddr mac, ArpActions& out) {
  if (e.state == State::kIncomplete) {
    counters_.resolved++;
    for (Packet& p : e.held) out.ready.push_back({mac, std::move(p)});
    e.held.clear();
  }
  e.state = State::kReachable;
  e.mac = mac;
  e.requests = 0;
  e.used = false;
  e.deadline = now + (cfg_.reachable_time - std::min(cfg_.refresh_lead, cfg_.reachable_time));
  schedule(e.deadline);
}

void ArpCache::reply(const ArpRepr& request, ArpActions& out) {
  ArpRepr r{ArpOp::kReply, our_mac_, our_ip_, request.sender_mac, request.sender_ip};
  out.send.push_back({r, request.sender_mac});
  counters_.tx_replies++;
}

void ArpCache::send_request(uint32_t ip, MacAddr eth_dst, ArpActions& out) {
  ArpRepr r{ArpOp::kRequest, our_mac_, our_ip_, MacAddr{}, ip};
  out.send.push_back({r, eth_dst});
  counters_.tx_requests++;
}

ArpCache::Entry* ArpCache::insert(uint32_t ip) {
  if (entries_.size() >= cfg_.max_entries) {
    // Make room by evicting the stale entry closest to expiry; nothing else may be evicted.
    auto victim = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.state == State::kStale && (victim == entries_.end() || it->second.deadline < victim->second.deadline))
        victim = it;
    }
    if (victim == entries_.end()) return nullptr;
    entries_.erase(victim);
    counters_.evicted++;
  }
  return &entries_[ip];
}

}  // namespace sluice::stack
