// The per-worker open-file cache: hits, misses, LRU eviction by bytes and entries, revalidation
// on a test clock, and the lifetime of content still in flight after eviction.
#include "modules/static/file_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sluice::modules {
namespace {

namespace fs = std::filesystem;

// Counts blocks and hands out made-up IO addresses, as an rte_malloc allocator would.
class CountingAllocator final : public http::BufferAllocator {
 public:
  void* allocate(size_t bytes, size_t align, uint64_t* iova) override {
    ++allocs;
    *iova = 0x100000 * allocs;
    return std::aligned_alloc(align, (bytes + align - 1) / align * align);
  }
  void free(void* p) override {
    ++frees;
    std::free(p);
  }
  int allocs = 0, frees = 0;
  int live() const { return allocs - frees; }
};

Instant at(int64_t ms) { return Instant::from_micros(ms * 1000); }

class FileCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sluice-fcache-XXXXXX";
    ASSERT_TRUE(mkdtemp(tmpl));
    dir_ = tmpl;
    cfg_.max_bytes = 1000;
    cfg_.max_entries = 3;
    cfg_.max_file_size = 400;
    cfg_.revalidate = Duration::seconds(1);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content, int64_t mtime = 784111000,
                    long nsec = 0) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
    timespec ts[2] = {{mtime, nsec}, {mtime, nsec}};
    ::utimensat(AT_FDCWD, p.c_str(), ts, 0);
    return p;
  }

  // What the static handler does after find_fresh() missed: open, fstat, load.
  const CachedFile* load(FileCache& c, const std::string& name, Instant now) {
    std::string p = dir_ + "/" + name;
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0) << p;
    struct stat st {};
    ::fstat(fd, &st);
    const CachedFile* f = c.load(p, fd, st, now);
    ::close(fd);
    return f;
  }
  std::string key(const std::string& name) { return dir_ + "/" + name; }

  std::string dir_;
  conf::FileCacheConfig cfg_;
  CountingAllocator alloc_;
};

TEST_F(FileCacheTest, MissThenHitWithoutSystemCalls) {
  FileCache c(alloc_, cfg_);
  write("a.txt", "hello");
  EXPECT_EQ(c.find_fresh(key("a.txt"), at(0)), nullptr);
  const CachedFile* f = load(c, "a.txt", at(0));
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->content.view(), "hello");
  EXPECT_EQ(f->content.owner_kind(), kOwnerFileCache);
  EXPECT_EQ(f->mtime, 784111000);
  EXPECT_EQ(c.stats().misses, 1u);
  const CachedFile* hit = c.find_fresh(key("a.txt"), at(999));
  ASSERT_EQ(hit, f);
  EXPECT_EQ(c.stats().hits, 1u);
  EXPECT_EQ(c.entries(), 1u);
  EXPECT_EQ(c.bytes(), 5u);
}

// The content sits on a cache line and knows its IO address (the stack's extbuf contract).
TEST_F(FileCacheTest, ContentIsAlignedAndHasAnIova) {
  FileCache c(alloc_, cfg_);
  write("a.txt", "0123456789");
  const CachedFile* f = load(c, "a.txt", at(0));
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(f->content.data()) % 64, 0u);
  auto* buf = static_cast<http::ExtBuffer*>(f->content.owner());
  EXPECT_EQ(buf->iova_of(f->content.data()), 0x100000u + http::ExtBuffer::kHeader);
  EXPECT_EQ(buf->iova_of(f->content.data() + 7), 0x100000u + http::ExtBuffer::kHeader + 7);
  EXPECT_EQ(buf->refs(), 1u);  // the cache's reference only
}

// A file changed on disk is served fresh on the first request after the revalidate interval.
TEST_F(FileCacheTest, RevalidatesAfterTheInterval) {
  FileCache c(alloc_, cfg_);
  write("a.txt", "version one");
  ASSERT_NE(load(c, "a.txt", at(0)), nullptr);
  write("a.txt", "version two!", 784111005);
  // Within the interval the entry is trusted without looking at the disk.
  const CachedFile* stale = c.find_fresh(key("a.txt"), at(999));
  ASSERT_NE(stale, nullptr);
  EXPECT_EQ(stale->content.view(), "version one");
  // After it the handler must check: the file changed, so its new content replaces the entry.
  EXPECT_EQ(c.find_fresh(key("a.txt"), at(1000)), nullptr);
  const CachedFile* fresh = load(c, "a.txt", at(1000));
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(fresh->content.view(), "version two!");
  EXPECT_EQ(fresh->mtime, 784111005);
  EXPECT_EQ(c.stats().changed, 1u);
  EXPECT_EQ(c.entries(), 1u);
  EXPECT_EQ(c.bytes(), 12u);
  EXPECT_EQ(alloc_.live(), 1);  // the old content was freed (nothing held it)
}

TEST_F(FileCacheTest, UnchangedFileIsTrustedAgainWithoutReading) {
  FileCache c(alloc_, cfg_);
  write("a.txt", "same");
  const CachedFile* first = load(c, "a.txt", at(0));
  ASSERT_NE(first, nullptr);
  const uint8_t* bytes = first->content.data();
  EXPECT_EQ(c.find_fresh(key("a.txt"), at(1500)), nullptr);
  const CachedFile* again = load(c, "a.txt", at(1500));
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->content.data(), bytes);  // same block: not read again
  EXPECT_EQ(c.stats().revalidated, 1u);
  EXPECT_EQ(alloc_.allocs, 1);
  EXPECT_NE(c.find_fresh(key("a.txt"), at(2499)), nullptr);  // valid until 1500 + 1000
  EXPECT_EQ(c.find_fresh(key("a.txt"), at(2500)), nullptr);
}

// Same size, same second: the nanoseconds of the mtime still tell them apart.
TEST_F(FileCacheTest, SameSizeChangeIsSeenThroughNanoseconds) {
  FileCache c(alloc_, cfg_);
  write("a.txt", "AAAA", 784111000, 100);
  ASSERT_NE(load(c, "a.txt", at(0)), nullptr);
  write("a.txt", "BBBB", 784111000, 200);
  EXPECT_EQ(load(c, "a.txt", at(2000))->content.view(), "BBBB");
}

// Replaced by another file (a new inode, as `mv new old` does) with the same size and mtime.
TEST_F(FileCacheTest, ReplacedFileIsSeenThroughTheInode) {
  FileCache c(alloc_, cfg_);
  write("a.txt", "AAAA");
  ASSERT_NE(load(c, "a.txt", at(0)), nullptr);
  write("b.txt", "BBBB");
  fs::rename(dir_ + "/b.txt", dir_ + "/a.txt");
  EXPECT_EQ(load(c, "a.txt", at(2000))->content.view(), "BBBB");
}

TEST_F(FileCacheTest, RevalidateZeroChecksEveryTime) {
  cfg_.revalidate = Duration::zero();
  FileCache c(alloc_, cfg_);
  write("a.txt", "x");
  ASSERT_NE(load(c, "a.txt", at(0)), nullptr);
  EXPECT_EQ(c.find_fresh(key("a.txt"), at(0)), nullptr);
}

TEST_F(FileCacheTest, LeastRecentlyUsedGoesFirstByEntries) {
  FileCache c(alloc_, cfg_);  // 3 entries
  for (const char* n : {"a", "b", "c", "d"}) write(n, n);
  load(c, "a", at(0));
  load(c, "b", at(0));
  load(c, "c", at(0));
  ASSERT_NE(c.find_fresh(key("a"), at(1)), nullptr);  // a is now the most recent
  load(c, "d", at(2));
  EXPECT_EQ(c.entries(), 3u);
  EXPECT_EQ(c.stats().evictions, 1u);
  EXPECT_EQ(c.find_fresh(key("b"), at(3)), nullptr);  // b was the least recent
  EXPECT_NE(c.find_fresh(key("a"), at(3)), nullptr);
  EXPECT_NE(c.find_fresh(key("c"), at(3)), nullptr);
  EXPECT_NE(c.find_fresh(key("d"), at(3)), nullptr);
}

TEST_F(FileCacheTest, LeastRecentlyUsedGoesFirstByBytes) {
  cfg_.max_entries = 100;
  FileCache c(alloc_, cfg_);  // 1000 bytes
  write("a", std::string(400, 'a'));
  write("b", std::string(400, 'b'));
  write("c", std::string(300, 'c'));
  load(c, "a", at(0));
  load(c, "b", at(0));
  load(c, "c", at(0));  // 1100 > 1000: a goes
  EXPECT_EQ(c.bytes(), 700u);
  EXPECT_EQ(c.find_fresh(key("a"), at(1)), nullptr);
  EXPECT_NE(c.find_fresh(key("b"), at(1)), nullptr);
  EXPECT_EQ(alloc_.live(), 2);
}

TEST_F(FileCacheTest, LargeFilesAndDisabledCacheAreNotCached) {
  FileCache c(alloc_, cfg_);
  write("big", std::string(401, 'x'));  // max_file_size 400
  EXPECT_EQ(load(c, "big", at(0)), nullptr);
  EXPECT_EQ(c.stats().uncacheable, 1u);
  write("a", "a");
  ASSERT_NE(load(c, "a", at(0)), nullptr);
  conf::FileCacheConfig off = cfg_;
  off.enabled = false;
  c.configure(off);  // a reload that turns it off empties it
  EXPECT_EQ(c.entries(), 0u);
  EXPECT_EQ(alloc_.live(), 0);
  EXPECT_EQ(c.find_fresh(key("a"), at(1)), nullptr);
  EXPECT_EQ(load(c, "a", at(1)), nullptr);
}

TEST_F(FileCacheTest, SmallerLimitsOnReloadEvictAtOnce) {
  cfg_.max_entries = 100;
  FileCache c(alloc_, cfg_);
  for (const char* n : {"a", "b", "c"}) {
    write(n, n);
    load(c, n, at(0));
  }
  conf::FileCacheConfig smaller = cfg_;
  smaller.max_entries = 1;
  c.configure(smaller);
  EXPECT_EQ(c.entries(), 1u);
  EXPECT_NE(c.find_fresh(key("c"), at(1)), nullptr);
}

// Content in flight outlives its entry: eviction drops only the cache's reference.
TEST_F(FileCacheTest, EvictedEntryStaysAliveWhileSlicesAreHeld) {
  cfg_.max_entries = 1;
  FileCache c(alloc_, cfg_);
  write("a", "in flight");
  write("b", "newcomer");
  Slice held = load(c, "a", at(0))->content.sub(3, 6);  // as a response being sent holds it
  auto* buf = static_cast<http::ExtBuffer*>(held.owner());
  load(c, "b", at(0));  // evicts a
  EXPECT_EQ(c.stats().evictions, 1u);
  EXPECT_EQ(alloc_.live(), 2);  // a's block is still alive
  EXPECT_EQ(buf->refs(), 1u);
  EXPECT_EQ(held.view(), "flight");
  // A transport's own reference (an mbuf attachment) keeps it after the slice is gone...
  held.ops()->retain(held.owner());
  held = Slice();
  EXPECT_EQ(alloc_.live(), 2);
  EXPECT_EQ(buf->refs(), 1u);
  // ...until the extbuf free callback releases it.
  http::ExtBuffer::kOps.release(buf);
  EXPECT_EQ(alloc_.live(), 1);
}

TEST_F(FileCacheTest, LastReleaseFreesTheBlock) {
  FileCache c(alloc_, cfg_);
  write("a", "abc");
  Slice held = load(c, "a", at(0))->content;
  auto* buf = static_cast<http::ExtBuffer*>(held.owner());
  buf->retain();  // the stack attached it to an mbuf
  c.drop(key("a"));
  EXPECT_EQ(buf->refs(), 2u);
  held = Slice();
  EXPECT_EQ(alloc_.frees, 0);
  http::ExtBuffer::kOps.release(buf);  // the mbuf was freed after transmission
  EXPECT_EQ(alloc_.frees, 1);
  EXPECT_EQ(alloc_.live(), 0);
}

}  // namespace
}  // namespace sluice::modules
