// A transport backend for the engine process: set up once (EAL and the NIC port for the userspace
// stack; nothing for the kernel), then one Transport per worker, built on that worker's thread.
#pragma once
#include <memory>
#include <string>

#include "conf/config.h"
#include "core/log.h"
#include "core/loop.h"
#include "http/ext_buffer.h"
#include "transport/transport.h"

namespace sluice::server {

class Backend {
 public:
  virtual ~Backend() = default;
  // Once per engine process, before any worker starts.
  virtual bool init(const conf::Config& cfg, Logger& log, std::string* err) = 0;
  // On the worker's own thread: its Transport (its own queue pair and stack for dpdk).
  virtual std::unique_ptr<transport::Transport> make_transport(unsigned worker, EventLoop& loop,
                                                               Logger& log, std::string* err) = 0;
  // Where a worker's file cache keeps file content (modules/static/file_cache.h): the heap, or
  // memory the NIC can send from. Lives as long as the backend.
  virtual http::BufferAllocator& buffer_allocator(unsigned worker) {
    (void)worker;
    return http::heap_allocator();
  }
  // True when the transport never blocks in poll() (busy polling), so the loop must not wait.
  virtual bool busy_polls() const = 0;
  // A one-line summary of a worker's transport counters, for the exit report; empty if none.
  virtual std::string stats(const transport::Transport& t) const { return {}; }
  // Once per engine process, after every worker has stopped.
  virtual void shutdown() {}
};

std::unique_ptr<Backend> make_backend(conf::Backend which);
// The userspace stack on DPDK (server/dpdk_backend.cc).
std::unique_ptr<Backend> make_dpdk_backend();

}  // namespace sluice::server
