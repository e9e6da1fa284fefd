// The receive side: in-order bytes waiting for the application, and an out-of-order queue of
// non-overlapping blocks beyond RCV.NXT (RFC 9293 3.10.7.4 "seventh": segments beyond RCV.NXT
// are held for later processing; duplicate bytes are trimmed, never stored twice).
//
// Memory is bounded by the advertised window (the caller trims to it) and by a cap on blocks.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/buf.h"
#include "stack/tcp/seq.h"
#include "stack/wire/tcp.h"

namespace sluice::stack::tcp {

class ReceiveBuffer {
 public:
  ReceiveBuffer(size_t capacity, size_t max_blocks) : capacity_(capacity), max_blocks_(max_blocks) {}

  size_t capacity() const { return capacity_; }
  size_t readable() const { return ready_.size(); }
  // Bytes the window may cover from RCV.NXT.
  size_t free_space() const { return ready_.size() >= capacity_ ? 0 : capacity_ - ready_.size(); }
  size_t read(BufChain& out, size_t max);
  // In-order bytes at RCV.NXT.
  void push(BufChain data) { ready_.append(std::move(data)); }

  struct InsertResult {
    size_t new_bytes = 0;
    bool dropped = false;
    bool duplicate = false;        // part of it was held already: the first such range
    TcpSeq dup_left, dup_right;
  };
  // Data at seq > rcv_nxt (already trimmed to the window).
  InsertResult insert(TcpSeq rcv_nxt, TcpSeq seq, BufChain data);
  // Moves queued blocks that now start at or before rcv_nxt to the in-order queue; advances
  // rcv_nxt over them.
  void drain(TcpSeq& rcv_nxt);
  bool has_out_of_order() const { return !blocks_.empty(); }
  size_t out_of_order_bytes() const;
  // RFC 2018 4: up to `max` SACK blocks, the most recently changed one first.
  size_t sack_blocks(wire::TcpSackBlock* out, size_t max) const;
  void clear() { ready_.clear(); blocks_.clear(); }
  void drop_out_of_order() { blocks_.clear(); }

 private:
  struct Block {
    TcpSeq start;
    BufChain data;
    TcpSeq end() const { return start + static_cast<uint32_t>(data.size()); }
  };
  BufChain ready_;
  std::vector<Block> blocks_;  // sorted, disjoint, non-adjacent
  size_t capacity_;
  size_t max_blocks_;
  TcpSeq last_insert_;
};

}  // namespace sluice::stack::tcp
