#include "tls/openssl_util.h"

#include <openssl/err.h>

namespace sluice::tls {

std::string take_openssl_error(const char* fallback) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return fallback;
  const char* reason = ERR_reason_error_string(e);
  const char* lib = ERR_lib_error_string(e);
  std::string text = reason ? reason : "error " + std::to_string(e);
  if (lib) text += std::string(" (") + lib + ")";
  return text;
}

}  // namespace sluice::tls
