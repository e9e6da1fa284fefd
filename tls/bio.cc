#include "tls/bio.h"

#include <algorithm>
#include <cstring>

namespace sluice::tls {
namespace {

CipherBuffers* buffers_of(BIO* b) { return static_cast<CipherBuffers*>(BIO_get_data(b)); }

int bio_read(BIO* b, char* dst, size_t len, size_t* done) {
  CipherBuffers* buf = buffers_of(b);
  BIO_clear_retry_flags(b);
  *done = 0;
  if (buf->in.empty()) {
    if (buf->in_eof) {  // EOF: no retry flag
      buf->eof_read = true;
      return 0;
    }
    BIO_set_retry_read(b);
    return 0;
  }
  size_t n = buf->in.copy_out(reinterpret_cast<uint8_t*>(dst), len);
  buf->in.consume(n);
  *done = n;
  return 1;
}

int bio_write(BIO* b, const char* src, size_t len, size_t* done) {
  CipherBuffers* buf = buffers_of(b);
  BIO_clear_retry_flags(b);
  buf->arena.append(buf->out, reinterpret_cast<const uint8_t*>(src), len);
  *done = len;
  return 1;
}

long bio_ctrl(BIO* b, int cmd, long, void*) {
  CipherBuffers* buf = buffers_of(b);
  switch (cmd) {
    case BIO_CTRL_FLUSH: return 1;
    case BIO_CTRL_PENDING: return long(buf->in.size());
    case BIO_CTRL_WPENDING: return long(buf->out.size());
    case BIO_CTRL_EOF: return buf->in_eof && buf->in.empty() ? 1 : 0;
    default: return 0;
  }
}

int bio_create(BIO* b) {
  BIO_set_init(b, 1);
  return 1;
}

const BIO_METHOD* buffer_bio_method() {
  // Built once per process and never changed: OpenSSL's method tables are shared read-only.
  static const BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sluice BufChain");
    BIO_meth_set_read_ex(m, bio_read);
    BIO_meth_set_write_ex(m, bio_write);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    return m;
  }();
  return method;
}

}  // namespace

void OutputArena::append(BufChain& out, const uint8_t* data, size_t len) {
  while (len > 0) {
    if (block_.empty() || used_ == block_.size()) {
      block_ = Slice::allocate(std::max(kBlockSize, len));
      used_ = 0;
    }
    size_t take = std::min(len, block_.size() - used_);
    if (take < len && take < 512 && used_ > 0) {  // don't split a record for a small tail
      block_ = Slice();
      continue;
    }
    // The bytes at and past used_ are referenced by nobody yet, so writing them is safe even
    // while earlier sub-slices of the block are queued elsewhere.
    std::memcpy(block_.writable_data() + used_, data, take);
    out.append(block_.sub(used_, take));
    used_ += take;
    data += take;
    len -= take;
  }
}

BIO* new_buffer_bio(CipherBuffers* buffers) {
  BIO* b = BIO_new(buffer_bio_method());
  if (b) BIO_set_data(b, buffers);
  return b;
}

}  // namespace sluice::tls
