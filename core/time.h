// Time as data: one Instant type, read from a Clock once per loop iteration and passed down.
// Nothing below the worker loop reads a clock itself, so every timeout is testable.
#pragma once
#include <cstdint>
#include <compare>

namespace sluice {

// A span of time, in microseconds.
struct Duration {
  int64_t us = 0;
  static constexpr Duration micros(int64_t v) { return {v}; }
  static constexpr Duration millis(int64_t v) { return {v * 1000}; }
  static constexpr Duration seconds(int64_t v) { return {v * 1000000}; }
  static constexpr Duration zero() { return {0}; }
  constexpr int64_t millis() const { return us / 1000; }
  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration o) const { return {us + o.us}; }
  constexpr Duration operator-(Duration o) const { return {us - o.us}; }
  constexpr Duration operator*(int64_t k) const { return {us * k}; }
  constexpr Duration operator/(int64_t k) const { return {us / k}; }
};

// A point on a monotonic time line, in microseconds since an arbitrary origin.
struct Instant {
  int64_t us = 0;
  static constexpr Instant from_micros(int64_t v) { return {v}; }
  static constexpr Instant never() { return {INT64_MAX}; }
  constexpr auto operator<=>(const Instant&) const = default;
  constexpr Instant operator+(Duration d) const { return {us + d.us}; }
  constexpr Instant operator-(Duration d) const { return {us - d.us}; }
  constexpr Duration operator-(Instant o) const { return {us - o.us}; }
};

// The one place the process reads monotonic time. The worker loop calls it once per iteration.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() = 0;
};

// CLOCK_MONOTONIC, for the worker loops.
class MonotonicClock final : public Clock {
 public:
  Instant now() override;
};

// Wall-clock seconds since the epoch, for Date headers and logs (not for timeouts).
int64_t wall_clock_seconds();

}  // namespace sluice
