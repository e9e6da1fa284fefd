// A min-heap of (key, id) pairs with at most one entry per id, where an entry can be found, moved
// or removed by its id: a timer index for objects that live in a slab (the id is the slab index).
//
// Entries order by key, then by id, exactly as a std::set<std::pair<key, id>> would, so the order
// in which due entries come out does not depend on the structure. Unlike the set it allocates only
// when it grows past its largest size so far, and changing an entry's key moves it in place.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/heap_sift.h"

namespace sluice {

template <class Key>
class IndexedMinHeap {
 public:
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  bool contains(uint32_t id) const { return id < pos_.size() && pos_[id] != kAbsent; }
  // The smallest entry; requires !empty().
  Key top_key() const { return heap_.front().key; }
  uint32_t top_id() const { return heap_.front().id; }

  // Inserts the entry for `id`, or moves it to `key`.
  void set(uint32_t id, Key key) {
    if (id >= pos_.size()) pos_.resize(size_t(id) + 1, kAbsent);
    if (pos_[id] == kAbsent) {
      heap_.push_back({key, id});
      pos_[id] = uint32_t(heap_.size() - 1);
      up(pos_[id]);
      return;
    }
    uint32_t i = pos_[id];
    Key old = heap_[i].key;
    heap_[i].key = key;
    if (key < old) up(i);
    else down(i);
  }
  // Removes the entry for `id`, if any.
  void erase(uint32_t id) {
    if (!contains(id)) return;
    uint32_t i = pos_[id];
    pos_[id] = kAbsent;
    const uint32_t last = uint32_t(heap_.size() - 1);
    if (i != last) {
      heap_[i] = heap_[last];
      pos_[heap_[i].id] = i;
      heap_.pop_back();
      // The moved entry may belong above or below its new place.
      if (i > 0 && less(heap_[i], heap_[(i - 1) / 2])) up(i);
      else down(i);
    } else {
      heap_.pop_back();
    }
  }
  void pop() { erase(top_id()); }

 private:
  static constexpr uint32_t kAbsent = UINT32_MAX;
  struct Entry {
    Key key;
    uint32_t id;
  };
  static bool less(const Entry& a, const Entry& b) {
    return a.key < b.key || (!(b.key < a.key) && a.id < b.id);
  }
  void place(uint32_t i, const Entry& e) {
    heap_[i] = e;
    pos_[e.id] = i;
  }
  void up(uint32_t i) {
    heap::sift_up(heap_, i, less, [this](size_t j, const Entry& e) { place(uint32_t(j), e); });
  }
  void down(uint32_t i) {
    heap::sift_down(heap_, i, less, [this](size_t j, const Entry& e) { place(uint32_t(j), e); });
  }

  std::vector<Entry> heap_;
  std::vector<uint32_t> pos_;  // by id: index in heap_, kAbsent when not queued
};

}  // namespace sluice
