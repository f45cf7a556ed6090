// fuzz_command.cc — `unmanageable-conformance fuzz`: flags, the expectations file and the real
// transport; the loop is fuzz_live.cc, the requests and oracles fuzz_command_core.cc, the
// findings fuzz_findings.cc. Documented in docs/fuzzing.md.
#include "conformance/tool/fuzz_command.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "conformance/src/expectations.h"
#include "conformance/tool/fuzz_command_core.h"
#include "conformance/tool/fuzz_findings.h"
#include "conformance/tool/fuzz_live.h"
#include "reference/common/version.h"
#include "reference/crypto/keys.h"
#include "reference/transport/event_channel.h"

namespace unm::conformance::tool {

int fuzz_command(std::span<const std::string> args) {
  auto o = livefuzz::parse_options(args);
  if (!o) {
    std::fprintf(stderr, "%s\n", cli::usage_line(livefuzz::kFuzzProgram, o.error()).c_str());
    return cli::kExitUsage;
  }
  if (o->help) {
    std::fputs(livefuzz::help_text().c_str(), stdout);
    return 0;
  }
  if (o->version) {
    std::printf("%s\n", version_line("unmanageable-conformance").c_str());
    return 0;
  }
  if (!crypto::init()) {
    std::fprintf(stderr, "fuzz: libsodium failed to initialise\n");
    return 2;
  }
  std::optional<Expectations> expectations;
  if (!o->expectations.empty()) {
    std::ifstream in(o->expectations);
    if (!in) {
      std::fprintf(stderr, "fuzz: cannot read %s\n", o->expectations.c_str());
      return 2;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto e = parse_expectations(text.str());
    if (!e) {
      std::fprintf(stderr, "fuzz: %s: %s\n", o->expectations.c_str(), e.error().c_str());
      return 2;
    }
    expectations = std::move(*e);
  }
  std::error_code ec;
  std::filesystem::create_directories(o->out_dir, ec);
  if (ec) {
    std::fprintf(stderr, "fuzz: cannot create %s: %s\n", o->out_dir.c_str(), ec.message().c_str());
    return 2;
  }
  std::printf("fuzz: %s for %llds, seed %llu, %d session%s%s\n", o->target.c_str(),
              static_cast<long long>(o->duration.count()), static_cast<unsigned long long>(o->seed),
              o->sessions, o->sessions == 1 ? "" : "s",
              expectations ? (", expectations of " + expectations->implementation()).c_str() : "");
  std::fflush(stdout);
  livefuzz::Registry registry(std::move(expectations));
  const Connector connect = [](std::string_view url, const transport::ChannelOptions& opts) {
    return transport::connect_channel(url, opts);
  };
  return livefuzz::run_live_fuzz(*o, connect, registry, stdout).exit;
}

}  // namespace unm::conformance::tool
