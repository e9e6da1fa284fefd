// When new data first left: RACK (RFC 8985 6) orders segments by transmission time. New data is
// sent in sequence order, so the originals' times grow with the sequence number and a short list
// of runs (end, first, last) describes them. The list is bounded: when full, the two neighbours
// closest in time merge. A merged run is coarser but never wrong: it keeps the earliest and the
// latest time any of its octets may have left, and each caller picks the bound that errs on the
// safe side.
#pragma once
#include <array>
#include <cstddef>

#include "core/time.h"
#include "stack/tcp/seq.h"

namespace sluice::stack::tcp {

class TransmitLog {
 public:
  static constexpr size_t kRuns = 32;
  struct Run {
    TcpSeq end;           // one past the run's last octet; the run starts where the previous ends
    Instant first, last;  // earliest and latest transmission of an octet in it
  };

  // New data [begin, end) left at `at` (sequence order; a gap restarts the log).
  void sent(TcpSeq begin, TcpSeq end, Instant at);
  // The cumulative ACK reached `una`: forget what lies below it.
  void advance(TcpSeq una);
  void clear() { n_ = 0; }

  // The run holding octet s, or nullptr when the log does not know it.
  const Run* find(TcpSeq s) const;
  TcpSeq begin() const { return begin_; }
  size_t size() const { return n_; }
  const Run& operator[](size_t i) const { return runs_[i]; }

 private:
  void merge_closest();
  std::array<Run, kRuns> runs_{};
  size_t n_ = 0;
  TcpSeq begin_;  // start of runs_[0]
};

}  // namespace sluice::stack::tcp
