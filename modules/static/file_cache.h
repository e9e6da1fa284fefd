// The per-worker open-file cache: whole files held in memory that a transport can send without
// copying (http/ext_buffer.h: kOwnerFileCache slices; the userspace stack attaches them to mbufs
// as external buffers), so a hot small file costs no system call at all.
//
// - Bounded by bytes (content) and entries; least recently used entries go first.
// - Keyed by the resolved path (and the symlink policy it was opened under).
// - An entry is trusted for `revalidate` after it was last checked (time is the loop's, passed
//   in); after that the handler opens the file again and load() compares (mtime, size, inode,
//   device): unchanged -> the entry is trusted again; changed -> its content is read anew.
// - Evicting or replacing an entry drops only the cache's reference: responses still sending the
//   old content keep it alive until their last slice is released.
// One per worker, owned by the static module; never shared across threads.
#pragma once
#include <sys/stat.h>

#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "conf/config.h"
#include "core/buf.h"
#include "core/time.h"
#include "http/ext_buffer.h"

namespace sluice::modules {

struct FileIdentity {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  static FileIdentity of(const struct stat& st);
  bool operator==(const FileIdentity&) const = default;
};

struct CachedFile {
  Slice content;         // the whole file (kOwnerFileCache)
  FileIdentity id;
  int64_t mtime = 0;     // seconds, for Last-Modified and the ETag
  Instant valid_until;   // revalidate from then on
  // The validators of this content, formatted once instead of for every response.
  std::string etag;           // http::make_etag(mtime, size)
  std::string last_modified;  // http::format_http_date(mtime)
};

struct FileCacheStats {
  uint64_t hits = 0;          // served with no system call
  uint64_t revalidated = 0;   // checked after `revalidate` and found unchanged
  uint64_t misses = 0;        // read from disk into a new entry
  uint64_t changed = 0;       // found changed on revalidation (the new content replaced it)
  uint64_t evictions = 0;     // dropped to make room (LRU) or by a smaller configuration
  uint64_t uncacheable = 0;   // not cached: too large, disabled, short read, no memory
};

class FileCache {
 public:
  explicit FileCache(http::BufferAllocator& alloc, const conf::FileCacheConfig& cfg = {});
  FileCache(const FileCache&) = delete;
  FileCache& operator=(const FileCache&) = delete;

  // Applies new limits (a reload): evicts down to them at once; disabled empties the cache.
  void configure(const conf::FileCacheConfig& cfg);
  bool enabled() const { return cfg_.enabled; }

  // The entry for `key` if it was checked less than `revalidate` ago (moved to the front of the
  // LRU), else nullptr. Pointers stay valid until the next non-const call.
  const CachedFile* find_fresh(std::string_view key, Instant now);
  // After the caller opened the file (`fd`, fstat in `st`): the entry when the file is unchanged
  // (trusted again until now + revalidate), else the file read into a new entry that replaces any
  // old one. nullptr when it cannot be cached (then the caller streams it from `fd`).
  const CachedFile* load(std::string_view key, int fd, const struct stat& st, Instant now);
  // Forgets `key` (the path no longer names a regular file).
  void drop(std::string_view key);

  size_t entries() const { return lru_.size(); }
  uint64_t bytes() const { return bytes_; }
  const FileCacheStats& stats() const { return stats_; }

 private:
  struct Entry {
    std::string key;
    CachedFile file;
  };
  using List = std::list<Entry>;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  bool cacheable(const struct stat& st) const;
  bool read_into(int fd, uint64_t size, Slice* out);
  void erase(List::iterator it);
  void evict_to(uint64_t max_bytes, size_t max_entries);

  http::BufferAllocator& alloc_;
  conf::FileCacheConfig cfg_;
  List lru_;  // front: most recently used
  std::unordered_map<std::string, List::iterator, Hash, std::equal_to<>> index_;
  uint64_t bytes_ = 0;
  FileCacheStats stats_;
};

}  // namespace sluice::modules
