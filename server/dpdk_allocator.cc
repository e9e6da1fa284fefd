#include "server/dpdk_allocator.h"

#include <rte_malloc.h>

namespace sluice::server {

void* DpdkBufferAllocator::allocate(size_t bytes, size_t align, uint64_t* iova) {
  void* p = rte_malloc_socket("sluice_file_cache", bytes, static_cast<unsigned>(align), socket_);
  *iova = p ? rte_malloc_virt2iova(p) : http::kBadIova;  // RTE_BAD_IOVA is kBadIova
  return p;
}

void DpdkBufferAllocator::free(void* p) { rte_free(p); }

}  // namespace sluice::server
