#include "bench/load/load_worker.h"

#include <algorithm>
#include <functional>

namespace sluice::bench {
namespace {

constexpr Duration kSweepEvery = Duration::millis(10);
constexpr Duration kMaxWait = Duration::millis(10);
constexpr Duration kRetryAfter = Duration::millis(1);

}  // namespace

LoadWorker::LoadWorker(EventLoop& loop, transport::Transport& t, const WorkerPlan& plan, std::string_view request)
    : loop_(loop), t_(t), plan_(plan), request_(request) {
  slots_.reserve(plan.connections);
  for (uint32_t i = 0; i < plan.connections; ++i) slots_.push_back(std::make_unique<Slot>(*this, i));
  heap_.reserve(plan.connections + 1);
  graveyard_.reserve(2 * size_t(plan.connections) + 16);
  if (plan.rate > 0) interval_us_ = 1e6 * double(plan.connections) / plan.rate;
  // Open loop: slots start spread over one interval, so the offered load is smooth from the start.
  next_due_us_.resize(plan.connections);
  for (uint32_t i = 0; i < plan.connections; ++i)
    next_due_us_[i] = double(plan.start.us) + interval_us_ * double(i) / double(plan.connections);
}

void LoadWorker::schedule(uint32_t slot, Instant at) {
  slots_[slot]->queued_ = true;
  heap_.push_back(Due{at.us, slot});
  std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
}

void LoadWorker::start_due(Instant now) {
  // Each slot is in the heap at most once, so one pass starts at most `connections` requests.
  while (!heap_.empty() && heap_.front().at <= now.us && !done_) {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    Due d = heap_.back();
    heap_.pop_back();
    Slot& s = *slots_[d.slot];
    s.queued_ = false;
    s.begin(now, plan_.rate > 0 ? Instant::from_micros(d.at) : now);
  }
}

void LoadWorker::slot_free(Slot& s, Instant now) {
  if (done_ || s.queued_) return;
  if (plan_.rate <= 0) {
    if (s.has_connection()) s.begin(now, now);  // keep-alive: straight on, in this callback
    else schedule(s.index(), now);              // a new connection: after this loop pass
    return;
  }
  double& due_us = next_due_us_[s.index()];
  due_us += interval_us_;
  Instant due = Instant::from_micros(int64_t(due_us));
  if (due <= now && s.has_connection()) s.begin(now, due);  // late: latency counts from `due`
  else schedule(s.index(), due);
}

void LoadWorker::retry_later(Slot& s, Instant now) {
  if (!done_ && !s.queued_) schedule(s.index(), now + kRetryAfter);
}

void LoadWorker::retire(std::unique_ptr<transport::Connection> c) { graveyard_.push_back(std::move(c)); }

void LoadWorker::count_response(Instant now, Instant started, int status, uint64_t body) {
  if (!recording(now)) return;
  stats_.responses++;
  stats_.latency.record(uint64_t(std::max<int64_t>(0, (now - started).us)));
  stats_.status_class[status >= 100 && status < 600 ? status / 100 : 0]++;
  if (status < 200 || status >= 400) stats_.add_error(ErrorKind::kBadStatus);
  stats_.body_bytes += body;
  if (plan_.max_requests != 0 && stats_.responses >= plan_.max_requests) done_ = true;
}

void LoadWorker::sweep_timeouts(Instant now) {
  last_sweep_ = now;
  for (auto& s : slots_) s->check_timeout(now);
}

Duration LoadWorker::poll_wait(Instant now) const {
  Instant next = std::min(plan_.end, now + kMaxWait);
  if (!heap_.empty()) next = std::min(next, Instant::from_micros(heap_.front().at));
  next = std::min(next, t_.next_deadline());
  return next <= now ? Duration::zero() : next - now;
}

void LoadWorker::run(const std::atomic<bool>& stop, Duration drain) {
  for (uint32_t i = 0; i < plan_.connections; ++i)
    schedule(i, plan_.rate > 0 ? Instant::from_micros(int64_t(next_due_us_[i])) : plan_.start);
  Instant now = loop_.update_time();
  last_sweep_ = now;
  while (!done_) {
    now = loop_.update_time();
    if (now >= plan_.end || stop.load(std::memory_order_relaxed)) break;
    start_due(now);
    t_.poll(poll_wait(now));
    loop_.run_due();
    graveyard_.clear();
    now = loop_.now();
    if (now - last_sweep_ >= kSweepEvery) sweep_timeouts(now);
  }
  Instant stopped = std::min(loop_.now(), plan_.end);
  stats_.elapsed = stopped > plan_.record_from ? stopped - plan_.record_from : Duration::zero();
  done_ = true;
  wind_down(drain);
}

// Lets the requests in flight finish (none start any more), then closes every connection and gives
// the transport time to finish the close handshakes: a server left with half-closed connections
// would retransmit into the void, and its graceful stop would wait for them. Bounded by `drain`.
void LoadWorker::wind_down(Duration drain) {
  Instant until = loop_.update_time() + drain;
  auto busy = [this] {
    for (auto& s : slots_)
      if (s->in_flight()) return true;
    return false;
  };
  while (loop_.now() < until && busy()) {
    t_.poll(Duration::millis(1));
    loop_.run_due();
    graveyard_.clear();
    sweep_timeouts(loop_.update_time());
  }
  for (auto& s : slots_) s->shut();
  loop_.run_due();
  graveyard_.clear();
  while (loop_.update_time() < until && !t_.idle()) {
    t_.poll(Duration::millis(1));
    loop_.run_due();
    graveyard_.clear();
  }
}

}  // namespace sluice::bench
