#include "transport/address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace sluice::transport {

Address Address::ipv4(uint32_t ip_host_order, uint16_t port) {
  Address a;
  a.family = Family::kIpv4;
  uint32_t be = htonl(ip_host_order);
  std::memcpy(a.ip.data(), &be, 4);
  a.port = port;
  return a;
}

static std::optional<uint16_t> parse_port(std::string_view s) {
  unsigned v = 0;
  if (s.empty() || s.size() > 5) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v == 0 || v > 65535) return std::nullopt;
  return uint16_t(v);
}

std::optional<Address> Address::parse(std::string_view text) {
  Address a;
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    std::string h(host);
    if (inet_pton(AF_INET6, h.c_str(), a.ip.data()) != 1) return std::nullopt;
    a.family = Family::kIpv6;
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      port = text;
      host = "*";
    } else {
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
    }
    if (host != "*" && host != "0.0.0.0") {
      std::string h(host);
      if (inet_pton(AF_INET, h.c_str(), a.ip.data()) != 1) return std::nullopt;
    }
  }
  auto p = parse_port(port);
  if (!p) return std::nullopt;
  a.port = *p;
  return a;
}

uint32_t Address::ipv4_host() const {
  uint32_t be;
  std::memcpy(&be, ip.data(), 4);
  return ntohl(be);
}

bool Address::is_any() const {
  size_t n = family == Family::kIpv4 ? 4 : 16;
  for (size_t i = 0; i < n; ++i)
    if (ip[i]) return false;
  return true;
}

std::string Address::ip_string() const {
  if (family == Family::kIpv4) {
    // Dotted decimal as inet_ntop writes it, without its sprintf (this runs for every connection).
    char buf[16];
    char* p = buf;
    for (int i = 0; i < 4; ++i) {
      unsigned v = ip[size_t(i)];
      if (i > 0) *p++ = '.';
      if (v >= 100) *p++ = char('0' + v / 100);
      if (v >= 10) *p++ = char('0' + v / 10 % 10);
      *p++ = char('0' + v % 10);
    }
    return std::string(buf, size_t(p - buf));
  }
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(family == Family::kIpv4 ? AF_INET : AF_INET6, ip.data(), buf, sizeof buf);
  return buf;
}

std::string Address::to_string() const {
  if (family == Family::kIpv6) return "[" + ip_string() + "]:" + std::to_string(port);
  return ip_string() + ":" + std::to_string(port);
}

}  // namespace sluice::transport
