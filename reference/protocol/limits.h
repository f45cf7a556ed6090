// limits.h — the reference server's limits, events.md Table 2 (EV-TRN-020). Lengths of strings
// are in Unicode scalar values; hex lengths in characters.
#pragma once

#include <cstddef>
#include <cstdint>

namespace unm::protocol::limits {

inline constexpr std::size_t kUsernameMin = 1;
inline constexpr std::size_t kUsernameMax = 64;
inline constexpr std::size_t kMessageHexMin = 2;
inline constexpr std::size_t kMessageHexMax = 131'072;
inline constexpr std::size_t kReactionHexMin = 2;
inline constexpr std::size_t kReactionHexMax = 4'096;
inline constexpr std::size_t kBiographyMax = 500;
inline constexpr std::size_t kProfilePictureMax = 131'072;
inline constexpr std::size_t kOwnStorageMax = 524'288;
inline constexpr std::size_t kDmNameMax = 100;
inline constexpr std::size_t kCreateDmTargetsMin = 1;
inline constexpr std::size_t kCreateDmTargetsMax = 63;
inline constexpr std::size_t kKeyTreeMin = 1;
inline constexpr std::size_t kKeyTreeMax = 126;
inline constexpr std::int64_t kHistoryCountMax = 2'147'483'647;  // 2^31 - 1 accepted
inline constexpr std::size_t kHistoryPageMax = 100;              // messages returned at most
inline constexpr std::int64_t kSecondsMax = 31'536'000;          // schedule / delete: one year
inline constexpr std::size_t kCallUuidMin = 1;
inline constexpr std::size_t kCallUuidMax = 128;
inline constexpr std::int64_t kIdMax = 9'007'199'254'740'991;  // 2^53 - 1 (EV-TRN-014)
inline constexpr std::size_t kKeyHex = 64;
inline constexpr std::size_t kSignatureHex = 128;

}  // namespace unm::protocol::limits
