// cmd_vectors.cc — `vectors`: forwards to the vectors engineer's command when unm_vectors is
// part of the build (CMake defines UNM_HAVE_VECTORS), so the tool builds before that library.
#include <cstdio>

#include "conformance/tool/commands.h"

#ifdef UNM_HAVE_VECTORS
#include "vectors/cli.h"
#endif

namespace unm::conformance::tool {

int vectors_forward(std::span<const std::string> args) {
#ifdef UNM_HAVE_VECTORS
  return unm::vectors::vectors_command(args);
#else
  (void)args;
  std::fprintf(stderr,
               "unmanageable-conformance vectors: this build has no vectors library (unm_vectors "
               "was not part of the build)\n");
  return 2;
#endif
}

}  // namespace unm::conformance::tool
