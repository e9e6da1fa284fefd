// The modules built into sluice, in the order the router asks them for each location.
#pragma once
#include "http/ext_buffer.h"
#include "http/handler.h"

namespace sluice::modules {

// Today: static files (root/alias). proxy_pass locations are handled by the http layer's
// placeholder until the proxy module lands. Call once per worker: the static module owns that
// worker's file cache, whose memory comes from `alloc` (the DPDK backend passes rte_malloc memory
// so the userspace stack can attach cached content to mbufs; the default is aligned malloc).
http::ModuleRegistry builtin_modules(http::BufferAllocator& alloc = http::heap_allocator());

}  // namespace sluice::modules
