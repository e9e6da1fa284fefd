#include "stack/tcp/send_buffer.h"

#include <algorithm>

namespace sluice::stack::tcp {

size_t SendBuffer::push(BufChain& in) {
  size_t n = std::min(space(), in.size());
  if (n == in.size()) {
    data_.append(std::move(in));
    in.clear();
  } else if (n > 0) {
    data_.append(in.split_front(n));
  }
  return n;
}

BufChain SendBuffer::range(size_t off, size_t len) const {
  BufChain out;
  for (const Slice& s : data_.slices()) {
    if (len == 0) break;
    if (off >= s.size()) { off -= s.size(); continue; }
    size_t take = std::min(s.size() - off, len);
    out.append(s.sub(off, take));
    len -= take;
    off = 0;
  }
  return out;
}

}  // namespace sluice::stack::tcp
