// Tunables and counters of the kernel-socket transport (one set per worker).
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/time.h"

namespace sluice::transport::kernel {

struct KernelOptions {
  size_t read_chunk = 16 * 1024;          // recv() size; smaller reads are copied to a right-sized slice
  size_t read_batch = 256 * 1024;         // most bytes one read() call pulls before yielding
  size_t send_queue_limit = 256 * 1024;   // bytes queued per connection beyond what the kernel took
  unsigned accept_batch = 64;             // accepts per listener per poll
  unsigned events_per_poll = 256;         // epoll_wait batch
  Duration accept_backoff = Duration::millis(100);   // listener paused after EMFILE/ENFILE
  Duration close_flush_timeout = Duration::seconds(60);  // close(): most time to flush the queue
  Duration linger_timeout = Duration::seconds(5);        // close(): most time to wait for the peer's FIN
};

struct KernelCounters {
  uint64_t accepted = 0;       // passive opens
  uint64_t connected = 0;      // active opens that completed
  uint64_t closed = 0;         // connection sockets closed, for any reason
  uint64_t reset = 0;          // connections reset by the peer
  uint64_t errors = 0;         // other connection errors (refused, timed out, unreachable, ...)
  uint64_t accept_emfile = 0;  // accept() failed for lack of descriptors (EMFILE/ENFILE)
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
};

}  // namespace sluice::transport::kernel
