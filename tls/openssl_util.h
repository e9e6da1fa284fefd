// Owning pointers for OpenSSL objects and the error queue as text.
#pragma once
#include <memory>
#include <string>

#include <openssl/ssl.h>

namespace sluice::tls {

struct SslFree { void operator()(SSL* s) const { SSL_free(s); } };
struct SslCtxFree { void operator()(SSL_CTX* c) const { SSL_CTX_free(c); } };
using SslPtr = std::unique_ptr<SSL, SslFree>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// The oldest queued OpenSSL error as "reason (lib)", or `fallback`; clears this thread's queue.
std::string take_openssl_error(const char* fallback = "unknown error");

}  // namespace sluice::tls
