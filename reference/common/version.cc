// version.cc — see version.h. The two values come from the generated build_info.cc (build dir).
#include "reference/common/version.h"

namespace unm {

std::string version_string() {
  std::string s(project_version());
  s += " (commit ";
  s += build_commit();
  s += ')';
  return s;
}

std::string version_line(std::string_view program) {
  std::string s(program);
  s += ' ';
  s += version_string();
  return s;
}

}  // namespace unm
