#include "modules/static/file_cache.h"

#include <unistd.h>

#include <cerrno>

#include "http/conditional.h"
#include "http/date_cache.h"

namespace sluice::modules {

FileIdentity FileIdentity::of(const struct stat& st) {
  return FileIdentity{uint64_t(st.st_dev), uint64_t(st.st_ino), uint64_t(st.st_size),
                      int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

FileCache::FileCache(http::BufferAllocator& alloc, const conf::FileCacheConfig& cfg)
    : alloc_(alloc), cfg_(cfg) {}

void FileCache::configure(const conf::FileCacheConfig& cfg) {
  cfg_ = cfg;
  if (!cfg_.enabled) {
    evict_to(0, 0);
  } else {
    evict_to(cfg_.max_bytes, cfg_.max_entries);
  }
}

const CachedFile* FileCache::find_fresh(std::string_view key, Instant now) {
  if (!cfg_.enabled) return nullptr;
  auto it = index_.find(key);
  if (it == index_.end() || now >= it->second->file.valid_until) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  ++stats_.hits;
  return &it->second->file;
}

const CachedFile* FileCache::load(std::string_view key, int fd, const struct stat& st, Instant now) {
  FileIdentity id = FileIdentity::of(st);
  auto it = index_.find(key);
  if (it != index_.end()) {
    CachedFile& f = it->second->file;
    if (cfg_.enabled && f.id == id) {  // unchanged: same (mtime, size, inode, device)
      f.valid_until = now + cfg_.revalidate;
      lru_.splice(lru_.begin(), lru_, it->second);
      ++stats_.revalidated;
      return &f;
    }
    ++stats_.changed;
    erase(it->second);
  }
  if (!cacheable(st)) {
    ++stats_.uncacheable;
    return nullptr;
  }
  Slice content;
  if (!read_into(fd, id.size, &content)) {
    ++stats_.uncacheable;
    return nullptr;
  }
  ++stats_.misses;
  evict_to(cfg_.max_bytes - id.size, cfg_.max_entries - 1);
  lru_.push_front(Entry{std::string(key), CachedFile{std::move(content), id, int64_t(st.st_mtim.tv_sec),
                                                      now + cfg_.revalidate, {}, {}}});
  CachedFile& f = lru_.front().file;
  f.etag = http::make_etag(f.mtime, id.size);
  f.last_modified = http::format_http_date(f.mtime);
  index_.emplace(lru_.front().key, lru_.begin());
  bytes_ += id.size;
  return &lru_.front().file;
}

void FileCache::drop(std::string_view key) {
  auto it = index_.find(key);
  if (it != index_.end()) erase(it->second);
}

bool FileCache::cacheable(const struct stat& st) const {
  return cfg_.enabled && S_ISREG(st.st_mode) && uint64_t(st.st_size) <= cfg_.max_file_size &&
         uint64_t(st.st_size) <= cfg_.max_bytes && cfg_.max_entries > 0;
}

// The whole file, or false when it is shorter than fstat said (changing under us) or no memory.
bool FileCache::read_into(int fd, uint64_t size, Slice* out) {
  http::ExtBuffer* buf = http::ExtBuffer::create(alloc_, size);
  if (!buf) return false;
  uint64_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, buf->data() + done, size - done, off_t(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += uint64_t(n);
  }
  if (done == size) *out = buf->slice();
  buf->release();  // the slice holds the block now (or nothing does)
  return done == size;
}

void FileCache::erase(List::iterator it) {
  bytes_ -= it->file.id.size;
  index_.erase(it->key);
  lru_.erase(it);  // drops the cache's reference; slices in flight keep the block alive
}

void FileCache::evict_to(uint64_t max_bytes, size_t max_entries) {
  while (!lru_.empty() && (bytes_ > max_bytes || lru_.size() > max_entries)) {
    ++stats_.evictions;
    erase(std::prev(lru_.end()));
  }
}

}  // namespace sluice::modules
