// RFC 9293 3.10.7.4 (seventh: segment text), RFC 2018 (SACK blocks).
#include "stack/tcp/recv_buffer.h"

#include <algorithm>
#include <utility>

namespace sluice::stack::tcp {

size_t ReceiveBuffer::read(BufChain& out, size_t max) {
  size_t n = std::min(max, ready_.size());
  if (n == 0) return 0;  // a reader polling an empty buffer: nothing to move
  if (n == ready_.size()) {
    out.append(std::move(ready_));
    ready_.clear();
  } else if (n > 0) {
    out.append(ready_.split_front(n));
  }
  return n;
}

ReceiveBuffer::InsertResult ReceiveBuffer::insert(TcpSeq rcv_nxt, TcpSeq seq, BufChain data) {
  InsertResult res;
  if (data.empty() || seq <= rcv_nxt) return res;
  TcpSeq cur = seq;
  const TcpSeq end = seq + static_cast<uint32_t>(data.size());
  std::vector<Block> pieces;
  // Keep existing bytes; store only the parts of [seq, end) no block covers.
  for (const Block& b : blocks_) {
    if (b.end() <= cur) continue;
    if (b.start >= end) break;
    if (cur < b.start) {
      uint32_t gap = static_cast<uint32_t>(b.start - cur);
      pieces.push_back({cur, data.split_front(gap)});
      cur = b.start;
    }
    uint32_t overlap = static_cast<uint32_t>(seq_min(end, b.end()) - cur);
    if (overlap > 0 && !res.duplicate) {
      res.duplicate = true;
      res.dup_left = cur;
      res.dup_right = cur + overlap;
    }
    data.consume(overlap);
    cur = cur + overlap;
  }
  if (cur < end) pieces.push_back({cur, std::move(data)});
  std::vector<std::pair<TcpSeq, TcpSeq>> fresh;  // the new pieces' ranges
  for (const Block& p : pieces) fresh.emplace_back(p.start, p.end());
  for (Block& p : pieces) {
    res.new_bytes += p.data.size();
    blocks_.push_back(std::move(p));
  }
  if (res.new_bytes == 0) return res;
  last_insert_ = seq;
  std::sort(blocks_.begin(), blocks_.end(),
            [](const Block& a, const Block& b) { return a.start < b.start; });
  // Coalesce adjacent blocks.
  std::vector<Block> merged;
  for (Block& b : blocks_) {
    if (!merged.empty() && merged.back().end() == b.start) merged.back().data.append(std::move(b.data));
    else merged.push_back(std::move(b));
  }
  blocks_ = std::move(merged);
  // Bound the queue. Drop what arrived now and stands alone (never SACKed), highest first:
  // dropping a block already reported would renege on a SACK (RFC 2018 8), which stalls the
  // sender until a retransmission timeout. Only if that is not enough, the furthest block.
  while (blocks_.size() > max_blocks_) {
    size_t victim = blocks_.size() - 1;
    for (size_t i = blocks_.size(); i-- > 0;) {
      auto range = std::make_pair(blocks_[i].start, blocks_[i].end());
      if (std::find(fresh.begin(), fresh.end(), range) != fresh.end()) {
        victim = i;
        break;
      }
    }
    res.new_bytes -= std::min(res.new_bytes, blocks_[victim].data.size());
    blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(victim));
    res.dropped = true;
  }
  return res;
}

void ReceiveBuffer::drain(TcpSeq& rcv_nxt) {
  while (!blocks_.empty() && blocks_.front().start <= rcv_nxt) {
    Block& b = blocks_.front();
    // The block may begin below RCV.NXT (the in-order segment covered its front): only the
    // rest is new, and RCV.NXT moves to the block's end, taken before its front is dropped.
    const TcpSeq end = b.end();
    if (end > rcv_nxt) {
      b.data.consume(static_cast<uint32_t>(rcv_nxt - b.start));
      rcv_nxt = end;
      ready_.append(std::move(b.data));
    }
    blocks_.erase(blocks_.begin());
  }
}

size_t ReceiveBuffer::out_of_order_bytes() const {
  size_t n = 0;
  for (const Block& b : blocks_) n += b.data.size();
  return n;
}

size_t ReceiveBuffer::sack_blocks(wire::TcpSackBlock* out, size_t max) const {
  size_t n = 0;
  const Block* first = nullptr;
  for (const Block& b : blocks_)
    if (b.start <= last_insert_ && last_insert_ < b.end()) first = &b;
  if (first && n < max) out[n++] = {first->start, first->end()};
  for (const Block& b : blocks_) {
    if (n >= max) break;
    if (&b != first) out[n++] = {b.start, b.end()};
  }
  return n;
}

}  // namespace sluice::stack::tcp
