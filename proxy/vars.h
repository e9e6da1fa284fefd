// Variables in proxy templates (proxy_set_header values, hash keys), nginx's names:
// $request_uri $uri $args $remote_addr $host $scheme $request_method $proxy_host
// $proxy_add_x_forwarded_for $http_<field> (conf/proxy_keys.cc accepts exactly these).
#pragma once
#include <string>
#include <string_view>

#include "http/request.h"

namespace sluice::proxy {

// What a request offers templates.
struct VarContext {
  const http::Request& request;
  std::string_view remote_addr;  // "" when the session does not say
  std::string_view scheme;       // "http" or "https"
  std::string_view proxy_host;
};

// $proxy_add_x_forwarded_for: the client's X-Forwarded-For with the client's address appended.
std::string forwarded_for(const http::Request& req, std::string_view remote_addr);
// One variable's value ("" for unknown names and absent fields).
std::string variable(std::string_view name, const VarContext& ctx);
// `text` with every $variable replaced.
std::string expand(std::string_view text, const VarContext& ctx);

}  // namespace sluice::proxy
