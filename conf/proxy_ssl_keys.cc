// A location's proxy_ssl_* keys (nginx's names): TLS to an "https://" upstream. The files are
// checked here, at load, so a bad CA or client certificate fails `sluice -t`, start and reload.
// RFC 5280 (certificates), RFC 6125 6 (the name verified), RFC 6066 3 (SNI).
#include "conf/sections.h"
#include "conf/tls_files.h"

namespace sluice::conf::detail {
namespace {

constexpr std::string_view kSslKeys[] = {
    "proxy_ssl_verify", "proxy_ssl_trusted_certificate", "proxy_ssl_name", "proxy_ssl_server_name",
    "proxy_ssl_certificate", "proxy_ssl_certificate_key"};

// A path key resolved against the config file's directory; "" when absent or invalid.
std::string read_path(TableReader& r, const LoadContext& ctx, std::string_view key) {
  std::string path;
  if (!r.read_string(key, path)) return "";
  return resolve_path(ctx.base_dir, path);
}

void read_trusted(TableReader& r, const LoadContext& ctx, ProxySslConfig& out) {
  out.trusted_certificate = read_path(r, ctx, "proxy_ssl_trusted_certificate");
  if (!out.trusted_certificate.empty()) {
    if (std::string problem = check_ca_certificates(out.trusted_certificate); !problem.empty())
      r.diag().error(pos_of(*r.get("proxy_ssl_trusted_certificate")),
                     r.name("proxy_ssl_trusted_certificate") + ": " + problem);
    return;
  }
  if (out.verify && !r.get("proxy_ssl_trusted_certificate"))
    r.diag().error(pos_of(*r.get("proxy_pass")),
                   r.name("proxy_ssl_trusted_certificate") + ": missing; an https:// upstream is verified "
                   "(proxy_ssl_verify = true) against these PEM CA certificates; set it, or proxy_ssl_verify = false");
}

// The client certificate: both files or neither, and a key that matches (conf/tls_files.h).
void read_client_certificate(TableReader& r, const LoadContext& ctx, ProxySslConfig& out) {
  out.certificate = read_path(r, ctx, "proxy_ssl_certificate");
  out.certificate_key = read_path(r, ctx, "proxy_ssl_certificate_key");
  const toml::node* cert = r.get("proxy_ssl_certificate");
  const toml::node* key = r.get("proxy_ssl_certificate_key");
  if (cert && !key)
    r.diag().error(pos_of(*cert), r.name("proxy_ssl_certificate") + ": needs proxy_ssl_certificate_key too");
  if (key && !cert)
    r.diag().error(pos_of(*key), r.name("proxy_ssl_certificate_key") + ": needs proxy_ssl_certificate too");
  if (out.certificate.empty() || out.certificate_key.empty()) return;
  CertificateCheck check = check_certificate(out.certificate, out.certificate_key, ctx.wall_now);
  if (!check.cert_problem.empty())
    r.diag().error(pos_of(*cert), r.name("proxy_ssl_certificate") + ": " + check.cert_problem);
  if (!check.key_problem.empty())
    r.diag().error(pos_of(*key), r.name("proxy_ssl_certificate_key") + ": " + check.key_problem);
}

}  // namespace

void read_proxy_ssl_keys(TableReader& r, const LoadContext& ctx, ProxyConfig& out) {
  if (!out.ssl) {
    const toml::node* pass = r.get("proxy_pass");
    if (!pass) return;  // read_proxy_keys reports every proxy key then
    if (pass->value<std::string>().value_or("").starts_with("https://")) return;  // reported as invalid
    for (std::string_view key : kSslKeys) {
      if (const toml::node* n = r.get(key))
        r.diag().error(pos_of(*n), r.name(key) + ": has no effect without an https:// proxy_pass");
    }
    return;
  }
  ProxySslConfig& ssl = *out.ssl;
  r.read_bool("proxy_ssl_verify", ssl.verify);
  r.read_bool("proxy_ssl_server_name", ssl.server_name);
  std::string name;
  if (r.read_string("proxy_ssl_name", name)) {
    // RFC 6125 6.4: a DNS domain name (or an IP literal, matched against iPAddress).
    bool ok = name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") ==
              std::string::npos;
    if (ok) ssl.name = name;
    else r.diag().error(pos_of(*r.get("proxy_ssl_name")), r.name("proxy_ssl_name") +
                                                             ": expected a host name such as \"app.internal\", got " +
                                                             describe(*r.get("proxy_ssl_name")));
  }
  read_trusted(r, ctx, ssl);
  read_client_certificate(r, ctx, ssl);
}

}  // namespace sluice::conf::detail
