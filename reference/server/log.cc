#include "reference/server/log.h"

#include <chrono>

#include "reference/protocol/timestamp.h"

namespace unm::server {

std::optional<LogLevel> parse_log_level(std::string_view text) {
  if (text == "debug") return LogLevel::debug;
  if (text == "info") return LogLevel::info;
  if (text == "warn") return LogLevel::warn;
  if (text == "error") return LogLevel::error;
  return std::nullopt;
}

namespace {

std::string_view level_name(LogLevel l) {
  switch (l) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

// write_value quotes a value that would otherwise break the key=value syntax.
void write_value(std::ostream& out, std::string_view v) {
  const bool plain = !v.empty() && v.find_first_of(" \"=\n\r\t\\") == std::string_view::npos;
  if (plain) {
    out << v;
    return;
  }
  out << '"';
  for (char c : v) {
    switch (c) {
      case '"':
        out << "\\\"";
        break;
      case '\\':
        out << "\\\\";
        break;
      case '\n':
        out << "\\n";
        break;
      case '\r':
        out << "\\r";
        break;
      case '\t':
        out << "\\t";
        break;
      default:
        out << c;
    }
  }
  out << '"';
}

}  // namespace

void Logger::log(LogLevel l, std::string_view msg,
                 std::initializer_list<std::pair<std::string_view, std::string>> fields) {
  if (!enabled(l)) return;
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  out_ << "ts=" << protocol::format_timestamp(now) << "Z level=" << level_name(l) << " msg=";
  write_value(out_, msg);
  for (const auto& [k, v] : fields) {
    out_ << ' ' << k << '=';
    write_value(out_, v);
  }
  out_ << std::endl;  // one flushed line per record: logs survive a crash
}

}  // namespace unm::server
