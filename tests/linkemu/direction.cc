#include "tests/linkemu/direction.h"

#include <utility>

namespace sluice::linkemu {
namespace {
constexpr size_t kMaxSpareBuffers = 1024;
}

Direction::Direction(const LinkSpec& spec, uint64_t seed, DirectionLimits limits)
    : impairment_(spec, seed), limits_(limits) {}

void Direction::on_frame(std::span<const uint8_t> frame, Instant now) {
  const uint64_t seq = next_seq_++;
  ++counters_.in;
  counters_.bytes_in += frame.size();
  if (frame.size() > limits_.max_frame) {
    ++counters_.oversize;
    ++counters_.dropped;
    return;
  }
  const Decision d = impairment_.on_frame(frame.size(), now);
  counters_.lost += d.lost ? 1 : 0;
  counters_.queue_drops += d.queue_drops;
  counters_.dropped += (d.lost ? 1 : 0) + d.queue_drops;
  counters_.duplicated += d.duplicated ? 1 : 0;
  counters_.reorder_picked += d.reordered;
  for (uint8_t i = 0; i < d.copies; ++i) hold(frame, d.release[i], seq);
}

void Direction::hold(std::span<const uint8_t> frame, Instant at, uint64_t seq) {
  if (in_flight_.size() >= limits_.max_in_flight) {
    ++counters_.overflow;
    ++counters_.dropped;
    return;
  }
  std::vector<uint8_t> bytes = buffer();
  bytes.assign(frame.begin(), frame.end());
  in_flight_.push(at, seq, std::move(bytes));
}

std::vector<uint8_t> Direction::buffer() {
  if (spare_.empty()) return {};
  std::vector<uint8_t> b = std::move(spare_.back());
  spare_.pop_back();
  return b;
}

size_t Direction::release_due(Instant now, size_t budget, const Send& send) {
  size_t released = 0;
  while (released < budget) {
    std::optional<ScheduledFrame> f = in_flight_.pop_due(now);
    if (!f) break;
    ++released;
    if (!send(f->bytes)) {
      ++counters_.tx_errors;
      ++counters_.dropped;
    } else {
      ++counters_.out;
      counters_.bytes_out += f->bytes.size();
      // RFC 4737: a frame is reordered if one that arrived after it was already sent.
      if (sent_any_ && f->seq < highest_sent_seq_) ++counters_.reordered;
      if (!sent_any_ || f->seq > highest_sent_seq_) highest_sent_seq_ = f->seq;
      sent_any_ = true;
    }
    if (spare_.size() < kMaxSpareBuffers) spare_.push_back(std::move(f->bytes));
  }
  return released;
}

DirectionCounters Direction::snapshot() const {
  DirectionCounters c = counters_;
  c.pending = in_flight_.size();
  return c;
}

std::string to_json(const DirectionCounters& c) {
  const std::pair<const char*, uint64_t> fields[] = {
      {"in", c.in},
      {"out", c.out},
      {"dropped", c.dropped},
      {"duplicated", c.duplicated},
      {"reordered", c.reordered},
      {"reorder_picked", c.reorder_picked},
      {"lost", c.lost},
      {"queue_drops", c.queue_drops},
      {"overflow", c.overflow},
      {"oversize", c.oversize},
      {"tx_errors", c.tx_errors},
      {"pending", c.pending},
      {"bytes_in", c.bytes_in},
      {"bytes_out", c.bytes_out}};
  std::string out = "{";
  for (const auto& [name, value] : fields) {
    if (out.size() > 1) out += ',';
    out += '"';
    out += name;
    out += "\":";
    out += std::to_string(value);
  }
  return out + "}";
}

}  // namespace sluice::linkemu
