// command_line.cc — see command_line.h.
#include "reference/common/command_line.h"

#include <cstdlib>

#include "reference/common/version.h"

namespace unm::cli {
namespace {

constexpr std::size_t kHelpColumn = 24;  // where option descriptions start

// append_entry adds "  <left>   <text>" with continuation lines of `text` indented.
void append_entry(std::string& out, std::string_view left, std::string_view text) {
  out += "  ";
  out += left;
  if (left.size() + 2 + 2 > kHelpColumn) {
    out += '\n';
    out.append(kHelpColumn, ' ');
  } else {
    out.append(kHelpColumn - 2 - left.size(), ' ');
  }
  for (std::size_t start = 0; start <= text.size();) {
    const auto nl = text.find('\n', start);
    const auto line = text.substr(start, nl == std::string_view::npos ? nl : nl - start);
    if (start != 0) out.append(kHelpColumn, ' ');
    out += line;
    out += '\n';
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
}

}  // namespace

std::optional<std::string> system_env(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

Parser::Parser(std::string program, std::string usage, std::string description)
    : program_(std::move(program)),
      usage_(std::move(usage)),
      description_(std::move(description)) {}

Parser& Parser::flag(std::string name, std::string help, std::function<void()> on_set) {
  options_.push_back(Option{std::move(name), {}, std::move(help), {}, std::move(on_set), {}});
  return *this;
}

Parser& Parser::flag(std::string name, std::string help, bool& target) {
  return flag(std::move(name), std::move(help), [&target] { target = true; });
}

Parser& Parser::option(std::string name, std::string value_name, std::string help, Setter set,
                       std::string env) {
  options_.push_back(Option{
      std::move(name), std::move(value_name), std::move(help), std::move(set), {}, std::move(env)});
  return *this;
}

Parser& Parser::option(std::string name, std::string value_name, std::string help,
                       std::string& target, std::string env) {
  return option(
      std::move(name), std::move(value_name), std::move(help),
      [&target](std::string_view v) -> std::optional<std::string> {
        if (v.empty()) return "empty value";
        target = std::string(v);
        return std::nullopt;
      },
      std::move(env));
}

Parser& Parser::positionals(std::string value_name, std::string help, Setter set) {
  positionals_ = Option{{}, std::move(value_name), std::move(help), std::move(set), {}, {}};
  return *this;
}

Parser& Parser::dash_words_are_positional() {
  dash_words_positional_ = true;
  return *this;
}

Parser& Parser::read_everything_before_help() {
  help_after_everything_ = true;
  return *this;
}

Parser& Parser::environment(std::string name, std::string help, Setter set) {
  env_only_.push_back(EnvOnly{std::move(name), std::move(help), std::move(set)});
  return *this;
}

Parser& Parser::epilogue(std::string text) {
  epilogue_ = std::move(text);
  return *this;
}

const Parser::Option* Parser::find(std::string_view name) const {
  for (const Option& o : options_) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

Expected<Parsed, std::string> Parser::parse(std::span<const std::string> args,
                                            const EnvLookup& env) const {
  std::vector<std::string_view> views(args.begin(), args.end());
  return parse(std::span<const std::string_view>(views), env);
}

Expected<Parsed, std::string> Parser::parse(std::span<const std::string_view> args,
                                            const EnvLookup& env) const {
  std::vector<const Option*> given;
  bool help = false;
  bool options_ended = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (!options_ended && arg == "--") {
      options_ended = true;
      continue;
    }
    const bool single_dash_word = arg.size() > 1 && arg[0] == '-' && arg[1] != '-' && arg != "-h";
    if (options_ended || !arg.starts_with("-") || arg == "-" ||
        (dash_words_positional_ && single_dash_word)) {
      if (!positionals_) return Unexpected{cat("unexpected argument: ", arg)};
      if (auto why = positionals_->set(arg)) return Unexpected{*why};
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      if (!help_after_everything_) return Parsed::help;
      help = true;
      continue;
    }
    if (arg == "--version") return Parsed::version;
    std::optional<std::string_view> inline_value;
    if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    const Option* o = find(arg);
    if (o == nullptr) return Unexpected{cat("unknown flag: ", arg)};
    given.push_back(o);
    if (o->value_name.empty()) {
      if (inline_value) return Unexpected{cat(arg, " takes no value")};
      o->on_set();
      continue;
    }
    std::string_view value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Unexpected{cat(arg, " needs a value")};
    }
    if (auto why = o->set(value)) return Unexpected{cat(arg, ": ", *why)};
  }
  if (help) return Parsed::help;
  // Environment variables fill in what the command line left out.
  for (const Option& o : options_) {
    if (o.env.empty()) continue;
    bool on_command_line = false;
    for (const Option* g : given) on_command_line = on_command_line || g == &o;
    if (on_command_line) continue;
    const auto value = env(o.env);
    if (!value || value->empty()) continue;
    if (auto why = o.set(*value)) return Unexpected{cat(o.env, " (environment): ", *why)};
  }
  for (const EnvOnly& e : env_only_) {
    const auto value = env(e.name);
    if (!value || value->empty()) continue;
    if (auto why = e.set(*value)) return Unexpected{cat(e.name, " (environment): ", *why)};
  }
  return Parsed::run;
}

std::string Parser::help() const {
  std::string out = "usage: " + usage_ + "\n";
  if (!description_.empty()) {
    out += '\n';
    out += description_;
    if (!description_.ends_with('\n')) out += '\n';
  }
  out += "\noptions:\n";
  for (const Option& o : options_) {
    std::string left = o.name;
    if (!o.value_name.empty()) left += " " + o.value_name;
    append_entry(out, left, o.help);
  }
  append_entry(out, "--help, -h", "print this help and exit");
  append_entry(out, "--version", "print the version and the commit it was built from, and exit");
  bool has_env = !env_only_.empty();
  for (const Option& o : options_) has_env = has_env || !o.env.empty();
  if (has_env) {
    out += "\nenvironment (the command line wins):\n";
    for (const Option& o : options_) {
      if (!o.env.empty()) append_entry(out, o.env, "as " + o.name);
    }
    for (const EnvOnly& e : env_only_) append_entry(out, e.name, e.help);
  }
  if (!epilogue_.empty()) {
    out += '\n';
    out += epilogue_;
    if (!epilogue_.ends_with('\n')) out += '\n';
  }
  return out;
}

std::string usage_line(std::string_view program, std::string_view reason) {
  return cat(program, ": ", reason, " (see ", program, " --help)");
}

std::string Parser::usage_error(std::string_view reason) const {
  return usage_line(program_, reason);
}

std::optional<int> finish(const Parser& parser, const Expected<Parsed, std::string>& parsed,
                          std::ostream& out, std::ostream& err) {
  if (!parsed) {
    err << parser.usage_error(parsed.error()) << '\n';
    return kExitUsage;
  }
  switch (*parsed) {
    case Parsed::help:
      out << parser.help();
      return 0;
    case Parsed::version: {
      // The executable's name, also when `program` names a subcommand ("x run").
      const std::string& p = parser.program();
      out << version_line(std::string_view(p).substr(0, p.find(' '))) << '\n';
      return 0;
    }
    case Parsed::run:
      break;
  }
  return std::nullopt;
}

}  // namespace unm::cli
