// The connection table: 4-tuple -> slot, open addressing with linear probing.
//
// A short-connection server looks a tuple up for every segment and holds tens of thousands of
// TIME-WAIT entries, so a lookup should cost one cache line: entries are 16 bytes, stored inline
// (no node per entry as in std::unordered_map), the table stays at most half full, and erase
// shifts the following entries back (no tombstones, so probe runs never grow with churn).
// The hash is keyed (`seed`), so a peer choosing its ports cannot aim at one probe run.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "stack/tcp/types.h"

namespace sluice::stack::tcp {

class TupleTable {
 public:
  explicit TupleTable(uint64_t seed, size_t initial_capacity = 1024);

  // The slot of `t`, or nullptr.
  const uint32_t* find(const FourTuple& t) const;
  bool contains(const FourTuple& t) const { return find(t) != nullptr; }
  // Starts loading the line where find(t) begins (a hint; no effect on the contents).
  void prefetch(const FourTuple& t) const { __builtin_prefetch(&entries_[home(t)]); }
  void insert_or_assign(const FourTuple& t, uint32_t slot);
  bool erase(const FourTuple& t);
  size_t size() const { return size_; }

  template <typename F>  // f(uint32_t slot) for every entry, in table order
  void for_each_slot(F&& f) const {
    for (const Entry& e : entries_)
      if (e.slot != kEmpty) f(e.slot);
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Entry {
    uint32_t local_ip = 0;
    uint32_t remote_ip = 0;
    uint16_t local_port = 0;
    uint16_t remote_port = 0;
    uint32_t slot = kEmpty;
    bool matches(const FourTuple& t) const {
      return local_ip == t.local_ip && remote_ip == t.remote_ip && local_port == t.local_port &&
             remote_port == t.remote_port;
    }
  };
  static_assert(sizeof(Entry) == 16);

  size_t home(const FourTuple& t) const;
  size_t probe(const FourTuple& t) const;  // the entry holding t, or the empty one ending its run
  void grow();

  uint64_t seed_;
  std::vector<Entry> entries_;  // a power of two long
  size_t mask_;
  size_t size_ = 0;
};

}  // namespace sluice::stack::tcp
