// TCP sequence numbers: 32-bit values compared modulo 2^32.
//
// RFC 9293 3.4: "all arithmetic dealing with sequence numbers must be performed modulo 2**32";
// a < b means b lies less than 2^31 ahead of a.
#pragma once
#include <cstdint>

namespace sluice::stack::tcp {

class TcpSeq {
 public:
  constexpr TcpSeq() = default;
  constexpr explicit TcpSeq(uint32_t v) : v_(v) {}
  constexpr uint32_t raw() const { return v_; }

  constexpr TcpSeq operator+(uint32_t n) const { return TcpSeq(v_ + n); }
  constexpr TcpSeq operator-(uint32_t n) const { return TcpSeq(v_ - n); }
  TcpSeq& operator+=(uint32_t n) { v_ += n; return *this; }
  // Signed distance from o to this (RFC 9293 3.4 modular difference).
  constexpr int32_t operator-(TcpSeq o) const { return static_cast<int32_t>(v_ - o.v_); }

  constexpr bool operator==(const TcpSeq&) const = default;
  constexpr bool operator<(TcpSeq o) const { return static_cast<int32_t>(v_ - o.v_) < 0; }
  constexpr bool operator<=(TcpSeq o) const { return static_cast<int32_t>(v_ - o.v_) <= 0; }
  constexpr bool operator>(TcpSeq o) const { return o < *this; }
  constexpr bool operator>=(TcpSeq o) const { return o <= *this; }

 private:
  uint32_t v_ = 0;
};

constexpr TcpSeq seq_max(TcpSeq a, TcpSeq b) { return a < b ? b : a; }
constexpr TcpSeq seq_min(TcpSeq a, TcpSeq b) { return a < b ? a : b; }
// lo <= s < hi, modulo 2^32.
constexpr bool seq_in(TcpSeq s, TcpSeq lo, TcpSeq hi) { return lo <= s && s < hi; }

// RFC 9293 3.10.7.4 first: the acceptability test, its four cases by segment length and window.
constexpr bool segment_acceptable(TcpSeq seq, uint32_t len, TcpSeq rcv_nxt, uint32_t rcv_wnd) {
  const TcpSeq end = rcv_nxt + rcv_wnd;
  if (len == 0) return rcv_wnd == 0 ? seq == rcv_nxt : seq_in(seq, rcv_nxt, end);
  return rcv_wnd != 0 && (seq_in(seq, rcv_nxt, end) || seq_in(seq + (len - 1), rcv_nxt, end));
}

}  // namespace sluice::stack::tcp
