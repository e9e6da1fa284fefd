#include "modules/modules.h"

#include "modules/static/static_handler.h"

namespace sluice::modules {

http::ModuleRegistry builtin_modules(http::BufferAllocator& alloc) {
  http::ModuleRegistry r;
  r.add(std::make_unique<StaticModule>(alloc));
  return r;
}

}  // namespace sluice::modules
