// timestamp.h — the wire timestamp of EV-OBJ-001 and the history cursor of EV-MSG-015.
// Times are microseconds since the Unix epoch, UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace unm::protocol {

// Micros is a UTC wall-clock time in microseconds since 1970-01-01T00:00:00.
using Micros = std::int64_t;

// format_timestamp writes `t` as `YYYY-MM-DDTHH:MM:SS.ffffff` (EV-OBJ-001, 26 characters).
std::string format_timestamp(Micros t);

// parse_cursor reads a history cursor (EV-MSG-015): `YYYY-MM-DDTHH:MM:SS`, optional fraction of
// 1 … 9 digits (digits beyond the sixth truncated), optional `Z` or `±HH:MM`; no zone means UTC.
// Returns nullopt for anything else (the caller fails with R-MALFORMED).
std::optional<Micros> parse_cursor(std::string_view text);

}  // namespace unm::protocol
