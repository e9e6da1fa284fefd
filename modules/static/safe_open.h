// Opening a request's file without ever leaving the document root.
//
// With allow_symlinks = false the path is resolved by openat2(2) with RESOLVE_BENEATH: symbolic
// links are followed only while they stay under the root (absolute links and any ".." that would
// leave it fail), and /proc-style magic links never resolve. Kernels without openat2 fall back to
// walking each component with O_NOFOLLOW, which refuses every symbolic link.
// With allow_symlinks = true the path is opened normally (the request path itself is already free
// of dot-segments, see http/path.h, so only links configured by the operator can lead outside).
#pragma once
#include <sys/stat.h>

#include <string>
#include <string_view>

namespace sluice::modules {

enum class OpenResult { kOk, kNotFound, kForbidden, kNameTooLong, kError };

struct OpenedFile {
  int fd = -1;
  struct stat st {};
  OpenedFile() = default;
  OpenedFile(const OpenedFile&) = delete;
  OpenedFile& operator=(const OpenedFile&) = delete;
  ~OpenedFile();
  int release() { int f = fd; fd = -1; return f; }
};

// Opens `rel` (relative, normalized; empty means the root itself) under directory `root`.
// The descriptor is read-only, non-blocking (a FIFO never stalls the worker) and close-on-exec.
OpenResult open_under(const std::string& root, std::string_view rel, bool allow_symlinks,
                      OpenedFile* out);

}  // namespace sluice::modules
