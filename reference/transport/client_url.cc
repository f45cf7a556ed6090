// client_url.cc — URL parsing for the client transport (see client_url.h).
#include "reference/transport/client_url.h"

#include <algorithm>
#include <cctype>

namespace unm::transport {
namespace {

constexpr std::string_view kDefaultPath = "/socket.io/";

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == y; });
}

bool is_hex_digit(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

// A registered name (RFC 3986 reg-name, restricted to what DNS and /etc/hosts use).
bool valid_reg_name(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
  });
}

// An IPv6 literal as written between brackets: hex groups, ':' and an optional dotted IPv4
// tail. A full parse happens at connect time; this only keeps junk out of Host headers.
bool valid_ipv6_literal(std::string_view h) {
  if (h.size() < 2 || h.find(':') == std::string_view::npos) return false;
  return std::all_of(h.begin(), h.end(),
                     [](char c) { return is_hex_digit(c) || c == ':' || c == '.'; });
}

// Characters allowed verbatim in a request target (visible ASCII minus those HTTP forbids).
bool valid_target_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && c != '"' && c != '<' && c != '>' && c != '\\' && c != '^' &&
         c != '`' && c != '{' && c != '|' && c != '}';
}

bool is_unreserved(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

// percent_encode escapes everything but unreserved characters (for the session id, which comes
// from the server and is therefore not trusted to be URL-safe).
std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    if (is_unreserved(c)) {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0x0f];
    }
  }
  return out;
}

// query_key returns the (undecoded) name of one "name=value" query parameter.
std::string_view query_key(std::string_view param) {
  return param.substr(0, param.find('='));
}

}  // namespace

std::string_view url_error_name(UrlError e) {
  switch (e) {
    case UrlError::empty:
      return "empty";
    case UrlError::bad_scheme:
      return "bad_scheme";
    case UrlError::has_userinfo:
      return "has_userinfo";
    case UrlError::bad_host:
      return "bad_host";
    case UrlError::bad_port:
      return "bad_port";
    case UrlError::bad_path:
      return "bad_path";
  }
  return "unknown";
}

Expected<ClientUrl, UrlError> parse_client_url(std::string_view url) {
  if (url.empty()) return Unexpected{UrlError::empty};
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return Unexpected{UrlError::bad_scheme};
  const std::string_view scheme = url.substr(0, sep);
  ClientUrl out;
  if (iequals(scheme, "http") || iequals(scheme, "ws")) {
    out.tls = false;
  } else if (iequals(scheme, "https") || iequals(scheme, "wss")) {
    out.tls = true;
  } else {
    return Unexpected{UrlError::bad_scheme};
  }
  std::string_view rest = url.substr(sep + 3);
  // The fragment never reaches the server.
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);

  const auto authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  const std::string_view after =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return Unexpected{UrlError::has_userinfo};

  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return Unexpected{UrlError::bad_host};
    host = authority.substr(1, close - 1);
    if (!valid_ipv6_literal(host)) return Unexpected{UrlError::bad_host};
    out.ipv6_literal = true;
    const std::string_view tail = authority.substr(close + 1);
    if (!tail.empty()) {
      if (tail.front() != ':') return Unexpected{UrlError::bad_host};
      port_text = tail.substr(1);
      has_port = true;
    }
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
    if (!valid_reg_name(host)) return Unexpected{UrlError::bad_host};
  }
  out.host = std::string(host);

  if (has_port) {
    if (port_text.empty() || port_text.size() > 5 ||
        !std::all_of(port_text.begin(), port_text.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      return Unexpected{UrlError::bad_port};
    }
    unsigned long value = 0;
    for (char c : port_text) value = value * 10 + static_cast<unsigned long>(c - '0');
    if (value == 0 || value > 65535) return Unexpected{UrlError::bad_port};
    out.port = static_cast<std::uint16_t>(value);
  } else {
    out.port = out.tls ? 443 : 80;
  }

  const auto q = after.find('?');
  std::string_view path = after.substr(0, q);
  const std::string_view query =
      q == std::string_view::npos ? std::string_view{} : after.substr(q + 1);
  if (!std::all_of(path.begin(), path.end(), valid_target_char) ||
      !std::all_of(query.begin(), query.end(), valid_target_char)) {
    return Unexpected{UrlError::bad_path};
  }
  if (path.empty() || path == "/") {
    out.path = std::string(kDefaultPath);
  } else {
    out.path = std::string(path);
    if (out.path.back() != '/') out.path += '/';
  }
  out.query = std::string(query);
  return out;
}

std::string host_header(const ClientUrl& url) {
  // Appended piece by piece: `"[" + url.host + "]"` draws a false -Wrestrict from GCC 12 at -O3
  // (GCC bug 105329).
  std::string out;
  if (url.ipv6_literal) {
    out += '[';
    out += url.host;
    out += ']';
  } else {
    out = url.host;
  }
  const std::uint16_t default_port = url.tls ? 443 : 80;
  if (url.port != default_port) {
    out += ':';
    out += std::to_string(url.port);
  }
  return out;
}

std::string engine_target(const ClientUrl& url, std::string_view transport, std::string_view sid) {
  std::string target = url.path;
  target += '?';
  // Keep the user's parameters in their order, minus the ones this transport owns: a duplicate
  // EIO or transport would make the server see an array and refuse the request.
  std::string_view q = url.query;
  while (!q.empty()) {
    const auto amp = q.find('&');
    const std::string_view param = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    const std::string_view key = query_key(param);
    if (param.empty() || key == "EIO" || key == "transport" || key == "sid") continue;
    target += param;
    target += '&';
  }
  target += "EIO=4&transport=";
  target += transport;
  if (!sid.empty()) {
    target += "&sid=";
    target += percent_encode(sid);
  }
  return target;
}

}  // namespace unm::transport
