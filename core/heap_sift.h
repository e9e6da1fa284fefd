// The two moves of a binary min-heap kept in a vector, for heaps whose elements must learn where
// they are (an index stored beside them or in them): `place(i, e)` puts e at i and records it.
// Used by IndexedMinHeap (core/indexed_heap.h) and TimerQueue (core/timer.h).
#pragma once
#include <cstddef>

namespace sluice::heap {

// Moves the element at i up while it is less than its parent.
template <class Vec, class Less, class Place>
void sift_up(Vec& heap, size_t i, Less less, Place place) {
  auto e = heap[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!less(e, heap[parent])) break;
    place(i, heap[parent]);
    i = parent;
  }
  place(i, e);
}

// Moves the element at i down while a child is less than it.
template <class Vec, class Less, class Place>
void sift_down(Vec& heap, size_t i, Less less, Place place) {
  auto e = heap[i];
  const size_t n = heap.size();
  while (true) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && less(heap[child + 1], heap[child])) ++child;
    if (!less(heap[child], e)) break;
    place(i, heap[child]);
    i = child;
  }
  place(i, e);
}

}  // namespace sluice::heap
