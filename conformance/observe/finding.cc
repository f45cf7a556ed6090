#include "conformance/observe/finding.h"

namespace unm::conformance::observe {

std::string_view side_name(Side s) {
  return s == Side::client ? "client" : "server";
}

std::string_view severity_name(Severity s) {
  return s == Severity::fail ? "fail" : "non-strict";
}

std::string clip(std::string_view text) {
  if (text.size() <= kFrameTextMax) return std::string(text);
  return std::string(text.substr(0, kFrameTextMax)) + "…(" +
         std::to_string(text.size() - kFrameTextMax) + " more bytes)";
}

}  // namespace unm::conformance::observe
