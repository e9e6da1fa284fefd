// The upstream response's fields as the client receives them: hop-by-hop fields removed
// (RFC 9110 7.6.1), framing left to the session (it writes Content-Length or chunked from the body
// it is given, RFC 9112 6.1), Date and Server replaced by ours (nginx's default), the location's
// proxy_hide_header removed, Via appended when asked (RFC 9110 7.6.3), and Location / Refresh
// pointing at the upstream rewritten to this location (nginx's "proxy_redirect default").
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "conf/config.h"
#include "http/response.h"

namespace sluice::proxy {

using UpstreamFields = std::vector<std::pair<std::string, std::string>>;

// `upgrade`: a 101 that switches the connection; Upgrade stays and Connection says so.
http::HeaderList client_fields(const UpstreamFields& fields, int minor_version, const conf::LocationConfig& loc,
                               bool upgrade);

// nginx's default proxy_redirect: "http://<proxy_host><uri part>..." becomes "<location path>...";
// without a URI part in proxy_pass, "http://<proxy_host>/..." becomes "/...". Other values pass.
std::string rewrite_redirect(std::string_view value, const conf::LocationConfig& loc);

}  // namespace sluice::proxy
