#include "core/time.h"

#include <ctime>

namespace sluice {

Instant MonotonicClock::now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return Instant::from_micros(int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000);
}

int64_t wall_clock_seconds() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec;
}

}  // namespace sluice
