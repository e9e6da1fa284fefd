// Directory listings in nginx's autoindex style. Names are HTML-escaped in text and
// percent-encoded in links; hidden entries (leading '.') are not listed.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::modules {

struct DirEntry {
  std::string name;
  bool is_dir = false;
  int64_t mtime = 0;
  uint64_t size = 0;
};

std::string html_escape(std::string_view s);
// Reads the directory open at `fd` (the descriptor stays open); nullopt on failure.
std::optional<std::vector<DirEntry>> read_directory(int fd);
// The HTML page for `uri_path` (decoded, ends with '/'); entries are sorted by name here.
std::string render_autoindex(std::string_view uri_path, std::vector<DirEntry> entries);

}  // namespace sluice::modules
