// command_line_test.cc — the shared parser (command_line.h): what every program answers to
// --help, --version, bad and unknown options and its environment variables.
#include "reference/common/command_line.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <charconv>
#include <map>
#include <sstream>

#include "reference/common/version.h"

namespace unm::cli {
namespace {

// Tool is a small program's options, declared the way the real programs do.
struct Tool {
  std::string target;
  int jobs = 1;
  bool quiet = false;
  std::vector<std::string> files;
  std::string data_root;
  Parser parser{"tool", "tool --target URL [options] FILE...", "Does a thing."};

  Tool() {
    parser.option("--target", "URL", "server to use", target, "TOOL_TARGET")
        .option("--jobs", "N", "parallel jobs\n(default 1)",
                [this](std::string_view v) -> std::optional<std::string> {
                  int n = 0;
                  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
                  if (ec != std::errc() || p != v.data() + v.size() || n < 1) {
                    return "expected an integer >= 1, got '" + std::string(v) + "'";
                  }
                  jobs = n;
                  return std::nullopt;
                })
        .flag("--quiet", "less output", quiet)
        .positionals("FILE", "input files",
                     [this](std::string_view v) -> std::optional<std::string> {
                       files.emplace_back(v);
                       return std::nullopt;
                     })
        .environment("TOOL_DATA", "data root",
                     [this](std::string_view v) -> std::optional<std::string> {
                       data_root = std::string(v);
                       return std::nullopt;
                     })
        .epilogue("exit status: 0 ok, 2 usage error");
  }

  Expected<Parsed, std::string> parse(std::vector<std::string_view> args,
                                      std::map<std::string, std::string> env = {}) {
    return parser.parse(args, [env](std::string_view n) -> std::optional<std::string> {
      auto it = env.find(std::string(n));
      if (it == env.end()) return std::nullopt;
      return it->second;
    });
  }
};

struct Finished {
  std::optional<int> code;
  std::string out, err;
};

Finished finish_with(const Tool& t, const Expected<Parsed, std::string>& r) {
  std::ostringstream out, err;
  Finished f;
  f.code = finish(t.parser, r, out, err);
  f.out = out.str();
  f.err = err.str();
  return f;
}

TEST(CommandLine, BothSpellingsSwitchesAndPositionals) {
  Tool t;
  auto r = t.parse({"--target=http://a", "a.json", "--jobs", "3", "--quiet", "b.json"});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, Parsed::run);
  EXPECT_EQ(t.target, "http://a");
  EXPECT_EQ(t.jobs, 3);
  EXPECT_TRUE(t.quiet);
  EXPECT_EQ(t.files, (std::vector<std::string>{"a.json", "b.json"}));
  EXPECT_FALSE(finish_with(t, r).code);
}

TEST(CommandLine, UsageErrorsAreOneLineAndExitTwo) {
  const std::vector<std::pair<std::vector<std::string_view>, std::string>> cases = {
      {{"--bogus"}, "unknown flag: --bogus"},
      {{"--jobs"}, "--jobs needs a value"},
      {{"--jobs", "0"}, "--jobs: expected an integer >= 1, got '0'"},
      {{"--jobs=x"}, "--jobs: expected an integer >= 1, got 'x'"},
      {{"--quiet=yes"}, "--quiet takes no value"},
      {{"--target="}, "--target: empty value"},
  };
  for (const auto& [args, want] : cases) {
    Tool t;
    auto r = t.parse(args);
    ASSERT_FALSE(r) << want;
    EXPECT_EQ(r.error(), want);
    const Finished f = finish_with(t, r);
    EXPECT_EQ(f.code, kExitUsage);
    EXPECT_EQ(f.out, "");
    EXPECT_EQ(f.err, "tool: " + want + " (see tool --help)\n");
  }
  Parser strict("strict", "strict", "");
  std::vector<std::string_view> stray{"stray"};
  auto r = strict.parse(stray);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "unexpected argument: stray");
}

TEST(CommandLine, HelpAndVersionStopParsing) {
  Tool t;
  auto bad_first = t.parse({"--bogus", "--help"});
  EXPECT_FALSE(bad_first);  // read in order: the error comes first
  Tool h;
  auto help = h.parse({"--help", "--bogus"});
  ASSERT_TRUE(help);
  EXPECT_EQ(*help, Parsed::help);
  const Finished fh = finish_with(h, help);
  EXPECT_EQ(fh.code, 0);
  EXPECT_EQ(fh.err, "");
  EXPECT_TRUE(fh.out.starts_with("usage: tool --target URL [options] FILE...\n\nDoes a thing.\n"));
  for (const char* s : {"--target URL", "--jobs N", "(default 1)", "--quiet", "--help, -h",
                        "--version", "TOOL_TARGET", "TOOL_DATA", "exit status: 0 ok"}) {
    EXPECT_NE(fh.out.find(s), std::string::npos) << s << "\n" << fh.out;
  }
  // A continuation line of a description is indented under the first.
  EXPECT_NE(fh.out.find("\n                        (default 1)\n"), std::string::npos) << fh.out;
  Tool v;
  auto version = v.parse({"-x", "--version"});
  EXPECT_FALSE(version);
  auto version_ok = v.parse({"--version", "-x"});
  ASSERT_TRUE(version_ok);
  const Finished fv = finish_with(v, version_ok);
  EXPECT_EQ(fv.code, 0);
  EXPECT_EQ(fv.out, "tool " + version_string() + "\n");
}

TEST(CommandLine, VersionNamesTheExecutableNotTheSubcommand) {
  Parser p("prog run", "prog run [options]", "");
  std::ostringstream out, err;
  EXPECT_EQ(finish(p, Expected<Parsed, std::string>(Parsed::version), out, err), 0);
  EXPECT_EQ(out.str(), "prog " + version_string() + "\n");
  EXPECT_NE(version_string().find(std::string(project_version())), std::string::npos);
  EXPECT_FALSE(build_commit().empty());
}

TEST(CommandLine, EnvironmentFillsInWhatTheCommandLineLeavesOut) {
  Tool from_env;
  ASSERT_TRUE(from_env.parse({}, {{"TOOL_TARGET", "http://env"}, {"TOOL_DATA", "/d"}}));
  EXPECT_EQ(from_env.target, "http://env");
  EXPECT_EQ(from_env.data_root, "/d");
  Tool cli_wins;
  ASSERT_TRUE(cli_wins.parse({"--target", "http://cli"}, {{"TOOL_TARGET", "http://env"}}));
  EXPECT_EQ(cli_wins.target, "http://cli");
  Tool empty_is_unset;
  ASSERT_TRUE(empty_is_unset.parse({}, {{"TOOL_TARGET", ""}}));
  EXPECT_EQ(empty_is_unset.target, "");
}

TEST(CommandLine, ABadEnvironmentValueNamesTheVariable) {
  Parser p("p", "p", "");
  int n = 0;
  p.option(
      "--n", "N", "a number",
      [&n](std::string_view v) -> std::optional<std::string> {
        if (v != "1") return "expected 1";
        n = 1;
        return std::nullopt;
      },
      "P_N");
  auto r = p.parse(std::span<const std::string_view>{},
                   [](std::string_view) -> std::optional<std::string> { return "2"; });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "P_N (environment): expected 1");
}

TEST(CommandLine, DoubleDashEndsTheOptions) {
  Tool t;
  ASSERT_TRUE(t.parse({"a", "--", "--quiet", "-x", "--help", "--version"}));
  EXPECT_FALSE(t.quiet);
  EXPECT_EQ(t.files, (std::vector<std::string>{"a", "--quiet", "-x", "--help", "--version"}));
  Parser strict("strict", "strict", "");
  std::vector<std::string_view> after{"--", "x"};
  auto r = strict.parse(after);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "unexpected argument: x");
}

TEST(CommandLine, DashWordsArePositionalOnlyWhenAsked) {
  Tool plain;
  auto r = plain.parse({"-5"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "unknown flag: -5");
  Tool t;
  t.parser.dash_words_are_positional();
  ASSERT_TRUE(t.parse({"-5", "-)", "-", "x"}));
  EXPECT_EQ(t.files, (std::vector<std::string>{"-5", "-)", "-", "x"}));
  auto bogus = t.parse({"--bogus"});
  ASSERT_FALSE(bogus);  // two dashes are still an option
  EXPECT_EQ(bogus.error(), "unknown flag: --bogus");
  Tool h;
  h.parser.dash_words_are_positional();
  auto help = h.parse({"-h"});
  ASSERT_TRUE(help);
  EXPECT_EQ(*help, Parsed::help);
}

TEST(CommandLine, HelpAfterEverythingReadsTheWholeLine) {
  Tool t;
  t.parser.read_everything_before_help();
  auto r = t.parse({"--help", "send", "--jobs", "2"});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, Parsed::help);
  EXPECT_EQ(t.files, (std::vector<std::string>{"send"}));
  EXPECT_EQ(t.jobs, 2);
  Tool bad;
  bad.parser.read_everything_before_help();
  auto e = bad.parse({"-h", "--bogus"});
  ASSERT_FALSE(e);  // a bad line is a usage error, even with --help on it
  EXPECT_EQ(e.error(), "unknown flag: --bogus");
}

TEST(CommandLine, UsageLineIsTheCommonForm) {
  EXPECT_EQ(usage_line("prog sub", "wrong number of arguments"),
            "prog sub: wrong number of arguments (see prog sub --help)");
  Tool t;
  EXPECT_EQ(t.parser.usage_error("x"), usage_line("tool", "x"));
}

// Any argument list either parses or gives one non-empty reason; never a crash.
RC_GTEST_PROP(CommandLine, AnyArgumentsGiveAnOutcome, ()) {
  const auto args = *rc::gen::container<std::vector<std::string>>(rc::gen::oneOf(
      rc::gen::element<std::string>("--target", "--jobs", "--quiet", "--help", "--version", "-h",
                                    "--jobs=2", "--quiet=1", "--", "-", "x", "7", "--bogus"),
      rc::gen::arbitrary<std::string>()));
  Tool t;
  std::vector<std::string_view> views(args.begin(), args.end());
  auto r = t.parse(views);
  if (!r) RC_ASSERT(!r.error().empty());
  const Finished f = finish_with(t, r);
  if (!r) RC_ASSERT(f.code == kExitUsage);
  if (r && *r != Parsed::run) RC_ASSERT(f.code == 0);
}

}  // namespace
}  // namespace unm::cli
