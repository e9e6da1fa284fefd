#include "tests/linkemu/relay.h"

#include <poll.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace sluice::linkemu {
namespace {

constexpr size_t kRecvBurst = 64;      // frames read from one socket per iteration
constexpr size_t kReleaseBurst = 256;  // frames sent one way per iteration
constexpr size_t kBufferSize = 65536 + 64;

DirectionLimits limits_for(const PacketSocket& to, const Options& opts) {
  return DirectionLimits{to.max_frame(), opts.max_in_flight};
}

}  // namespace

Instant monotonic_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return Instant::from_micros(static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000);
}

Relay::Relay(PacketSocket a, PacketSocket b, const Options& opts)
    : a_(std::move(a)),
      b_(std::move(b)),
      a2b_(opts.a2b, Rng::derive(opts.seed, 0), limits_for(b_, opts)),
      b2a_(opts.b2a, Rng::derive(opts.seed, 1), limits_for(a_, opts)),
      buf_(kBufferSize) {}

void Relay::run(Instant deadline, const volatile sig_atomic_t& stop, const sigset_t& unblocked) {
  while (true) {
    const Instant now = monotonic_now();
    if (stop || now >= deadline) return;
    receive(a_, a2b_, now);
    receive(b_, b2a_, now);
    release(a2b_, b_, now);
    release(b2a_, a_, now);
    wait(now, deadline, unblocked);
  }
}

void Relay::receive(PacketSocket& from, Direction& dir, Instant now) {
  for (size_t i = 0; i < kRecvBurst; ++i) {
    const RecvResult r = from.recv(buf_);
    if (r.status == RecvStatus::empty) return;
    if (r.status == RecvStatus::error) {
      ++rx_errors_;
      return;
    }
    if (r.status == RecvStatus::skipped) continue;
    // A truncated frame still counts with its real length: Direction drops it as oversize.
    dir.on_frame(std::span<const uint8_t>(buf_.data(), std::min(r.len, buf_.size())), now);
  }
}

void Relay::release(Direction& dir, PacketSocket& to, Instant now) {
  dir.release_due(now, kReleaseBurst, [&to](std::span<const uint8_t> f) { return to.send(f); });
}

void Relay::wait(Instant now, Instant deadline, const sigset_t& unblocked) {
  const Instant wake = std::min({a2b_.next_release(), b2a_.next_release(), deadline});
  const int64_t us = std::max<int64_t>(0, (wake - now).us);
  const timespec timeout{static_cast<time_t>(us / 1'000'000), static_cast<long>(us % 1'000'000) * 1000};
  pollfd fds[2] = {{a_.fd(), POLLIN, 0}, {b_.fd(), POLLIN, 0}};
  ppoll(fds, 2, &timeout, &unblocked);  // EINTR: the loop checks the stop flag
}

std::string Relay::counters_json() const {
  return "\"a2b\":" + to_json(a2b_.snapshot()) + ",\"b2a\":" + to_json(b2a_.snapshot()) +
         ",\"rx_errors\":" + std::to_string(rx_errors_);
}

}  // namespace sluice::linkemu
