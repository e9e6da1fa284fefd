#include "stack/wire/ethernet.h"

#include <cstdio>

#include "stack/wire/checksum.h"

namespace sluice::stack {

std::string MacAddr::to_string() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
  return buf;
}

bool EthernetRepr::emit(std::span<uint8_t> out) const {
  if (out.size() < length()) return false;
  dst.write(out.data() + EthernetView::kDst);
  src.write(out.data() + EthernetView::kSrc);
  be::store16(out.data() + EthernetView::kEtherType, ethertype);
  return true;
}

}  // namespace sluice::stack
