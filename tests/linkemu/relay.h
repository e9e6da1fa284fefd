// The I/O loop of sluice-linkemu: two AF_PACKET sockets and one Direction each way.
//
// Each iteration reads CLOCK_MONOTONIC once, receives a bounded burst from each side, hands the
// frames to the sans-I/O Direction with that `now`, sends what is due, and sleeps in ppoll()
// until a socket is readable, the earliest scheduled release, or the deadline. Signals are
// blocked outside ppoll() and only set a flag.
#pragma once
#include <csignal>
#include <string>

#include "core/time.h"
#include "tests/linkemu/direction.h"
#include "tests/linkemu/options.h"
#include "tests/linkemu/packet_socket.h"

namespace sluice::linkemu {

Instant monotonic_now();

class Relay {
 public:
  Relay(PacketSocket a, PacketSocket b, const Options& opts);
  // Relays until `deadline` or until `stop` becomes non-zero. `unblocked` is the signal mask to
  // wait with (the stop signals unblocked).
  void run(Instant deadline, const volatile sig_atomic_t& stop, const sigset_t& unblocked);
  // {"a2b":{...},"b2a":{...}} (without braces around: the caller adds its own fields).
  std::string counters_json() const;

 private:
  void receive(PacketSocket& from, Direction& dir, Instant now);
  void release(Direction& dir, PacketSocket& to, Instant now);
  void wait(Instant now, Instant deadline, const sigset_t& unblocked);

  PacketSocket a_;
  PacketSocket b_;
  Direction a2b_;
  Direction b2a_;
  uint64_t rx_errors_ = 0;
  std::vector<uint8_t> buf_;
};

}  // namespace sluice::linkemu
