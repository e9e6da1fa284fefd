// Internal to conf/ (include only from conf/*.cc): the checks of [server.tls] that need OpenSSL.
//
// conf refuses what cannot work before anything starts (`sluice -t`, start, SIGHUP reload): a
// certificate or key that is missing, unreadable, not PEM, encrypted, too weak, expired or not yet
// valid, a key that does not match its certificate, an OCSP response that is not one, a ticket key
// file of the wrong size, and cipher strings OpenSSL rejects. Only conf/tls_files.cc includes
// OpenSSL; tls/ loads the same files again when it builds its contexts.
//
// Each check returns "" when all is well, else one sentence saying what is wrong.
#pragma once
#include <cstdint>
#include <string>

namespace sluice::conf::detail {

struct CertificateCheck {
  std::string cert_problem;  // about the certificate file
  std::string key_problem;   // about the key file, or the pair (mismatch)
  std::string key_type;      // the certificate's key: "RSA", "ECDSA", "Ed25519", ... ("" if unread)
};

// `now`: wall-clock seconds since the epoch, for the validity period.
CertificateCheck check_certificate(const std::string& cert_path, const std::string& key_path, int64_t now);
// PEM CA certificates (proxy_ssl_trusted_certificate): at least one, each of which parses.
std::string check_ca_certificates(const std::string& path);
// A DER OCSPResponse whose responseStatus is successful (RFC 6960 4.2.1).
std::string check_ocsp_response(const std::string& path);
// nginx's ssl_session_ticket_key format: 80 bytes (AES-256) or 48 bytes (AES-128).
std::string check_ticket_key_file(const std::string& path);
// OpenSSL cipher strings: TLS 1.2 `ciphers`, TLS 1.3 `ciphersuites`, and key exchange `groups`.
std::string check_cipher_list(const std::string& ciphers);
std::string check_ciphersuites(const std::string& suites);
std::string check_groups(const std::string& groups);

}  // namespace sluice::conf::detail
