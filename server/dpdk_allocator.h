// File-cache memory from DPDK's heap on the port's NUMA socket (issue 4): cached file content sits
// in memory the EAL manages, and goes out attached to mbufs as external buffers (stack/socket/
// tcp_glue.cc) without a copy. A failed allocation is only a cache miss: the file is streamed.
#pragma once
#include "http/ext_buffer.h"

namespace sluice::server {

class DpdkBufferAllocator final : public http::BufferAllocator {
 public:
  explicit DpdkBufferAllocator(int socket) : socket_(socket) {}
  void* allocate(size_t bytes, size_t align, uint64_t* iova) override;
  void free(void* p) override;

 private:
  int socket_;  // SOCKET_ID_ANY when the port does not say
};

}  // namespace sluice::server
