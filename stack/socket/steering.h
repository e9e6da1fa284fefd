// Which worker a TCP flow belongs to, so that replies to a worker's active opens come back to it
// (shared-nothing: the worker that opened a connection owns its TCB).
//
// - With RSS (the NIC hashes flows to queues with a key and redirection table sluice set), the
//   local port of an active open is chosen so the Toeplitz hash of the reply's 4-tuple maps to
//   this worker's queue; nothing is ever forwarded.
// - Without RSS (net_af_packet fanout, net_tap), ephemeral ports are partitioned: worker w uses
//   ports with port % workers == w, and a worker that receives a segment for another worker's
//   ephemeral port hands the frame to that worker through its rte_ring.
// Passive connections need neither: every frame of a flow arrives on one queue.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sluice::stack {

class Steering {
 public:
  Steering() = default;
  Steering(uint16_t workers, uint16_t self, uint16_t eph_lo, uint16_t eph_hi)
      : workers_(workers ? workers : 1), self_(self), eph_lo_(eph_lo), eph_hi_(eph_hi) {}
  // Enables the RSS rule: `key` as programmed in the NIC, `reta` mapping hash % size to a queue.
  void set_rss(std::vector<uint8_t> key, std::vector<uint16_t> reta);
  bool rss() const { return !reta_.empty(); }

  // May an active open from local_ip:port to remote_ip:remote_port use `port`? (IPs host order.)
  bool port_ok(uint32_t local_ip, uint32_t remote_ip, uint16_t remote_port, uint16_t port) const;
  // The worker owning a received segment addressed to local port `dst_port`; self when it is not
  // an ephemeral port or RSS already put it on the right queue.
  uint16_t owner_of(uint16_t dst_port) const;
  // The queue RSS puts a received packet on (src = the remote end).
  uint16_t rss_queue(uint32_t src_ip, uint32_t dst_ip, uint16_t src_port, uint16_t dst_port) const;

 private:
  uint16_t workers_ = 1;
  uint16_t self_ = 0;
  uint16_t eph_lo_ = 32768;
  uint16_t eph_hi_ = 60999;
  std::vector<uint8_t> key_;
  std::vector<uint16_t> reta_;
};

// The Toeplitz hash (Microsoft RSS specification) of an IPv4/TCP tuple, as NICs compute it.
uint32_t toeplitz_ipv4_tcp(const std::vector<uint8_t>& key, uint32_t src_ip, uint32_t dst_ip, uint16_t src_port,
                           uint16_t dst_port);

}  // namespace sluice::stack
