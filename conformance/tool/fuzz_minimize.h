// fuzz_minimize.h — shrinking a finding's request to the shortest one that still shows the
// same problem (greedy, like delta debugging over the payload): drop keys, halve strings,
// empty nested arrays and objects, never touching the key the mutation is about (so a smaller
// reproducer of "invalid input accepted" stays invalid the same way).
#pragma once

#include <functional>
#include <vector>

#include "conformance/tool/fuzz_command_core.h"

namespace unm::conformance::tool::livefuzz {

// shrink_candidates returns requests smaller than `r`, most promising first (drop a key, then
// halve the longest string, then empty a nested value). Empty when nothing can be removed.
std::vector<Request> shrink_candidates(const Request& r);

// minimize replays smaller candidates with `still_shows` (true when the candidate shows the same
// problem) and keeps every one that does, until none does or `max_replays` is spent. Returns the
// smallest request found and the replays used.
std::pair<Request, std::size_t> minimize(const Request& r,
                                         const std::function<bool(const Request&)>& still_shows,
                                         std::size_t max_replays);

}  // namespace unm::conformance::tool::livefuzz
