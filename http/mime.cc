#include "http/mime.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "http/request.h"  // ascii_lower

namespace sluice::http {
namespace {

struct MimeEntry {
  std::string_view ext;
  std::string_view type;
};

// Sorted by extension (checked by the unit test), looked up with binary search.
constexpr std::array kMimeTable = std::to_array<MimeEntry>({
    {"7z", "application/x-7z-compressed"},
    {"aac", "audio/aac"},
    {"atom", "application/atom+xml"},
    {"avi", "video/x-msvideo"},
    {"avif", "image/avif"},
    {"bin", "application/octet-stream"},
    {"bmp", "image/x-ms-bmp"},
    {"css", "text/css"},
    {"csv", "text/csv"},
    {"doc", "application/msword"},
    {"eot", "application/vnd.ms-fontobject"},
    {"epub", "application/epub+zip"},
    {"flac", "audio/flac"},
    {"gif", "image/gif"},
    {"gz", "application/gzip"},
    {"htm", "text/html"},
    {"html", "text/html"},
    {"ico", "image/x-icon"},
    {"jar", "application/java-archive"},
    {"jpeg", "image/jpeg"},
    {"jpg", "image/jpeg"},
    {"js", "application/javascript"},
    {"json", "application/json"},
    {"m3u8", "application/vnd.apple.mpegurl"},
    {"m4a", "audio/x-m4a"},
    {"md", "text/markdown"},
    {"mjs", "application/javascript"},
    {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},
    {"mpeg", "video/mpeg"},
    {"mpg", "video/mpeg"},
    {"oga", "audio/ogg"},
    {"ogg", "audio/ogg"},
    {"ogv", "video/ogg"},
    {"otf", "font/otf"},
    {"pdf", "application/pdf"},
    {"png", "image/png"},
    {"rss", "application/rss+xml"},
    {"rtf", "application/rtf"},
    {"svg", "image/svg+xml"},
    {"svgz", "image/svg+xml"},
    {"tar", "application/x-tar"},
    {"tif", "image/tiff"},
    {"tiff", "image/tiff"},
    {"ts", "video/mp2t"},
    {"ttf", "font/ttf"},
    {"txt", "text/plain"},
    {"wasm", "application/wasm"},
    {"wav", "audio/wav"},
    {"webm", "video/webm"},
    {"webmanifest", "application/manifest+json"},
    {"webp", "image/webp"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"xhtml", "application/xhtml+xml"},
    {"xml", "text/xml"},
    {"zip", "application/zip"},
});

constexpr size_t kMaxExt = 16;
constexpr size_t kPacked = 8;  // extensions this long or shorter are looked up as one integer

// The extension's bytes, lowercased (ASCII), in one integer: the first byte highest, so that the
// integers sort as the strings do. Only for ext.size() <= kPacked.
constexpr uint64_t pack(std::string_view ext) {
  uint64_t k = 0;
  for (size_t i = 0; i < kPacked; ++i) {
    const char c = i < ext.size() ? ascii_lower(ext[i]) : '\0';
    k = k << 8 | static_cast<unsigned char>(c);
  }
  return k;
}

struct PackedEntry {
  uint64_t key;
  std::string_view type;
};

// The table's short extensions as integers, sorted: a lookup is a binary search over integers
// instead of string comparisons (it runs for every static response).
constexpr size_t count_short() {
  size_t n = 0;
  for (const MimeEntry& e : kMimeTable) n += e.ext.size() <= kPacked;
  return n;
}
constexpr auto kPackedTable = [] {
  std::array<PackedEntry, count_short()> t{};
  size_t n = 0;
  for (const MimeEntry& e : kMimeTable)
    if (e.ext.size() <= kPacked) t[n++] = {pack(e.ext), e.type};
  std::sort(t.begin(), t.end(), [](const PackedEntry& a, const PackedEntry& b) { return a.key < b.key; });
  return t;
}();

std::string_view lookup_long(std::string_view ext) {
  char lower[kMaxExt];
  for (size_t i = 0; i < ext.size(); ++i) lower[i] = ascii_lower(ext[i]);
  std::string_view key(lower, ext.size());
  auto it = std::lower_bound(kMimeTable.begin(), kMimeTable.end(), key,
                             [](const MimeEntry& e, std::string_view k) { return e.ext < k; });
  if (it != kMimeTable.end() && it->ext == key) return it->type;
  return kDefaultMimeType;
}

}  // namespace

std::string_view mime_type_for_extension(std::string_view ext) {
  if (ext.empty() || ext.size() > kMaxExt) return kDefaultMimeType;
  if (ext.size() > kPacked) return lookup_long(ext);
  // A NUL in the extension would pack like a shorter one: no table entry has one.
  if (ext.find('\0') != std::string_view::npos) return kDefaultMimeType;
  const uint64_t key = pack(ext);
  auto it = std::lower_bound(kPackedTable.begin(), kPackedTable.end(), key,
                             [](const PackedEntry& e, uint64_t k) { return e.key < k; });
  if (it != kPackedTable.end() && it->key == key) return it->type;
  return kDefaultMimeType;
}

std::string_view mime_type_for_path(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return kDefaultMimeType;  // ".bashrc": no extension
  return mime_type_for_extension(name.substr(dot + 1));
}

bool mime_table_is_sorted() {
  return std::is_sorted(kMimeTable.begin(), kMimeTable.end(),
                        [](const MimeEntry& a, const MimeEntry& b) { return a.ext < b.ext; });
}

bool mime_lookups_agree() {
  for (const MimeEntry& e : kMimeTable) {
    std::string upper(e.ext);
    for (char& c : upper) c = (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c;
    if (mime_type_for_extension(e.ext) != e.type || mime_type_for_extension(upper) != e.type) return false;
    if (lookup_long(e.ext) != e.type) return false;
  }
  return true;
}

}  // namespace sluice::http
