// The modules built into sluice, in the order the router asks them for each location.
#pragma once
#include "http/handler.h"

namespace sluice::modules {

// Today: static files (root/alias). proxy_pass locations are handled by the http layer's
// placeholder until the proxy module lands.
http::ModuleRegistry builtin_modules();

}  // namespace sluice::modules
