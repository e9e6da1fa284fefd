// The file cache on the userspace stack keeps file content in DPDK's heap (issue 4): blocks come
// from rte_malloc with an IO address, go back to it when the last reference is gone, and a file
// loaded through the cache is served from there.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "http/ext_buffer.h"
#include "modules/static/file_cache.h"
#include "server/dpdk_allocator.h"

namespace sluice::server {
namespace {

size_t heap_allocations() {
  rte_malloc_socket_stats s{};
  size_t n = 0;
  for (int socket = 0; socket < RTE_MAX_NUMA_NODES; ++socket)
    if (rte_malloc_get_socket_stats(socket, &s) == 0) n += s.alloc_count;
  return n;
}

TEST(DpdkAllocator, BlocksLiveInTheDpdkHeapUntilTheLastReference) {
  DpdkBufferAllocator alloc(SOCKET_ID_ANY);
  const size_t before = heap_allocations();
  http::ExtBuffer* buf = http::ExtBuffer::create(alloc, 4096);
  ASSERT_NE(buf, nullptr);
  EXPECT_EQ(heap_allocations(), before + 1);
  EXPECT_EQ(rte_malloc_validate(buf, nullptr), 0) << "not a block of DPDK's heap";
  EXPECT_NE(buf->iova_of(buf->data()), http::kBadIova);
  std::fill(buf->data(), buf->data() + 4096, uint8_t('x'));
  Slice s = buf->slice();
  buf->release();  // the slice holds the block now
  EXPECT_EQ(heap_allocations(), before + 1);
  EXPECT_EQ(s.size(), 4096u);
  s = Slice();
  EXPECT_EQ(heap_allocations(), before);
}

TEST(DpdkAllocator, TheFileCacheServesContentFromTheDpdkHeap) {
  char path[] = "/tmp/sluice-dpdk-alloc-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string content(10000, 'c');
  ASSERT_EQ(write(fd, content.data(), content.size()), ssize_t(content.size()));
  struct stat st{};
  ASSERT_EQ(fstat(fd, &st), 0);
  DpdkBufferAllocator alloc(SOCKET_ID_ANY);
  {
    modules::FileCache cache(alloc);
    const modules::CachedFile* f = cache.load(path, fd, st, Instant::from_micros(1));
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->content.size(), content.size());
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(f->content.data()), f->content.size()), content);
    EXPECT_EQ(f->content.owner_kind(), kOwnerFileCache);
    EXPECT_NE(rte_mem_virt2memseg(f->content.data(), nullptr), nullptr) << "not in EAL memory";
    EXPECT_EQ(cache.stats().uncacheable, 0u);
  }
  close(fd);
  unlink(path);
}

}  // namespace
}  // namespace sluice::server
