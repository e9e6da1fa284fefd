// A bidirectional byte tunnel between the client and the upstream after "101 Switching Protocols"
// (RFC 9110 7.8, RFC 6455 4): bytes are moved as they arrive, each direction holding at most
// `buffer` bytes the other side has not taken (reading stops until it does, so TCP's window pushes
// back on the sender). A FIN is passed on as a FIN once everything before it went through; a reset
// or error on either side aborts both; `idle` without traffic either way closes both (nginx uses
// proxy_read_timeout for this).
#pragma once
#include <functional>
#include <memory>

#include "core/buf.h"
#include "core/loop.h"
#include "core/timer.h"
#include "transport/transport.h"

namespace sluice::proxy {

class Tunnel {
 public:
  struct Counters {
    uint64_t to_upstream = 0;
    uint64_t to_client = 0;
  };

  // `client_early`: bytes the client sent after its request head; `upstream_early`: bytes the
  // upstream sent after the 101 head. `done` is called once, when both sides are finished.
  Tunnel(EventLoop& loop, std::unique_ptr<transport::Connection> client, std::unique_ptr<transport::Connection> upstream,
         BufChain client_early, BufChain upstream_early, Duration idle, size_t buffer, std::function<void(Tunnel*)> done);
  ~Tunnel();
  Tunnel(const Tunnel&) = delete;
  Tunnel& operator=(const Tunnel&) = delete;

  // Starts moving bytes (call once, after construction).
  void start();
  const Counters& counters() const { return counters_; }
  bool finished() const { return finished_; }

 private:
  class Side;
  void pump();
  void move(Side& from, Side& to, uint64_t& count);
  void abort_both();
  void check_done();
  void on_idle();

  EventLoop& loop_;
  std::unique_ptr<Side> client_, upstream_;
  Duration idle_;
  size_t buffer_;
  std::function<void(Tunnel*)> done_;
  Timer idle_timer_;
  Counters counters_;
  bool pumping_ = false, again_ = false, finished_ = false;
};

}  // namespace sluice::proxy
