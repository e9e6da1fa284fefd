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
  if (n_ == kRuns) halve();
  runs_[n_++] = Run{end, at, at};
}

void TransmitLog::halve() {
  size_t out = 0;
  for (size_t i = 0; i + 1 < n_; i += 2)
    runs_[out++] = Run{runs_[i + 1].end, runs_[i].first, runs_[i + 1].last};
  if (n_ % 2) runs_[out++] = runs_[n_ - 1];
  n_ = out;
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
