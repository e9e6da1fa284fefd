#include "tests/tls/tls_harness.h"

#include <map>

namespace sluice::testing {

CertDir& TlsBench::certs() {
  static CertDir dir;
  return dir;
}

const CertFiles& TlsBench::cert(const std::string& name) {
  static std::map<std::string, CertFiles> made;
  auto it = made.find(name);
  if (it != made.end()) return it->second;
  CertSpec spec;
  spec.common_name = "a.test";
  spec.dns = {"a.test"};
  if (name == "rsa") spec.kind = KeyKind::kRsa2048;
  if (name == "b") spec = CertSpec{"b.test", {"b.test"}, KeyKind::kEcdsaP256};
  if (name == "expired") spec.not_after = -60;
  if (name == "future") spec.not_before = 86400;
  if (name == "weak") spec.kind = KeyKind::kRsa1024;
  return made.emplace(name, certs().make(name, spec)).first->second;
}

TlsBench::TlsBench() {
  std::string err;
  ring = tls::TicketKeyRing::generate(&err);
  for (auto& w : workers) w = std::make_unique<tls::TlsWorker>(loop, log, ring, Duration::seconds(5));
  client_side = std::make_unique<tls::TlsWorker>(loop, log, nullptr, Duration::seconds(5));
  client_ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(client_ctx, SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_session_cache_mode(client_ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
}

TlsBench::~TlsBench() {
  loop.run_deferred();
  SSL_CTX_free(client_ctx);
}

std::string TlsBench::tls_server(const std::string& names, const std::string& certs_toml, const std::string& extra) {
  return "listen = [\"127.0.0.1:8443\"]\nserver_name = [" + names + "]\n[server.tls]\ncertificates = [" + certs_toml +
         "]\n" + extra + "\n";
}

void TlsBench::load_servers(const std::vector<std::string>& servers) {
  std::string toml = "[network]\nbackend = \"kernel\"\n[process]\nerror_log = \"stderr\"\n";
  for (const std::string& s : servers)
    toml += "[[server]]\naccess_log = \"off\"\n" + s + "\n[[server.location]]\npath = \"/\"\nroot = \".\"\n";
  auto r = conf::load_string(toml, "test.toml", certs().path());
  for (const auto& e : r.errors) ADD_FAILURE() << e.to_string();
  ASSERT_TRUE(r.ok());
  config = std::shared_ptr<const conf::Config>(std::move(r.config));
  for (auto& w : workers) {
    std::string err;
    auto set = w->prepare(config, &err);
    ASSERT_TRUE(set) << err;
    w->install(set);
  }
}

std::unique_ptr<TlsBench::Link> TlsBench::connect(const ClientOptions& o, int w, size_t capacity, size_t slice) {
  auto l = std::make_unique<Link>();
  l->pipe.state().capacity = capacity;
  l->pipe.state().slice = slice;
  SSL* ssl = SSL_new(client_ctx);
  SSL_set_min_proto_version(ssl, o.min_version);
  SSL_set_max_proto_version(ssl, o.max_version);
  if (!o.sni.empty()) SSL_set_tlsext_host_name(ssl, o.sni.c_str());
  if (!o.alpn.empty()) {
    std::string wire = std::string(1, char(o.alpn.size())) + o.alpn;
    SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(wire.data()), unsigned(wire.size()));
  }
  if (!o.sigalgs.empty()) SSL_set1_sigalgs_list(ssl, o.sigalgs.c_str());
  if (o.session) SSL_set_session(ssl, o.session);
  if (o.want_ocsp) SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp);
  SSL_set_connect_state(ssl);
  l->server = workers[w]->wrap_accepted(listen, l->pipe.end(1));
  if (l->server) {
    l->server->set_handler(&l->server_app);
    l->server_app.conn = l->server.get();
  }
  l->client = std::make_unique<tls::TlsConnection>(client_side->runtime(), l->pipe.end(0), tls::SslPtr(ssl),
                                                    Duration::seconds(10));
  l->client->set_handler(&l->client_app);
  l->client_app.conn = l->client.get();
  l->client->start();
  pump(*l);
  return l;
}

}  // namespace sluice::testing
