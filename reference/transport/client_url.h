// client_url.h — the parts of a Socket.IO server URL the client transport needs, and the
// Engine.IO request targets built from them (transport.md TR-EIO-001).
//
// Pure: no I/O, no DNS. The URL's path is the Engine.IO endpoint path (default /socket.io/), not
// a Socket.IO namespace: the namespace is ChannelOptions::nsp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "reference/common/expected.h"

namespace unm::transport {

// UrlError says why a URL was refused.
enum class UrlError {
  empty,         // nothing to parse
  bad_scheme,    // missing "scheme://" or a scheme other than http, https, ws, wss
  has_userinfo,  // "user:password@host" is not supported (credentials never go in URLs)
  bad_host,      // empty host, bad character, or malformed [IPv6] literal
  bad_port,      // not a decimal number in 1..65535
  bad_path,      // a character that cannot appear in a request target (space, control, ...)
};

// url_error_name returns a short stable name of `e` ("bad_scheme", ...).
std::string_view url_error_name(UrlError e);

// ClientUrl — a parsed http/https/ws/wss URL.
struct ClientUrl {
  bool tls = false;           // https or wss
  std::string host;           // host name or IP literal, without the [] of IPv6
  bool ipv6_literal = false;  // host was written as [..]
  std::uint16_t port = 0;     // explicit port, or 80 / 443 by scheme
  std::string path;           // Engine.IO path, always starting and ending with '/'
  std::string query;          // the URL's query without '?' (fragment dropped), may be empty
};

// parse_client_url parses `url`. Scheme and host are case-insensitive (kept as written for the
// host); the path defaults to "/socket.io/" and gets a trailing '/' when it lacks one, as the
// official client does (servers match "<path>/" as a prefix).
Expected<ClientUrl, UrlError> parse_client_url(std::string_view url);

// host_header returns the HTTP Host header value: host, [v6] for IPv6, ":port" unless default.
std::string host_header(const ClientUrl& url);

// engine_target returns the request target for an Engine.IO request: path, the user's query
// (minus the parameters the transport sets itself: EIO, transport, sid), then EIO=4,
// transport=<transport> and, when `sid` is not empty, sid=<sid>.
std::string engine_target(const ClientUrl& url, std::string_view transport, std::string_view sid);

}  // namespace unm::transport
