// Ethernet II frames (IEEE 802.3 with an EtherType, RFC 894 for IPv4 over Ethernet).
// RFCs: RFC 894 (IPv4 over Ethernet). 802.1Q / 802.1ad tagged frames are recognised by their
// EtherType so the interface can count and drop them.
#pragma once
#include <array>
#include <cstring>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace sluice::stack {

struct MacAddr {
  std::array<uint8_t, 6> b{};

  static constexpr MacAddr broadcast() { return {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
  static MacAddr from(const uint8_t* p) {
    MacAddr m;
    std::memcpy(m.b.data(), p, 6);
    return m;
  }
  bool is_broadcast() const { return *this == broadcast(); }
  // The I/G bit (includes broadcast).
  bool is_multicast() const { return (b[0] & 1) != 0; }
  bool is_zero() const { return *this == MacAddr{}; }
  bool is_unicast() const { return !is_multicast() && !is_zero(); }
  void write(uint8_t* p) const { std::memcpy(p, b.data(), 6); }
  std::string to_string() const;  // "02:00:00:00:00:01"
  constexpr bool operator==(const MacAddr&) const = default;
};

namespace ethertype {
constexpr uint16_t kIpv4 = 0x0800;
constexpr uint16_t kArp = 0x0806;
constexpr uint16_t kVlan = 0x8100;   // IEEE 802.1Q
constexpr uint16_t kQinQ = 0x88a8;   // IEEE 802.1ad
constexpr uint16_t kIpv6 = 0x86dd;
}  // namespace ethertype

// A view over an Ethernet II frame: at least a whole header, checked once by check().
class EthernetView {
 public:
  static constexpr size_t kDst = 0;
  static constexpr size_t kSrc = 6;
  static constexpr size_t kEtherType = 12;
  static constexpr size_t kHeaderLen = 14;
  static constexpr size_t kMinFrameLen = 60;  // without FCS; shorter frames are padded to this

  // nullopt when `bytes` cannot hold a header.
  static std::optional<EthernetView> check(std::span<const uint8_t> bytes) {
    if (bytes.size() < kHeaderLen) return std::nullopt;
    return EthernetView(bytes);
  }
  MacAddr dst() const { return MacAddr::from(b_.data() + kDst); }
  MacAddr src() const { return MacAddr::from(b_.data() + kSrc); }
  uint16_t ethertype() const { return uint16_t(b_[kEtherType] << 8 | b_[kEtherType + 1]); }
  std::span<const uint8_t> payload() const { return b_.subspan(kHeaderLen); }

 private:
  explicit EthernetView(std::span<const uint8_t> b) : b_(b) {}
  std::span<const uint8_t> b_;
};

struct EthernetRepr {
  MacAddr dst;
  MacAddr src;
  uint16_t ethertype = 0;

  static EthernetRepr parse(const EthernetView& v) { return {v.dst(), v.src(), v.ethertype()}; }
  static constexpr size_t length() { return EthernetView::kHeaderLen; }
  // Writes the header into out[0, length()); false (nothing written) when `out` is too short.
  bool emit(std::span<uint8_t> out) const;
  bool operator==(const EthernetRepr&) const = default;
};

}  // namespace sluice::stack
