// log.h — structured one-line logs: `ts=<UTC> level=<level> msg="<text>" key=value …`, one
// line per record, so that scripts can grep and parse them.
#pragma once

#include <initializer_list>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace unm::server {

// LogLevel orders records by importance.
enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

// parse_log_level reads "debug", "info", "warn" or "error".
std::optional<LogLevel> parse_log_level(std::string_view text);

// Logger writes records at or above its level to one stream.
class Logger {
 public:
  Logger(std::ostream& out, LogLevel level) : out_(out), level_(level) {}
  bool enabled(LogLevel l) const { return l >= level_; }
  // log writes one record; values are quoted when they hold spaces, quotes or '='.
  void log(LogLevel l, std::string_view msg,
           std::initializer_list<std::pair<std::string_view, std::string>> fields = {});

 private:
  std::ostream& out_;
  LogLevel level_;
};

}  // namespace unm::server
