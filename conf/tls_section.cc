// [server.tls]: certificates, protocols, ciphers (Mozilla profiles), sessions and tickets, and the
// rule across servers that share a listen address.
// RFC 8446 (TLS 1.3), RFC 5246 (TLS 1.2), RFC 8996 (TLS 1.0/1.1 deprecated), RFC 6066 (SNI, OCSP).
#include <algorithm>
#include <map>

#include "conf/sections.h"
#include "conf/tls_files.h"

namespace sluice::conf::detail {
namespace {

constexpr Duration kSevenDays = Duration::seconds(7 * 86400);  // RFC 8446 4.6.1: ticket lifetime cap

// Mozilla server-side TLS v5.7, "intermediate": TLS 1.2 with AEAD and forward secrecy only.
constexpr const char* kIntermediateCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
// RFC 8446 9.1: TLS_AES_128_GCM_SHA256 is mandatory; the other two are the common ones.
constexpr const char* kTls13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

// protocols = ["TLSv1.2", "TLSv1.3"]: a non-empty subset.
void read_protocols(TableReader& r, TlsConfig& out) {
  std::vector<std::string> names;
  if (!r.read_strings("protocols", names, /*allow_empty=*/false)) return;
  const toml::array& array = *r.get("protocols")->as_array();
  bool v12 = false, v13 = false, ok = true;
  for (size_t i = 0; i < names.size(); ++i) {
    std::string name = r.name("protocols") + "[" + std::to_string(i) + "]";
    if (names[i] == "TLSv1.2") v12 = true;
    else if (names[i] == "TLSv1.3") v13 = true;
    else {
      ok = false;
      bool old = names[i] == "TLSv1" || names[i] == "TLSv1.0" || names[i] == "TLSv1.1" || names[i] == "SSLv3";
      r.diag().error(pos_of(*array.get(i)),
                     name + ": " + (old ? "\"" + names[i] + "\" is deprecated (RFC 8996) and not supported"
                                        : "expected \"TLSv1.2\" or \"TLSv1.3\", got " + describe(*array.get(i))));
    }
  }
  if (ok) {
    out.tls1_2 = v12;
    out.tls1_3 = v13;
  }
}

// A string key whose value OpenSSL must accept.
void read_openssl_string(TableReader& r, std::string_view key, std::string& out,
                         std::string (*check)(const std::string&)) {
  std::string value;
  if (!r.read_string(key, value)) return;
  if (std::string problem = check(value); !problem.empty()) {
    r.diag().error(pos_of(*r.get(key)), r.name(key) + ": " + problem);
    return;
  }
  out = std::move(value);
}

// A path key: resolved against the file's directory, then `check`ed.
bool read_checked_path(TableReader& r, const LoadContext& ctx, std::string_view key, std::string& out,
                       std::string (*check)(const std::string&)) {
  std::string path;
  if (!r.read_string(key, path)) return false;
  path = resolve_path(ctx.base_dir, path);
  if (check) {
    if (std::string problem = check(path); !problem.empty()) {
      r.diag().error(pos_of(*r.get(key)), r.name(key) + ": " + problem);
      return false;
    }
  }
  out = std::move(path);
  return true;
}

// One { cert = "...", key = "...", ocsp_stapling_file = "..." }.
void load_certificate(TableReader& r, const LoadContext& ctx, TlsCertificate& out) {
  bool have_cert = read_checked_path(r, ctx, "cert", out.cert, nullptr);
  bool have_key = read_checked_path(r, ctx, "key", out.key, nullptr);
  if (!r.get("cert")) r.diag().error(r.pos(), r.name("cert") + ": missing; the PEM certificate (and chain) file");
  if (!r.get("key")) r.diag().error(r.pos(), r.name("key") + ": missing; the PEM private key file");
  std::string ocsp;
  if (read_checked_path(r, ctx, "ocsp_stapling_file", ocsp, check_ocsp_response)) out.ocsp_stapling_file = ocsp;
  if (!have_cert || !have_key) return;
  CertificateCheck check = check_certificate(out.cert, out.key, ctx.wall_now);
  if (!check.cert_problem.empty()) r.diag().error(pos_of(*r.get("cert")), r.name("cert") + ": " + check.cert_problem);
  if (!check.key_problem.empty()) r.diag().error(pos_of(*r.get("key")), r.name("key") + ": " + check.key_problem);
  out.key_type = check.key_type;
}

// certificates = [ { cert, key }, ... ]: at least one, at most one per key type.
void read_certificates(TableReader& r, const LoadContext& ctx, std::vector<TlsCertificate>& out) {
  const toml::array* array = r.read_table_array("certificates");
  if (!array || array->empty()) {
    if (!r.get("certificates") || array)
      r.diag().error(array ? pos_of(*array) : r.pos(),
                     r.name("certificates") + ": a TLS server needs at least one certificate, e.g. "
                                              "certificates = [ { cert = \"rsa.pem\", key = \"rsa.key\" } ]");
    return;
  }
  std::map<std::string, size_t> by_type;
  for (size_t i = 0; i < array->size(); ++i) {
    TableReader cr(*array->get(i)->as_table(), r.name("certificates") + "[" + std::to_string(i) + "]", r.diag());
    TlsCertificate cert;
    load_certificate(cr, ctx, cert);
    cr.check_unknown_keys();
    if (!cert.key_type.empty()) {
      auto [it, fresh] = by_type.emplace(cert.key_type, i);
      if (!fresh)
        r.diag().error(cr.pos(), cr.table_name() + ": a second " + cert.key_type + " certificate (the first is [" +
                                     std::to_string(it->second) + "]); OpenSSL chooses among certificates by key "
                                     "type, so a server has at most one of each; use another server for other names");
    }
    out.push_back(std::move(cert));
  }
}

void apply_profile(TableReader& r, TlsConfig& out) {
  r.read_choice("profile", out.profile,
                {{"intermediate", TlsProfile::kIntermediate}, {"modern", TlsProfile::kModern}});
  out.ciphersuites = kTls13Suites;
  out.ciphers = kIntermediateCiphers;
  // Mozilla "modern": TLS 1.3 only.
  out.tls1_2 = out.profile == TlsProfile::kIntermediate;
  out.tls1_3 = true;
}

}  // namespace

void load_tls(TableReader& r, const LoadContext& ctx, TlsConfig& out) {
  out.line = r.pos().line;
  apply_profile(r, out);
  read_protocols(r, out);
  read_certificates(r, ctx, out.certificates);
  read_openssl_string(r, "ciphers", out.ciphers, check_cipher_list);
  read_openssl_string(r, "ciphersuites", out.ciphersuites, check_ciphersuites);
  read_openssl_string(r, "groups", out.groups, check_groups);
  r.read_bool("prefer_server_ciphers", out.prefer_server_ciphers);
  r.read_bool("session_tickets", out.session_tickets);
  std::string key_file;
  if (read_checked_path(r, ctx, "ticket_key_file", key_file, check_ticket_key_file)) out.ticket_key_file = key_file;
  r.read_duration("ticket_key_rotation", out.ticket_key_rotation, Duration::seconds(60), kSevenDays);
  r.read_duration("session_timeout", out.session_timeout, Duration::seconds(1), kSevenDays);
  r.read_int("session_cache", out.session_cache, 0, 10000000);
  r.read_duration("handshake_timeout", out.handshake_timeout, Duration::millis(100), Duration::seconds(600));
}

// Servers that share a listen address share one TLS handshake: SNI (RFC 6066 3) picks the
// certificate, but protocol and cipher are negotiated from the first server's settings.
void check_tls_listeners(Diagnostics& diag, const Config& config) {
  std::map<transport::Address, const ServerConfig*> first;
  for (const ServerConfig& s : config.servers) {
    for (const transport::Address& a : s.listen) {
      auto [it, fresh] = first.emplace(a, &s);
      if (fresh) continue;
      const ServerConfig& f = *it->second;
      std::string where = a.to_string() + " is shared with the server at line " + std::to_string(f.line);
      Pos at{s.tls ? s.tls->line : s.line, 1};
      if (f.tls.has_value() != s.tls.has_value()) {
        diag.error(at, where + ", and only one of them has [server.tls]; give every server on it [server.tls] "
                               "or none");
        continue;
      }
      if (!s.tls) continue;
      const TlsConfig &x = *f.tls, &y = *s.tls;
      if (x.tls1_2 != y.tls1_2 || x.tls1_3 != y.tls1_3 || x.ciphers != y.ciphers ||
          x.ciphersuites != y.ciphersuites || x.groups != y.groups || x.prefer_server_ciphers != y.prefer_server_ciphers)
        diag.error(at, where + ", whose TLS protocols/ciphers/groups differ; they are negotiated before SNI "
                               "chooses a server, so servers sharing an address must set them alike");
    }
  }
}

}  // namespace sluice::conf::detail
