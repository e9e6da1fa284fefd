// A connection's congestion controller, held inside its TCB: the algorithm is chosen per
// connection (RFC 5681 NewReno or RFC 9438 CUBIC) without an allocation per connection.
#pragma once
#include <algorithm>
#include <cstddef>
#include <new>

#include "conf/config.h"
#include "stack/tcp/congestion.h"
#include "stack/tcp/cubic.h"

namespace sluice::stack::tcp {

class CongestionBox {
 public:
  CongestionBox() = default;
  ~CongestionBox() { reset(); }
  CongestionBox(const CongestionBox&) = delete;
  CongestionBox& operator=(const CongestionBox&) = delete;

  CongestionControl& emplace(conf::CongestionControl kind, uint32_t mss, uint32_t initial_segments) {
    reset();
    if (kind == conf::CongestionControl::kNewReno) p_ = new (storage_) NewReno(mss, initial_segments);
    else p_ = new (storage_) Cubic(mss, initial_segments);
    return *p_;
  }
  CongestionControl* get() const { return p_; }
  CongestionControl* operator->() const { return p_; }
  CongestionControl& operator*() const { return *p_; }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  void reset() {
    if (p_) p_->~CongestionControl();
    p_ = nullptr;
  }
  static constexpr size_t kSize = std::max(sizeof(NewReno), sizeof(Cubic));
  static constexpr size_t kAlign = std::max(alignof(NewReno), alignof(Cubic));
  alignas(kAlign) std::byte storage_[kSize];
  CongestionControl* p_ = nullptr;
};

}  // namespace sluice::stack::tcp
