// The request head sent upstream (RFC 9112 3, RFC 9110 7.6): the request line with nginx's URI
// mapping, the client's fields minus hop-by-hop ones (RFC 9110 7.6.1), the forwarding fields
// (X-Forwarded-For appended, X-Real-IP, X-Forwarded-Proto, optional Via per RFC 9110 7.6.3), the
// location's proxy_set_header rules, and our own framing and connection fields.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "conf/config.h"
#include "http/request.h"

namespace sluice::proxy {

enum class BodyFraming { kNone, kLength, kChunked };

// RFC 9110 7.6.1: fields that describe one connection and are never forwarded. `connection` is the
// message's Connection value: the fields it lists are hop-by-hop too.
bool is_hop_by_hop(std::string_view name, std::string_view connection);
// The Connection values of a message (several fields form one list), lowercased.
std::string connection_tokens(const std::vector<http::Header>& headers);

// nginx's mapping: without a URI part in proxy_pass the client's target goes upstream unchanged;
// with one, the part of the (normalised) path matched by the location is replaced by it.
std::string upstream_target(const http::Request& req, const conf::LocationConfig& loc);

// RFC 6455 4.1 / RFC 9110 7.8: a GET asking to switch to the WebSocket protocol.
bool wants_websocket(const http::Request& req);

struct RequestHeadInput {
  const http::Request& request;
  const conf::LocationConfig& location;
  std::string_view remote_addr;   // "" when unknown: no X-Real-IP, X-Forwarded-For passed as is
  std::string_view scheme;        // X-Forwarded-Proto
  BodyFraming framing = BodyFraming::kNone;
  uint64_t length = 0;            // kLength
  bool keep_alive = true;         // false: "Connection: close"
  bool upgrade = false;           // forward "Upgrade: websocket" (the tunnel is on)
};

// The whole head, ending with the empty line.
std::string build_request_head(const RequestHeadInput& in);

}  // namespace sluice::proxy
