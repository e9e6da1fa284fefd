// RFC 6675 (scoreboard, IsLost, SetPipe), RFC 2018 (SACK blocks), RFC 2883 4 (D-SACK).
#include "stack/tcp/sack.h"

#include <algorithm>

namespace sluice::stack::tcp {

SackScoreboard::Update SackScoreboard::update(TcpSeq snd_una, TcpSeq snd_max, TcpSeq seg_ack,
                                              const wire::TcpSackBlock* blocks, size_t n) {
  Update u;
  advance(snd_una);
  for (size_t i = 0; i < n; ++i) {
    TcpSeq l = blocks[i].left, r = blocks[i].right;
    if (!(l < r)) continue;  // empty or inverted: malformed, ignored
    if (i == 0) {
      // RFC 2883 4: the first block is a D-SACK when it lies below the cumulative ACK or inside
      // the second block. It reports a duplicate, never new data.
      bool below = r <= seg_ack;
      bool inside = n > 1 && blocks[1].left <= l && r <= blocks[1].right;
      if (below || inside) {
        u.dsack = true;
        u.dsack_left = l;
        u.dsack_right = r;
        continue;
      }
    }
    // RFC 2018 / RFC 6675 Update(): only blocks within the data outstanding count.
    if (r > snd_max || r <= snd_una) continue;
    if (l < snd_una) l = snd_una;
    TcpSeq gap = first_gap(l, r);
    uint32_t added = add(l, r);
    if (added > 0 && (u.newly_sacked == 0 || gap < u.newly_low)) u.newly_low = gap;
    u.newly_sacked += added;
  }
  return u;
}

uint32_t SackScoreboard::add(TcpSeq l, TcpSeq r) {
  const TcpSeq l0 = l, r0 = r;
  uint32_t before = sacked_in(l0, r0);
  // Merge with every block it touches.
  auto first = std::find_if(blocks_.begin(), blocks_.end(), [&](const Block& b) {
    return l <= b.right;
  });
  auto last = first;
  while (last != blocks_.end() && last->left <= r) {
    l = seq_min(l, last->left);
    r = seq_max(r, last->right);
    ++last;
  }
  first = blocks_.erase(first, last);
  blocks_.insert(first, Block{l, r});
  if (blocks_.size() > kMaxBlocks) blocks_.pop_back();
  uint32_t after = sacked_in(l0, r0);
  return after > before ? after - before : 0;
}

TcpSeq SackScoreboard::first_gap(TcpSeq l, TcpSeq r) const {
  for (const Block& b : blocks_) {
    if (b.right <= l) continue;
    if (l < b.left) break;
    l = b.right;
  }
  return seq_min(l, r);
}

void SackScoreboard::advance(TcpSeq snd_una) {
  size_t drop = 0;
  while (drop < blocks_.size() && blocks_[drop].right <= snd_una) ++drop;
  blocks_.erase(blocks_.begin(), blocks_.begin() + static_cast<std::ptrdiff_t>(drop));
  if (!blocks_.empty() && blocks_.front().left < snd_una) blocks_.front().left = snd_una;
}

bool SackScoreboard::is_sacked(TcpSeq s) const { return block_at(s) != nullptr; }

const SackScoreboard::Block* SackScoreboard::block_at(TcpSeq s) const {
  for (const Block& b : blocks_) {
    if (s < b.left) return nullptr;
    if (s < b.right) return &b;
  }
  return nullptr;
}

const SackScoreboard::Block* SackScoreboard::block_after(TcpSeq s) const {
  for (const Block& b : blocks_)
    if (s < b.left) return &b;
  return nullptr;
}

TcpSeq SackScoreboard::high_sacked(TcpSeq snd_una) const {
  return blocks_.empty() ? snd_una : blocks_.back().right;
}

uint32_t SackScoreboard::sacked_in(TcpSeq a, TcpSeq b) const {
  uint32_t n = 0;
  for (const Block& blk : blocks_) {
    TcpSeq l = seq_max(a, blk.left), r = seq_min(b, blk.right);
    if (l < r) n += static_cast<uint32_t>(r - l);
  }
  return n;
}

TcpSeq SackScoreboard::lost_below(TcpSeq snd_una, uint32_t mss) const {
  // Walk the blocks from the top: the gap below block i has (size - i) blocks and `bytes`
  // SACKed bytes above it. The highest gap meeting the rule, and every gap under it, is lost.
  uint32_t bytes = 0;
  uint32_t count = 0;
  for (size_t i = blocks_.size(); i-- > 0;) {
    bytes += static_cast<uint32_t>(blocks_[i].right - blocks_[i].left);
    ++count;
    if (count >= kDupThresh || bytes > (kDupThresh - 1) * mss) return blocks_[i].left;
  }
  return snd_una;
}

uint32_t SackScoreboard::pipe(TcpSeq snd_una, TcpSeq snd_max, TcpSeq high_rxt,
                              TcpSeq lost) const {
  // RFC 6675 4 SetPipe(), by ranges: (a) octets not SACKed and not lost, (b) octets not SACKed
  // and retransmitted (below HighRxt).
  lost = seq_min(seq_max(lost, snd_una), snd_max);
  uint32_t p = 0;
  if (lost < snd_max) p += static_cast<uint32_t>(snd_max - lost) - sacked_in(lost, snd_max);
  TcpSeq rxt = seq_min(seq_max(high_rxt, snd_una), snd_max);
  if (snd_una < rxt) p += static_cast<uint32_t>(rxt - snd_una) - sacked_in(snd_una, rxt);
  return p;
}

}  // namespace sluice::stack::tcp
