// Per-worker TCP counters (plain integers: one worker touches them).
#pragma once
#include <cstdint>

namespace sluice::stack::tcp {

struct TcpCounters {
  uint64_t segments_in = 0;
  uint64_t segments_out = 0;
  uint64_t bytes_in = 0;            // payload bytes accepted in order
  uint64_t bytes_out = 0;           // payload bytes sent (retransmissions included)
  uint64_t bad_checksum = 0;        // counted by the glue that verifies checksums
  uint64_t bad_header = 0;          // counted by the glue that parses headers
  uint64_t no_socket_rsts = 0;      // RFC 9293 3.10.7.1 replies
  uint64_t no_socket_drops = 0;     // segments for no connection that got no reply (RST, ...)
  uint64_t active_opens = 0;
  uint64_t passive_opens = 0;
  uint64_t established = 0;
  uint64_t closed = 0;
  uint64_t resets_received = 0;
  uint64_t resets_sent = 0;
  uint64_t retransmitted_segments = 0;
  uint64_t fast_retransmits = 0;
  uint64_t timeouts = 0;            // retransmission timer expirations
  uint64_t connection_timeouts = 0; // connections given up (retries, keepalive)
  uint64_t out_of_order_segments = 0;
  uint64_t ooo_drops = 0;           // out-of-order data dropped (queue bound)
  uint64_t dup_segments = 0;        // segments whose data was all old
  uint64_t unacceptable_segments = 0;
  uint64_t challenge_acks = 0;
  uint64_t accept_queue_drops = 0;  // final ACKs dropped because the accept queue was full
  uint64_t syn_drops = 0;           // SYNs dropped: connection limit or SYN backlog
  uint64_t persist_probes = 0;
  uint64_t keepalive_probes = 0;
  uint64_t delayed_acks = 0;        // ACKs sent by the delayed-ACK timer
  uint64_t time_wait_reuses = 0;    // RFC 6191
  uint64_t time_wait_overflows = 0; // connections closed without TIME-WAIT: max_time_wait reached
  uint64_t port_exhaustions = 0;
  uint64_t sack_recoveries = 0;     // RFC 6675 recovery episodes (fast_retransmits counts all)
  uint64_t lost_retransmits = 0;    // retransmissions found lost in SACK recovery (resent)
  uint64_t dsacks_received = 0;     // RFC 2883 duplicate reports from the peer
  uint64_t sack_renegings = 0;      // the peer dropped data it had SACKed (RFC 2018 8)
  uint64_t spurious_undos = 0;      // reductions undone (RFC 3522 / RFC 3708 detection)
  uint64_t tail_loss_probes = 0;    // RFC 8985 7.3 probes sent
  uint64_t tail_loss_repairs = 0;   // probes that repaired a loss (RFC 8985 7.4.2)
  uint64_t idle_restarts = 0;       // RFC 5681 4.1 cwnd restarts after idle
  uint64_t syn_cookies_sent = 0;    // RFC 4987 3.6 SYN-ACKs without state
  uint64_t syn_cookies_accepted = 0;
  uint64_t syn_cookies_rejected = 0;  // ACKs to a listener whose cookie did not validate
  uint64_t ooo_memory_drops = 0;    // out-of-order segments dropped by the per-worker bound
  uint64_t pmtu_updates = 0;        // RFC 1191 MSS reductions from ICMP fragmentation-needed
};

}  // namespace sluice::stack::tcp
