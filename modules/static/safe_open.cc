#include "modules/static/safe_open.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace sluice::modules {
namespace {

constexpr int kFlags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;

OpenResult from_errno(int e) {
  switch (e) {
    case ENOENT:
    case ENOTDIR: return OpenResult::kNotFound;
    case EACCES:
    case EPERM:
    case ELOOP:   // a symlink where none may be
    case EXDEV:   // RESOLVE_BENEATH: the path tried to leave the root
      return OpenResult::kForbidden;
    case ENAMETOOLONG: return OpenResult::kNameTooLong;
    default: return OpenResult::kError;
  }
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { if (fd_ >= 0) ::close(fd_); }
  int get() const { return fd_; }
  int release() { int f = fd_; fd_ = -1; return f; }
  void reset(int fd) { if (fd_ >= 0) ::close(fd_); fd_ = fd; }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

 private:
  int fd_;
};

int openat2_beneath(int dirfd, const char* path) {
  open_how how{};
  how.flags = kFlags;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long r;
  do {
    r = ::syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  } while (r < 0 && errno == EAGAIN);  // a rename raced the lookup
  return int(r);
}

// Without openat2: one component at a time, refusing every symlink.
int open_nofollow_walk(int dirfd, std::string_view rel) {
  Fd cur(::dup(dirfd));
  if (cur.get() < 0) return -1;
  while (!rel.empty()) {
    size_t slash = rel.find('/');
    std::string name(rel.substr(0, slash));
    bool last = slash == std::string_view::npos || slash + 1 == rel.size();
    int flags = last ? kFlags | O_NOFOLLOW : O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    if (last && slash != std::string_view::npos) flags |= O_DIRECTORY;  // "dir/": must be a dir
    Fd next(::openat(cur.get(), name.c_str(), flags));
    if (next.get() < 0) return -1;
    if (last) return next.release();
    cur.reset(next.release());
    rel.remove_prefix(slash + 1);
  }
  return ::openat(cur.get(), ".", kFlags);
}

}  // namespace

OpenedFile::~OpenedFile() {
  if (fd >= 0) ::close(fd);
}

OpenResult open_under(const std::string& root, std::string_view rel, bool allow_symlinks,
                      OpenedFile* out) {
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  std::string path = rel.empty() ? std::string(".") : std::string(rel);
  int fd;
  if (allow_symlinks) {
    std::string full = root + "/" + path;
    fd = ::open(full.c_str(), kFlags);
  } else {
    Fd dir(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0) return from_errno(errno);
    fd = openat2_beneath(dir.get(), path.c_str());
    if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {  // no openat2 (or seccomp refuses it)
      fd = rel.empty() ? ::openat(dir.get(), ".", kFlags) : open_nofollow_walk(dir.get(), rel);
    }
  }
  if (fd < 0) return from_errno(errno);
  out->fd = fd;
  if (::fstat(fd, &out->st) != 0) return OpenResult::kError;
  return OpenResult::kOk;
}

}  // namespace sluice::modules
