#include "tests/tls/test_certs.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

namespace sluice::testing {
namespace {

EVP_PKEY* make_key(KeyKind kind) {
  switch (kind) {
    case KeyKind::kRsa2048: return EVP_RSA_gen(2048);
    case KeyKind::kRsa1024: return EVP_RSA_gen(1024);
    case KeyKind::kEcdsaP256: return EVP_EC_gen("P-256");
  }
  return nullptr;
}

void add_san(X509* x, const std::vector<std::string>& dns) {
  if (dns.empty()) return;
  std::string value;
  for (const auto& d : dns) value += (value.empty() ? "DNS:" : ",DNS:") + d;
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, value.c_str());
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
}

X509* read_cert(const std::string& path) {
  BIO* b = BIO_new_file(path.c_str(), "r");
  X509* x = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  return x;
}

EVP_PKEY* read_key(const std::string& path) {
  BIO* b = BIO_new_file(path.c_str(), "r");
  EVP_PKEY* k = PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  return k;
}

}  // namespace

CertDir::CertDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "sluice-tls-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp");
  path_ = pattern;
}

CertDir::~CertDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void CertDir::write(const std::string& name, const std::string& bytes) const {
  std::ofstream(file(name), std::ios::binary) << bytes;
}

CertFiles CertDir::make(const std::string& name, const CertSpec& spec) const {
  EVP_PKEY* key = make_key(spec.kind);
  X509* x = X509_new();
  X509_set_version(x, 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x), long(spec.not_before));
  X509_gmtime_adj(X509_getm_notAfter(x), long(spec.not_after));
  X509_set_pubkey(x, key);
  X509_NAME* subject = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, subject);
  add_san(x, spec.dns);
  X509_sign(x, key, EVP_sha256());
  CertFiles out{file(name + ".pem"), file(name + ".key")};
  BIO* b = BIO_new_file(out.cert.c_str(), "w");
  PEM_write_bio_X509(b, x);
  BIO_free(b);
  b = BIO_new_file(out.key.c_str(), "w");
  PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
  BIO_free(b);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

std::string CertDir::make_ocsp(const std::string& name, const CertFiles& files) const {
  X509* cert = read_cert(files.cert);
  EVP_PKEY* key = read_key(files.key);
  OCSP_BASICRESP* basic = OCSP_BASICRESP_new();
  OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), cert, cert);
  ASN1_TIME* now = X509_gmtime_adj(nullptr, 0);
  ASN1_TIME* next = X509_gmtime_adj(nullptr, 86400);
  OCSP_basic_add1_status(basic, id, V_OCSP_CERTSTATUS_GOOD, 0, nullptr, now, next);
  OCSP_basic_sign(basic, cert, key, EVP_sha256(), nullptr, 0);
  OCSP_RESPONSE* resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic);
  unsigned char* der = nullptr;
  int len = i2d_OCSP_RESPONSE(resp, &der);
  std::string bytes(reinterpret_cast<char*>(der), size_t(len));
  OPENSSL_free(der);
  OCSP_RESPONSE_free(resp);
  OCSP_BASICRESP_free(basic);
  OCSP_CERTID_free(id);
  ASN1_TIME_free(now);
  ASN1_TIME_free(next);
  EVP_PKEY_free(key);
  X509_free(cert);
  write(name + ".ocsp", bytes);
  return file(name + ".ocsp");
}

std::string peer_common_name(SSL* ssl) {
  X509* x = SSL_get1_peer_certificate(ssl);
  if (!x) return "";
  char buf[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, sizeof buf);
  X509_free(x);
  return buf;
}

std::string peer_key_type(SSL* ssl) {
  X509* x = SSL_get1_peer_certificate(ssl);
  if (!x) return "";
  EVP_PKEY* k = X509_get0_pubkey(x);
  std::string t = EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA ? "RSA" : EVP_PKEY_get_base_id(k) == EVP_PKEY_EC ? "EC" : "?";
  X509_free(x);
  return t;
}

}  // namespace sluice::testing
