// See transmit_log.h.
#include "stack/tcp/transmit_log.h"

#include <algorithm>

namespace sluice::stack::tcp {

void TransmitLog::sent(TcpSeq begin, TcpSeq end, Instant at) {
  if (!(begin < end)) return;
  if (n_ == 0 || runs_[n_ - 1].end != begin) {
    n_ = 0;
    begin_ = begin;
  } else if (runs_[n_ - 1].last == at) {
    runs_[n_ - 1].end = end;  // the same burst
    return;
  }
  if (n_ == kRuns) merge_closest();
  runs_[n_++] = Run{end, at, at};
}

void TransmitLog::merge_closest() {
  // The neighbours whose merged run spans the least time: resolution stays even across the log
  // (always merging the oldest would grow one run over the whole flight).
  size_t best = 0;
  for (size_t i = 1; i + 1 < n_; ++i)
    if (runs_[i + 1].last - runs_[i].first < runs_[best + 1].last - runs_[best].first) best = i;
  runs_[best] = Run{runs_[best + 1].end, runs_[best].first, runs_[best + 1].last};
  std::copy(runs_.begin() + static_cast<std::ptrdiff_t>(best + 2),
            runs_.begin() + static_cast<std::ptrdiff_t>(n_), runs_.begin() + static_cast<std::ptrdiff_t>(best + 1));
  --n_;
}

void TransmitLog::advance(TcpSeq una) {
  size_t drop = 0;
  while (drop < n_ && runs_[drop].end <= una) ++drop;
  if (drop > 0) {
    std::copy(runs_.begin() + static_cast<std::ptrdiff_t>(drop),
              runs_.begin() + static_cast<std::ptrdiff_t>(n_), runs_.begin());
    n_ -= drop;
  }
  if (n_ > 0 && begin_ < una) begin_ = una;
}

const TransmitLog::Run* TransmitLog::find(TcpSeq s) const {
  if (n_ == 0 || s < begin_) return nullptr;
  for (size_t i = 0; i < n_; ++i)
    if (s < runs_[i].end) return &runs_[i];
  return nullptr;
}

}  // namespace sluice::stack::tcp
