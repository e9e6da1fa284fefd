// A transport endpoint: IPv4 or IPv6 address and port.
#pragma once
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::transport {

struct Address {
  enum class Family : uint8_t { kIpv4 = 4, kIpv6 = 6 };
  Family family = Family::kIpv4;
  std::array<uint8_t, 16> ip{};  // network byte order; IPv4 uses the first 4 bytes
  uint16_t port = 0;              // host byte order

  static Address ipv4(uint32_t ip_host_order, uint16_t port);
  // "1.2.3.4:80", "[::1]:80", "*:80" (any IPv4), or "80" (any IPv4). nullopt when malformed.
  static std::optional<Address> parse(std::string_view text);
  // IPv4 address in host byte order (family must be kIpv4).
  uint32_t ipv4_host() const;
  bool is_any() const;
  std::string ip_string() const;
  std::string to_string() const;  // "1.2.3.4:80" or "[::1]:80"
  auto operator<=>(const Address&) const = default;
};

}  // namespace sluice::transport
