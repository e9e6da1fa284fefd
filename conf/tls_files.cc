// OpenSSL-backed checks of [server.tls] files and strings (see tls_files.h).
// RFC 5280 4.1.2.5 (validity), RFC 6960 4.2.1 (OCSPResponse), RFC 8446 4.2.7 (groups).
#include "conf/tls_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <vector>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace sluice::conf::detail {
namespace {

constexpr off_t kMaxPemSize = 1 << 20;  // a certificate chain or key is a few KiB

struct BioFree { void operator()(BIO* b) const { BIO_free(b); } };
struct X509Free { void operator()(X509* x) const { X509_free(x); } };
struct PkeyFree { void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); } };
struct CtxFree { void operator()(SSL_CTX* c) const { SSL_CTX_free(c); } };
struct OcspFree { void operator()(OCSP_RESPONSE* r) const { OCSP_RESPONSE_free(r); } };
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// The newest OpenSSL error as text ("" if none), clearing the queue.
std::string openssl_error() {
  unsigned long e = ERR_peek_last_error();
  std::string text;
  if (e != 0) {
    const char* reason = ERR_reason_error_string(e);
    text = reason ? reason : "error " + std::to_string(e);
  }
  ERR_clear_error();
  return text;
}

// Reads the whole file (bounded); on failure returns a sentence.
std::string read_small_file(const std::string& path, off_t limit, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return path + " does not exist";
    return path + " cannot be opened: " + std::strerror(errno);
  }
  struct stat st {};
  std::string error;
  if (::fstat(fd, &st) != 0) error = path + " cannot be read: " + std::strerror(errno);
  else if (!S_ISREG(st.st_mode)) error = path + " is not a regular file";
  else if (st.st_size > limit) error = path + " is larger than " + std::to_string(limit) + " bytes";
  char buf[16384];
  while (error.empty()) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = path + " cannot be read: " + std::strerror(errno);
    if (n <= 0) break;
    out.append(buf, size_t(n));
    if (out.size() > size_t(limit)) error = path + " is larger than " + std::to_string(limit) + " bytes";
  }
  ::close(fd);
  return error;
}

// Never prompt for a passphrase: an encrypted key fails to load instead.
int no_passphrase(char*, int, int, void*) { return -1; }

std::string format_asn1_time(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return "an unreadable date";
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

// RFC 5280 4.1.2.5: the certificate is valid from notBefore to notAfter, inclusive.
std::string check_validity(const std::string& path, X509* cert, int64_t now) {
  time_t t = time_t(now);
  const ASN1_TIME* not_before = X509_get0_notBefore(cert);
  const ASN1_TIME* not_after = X509_get0_notAfter(cert);
  if (X509_cmp_time(not_after, &t) < 0) return path + " expired on " + format_asn1_time(not_after);
  if (X509_cmp_time(not_before, &t) > 0) return path + " is not valid until " + format_asn1_time(not_before);
  return "";
}

// The leaf and every chain certificate must parse; returns the leaf or sets `problem`.
X509Ptr read_chain(const std::string& path, const std::string& pem, std::string& problem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
  X509Ptr leaf(PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr));
  if (!leaf) {
    problem = path + " holds no PEM certificate (" + openssl_error() + ")";
    return nullptr;
  }
  for (int i = 1;; ++i) {
    X509Ptr extra(PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr));
    if (extra) continue;
    unsigned long e = ERR_peek_last_error();
    if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
      ERR_clear_error();  // the end of the file
      break;
    }
    problem = path + ": chain certificate " + std::to_string(i) + " does not parse (" + openssl_error() + ")";
    return nullptr;
  }
  return leaf;
}

std::string key_type_name(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: return "RSA";
    case EVP_PKEY_RSA_PSS: return "RSA-PSS";
    case EVP_PKEY_EC: return "ECDSA";
    case EVP_PKEY_ED25519: return "Ed25519";
    case EVP_PKEY_ED448: return "Ed448";
    default: return EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "unknown";
  }
}

// NIST SP 800-57 / Mozilla intermediate: RSA at least 2048 bits, ECDSA at least 256.
std::string check_strength(const std::string& path, EVP_PKEY* key) {
  int bits = EVP_PKEY_get_bits(key);
  int id = EVP_PKEY_get_base_id(key);
  if ((id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) && bits < 2048)
    return path + " is an RSA key of " + std::to_string(bits) + " bits; at least 2048 are required";
  if (id == EVP_PKEY_EC && bits < 256)
    return path + " is an ECDSA key of " + std::to_string(bits) + " bits; at least 256 are required";
  return "";
}

PkeyPtr read_key(const std::string& path, const std::string& pem, std::string& problem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (key) return key;
  std::string why = openssl_error();
  if (pem.find("ENCRYPTED") != std::string::npos)
    problem = path + " is an encrypted private key; store it unencrypted (readable by root only)";
  else
    problem = path + " holds no PEM private key (" + why + ")";
  return nullptr;
}

template <typename Apply>
std::string check_with_ctx(Apply&& apply, const std::string& what) {
  std::unique_ptr<SSL_CTX, CtxFree> ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return "OpenSSL could not create a context (" + openssl_error() + ")";
  if (apply(ctx.get()) != 1) {
    std::string why = openssl_error();
    return what + (why.empty() ? "" : " (" + why + ")");
  }
  return "";
}

}  // namespace

CertificateCheck check_certificate(const std::string& cert_path, const std::string& key_path, int64_t now) {
  CertificateCheck out;
  std::string cert_pem, key_pem;
  out.cert_problem = read_small_file(cert_path, kMaxPemSize, cert_pem);
  out.key_problem = read_small_file(key_path, kMaxPemSize, key_pem);
  X509Ptr cert;
  PkeyPtr key;
  if (out.cert_problem.empty()) cert = read_chain(cert_path, cert_pem, out.cert_problem);
  if (cert) out.cert_problem = check_validity(cert_path, cert.get(), now);
  if (out.key_problem.empty()) key = read_key(key_path, key_pem, out.key_problem);
  if (key) out.key_problem = check_strength(key_path, key.get());
  // The certificate's key decides which slot it fills (a mismatched key is reported as such).
  if (EVP_PKEY* pub = cert ? X509_get0_pubkey(cert.get()) : nullptr) out.key_type = key_type_name(pub);
  if (cert && key && out.key_problem.empty() && X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    out.key_problem = key_path + " does not match the certificate in " + cert_path;
  }
  ERR_clear_error();
  return out;
}

std::string check_ca_certificates(const std::string& path) {
  std::string pem;
  if (std::string e = read_small_file(path, kMaxPemSize, pem); !e.empty()) return e;
  std::string problem;
  if (!read_chain(path, pem, problem)) return problem;
  return "";
}

std::string check_ocsp_response(const std::string& path) {
  std::string der;
  if (std::string e = read_small_file(path, kMaxPemSize, der); !e.empty()) return e;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<OCSP_RESPONSE, OcspFree> resp(d2i_OCSP_RESPONSE(nullptr, &p, long(der.size())));
  if (!resp) {
    ERR_clear_error();
    return path + " is not a DER OCSP response (make one with `openssl ocsp ... -respout FILE`)";
  }
  int status = OCSP_response_status(resp.get());
  if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL)
    return path + " is an unsuccessful OCSP response (" + OCSP_response_status_str(status) + ")";
  return "";
}

std::string check_ticket_key_file(const std::string& path) {
  std::string bytes;
  if (std::string e = read_small_file(path, 4096, bytes); !e.empty()) return e;
  if (bytes.size() != 80 && bytes.size() != 48)
    return path + " has " + std::to_string(bytes.size()) +
           " bytes; a ticket key file has 80 (or 48) random bytes, e.g. `openssl rand 80 > FILE`";
  return "";
}

std::string check_cipher_list(const std::string& ciphers) {
  return check_with_ctx([&](SSL_CTX* c) { return SSL_CTX_set_cipher_list(c, ciphers.c_str()); },
                        "\"" + ciphers + "\" selects no TLS 1.2 cipher OpenSSL knows");
}

std::string check_ciphersuites(const std::string& suites) {
  return check_with_ctx([&](SSL_CTX* c) { return SSL_CTX_set_ciphersuites(c, suites.c_str()); },
                        "\"" + suites + "\" is not a list of TLS 1.3 suites such as "
                        "\"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384\"");
}

std::string check_groups(const std::string& groups) {
  return check_with_ctx([&](SSL_CTX* c) { return int(SSL_CTX_set1_groups_list(c, groups.c_str())); },
                        "\"" + groups + "\" is not a list of groups such as \"X25519:prime256v1\"");
}

}  // namespace sluice::conf::detail
