#include "reference/crypto/error.h"

namespace unm::crypto {

std::string_view error_name(Error e) noexcept {
  switch (e) {
    case Error::bad_hex:
      return "bad_hex";
    case Error::wrong_length:
      return "wrong_length";
    case Error::invalid_point:
      return "invalid_point";
    case Error::bad_signature:
      return "bad_signature";
    case Error::bad_tree_length:
      return "bad_tree_length";
    case Error::position_out_of_range:
      return "position_out_of_range";
    case Error::authentication_failed:
      return "authentication_failed";
    case Error::aead_unavailable:
      return "aead_unavailable";
    case Error::bad_json:
      return "bad_json";
    case Error::internal:
      return "internal";
    case Error::invalid_scalar:
      return "invalid_scalar";
    case Error::leaf_mismatch:
      return "leaf_mismatch";
    case Error::phrase_word_count:
      return "phrase_word_count";
    case Error::phrase_unknown_word:
      return "phrase_unknown_word";
    case Error::phrase_parity:
      return "phrase_parity";
  }
  // A value outside the enumeration (a cast from a bad integer) still gets a stable name.
  return "unknown";
}

}  // namespace unm::crypto
