// ack_match.cc — see ack_match.h.
#include "bench/echo/ack_match.h"

namespace unm::bench {

std::optional<std::uint64_t> match_expected_ack(std::string_view frame,
                                                std::string_view expected_args) {
  // 18 digits always fit in 64 bits; longer ids are left to the codec.
  constexpr std::size_t kMaxDigits = 18;
  if (frame.size() < 3 || frame[0] != '4' || frame[1] != '3') return std::nullopt;
  std::uint64_t id = 0;
  std::size_t i = 2;
  while (i < frame.size() && i - 2 < kMaxDigits && frame[i] >= '0' && frame[i] <= '9') {
    id = id * 10 + static_cast<std::uint64_t>(frame[i] - '0');
    ++i;
  }
  const std::size_t digits = i - 2;
  if (digits == 0 || (digits > 1 && frame[2] == '0')) return std::nullopt;
  if (frame.substr(i) != expected_args) return std::nullopt;
  return id;
}

}  // namespace unm::bench
