#include "stack/tcp/tuple_table.h"

#include <bit>
#include <utility>

namespace sluice::stack::tcp {

TupleTable::TupleTable(uint64_t seed, size_t initial_capacity)
    : seed_(seed), entries_(std::bit_ceil(initial_capacity < 8 ? size_t(8) : initial_capacity)),
      mask_(entries_.size() - 1) {}

size_t TupleTable::home(const FourTuple& t) const {
  uint64_t a = (uint64_t(t.local_ip) << 32) | t.remote_ip;
  uint64_t b = (uint64_t(t.local_port) << 16) | t.remote_port;
  uint64_t h = (a ^ seed_) * 0x9e3779b97f4a7c15ull;
  h ^= (b + std::rotl(seed_, 29)) * 0xff51afd7ed558ccdull;
  h ^= h >> 32;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 29;
  return static_cast<size_t>(h) & mask_;
}

size_t TupleTable::probe(const FourTuple& t) const {
  size_t i = home(t);
  while (entries_[i].slot != kEmpty && !entries_[i].matches(t)) i = (i + 1) & mask_;
  return i;
}

const uint32_t* TupleTable::find(const FourTuple& t) const {
  const Entry& e = entries_[probe(t)];
  return e.slot == kEmpty ? nullptr : &e.slot;
}

void TupleTable::insert_or_assign(const FourTuple& t, uint32_t slot) {
  Entry& e = entries_[probe(t)];
  if (e.slot != kEmpty) {
    e.slot = slot;
    return;
  }
  e = Entry{t.local_ip, t.remote_ip, t.local_port, t.remote_port, slot};
  if (++size_ * 2 > entries_.size()) grow();
}

bool TupleTable::erase(const FourTuple& t) {
  size_t hole = probe(t);
  if (entries_[hole].slot == kEmpty) return false;
  entries_[hole].slot = kEmpty;
  --size_;
  // Backward-shift deletion: an entry after the hole moves into it unless its home lies
  // cyclically in (hole, i], where a probe from its home would never pass the hole.
  for (size_t i = (hole + 1) & mask_; entries_[i].slot != kEmpty; i = (i + 1) & mask_) {
    const Entry& e = entries_[i];
    size_t h = home(FourTuple{e.local_ip, e.local_port, e.remote_ip, e.remote_port});
    bool stays = hole <= i ? (hole < h && h <= i) : (hole < h || h <= i);
    if (stays) continue;
    entries_[hole] = e;
    entries_[i].slot = kEmpty;
    hole = i;
  }
  return true;
}

void TupleTable::grow() {
  std::vector<Entry> old = std::exchange(entries_, std::vector<Entry>(entries_.size() * 2));
  mask_ = entries_.size() - 1;
  for (const Entry& e : old) {
    if (e.slot == kEmpty) continue;
    FourTuple t{e.local_ip, e.local_port, e.remote_ip, e.remote_port};
    entries_[probe(t)] = e;
  }
}

}  // namespace sluice::stack::tcp
