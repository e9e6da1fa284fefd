// Finishes what a closed TlsConnection still had to send.
//
// A TlsConnection accepts plaintext only as far as the connection below can take the records, but
// a last record (or close_notify) can still be waiting when the application closes it and drops
// it. The Drain adopts the inner connection with those bytes, writes them as it drains, then
// closes it gracefully; `timeout` bounds the wait (then: abort). One per worker.
#pragma once
#include <memory>
#include <unordered_map>

#include "core/buf.h"
#include "core/loop.h"
#include "transport/transport.h"

namespace sluice::tls {

class Drain {
 public:
  Drain(EventLoop& loop, Duration timeout);
  ~Drain();
  Drain(const Drain&) = delete;
  Drain& operator=(const Drain&) = delete;

  // Sends `pending`, then close()s `conn`.
  void adopt(std::unique_ptr<transport::Connection> conn, BufChain pending);
  size_t size() const { return entries_.size(); }

 private:
  class Entry;
  void finish(Entry* e);

  EventLoop& loop_;
  Duration timeout_;
  std::unordered_map<Entry*, std::unique_ptr<Entry>> entries_;
};

}  // namespace sluice::tls
