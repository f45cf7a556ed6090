// command_line.h — the one command-line parser of the project's programs, so that every program
// answers --help, --version, a malformed or unknown option and its environment variables the
// same way (docs/architecture.md, "Command lines"):
//
//   --help, -h        the help text on stdout, exit 0 (parsing stops there)
//   --version         "<program> <version> (commit <sha>)" on stdout, exit 0 (parsing stops)
//   a usage error     one line "<program>: <reason> (see <program> --help)" on stderr, exit 2
//   --name VALUE      also --name=VALUE; a switch given a value is an error
//   --                ends the options: every later argument is a positional
//   environment       an option's variable is read only when the option is not on the command
//                     line (the command line wins); a bad value names the variable
//
// Each program declares its options with a setter that checks and stores the value; the parser
// knows nothing about what the values mean.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "reference/common/expected.h"

namespace unm::cli {

// kExitUsage is every program's exit status for a bad command line.
inline constexpr int kExitUsage = 2;

// Setter checks and stores one value; it returns the reason a value is refused (without the
// option's name, which the parser adds), or nothing.
using Setter = std::function<std::optional<std::string>(std::string_view value)>;

// EnvLookup returns an environment variable's value, or nothing when it is unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// system_env reads the process environment (getenv).
std::optional<std::string> system_env(std::string_view name);

// cat joins text by appending. Messages are built with it because the `"text" + std::string(…)`
// form draws a false -Wrestrict warning from GCC 12 at -O3 (the inlined string insert).
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string s;
  (s.append(std::string_view(parts)), ...);
  return s;
}

// Parsed is what a successful parse asks the program to do.
enum class Parsed { run, help, version };

class Parser {
 public:
  // `program` names the program in messages ("unmanageable-load", "unmanageable-conformance
  // run"); `usage` is the text after "usage: "; `description` follows it in the help.
  Parser(std::string program, std::string usage, std::string description);

  // flag declares a switch (--name, no value).
  Parser& flag(std::string name, std::string help, std::function<void()> on_set);
  Parser& flag(std::string name, std::string help, bool& target);

  // option declares --name VALUE. `env`, when not empty, is a variable read when the option is
  // not on the command line.
  Parser& option(std::string name, std::string value_name, std::string help, Setter set,
                 std::string env = {});
  // option storing the text as is (an empty value is refused).
  Parser& option(std::string name, std::string value_name, std::string help, std::string& target,
                 std::string env = {});

  // positionals accepts arguments that are not options (without it they are errors).
  Parser& positionals(std::string value_name, std::string help, Setter set);

  // dash_words_are_positional makes an argument with one leading dash ("-5", "-)") a positional
  // rather than an unknown flag, for programs whose positionals are free text or numbers
  // (-h stays the help).
  Parser& dash_words_are_positional();

  // read_everything_before_help makes --help/-h anywhere ask for the help only once the whole
  // line has been read (and found valid), so that a program with subcommands can show the help
  // of the command named after the flag ("prog --help send"). By default --help stops parsing.
  Parser& read_everything_before_help();

  // environment declares a variable that has no option (e.g. UNM_DATA_DIR); read after the
  // command line.
  Parser& environment(std::string name, std::string help, Setter set);

  // epilogue is free text printed at the end of the help (exit codes, notes).
  Parser& epilogue(std::string text);

  // parse reads `args` (without the program name) in order.
  Expected<Parsed, std::string> parse(std::span<const std::string_view> args,
                                      const EnvLookup& env = system_env) const;
  Expected<Parsed, std::string> parse(std::span<const std::string> args,
                                      const EnvLookup& env = system_env) const;

  // help is the --help text: usage, description, options, environment, epilogue.
  std::string help() const;

  // usage_error is the one-line message of a usage error (without the newline).
  std::string usage_error(std::string_view reason) const;

  const std::string& program() const { return program_; }

 private:
  struct Option {
    std::string name;
    std::string value_name;  // empty: a switch
    std::string help;
    Setter set;
    std::function<void()> on_set;
    std::string env;
  };
  struct EnvOnly {
    std::string name;
    std::string help;
    Setter set;
  };
  const Option* find(std::string_view name) const;

  std::string program_;
  std::string usage_;
  std::string description_;
  std::vector<Option> options_;
  std::optional<Option> positionals_;
  std::vector<EnvOnly> env_only_;
  std::string epilogue_;
  bool dash_words_positional_ = false;
  bool help_after_everything_ = false;
};

// usage_line is "<program>: <reason> (see <program> --help)": the one line of a usage error, for
// a usage error found after parsing (a value out of range for this command, a missing argument).
std::string usage_line(std::string_view program, std::string_view reason);

// finish prints what a parse outcome asks for: the help (out, exit 0), the version line (out,
// exit 0) or the usage error (err, exit 2). It returns nothing when the program should run.
std::optional<int> finish(const Parser& parser, const Expected<Parsed, std::string>& parsed,
                          std::ostream& out, std::ostream& err);

}  // namespace unm::cli
