// Keep-alive connections to the servers of one upstream, per worker (nginx's `keepalive`): at
// most `max_idle` idle connections, each closed after `idle_timeout` unused or once it has carried
// `max_requests` requests (RFC 9112 9.3). An idle connection that receives anything (a late byte,
// FIN or RST) is stale and closed at once; nothing idle is ever written to. Connections are kept
// under a key besides the peer: "" for plain HTTP, the TLS settings for TLS (proxy_request.cc), so
// a TLS connection never serves a plain-HTTP location or one with other TLS settings, nor the
// other way round.
#pragma once
#include <cstdint>
#include <list>
#include <memory>
#include <string>

#include "core/loop.h"
#include "core/timer.h"
#include "transport/transport.h"

namespace sluice::proxy {

// A ConnectionHandler that ignores every event: what a connection we have let go of points at
// until it is destroyed at the end of the loop iteration.
transport::ConnectionHandler& ignore_events();

struct PoolCounters {
  uint64_t reused = 0;        // take() found an idle connection
  uint64_t kept = 0;          // put() kept one
  uint64_t closed_full = 0;   // put() over the idle limit (the oldest went)
  uint64_t closed_stale = 0;  // the server closed it, or sent bytes, while idle
  uint64_t closed_timeout = 0;
};

class ConnPool {
 public:
  ConnPool(EventLoop& loop, unsigned max_idle, Duration idle_timeout, unsigned max_requests);
  ~ConnPool();
  ConnPool(const ConnPool&) = delete;
  ConnPool& operator=(const ConnPool&) = delete;

  // The most recently used idle connection to `peer`, or nullptr. `*requests` is how many it
  // has carried. The caller sets its own handler at once.
  std::unique_ptr<transport::Connection> take(const transport::Address& peer, const std::string& key,
                                              unsigned* requests);
  // A connection whose last response ended cleanly, with nothing unread. Kept when the pool has
  // room for it (else the oldest idle one is closed) and it may carry more requests; closed
  // otherwise. Safe inside the connection's own callbacks.
  void put(std::unique_ptr<transport::Connection> conn, const transport::Address& peer, const std::string& key,
           unsigned requests);

  // Closes every idle connection and keeps none from now on (graceful stop).
  void close_all();

  size_t idle() const { return idle_.size(); }
  bool enabled() const { return max_idle_ > 0; }
  unsigned max_requests() const { return max_requests_; }
  const PoolCounters& counters() const { return counters_; }

 private:
  class Idle;
  using List = std::list<std::unique_ptr<Idle>>;
  // Removes `pos` from the pool and destroys it at the end of the iteration.
  void drop(List::iterator pos);

  EventLoop& loop_;
  unsigned max_idle_;
  Duration idle_timeout_;
  unsigned max_requests_;
  List idle_;  // front: most recently used
  PoolCounters counters_;
};

}  // namespace sluice::proxy
