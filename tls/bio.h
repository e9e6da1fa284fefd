// The BIO between OpenSSL and a transport::Connection: ciphertext moves as Slices.
//
// Inbound, the connection's received slices (mbuf-backed on the userspace stack) are queued in
// `in` as they are; OpenSSL copies record bytes straight out of them into its own read buffer.
// Outbound, each record OpenSSL writes is copied once into a large shared block (OutputArena) and
// queued in `out` as a sub-slice of it, which the connection then takes without copying again.
#pragma once
#include <cstddef>
#include <cstdint>

#include <openssl/bio.h>

#include "core/buf.h"

namespace sluice::tls {

// Appends bytes to a chain as sub-slices of large heap blocks, so a burst of records costs one
// allocation per block instead of one per record.
class OutputArena {
 public:
  static constexpr size_t kBlockSize = 64 * 1024;
  void append(BufChain& out, const uint8_t* data, size_t len);
  // Drops the arena's own reference to its block (queued sub-slices keep it alive): called when
  // everything written has been handed on, so an idle connection holds no block.
  void release() {
    block_ = Slice();
    used_ = 0;
  }

 private:
  Slice block_;     // the block being filled; bytes below `used_` belong to slices already queued
  size_t used_ = 0;
};

struct CipherBuffers {
  BufChain in;          // received ciphertext OpenSSL has not consumed yet
  bool in_eof = false;  // the connection delivered its FIN: after `in`, the BIO reports EOF
  bool eof_read = false;  // OpenSSL read that EOF (so the peer closed without close_notify)
  BufChain out;         // ciphertext OpenSSL produced that the connection has not taken yet
  OutputArena arena;
};

// A BIO over `buffers` (not owned; it must outlive the BIO). Reading with nothing queued is a
// retryable "would block" until in_eof; writing always succeeds.
BIO* new_buffer_bio(CipherBuffers* buffers);

}  // namespace sluice::tls
