// Self-signed certificates for TLS tests, made with the OpenSSL API into a temporary directory,
// and small OpenSSL helpers (an OCSP response for a certificate, reading a peer's common name).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <openssl/ssl.h>

namespace sluice::testing {

enum class KeyKind { kRsa2048, kEcdsaP256, kRsa1024 };

struct CertFiles {
  std::string cert;  // PEM certificate
  std::string key;   // PEM private key
};

struct CertSpec {
  std::string common_name = "localhost";
  std::vector<std::string> dns;  // subjectAltName DNS names
  KeyKind kind = KeyKind::kEcdsaP256;
  int64_t not_before = -3600;    // seconds from now
  int64_t not_after = 86400;     // seconds from now
};

// A temporary directory removed (with its files) at destruction.
class CertDir {
 public:
  CertDir();
  ~CertDir();
  CertDir(const CertDir&) = delete;
  CertDir& operator=(const CertDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void write(const std::string& name, const std::string& bytes) const;

  // Writes NAME.pem and NAME.key.
  CertFiles make(const std::string& name, const CertSpec& spec) const;
  // A successful DER OCSP response saying `files`' (self-signed) certificate is good; NAME.ocsp.
  std::string make_ocsp(const std::string& name, const CertFiles& files) const;

 private:
  std::string path_;
};

// The common name of the certificate the peer of `ssl` presented ("" if none).
std::string peer_common_name(SSL* ssl);
// "RSA", "EC", ... of the peer's certificate key.
std::string peer_key_type(SSL* ssl);

}  // namespace sluice::testing
