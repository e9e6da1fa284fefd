// The TCP layer's knobs: conf::TcpConfig plus what the stack derives (MSS from the MTU, the ISN
// key, the ephemeral port range).
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <optional>

#include "conf/config.h"
#include "core/time.h"

namespace sluice::stack::tcp {

struct TcpParams {
  Duration time_wait = Duration::seconds(60);
  Duration delayed_ack = Duration::millis(40);
  bool nodelay = true;
  unsigned syn_backlog = 1024;        // half-open (SYN-RECEIVED) connections per worker
  bool syn_cookies = true;            // RFC 4987 3.6 past syn_backlog (else SYNs are dropped)
  size_t ooo_memory = 64 << 20;       // out-of-order bytes queued across the worker's connections
  unsigned max_connections = 65536;   // TCBs per worker
  unsigned max_time_wait = 262144;    // TIME-WAIT entries per worker (Linux tcp_max_tw_buckets)
  Duration rto_initial = Duration::seconds(1);
  Duration rto_min = Duration::millis(200);
  Duration rto_max = Duration::seconds(60);
  unsigned max_retransmits = 12;
  unsigned syn_retries = 6;
  uint32_t send_buffer = 256 * 1024;
  uint32_t receive_buffer = 256 * 1024;
  std::optional<Duration> keepalive;                   // idle time before the first probe
  Duration keepalive_interval = Duration::seconds(75); // RFC 1122 4.2.3.6 leaves these open;
  unsigned keepalive_probes = 9;                       // Linux defaults
  Duration fin_wait2_timeout = Duration::seconds(60);  // orphaned FIN-WAIT-2 (Linux tcp_fin_timeout)
  Duration persist_max = Duration::seconds(60);

  uint16_t mss = 1460;                 // ours: MTU - 40 (RFC 9293 3.7.1)
  bool window_scaling = true;          // RFC 7323 2
  bool timestamps = true;              // RFC 7323 3
  bool sack = true;                    // RFC 2018 (SACK-permitted)
  bool tail_loss_probe = true;         // RFC 8985 7 (tlp.h)
  size_t dest_cache_slots = 1024;      // RFC 9040 per-host RTT for new connections; 0: off
  bool hystart = true;                 // RFC 9406 HyStart++ in the first slow start (hystart.h)
  uint32_t initial_cwnd_segments = 10; // RFC 6928
  uint16_t ephemeral_lo = 32768;
  uint16_t ephemeral_hi = 60999;
  std::array<uint64_t, 2> isn_key{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};  // RFC 6528 secret
  size_t ooo_max_blocks = 64;          // out-of-order queue entries per connection
  conf::CongestionControl congestion = conf::CongestionControl::kCubic;

  static TcpParams from_config(const conf::TcpConfig& c, uint16_t mtu,
                               std::array<uint64_t, 2> isn_key) {
    TcpParams p;
    p.time_wait = c.time_wait;
    p.delayed_ack = c.delayed_ack;
    p.nodelay = c.nodelay;
    p.syn_backlog = c.syn_backlog;
    p.syn_cookies = c.syn_cookies;
    p.ooo_memory = c.out_of_order_memory;
    p.max_connections = c.max_connections;
    p.max_time_wait = c.max_time_wait;
    p.rto_initial = c.rto_initial;
    p.rto_min = c.rto_min;
    p.rto_max = c.rto_max;
    p.max_retransmits = c.max_retransmits;
    p.syn_retries = c.syn_retries;
    p.send_buffer = c.send_buffer;
    p.receive_buffer = c.receive_buffer;
    p.keepalive = c.keepalive;
    p.congestion = c.congestion;
    p.mss = static_cast<uint16_t>(mtu > 40 + 88 ? mtu - 40 : 88);  // 20 IPv4 + 20 TCP
    p.isn_key = isn_key;
    return p;
  }
};

}  // namespace sluice::stack::tcp
