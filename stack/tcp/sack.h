// The sender's SACK scoreboard (RFC 6675 2 "Update()", 4 "IsLost()", "SetPipe()"), fed by the
// SACK blocks of arriving ACKs (RFC 2018) with D-SACK blocks recognized (RFC 2883 4) so that a
// report of duplicate data never counts as new information.
//
// Blocks are kept sorted, merged and above SND.UNA; their number is bounded (dropping the
// highest only makes the sender retransmit more, never less).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "stack/tcp/seq.h"
#include "stack/wire/tcp.h"

namespace sluice::stack::tcp {

class SackScoreboard {
 public:
  static constexpr size_t kMaxBlocks = 256;
  struct Block {
    TcpSeq left, right;  // [left, right)
  };
  struct Update {
    uint32_t newly_sacked = 0;  // bytes not SACKed before
    TcpSeq newly_low;           // the lowest of them (when newly_sacked > 0)
    bool dsack = false;         // the first block reported duplicate data (RFC 2883)
    TcpSeq dsack_left, dsack_right;
  };

  // RFC 6675 Update(): the ACK's blocks, given the new cumulative ACK (SND.UNA after it) and the
  // highest sequence sent. Blocks outside [snd_una, snd_max) are ignored or clipped. `seg_ack`
  // is the ACK's own acknowledgment number, what a D-SACK block is told by (RFC 2883 4: a late,
  // reordered ACK's old blocks below SND.UNA are not duplicates); by default SND.UNA.
  Update update(TcpSeq snd_una, TcpSeq snd_max, const wire::TcpSackBlock* blocks, size_t n) {
    return update(snd_una, snd_max, snd_una, blocks, n);
  }
  Update update(TcpSeq snd_una, TcpSeq snd_max, TcpSeq seg_ack, const wire::TcpSackBlock* blocks,
                size_t n);
  // The cumulative ACK moved: forget what lies below it.
  void advance(TcpSeq snd_una);
  void clear() { blocks_.clear(); }
  bool empty() const { return blocks_.empty(); }
  const std::vector<Block>& blocks() const { return blocks_; }

  bool is_sacked(TcpSeq s) const;
  // The SACKed block that contains s, or nullptr.
  const Block* block_at(TcpSeq s) const;
  // The first SACKed block starting after s, or nullptr.
  const Block* block_after(TcpSeq s) const;
  // One past the highest SACKed octet (RFC 6675 "HighACK" of the SACKs); snd_una when empty.
  TcpSeq high_sacked(TcpSeq snd_una) const;
  // Bytes SACKed in [a, b).
  uint32_t sacked_in(TcpSeq a, TcpSeq b) const;
  // RFC 6675 4 IsLost(): the unSACKed octets below the returned sequence are lost (DupThresh
  // discontiguous SACKed blocks or more than (DupThresh - 1) * SMSS SACKed bytes above them).
  TcpSeq lost_below(TcpSeq snd_una, uint32_t mss) const;
  bool is_lost(TcpSeq s, TcpSeq snd_una, uint32_t mss) const {
    return !is_sacked(s) && s < lost_below(snd_una, mss);
  }
  // RFC 6675 4 SetPipe(): unSACKed octets in flight that are not lost, plus the retransmitted
  // ones (below high_rxt), in [snd_una, snd_max).
  uint32_t pipe(TcpSeq snd_una, TcpSeq snd_max, TcpSeq high_rxt, uint32_t mss) const {
    return pipe(snd_una, snd_max, high_rxt, lost_below(snd_una, mss));
  }
  // The same with the loss verdict given (`lost`: unSACKed octets below it are lost).
  uint32_t pipe(TcpSeq snd_una, TcpSeq snd_max, TcpSeq high_rxt, TcpSeq lost) const;

  static constexpr uint32_t kDupThresh = 3;  // RFC 6675 2 / RFC 5681 3.2

 private:
  // Adds [l, r); returns the bytes that were not SACKed before.
  uint32_t add(TcpSeq l, TcpSeq r);
  // The first octet in [l, r) not SACKed (r when none).
  TcpSeq first_gap(TcpSeq l, TcpSeq r) const;
  std::vector<Block> blocks_;  // sorted, disjoint, non-adjacent
};

}  // namespace sluice::stack::tcp
