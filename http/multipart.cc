#include "http/multipart.h"

namespace sluice::http {
namespace {

// SplitMix64 (Steele et al.): a bijective mix, so distinct seeds give distinct boundaries.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

std::string make_boundary(uint64_t seed) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "sluice";
  uint64_t v = mix(seed);
  for (int i = 0; i < 14; ++i, v >>= 4) out += kDigits[v & 15];
  return out;
}

MultipartBody make_byteranges(const std::vector<ByteRange>& ranges, uint64_t length,
                              std::string_view part_type, std::string_view boundary,
                              const PartBodyFactory& part) {
  std::vector<std::unique_ptr<BodySource>> parts;
  parts.reserve(ranges.size() * 2 + 1);
  for (const ByteRange& r : ranges) {
    std::string head = "\r\n--";
    head += boundary;
    head += "\r\nContent-Type: ";
    head += part_type;
    head += "\r\nContent-Range: ";
    head += content_range(r, length);
    head += "\r\n\r\n";
    parts.push_back(MemoryBody::of(head));
    parts.push_back(part(r.first, r.length()));
  }
  parts.push_back(MemoryBody::of("\r\n--" + std::string(boundary) + "--\r\n"));
  MultipartBody out;
  out.content_type = "multipart/byteranges; boundary=" + std::string(boundary);
  out.body = std::make_unique<ConcatBody>(std::move(parts));
  return out;
}

}  // namespace sluice::http
