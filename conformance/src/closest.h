// closest.h — the short, one-line evidence of a reason: the candidate closest to what a step
// expected (by key set and values) as a compact diff, and a length cap for every reason line.
#pragma once

#include <string>

#include "conformance/src/json.h"

namespace unm::conformance {

// closeness scores how near `actual` is to `matcher`: higher is closer. Object matchers (literal
// objects and `$has`) score shared keys and matching values, and lose a point per missing or extra
// key; anything else scores 100 on a match, 0 otherwise.
int closeness(const JsonValue& matcher, const JsonValue& actual);

// compact_diff renders what differs between `matcher` and `actual` on one line, e.g.
// `users_in_call: want {"$type":"array"} got {"u-1":"…"}; +public_keys; -dm_id`.
std::string compact_diff(const JsonValue& matcher, const JsonValue& actual);

// one_line flattens `s` to one line and cuts it to `max` characters (UTF-8 safe), ending in "…".
std::string one_line(std::string_view s, std::size_t max = 300);

}  // namespace unm::conformance
