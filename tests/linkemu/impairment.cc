#include "tests/linkemu/impairment.h"

#include <algorithm>
#include <cmath>

namespace sluice::linkemu {

bool LossModel::drop(Rng& rng) {
  if (!ge_) return loss_ > 0 && rng.chance(loss_);
  // Gilbert-Elliott: the frame sees the current state, then the chain takes one step.
  const double p = bad_ ? ge_->loss_bad : ge_->loss_good;
  const bool lost = rng.chance(p);
  bad_ = bad_ ? !rng.chance(ge_->r) : rng.chance(ge_->p);
  return lost;
}

Duration DelayModel::sample(Rng& rng) const {
  if (jitter_.us <= 0) return mean_;
  double offset = 0;
  const double j = static_cast<double>(jitter_.us);
  if (dist_ == JitterDist::uniform) {
    offset = (2.0 * rng.uniform01() - 1.0) * j;
  } else {
    offset = std::clamp(rng.normal() * j, -3.0 * j, 3.0 * j);
  }
  const int64_t us = mean_.us + std::llround(offset);
  return Duration::micros(std::max<int64_t>(us, 0));
}

void RateLimiter::expire(int64_t now_ns) {
  while (!departures_ns_.empty() && departures_ns_.front() <= now_ns) departures_ns_.pop_front();
}

size_t RateLimiter::backlog(Instant now) {
  expire(now.us * 1000);
  return departures_ns_.size();
}

std::optional<Instant> RateLimiter::admit(size_t len, Instant now) {
  if (rate_bps_ == 0) return now;
  const int64_t now_ns = now.us * 1000;
  expire(now_ns);
  const int64_t start_ns = std::max(now_ns, busy_until_ns_);
  const bool full = queue_time_ns_ > 0 ? start_ns - now_ns > queue_time_ns_
                                       : departures_ns_.size() >= queue_frames_;
  if (full) return std::nullopt;
  const auto bits = static_cast<unsigned __int128>(len) * 8;
  const auto serialize_ns = static_cast<int64_t>(bits * 1'000'000'000u / rate_bps_);
  busy_until_ns_ = start_ns + serialize_ns;
  departures_ns_.push_back(busy_until_ns_);
  return Instant::from_micros((busy_until_ns_ + 999) / 1000);  // never early
}

Impairment::Impairment(const LinkSpec& spec, uint64_t seed)
    : spec_(spec),
      rng_(seed),
      loss_(spec.loss, spec.ge),
      delay_(spec.delay, spec.jitter, spec.dist),
      rate_(spec.rate_bps, spec.queue_frames, spec.queue_time) {}

Decision Impairment::on_frame(size_t len, Instant now) {
  Decision d;
  if (loss_.drop(rng_)) {
    d.lost = true;
    return d;
  }
  d.duplicated = spec_.dup > 0 && rng_.chance(spec_.dup);
  schedule_copy(len, now, d);
  if (d.duplicated) schedule_copy(len, now, d);
  return d;
}

void Impairment::schedule_copy(size_t len, Instant now, Decision& d) {
  const std::optional<Instant> departed = rate_.admit(len, now);
  if (!departed) {
    ++d.queue_drops;
    return;
  }
  bool reordered = false;
  d.release[d.copies++] = propagate(*departed, reordered);
  d.reordered += reordered ? 1 : 0;
}

Instant Impairment::propagate(Instant departed, bool& reordered) {
  reordered = spec_.reorder > 0 && rng_.chance(spec_.reorder);
  if (reordered && spec_.reorder_mode == ReorderMode::early) return departed;
  Instant at = departed + delay_.sample(rng_);
  if (reordered) return at + spec_.reorder_delay;
  if (spec_.keep_order) {
    at = std::max(at, order_floor_);
    order_floor_ = at;
  }
  return at;
}

}  // namespace sluice::linkemu
