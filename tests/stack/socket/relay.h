// The wire between two in-process stacks: two net_ring ethdevs whose rings the test owns, and a
// relay that moves frames from one port's TX rings to the other's RX rings when the test says so.
//
//   port A (1 queue):  A.tx[0] --relay(kAtoB)--> B.rx[q]      q: 0, or a 4-tuple hash over
//   port B (2 queues): B.tx[q] --relay(kBtoA)--> A.rx[0]      B's active queues (an RSS stand-in)
//
// On the way the relay can drop frames (by predicate, e.g. the Nth data segment), hold one back
// behind its successor (reorder), delay a direction, or pause it. It logs a summary of every frame
// it saw, in order, so tests can check what went over the wire (ARP before the held SYN, ...).
#pragma once
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "core/time.h"

namespace sluice::stack::testbed {

inline constexpr uint16_t kMaxQueues = 2;

// The process-wide pair of ring ports (ethdev and ring names are global to the EAL).
struct RingPorts {
  uint16_t port_a = 0, port_b = 0;
  rte_ring* a_rx = nullptr;
  rte_ring* a_tx = nullptr;
  rte_ring* b_rx[kMaxQueues] = {};
  rte_ring* b_tx[kMaxQueues] = {};
  rte_ring* b_peer[kMaxQueues] = {};  // B's workers hand each other frames (StackOptions::peer_rings)
};
// Created on first use; nullptr if the EAL refused (the error is printed).
const RingPorts* ring_ports();

enum class Dir : uint8_t { kAtoB = 0, kBtoA = 1 };

// What a frame was, parsed by hand from its bytes (independently of the stack's own parsers).
struct FrameInfo {
  uint64_t index = 0;        // position in the relay's log (both directions)
  Dir dir = Dir::kAtoB;
  Instant seen;              // when the relay picked it up from the sender's TX ring
  uint32_t length = 0;
  bool broadcast = false;    // destination MAC ff:ff:ff:ff:ff:ff
  uint16_t ethertype = 0;
  uint16_t arp_op = 0;       // 1 request, 2 reply
  uint32_t arp_sender_ip = 0, arp_target_ip = 0;
  uint8_t ip_proto = 0;
  uint32_t src_ip = 0, dst_ip = 0;
  uint16_t src_port = 0, dst_port = 0;
  uint8_t tcp_flags = 0;
  uint32_t tcp_seq = 0, tcp_ack = 0;
  uint16_t window = 0;       // as on the wire (unscaled)
  uint32_t payload_len = 0;  // TCP payload bytes

  bool is_arp() const { return ethertype == 0x0806; }
  bool is_tcp() const { return ethertype == 0x0800 && ip_proto == 6; }
  bool syn() const { return is_tcp() && (tcp_flags & 0x02); }
  bool rst() const { return is_tcp() && (tcp_flags & 0x04); }
  bool fin() const { return is_tcp() && (tcp_flags & 0x01); }
  bool has_ack() const { return is_tcp() && (tcp_flags & 0x10); }
  bool data() const { return is_tcp() && payload_len > 0; }
};
FrameInfo describe_frame(const rte_mbuf* m);

class Relay {
 public:
  enum class Verdict : uint8_t { kPass, kDrop, kDeferOne };  // kDeferOne: deliver after the next
  using Filter = std::function<Verdict(const FrameInfo&)>;

  explicit Relay(const RingPorts& ports) : ports_(ports) {}
  ~Relay() { clear(); }
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // nullptr passes everything.
  void set_filter(Dir d, Filter f) { dir(d).filter = std::move(f); }
  void set_delay(Dir d, Duration delay) { dir(d).delay = delay; }
  // A paused direction collects frames and delivers none until resumed.
  void set_paused(Dir d, bool paused) { dir(d).paused = paused; }
  // How many of B's RX queues are served (1 or 2); TCP/IPv4 frames are spread by a 4-tuple hash.
  void set_b_queues(uint16_t n) { b_queues_ = n; }
  static uint16_t queue_for(const FrameInfo& f, uint16_t queues);

  // Collects what both ports transmitted and delivers what is due at `now`.
  void step(Instant now);
  // Nothing is waiting in the relay (not counting frames already in an RX ring).
  bool empty() const;
  // Frees every frame in the relay and in every ring (teardown, with no stack left).
  void clear();

  const std::vector<FrameInfo>& log() const { return log_; }
  uint64_t dropped(Dir d) const { return dir_[int(d)].dropped; }
  uint64_t delivered(Dir d) const { return dir_[int(d)].delivered; }

  // A filter dropping the nth (1-based) frame that matches `pred`, and only that one.
  static Filter drop_nth(unsigned n, std::function<bool(const FrameInfo&)> pred);

 private:
  struct InFlight {
    rte_mbuf* m;
    Instant due;
    uint16_t queue;
  };
  struct Direction {
    Filter filter;
    Duration delay{};
    bool paused = false;
    std::deque<InFlight> queue;
    std::optional<InFlight> deferred;  // waits for the next frame in this direction
    uint64_t dropped = 0, delivered = 0;
  };
  Direction& dir(Dir d) { return dir_[int(d)]; }
  void collect(Dir d, rte_ring* from, Instant now);
  void admit(Dir d, rte_mbuf* m, Instant now);
  void deliver(Dir d, Instant now);
  rte_ring* rx_ring(Dir d, uint16_t queue) const;

  const RingPorts& ports_;
  Direction dir_[2];
  uint16_t b_queues_ = 1;
  std::vector<FrameInfo> log_;
};

}  // namespace sluice::stack::testbed
