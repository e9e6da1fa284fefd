#include "modules/static/autoindex.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "http/path.h"

namespace sluice::modules {
namespace {

std::string href_for(const DirEntry& e) {
  std::string h = http::percent_encode_path(e.name);
  // A ':' in the first segment would read as a URI scheme; '/' cannot occur in a name.
  std::string out;
  for (char c : h) {
    if (c == ':') out += "%3A";
    else out += c;
  }
  if (e.is_dir) out += '/';
  return out;
}

}  // namespace

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::optional<std::vector<DirEntry>> read_directory(int fd) {
  int dfd = ::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return std::nullopt;
  DIR* dir = ::fdopendir(dfd);
  if (!dir) {
    ::close(dfd);
    return std::nullopt;
  }
  std::vector<DirEntry> out;
  while (dirent* d = ::readdir(dir)) {
    if (d->d_name[0] == '.') continue;
    struct stat st {};
    if (::fstatat(dfd, d->d_name, &st, 0) != 0) continue;  // dangling link: not listed
    out.push_back(DirEntry{d->d_name, S_ISDIR(st.st_mode), int64_t(st.st_mtime), uint64_t(st.st_size)});
  }
  ::closedir(dir);
  return out;
}

std::string render_autoindex(std::string_view uri_path, std::vector<DirEntry> entries) {
  std::sort(entries.begin(), entries.end(), [](const DirEntry& a, const DirEntry& b) {
    if (a.is_dir != b.is_dir) return a.is_dir;  // directories first, as nginx
    return a.name < b.name;
  });
  std::string title = html_escape(uri_path);
  std::string out = "<html>\r\n<head><title>Index of " + title +
                    "</title></head>\r\n<body>\r\n<h1>Index of " + title +
                    "</h1><hr><pre><a href=\"../\">../</a>\r\n";
  for (const DirEntry& e : entries) {
    std::string shown = html_escape(e.name) + (e.is_dir ? "/" : "");
    out += "<a href=\"" + html_escape(href_for(e)) + "\">" + shown + "</a>";
    size_t width = e.name.size() + (e.is_dir ? 1 : 0);
    out.append(width < 50 ? 51 - width : 1, ' ');
    char line[64];
    time_t t = time_t(e.mtime);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char date[32];
    std::strftime(date, sizeof date, "%d-%b-%Y %H:%M", &tm);
    if (e.is_dir) {
      std::snprintf(line, sizeof line, "%s %19s\r\n", date, "-");
    } else {
      std::snprintf(line, sizeof line, "%s %19llu\r\n", date, static_cast<unsigned long long>(e.size));
    }
    out += line;
  }
  out += "</pre><hr></body>\r\n</html>\r\n";
  return out;
}

}  // namespace sluice::modules
