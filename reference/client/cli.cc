#include "reference/client/cli.h"

#include <charconv>
#include <map>
#include <set>
#include <thread>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "reference/client/profile.h"
#include "reference/client/rpc.h"
#include "reference/common/command_line.h"
#include "reference/common/hex.h"
#include "reference/crypto/keys.h"

namespace unm::client {

int exit_code_for(const Error& e) {
  switch (e.code) {
    case ErrorCode::refused:
      return kExitRefused;
    case ErrorCode::timeout:
    case ErrorCode::transport:
      return kExitTransport;
    case ErrorCode::crypto:
      return kExitCrypto;
    case ErrorCode::protocol:
      return kExitProtocol;
    case ErrorCode::local:
      return kExitLocal;
  }
  return kExitLocal;
}

namespace {

using namespace std::chrono_literals;

constexpr const char* kDefaultServer = "http://127.0.0.1:5000";

// ---------------------------------------------------------------- command table and help

// OptionSpec is one option of one command (the global options are in add_global_options).
struct OptionSpec {
  const char* name;
  const char* value;  // nullptr: a switch
  const char* help;
};

struct CommandSpec {
  const char* path;  // "dm create"
  const char* args;  // "USER..."
  const char* summary;
  std::vector<OptionSpec> options;  // command options allowed besides the global ones
  std::size_t min_pos;
  std::size_t max_pos;  // positional arguments after the path
};

const std::vector<CommandSpec>& commands() {
  static const std::vector<CommandSpec> kCommands = {
      {"register",
       "USERNAME",
       "create an account (keys are made here) and save it in the profile",
       {},
       1,
       1},
      {"login",
       "[--wait SECONDS]",
       "log in and say which DMs were joined; with --wait, stay to accept pending invitations",
       {{"--wait", "SECONDS", "stay that long (0 … 3600) to accept pending invitations"}},
       0,
       0},
      {"import",
       "USERNAME --phrase [WORD...]",
       "make this profile USERNAME's from its 24-word recovery phrase (the words, or one line "
       "on standard input); logs in to check it before saving",
       {{"--phrase", nullptr,
         "the recovery phrase follows as words, or comes as one line on standard input"}},
       1,
       25},
      {"key show",
       "[--phrase]",
       "show the profile's username and public key; with --phrase, the recovery phrase "
       "(secret: it is the key)",
       {{"--phrase", nullptr, "also print the 24-word recovery phrase (secret: it is the key)"}},
       0,
       0},
      {"whoami", "", "show your own user object", {}, 0, 0},
      {"users", "", "list every registered user", {}, 0, 0},
      {"user", "USERNAME", "show one user", {}, 1, 1},
      {"profile",
       "[--status S] [--bio TEXT] [--picture TEXT]",
       "change your status, biography or picture",
       {{"--status", "S", "new status"},
        {"--bio", "TEXT", "new biography"},
        {"--picture", "TEXT", "new picture"}},
       0,
       0},
      {"friend add", "USER", "send a friend request", {}, 1, 1},
      {"friend accept", "USER", "accept USER's friend request", {}, 1, 1},
      {"friend reject", "USER", "reject USER's friend request", {}, 1, 1},
      {"friend remove", "USER", "unfriend USER", {}, 1, 1},
      {"friend list", "", "list friends, incoming and outgoing requests", {}, 0, 0},
      {"block", "USER", "block USER", {}, 1, 1},
      {"unblock", "USER", "unblock USER", {}, 1, 1},
      {"blocked", "", "list blocked users", {}, 0, 0},
      {"dm create",
       "USER...",
       "create a DM with the given users (keys exchanged by X3DH)",
       {},
       1,
       63},
      {"dm list", "", "list your DMs", {}, 0, 0},
      {"dm show", "DM", "show a DM, its latest message and your scheduled messages", {}, 1, 1},
      {"dm leave", "DM", "leave a DM", {}, 1, 1},
      {"dm rename",
       "DM (NAME | --clear)",
       "rename a DM, or clear its name",
       {{"--clear", nullptr, "clear the name instead of giving one"}},
       1,
       2},
      {"send",
       "DM TEXT [--schedule SECONDS] [--delete SECONDS]",
       "send an encrypted message",
       {{"--schedule", "SECONDS", "send it that many seconds from now (0 … 31536000)"},
        {"--delete", "SECONDS", "self-destruct that many seconds after sending (0 … 31536000)"}},
       2,
       2},
      {"cancel", "DM SCHEDULE_ID", "cancel one of your scheduled messages", {}, 2, 2},
      {"history",
       "DM [--count N] [--before TIMESTAMP]",
       "show messages, newest first",
       {{"--count", "N", "at most N messages (0 … 100, default 20)"},
        {"--before", "TIMESTAMP", "only messages older than TIMESTAMP"}},
       1,
       1},
      {"pin",
       "MESSAGE [--off]",
       "pin (or with --off unpin) a message",
       {{"--off", nullptr, "unpin instead"}},
       1,
       1},
      {"pinned", "DM", "show the pinned messages of a DM", {}, 1, 1},
      {"edit", "MESSAGE TEXT", "replace the text of your own message", {}, 2, 2},
      {"react", "MESSAGE TEXT", "add an encrypted reaction to a message", {}, 2, 2},
      {"unreact", "REACTION", "remove your reaction", {}, 1, 1},
      {"typing", "DM", "tell the DM you are typing", {}, 1, 1},
      {"call join",
       "DM UUID [--stay SECONDS]",
       "join the DM's call and print who is in it; with --stay, stay in it that long "
       "(printing who joins and leaves), then leave it",
       {{"--stay", "SECONDS", "stay in the call that long (1 … 86400), then leave it"}},
       2,
       2},
      {"call leave", "DM", "leave the DM's call", {}, 1, 1},
      {"watch",
       "[--duration SECONDS]",
       "print decrypted notifications live until interrupted",
       {{"--duration", "SECONDS", "stop after that many seconds"}},
       0,
       0},
  };
  return kCommands;
}

const std::set<std::string> kGroups = {"friend", "dm", "call", "key"};

constexpr const char* kProgram = "unmanageable-client";

constexpr const char* kExitCodes =
    "exit codes: 0 ok, 1 server refused, 2 usage, 3 connection/timeout, 4 crypto verification\n"
    "failure (also: a shown message failed its signature or tag), 5 local state, 6 server\n"
    "protocol violation.\n";

// ---------------------------------------------------------------- argument parsing

// Parsed is a command line as the commands read it: positionals, option values (the last one
// given wins) and switches.
struct Parsed {
  std::vector<std::string> pos;
  std::map<std::string, std::string> opts;
  std::set<std::string> flags;
};

// value_into / switch_into store an option under its name; values may be empty ("--bio ''").
cli::Setter value_into(Parsed& p, std::string name) {
  return [&p, name = std::move(name)](std::string_view v) -> std::optional<std::string> {
    p.opts[name] = std::string(v);
    return std::nullopt;
  };
}
std::function<void()> switch_into(Parsed& p, std::string name) {
  return [&p, name = std::move(name)] { p.flags.insert(name); };
}

void add_option(cli::Parser& parser, const OptionSpec& o, Parsed& into) {
  if (o.value == nullptr) {
    parser.flag(o.name, o.help, switch_into(into, o.name));
  } else {
    parser.option(o.name, o.value, o.help, value_into(into, o.name));
  }
}

// kGlobalOptions are the options every command takes (declared by add_global_options).
constexpr const char* kGlobalOptions[] = {"--server",   "--profile", "--json",
                                          "--insecure", "--timeout", "--dialect"};

std::optional<std::int64_t> to_int(const std::string& s, std::int64_t lo, std::int64_t hi);

// add_global_options declares the options every command takes.
void add_global_options(cli::Parser& parser, Parsed& into) {
  parser
      .option("--server", "URL", "server address (default http://127.0.0.1:5000)",
              value_into(into, "--server"))
      .option("--profile", "DIR",
              "profile directory holding identity.json (default $HOME/.unmanageable)",
              value_into(into, "--profile"))
      .flag("--json", "machine-readable output (one JSON document; JSON lines for watch)",
            switch_into(into, "--json"))
      .flag("--insecure", "do not verify TLS certificates (test servers only)",
            switch_into(into, "--insecure"))
      .option("--timeout", "SECONDS", "per-request timeout, 1 … 3600 (default 10)",
              // Checked while parsing, so a bad value is a usage error (exit 2) like any other.
              [&into](std::string_view v) -> std::optional<std::string> {
                if (!to_int(std::string(v), 1, 3600)) return "must be 1 … 3600 seconds";
                into.opts["--timeout"] = std::string(v);
                return std::nullopt;
              })
      .option("--dialect", "D",
              "document, deployed or auto (default): speak the protocol document or\n"
              "the deployed implementation (events.md §12); auto asks the server\n"
              "once. Every deviation met is reported as a warning naming its row.",
              [&into](std::string_view v) -> std::optional<std::string> {
                if (!parse_dialect_choice(std::string(v))) {
                  return "must be document, deployed or auto";
                }
                into.opts["--dialect"] = std::string(v);
                return std::nullopt;
              });
}

// Positionals may be free text ("-)", "-5"); `--` ends the options ("send 3 -- --text").
void add_positionals(cli::Parser& parser, Parsed& into) {
  parser.dash_words_are_positional().positionals(
      "ARG", "", [&into](std::string_view v) -> std::optional<std::string> {
        into.pos.emplace_back(v);
        return std::nullopt;
      });
}

// scan_parser reads any command line: the global options and every command's options, so that
// the command can be found (and --help placed anywhere) before its own parser runs.
cli::Parser scan_parser(Parsed& into) {
  cli::Parser parser(kProgram, "", "");
  add_global_options(parser, into);
  std::set<std::string> declared;
  for (const auto& c : commands()) {
    for (const auto& o : c.options) {
      if (declared.insert(o.name).second) add_option(parser, o, into);
    }
  }
  add_positionals(parser, into);
  parser.read_everything_before_help();
  return parser;
}

std::string command_list() {
  std::string h = "commands:\n";
  for (const auto& c : commands()) {
    std::string line = cli::cat("  ", c.path, " ", c.args);
    if (line.size() < 44) line.resize(44, ' ');
    h += line;
    h += ' ';
    h += c.summary;
    h += '\n';
  }
  h += '\n';
  h += kExitCodes;
  return h;
}

std::string main_help() {
  Parsed unused;
  cli::Parser parser(kProgram,
                     "unmanageable-client [--server URL] [--profile DIR] [--json] [--insecure]\n"
                     "                           [--timeout SECONDS] [--dialect D] COMMAND [ARGS]",
                     "The reference client of the Unmanageable end-to-end encrypted chat protocol. "
                     "Each\ncommand connects, logs in with the profile's identity key, acts and "
                     "exits.\n`unmanageable-client COMMAND --help` shows one command's arguments.");
  add_global_options(parser, unused);
  parser.epilogue(command_list());
  return parser.help();
}

std::string group_help(const std::string& group) {
  std::string h = cli::cat("usage: ", kProgram, " ", group, " SUBCOMMAND [ARGS]\n\nsubcommands:\n");
  for (const auto& c : commands()) {
    const std::string_view path = c.path;
    if (!path.starts_with(group + " ")) continue;
    h += cli::cat("  ", path.substr(group.size() + 1), " ", c.args, "\n      ", c.summary, "\n");
  }
  return h;
}

// command_parser is the parser of one command: its own options, then the global ones.
cli::Parser command_parser(const CommandSpec& c, Parsed& into) {
  cli::Parser parser(cli::cat(kProgram, " ", c.path),
                     cli::cat(kProgram, " [global options] ", c.path, " ", c.args), c.summary);
  for (const auto& o : c.options) add_option(parser, o, into);
  add_global_options(parser, into);
  add_positionals(parser, into);
  parser.epilogue(kExitCodes);
  return parser;
}

std::optional<std::int64_t> to_int(const std::string& s, std::int64_t lo, std::int64_t hi) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

// ---------------------------------------------------------------- JSON output

class Json {
 public:
  Json() : w_(sb_) {}
  rapidjson::Writer<rapidjson::StringBuffer>& w() { return w_; }
  void str(const std::string& s) {
    w_.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  }
  void key(const char* k) { w_.Key(k); }
  void opt(const std::optional<std::string>& s) {
    if (s) {
      str(*s);
    } else {
      w_.Null();
    }
  }
  void strings(const std::vector<std::string>& v) {
    w_.StartArray();
    for (const auto& s : v) str(s);
    w_.EndArray();
  }
  void user(const User& u) {
    w_.StartObject();
    key("username");
    str(u.username);
    key("public_key");
    str(u.public_key);
    key("spk");
    opt(u.spk);
    key("status");
    str(u.status);
    key("biography");
    str(u.biography);
    key("profile_picture");
    str(u.profile_picture);
    w_.EndObject();
  }
  void content(ContentStatus s, const std::string& text) {
    key("status");
    w_.String(content_status_name(s).data());
    key("text");
    // Plaintext only when verified and decrypted; otherwise null, never the ciphertext.
    if (s == ContentStatus::ok) {
      str(text);
    } else {
      w_.Null();
    }
  }
  void message(const ReadMessage& m) {
    w_.StartObject();
    key("id");
    w_.Int64(m.raw.id);
    key("dm_id");
    w_.Int64(m.raw.dm_id);
    key("sender");
    str(m.raw.sender);
    content(m.status, m.text);
    key("timestamp");
    str(m.raw.timestamp);
    key("delete_timestamp");
    opt(m.raw.delete_timestamp);
    key("pinned");
    w_.Bool(m.raw.pinned);
    key("reactions");
    w_.StartArray();
    for (const auto& r : m.reactions) {
      w_.StartObject();
      key("id");
      w_.Int64(r.raw.id);
      key("sender");
      str(r.raw.sender);
      content(r.status, r.text);
      w_.EndObject();
    }
    w_.EndArray();
    w_.EndObject();
  }
  void dm(const Dm& d) {
    key("id");
    w_.Int64(d.id);
    key("name");
    opt(d.name);
    key("users");
    strings(d.users);
    key("created_at");
    str(d.created_at);
    key("users_in_call");
    strings(d.users_in_call);
  }
  std::string text() const { return std::string(sb_.GetString(), sb_.GetSize()); }

 private:
  rapidjson::StringBuffer sb_;
  rapidjson::Writer<rapidjson::StringBuffer> w_;
};

std::string status_text(ContentStatus s, const std::string& text) {
  if (s == ContentStatus::ok) return text;
  // Appends, not `"<" + std::string(…)`: that form draws a false -Wrestrict from GCC 12 at -O3.
  return cli::cat("<", content_status_name(s), ">");
}

std::string human_message(const ReadMessage& m) {
  // Built by appending: `"#" + std::to_string(…) + …` draws a false -Wrestrict from GCC 12 at -O3.
  std::string out = cli::cat("#", std::to_string(m.raw.id), " ", m.raw.timestamp, " ", m.raw.sender,
                             m.raw.pinned ? " [pinned]" : "", ": ", status_text(m.status, m.text));
  if (m.raw.delete_timestamp) out += "  (self-destructs " + *m.raw.delete_timestamp + ")";
  for (const auto& r : m.reactions)
    out += "\n    reaction #" + std::to_string(r.raw.id) + " " + r.raw.sender + ": " +
           status_text(r.status, r.text);
  return out;
}

bool failed_verification(ContentStatus s) {
  return s == ContentStatus::bad_signature || s == ContentStatus::undecryptable;
}
bool any_failed(const ReadMessage& m) {
  if (failed_verification(m.status)) return true;
  for (const auto& r : m.reactions)
    if (failed_verification(r.status)) return true;
  return false;
}

// ---------------------------------------------------------------- running commands

class Runner {
 public:
  Runner(CliEnv& env, const Parsed& p, const CommandSpec& spec)
      : env_(env), p_(p), spec_(spec), json_(p.flags.count("--json") > 0) {}

  int run();

 private:
  std::ostream& out() { return *env_.out; }
  const std::string& arg(std::size_t i) const { return p_.pos[i]; }
  std::optional<std::string> opt(const char* name) const {
    auto it = p_.opts.find(name);
    return it == p_.opts.end() ? std::nullopt : std::optional<std::string>(it->second);
  }

  int error(const Error& e) {
    *env_.err << "error: " << describe(e) << "\n";
    error_ = e;
    return exit_code_for(e);
  }
  // result adds member `key` (JSON text) to the --json document run() prints.
  void result(const char* key, std::string json) { members_.emplace_back(key, std::move(json)); }
  void result_id(const char* key, std::int64_t v) { result(key, std::to_string(v)); }
  // finish prints the --json document: ok, the results (or the error), and the §12 warnings.
  void finish();
  // report_warnings prints deviations met since the last report (human: stderr lines).
  void report_warnings();
  // usage reports a usage error found while running (a value out of range for this command).
  int usage(const std::string& why) {
    *env_.err << cli::usage_line(cli::cat(kProgram, " ", spec_.path), why) << "\n";
    return kExitUsage;
  }
  int done(const std::string& human) {
    if (!json_ && !human.empty()) out() << human << "\n";
    return kExitOk;
  }
  template <class T>
  int check(const Result<T>& r, const std::string& human) {
    if (!r) return error(r.error());
    return done(human);
  }

  std::optional<std::int64_t> id_arg(std::size_t i) {
    return to_int(arg(i), 1, (std::int64_t{1} << 53) - 1);
  }

  Result<void> open(bool login);
  // log_in logs in as id_, handling invitations (and, deployed, waiting for them, §12 #10).
  Result<void> log_in();
  int dispatch();
  int print_messages(const std::vector<ReadMessage>& ms);
  int watch(std::chrono::milliseconds duration);
  void install_printers();
  int key_show();
  // wait_for_reaction_notice stays up to 2 s for the announcement of our reaction (deployed:
  // a message_change_notification, §12 #4), so the deviation is seen and reported.
  void wait_for_reaction_notice() {
    const auto until = std::chrono::steady_clock::now() + 2s;
    while (s_->reaction_notice_pending() && !s_->disconnected() &&
           std::chrono::steady_clock::now() < until)
      s_->process_notifications(100ms);
  }

  CliEnv& env_;
  const Parsed& p_;
  const CommandSpec& spec_;
  bool json_;
  std::unique_ptr<Session> s_;
  std::optional<Identity> id_;
  std::optional<Error> error_;
  std::vector<std::pair<const char*, std::string>> members_;
  std::vector<DmJoined> joined_;  // invitations processed during this command
};

void write_warning(Json& j, const DeviationWarning& w) {
  j.w().StartObject();
  j.key("row");
  j.w().Int(w.row);
  j.key("clause");
  j.str(w.clause);
  j.key("text");
  j.str(w.text);
  j.key("count");
  j.w().Int(w.count);
  j.w().EndObject();
}

// write_dm_joined_fields writes a joined (or refused) invitation's members: dm_id, sender, and
// error (null when joined) — shared by `watch`'s event lines and `login`'s joined list.
void write_dm_joined_fields(Json& j, const DmJoined& d) {
  j.key("dm_id");
  j.w().Int64(d.dm_id);
  j.key("sender");
  j.str(d.sender);
  j.key("error");
  if (d.error) {
    j.str(describe(*d.error));
  } else {
    j.w().Null();
  }
}

std::string human_warning(const DeviationWarning& w) {
  return "warning: events.md §12 #" + std::to_string(w.row) + " (" + w.clause + "): " + w.text;
}

void Runner::finish() {
  Json j;
  j.w().StartObject();
  j.key("ok");
  j.w().Bool(!error_);
  if (error_) {
    j.key("error");
    j.w().String(error_code_name(error_->code).data());
    j.key("detail");
    j.str(error_->detail);
  } else {
    for (const auto& [k, v] : members_) {
      j.key(k);
      j.w().RawValue(v.data(), v.size(), rapidjson::kObjectType);
    }
  }
  j.key("dialect");
  if (s_ && s_->dialect_settled()) {
    j.str(std::string(dialect_name(s_->dialect().dialect())));
  } else {
    j.w().Null();
  }
  j.key("warnings");
  j.w().StartArray();
  if (s_)
    for (const auto& w : s_->dialect().warnings()) write_warning(j, w);
  j.w().EndArray();
  j.w().EndObject();
  out() << j.text() << "\n";
}

void Runner::report_warnings() {
  if (!s_) return;
  for (const auto& w : s_->take_new_warnings()) {
    if (!json_) {
      *env_.err << human_warning(w) << "\n";
    } else if (std::string_view(spec_.path) == "watch") {
      Json j;
      j.w().StartObject();
      j.key("event");
      j.str("warning");
      j.key("warning");
      write_warning(j, w);
      j.w().EndObject();
      out() << j.text() << std::endl;
    }
  }
}

Result<void> Runner::open(bool login) {
  const std::string url = opt("--server").value_or(kDefaultServer);
  ConnectOptions co;
  co.verify_tls = p_.flags.count("--insecure") == 0;
  if (auto t = opt("--timeout")) {
    auto secs = to_int(*t, 1, 3600);
    if (!secs) return fail(ErrorCode::local, "--timeout must be 1 … 3600 seconds");
    co.session.call_timeout = std::chrono::seconds(*secs);
    co.connect_timeout = std::chrono::seconds(*secs);
  }
  if (auto d = opt("--dialect")) {
    auto choice = parse_dialect_choice(*d);
    if (!choice) return fail(ErrorCode::local, "--dialect must be document, deployed or auto");
    co.session.dialect = *choice;
  }
  if (login) {
    const std::string dir = opt("--profile").value_or(env_.default_profile);
    auto id = Profile(dir).load();
    if (!id) return Unexpected<Error>{id.error()};
    id_ = std::move(*id);
  }
  auto s = env_.connect ? env_.connect(url, co) : Session::connect(url, *env_.rng, co);
  if (!s) return Unexpected<Error>{s.error()};
  s_ = std::move(*s);
  // The dialect is settled first, so that every command reads and sends in one dialect.
  if (auto d = s_->detect_dialect(); !d) return Unexpected<Error>{d.error()};
  if (login) return log_in();
  return {};
}

Result<void> Runner::log_in() {
  {
    // X3DH invitations are processed whatever the command, so that none is lost (EV-DM-014);
    // `watch` prints them (and everything else) from the start.
    if (std::string_view(spec_.path) == "watch") {
      install_printers();
    } else {
      Handlers h;
      h.on_dm_joined = [this](const DmJoined& j) {
        joined_.push_back(j);
        if (j.error)
          *env_.err << "warning: DM " << j.dm_id << " from " << j.sender << ": "
                    << describe(*j.error) << "\n";
      };
      s_->set_handlers(h);
    }
    if (auto r = s_->login(*id_); !r) return r;
    // Invitations already delivered (a server without grace period) are handled before acting.
    s_->process_notifications(0ms);
    if (s_->dialect().deployed()) {
      // §12 #10: the deployed server sends pending invitations 5 s after login and loses them
      // if this connection closes earlier: stay while a DM of ours has no key (7 s at most).
      auto left = s_->await_invitations(
          7s, [this] { return !(env_.stop_requested && env_.stop_requested()); });
      if (!left) return Unexpected<Error>{left.error()};
    }
  }
  return {};
}

int Runner::print_messages(const std::vector<ReadMessage>& ms) {
  bool bad = false;
  if (json_) {
    Json j;
    j.w().StartArray();
    for (const auto& m : ms) j.message(m);
    j.w().EndArray();
    result("messages", j.text());
  }
  for (const auto& m : ms) {
    if (!json_) out() << human_message(m) << "\n";
    bad = bad || any_failed(m);
  }
  if (bad) *env_.err << "warning: some content failed verification (shown as <status>)\n";
  return bad ? kExitCrypto : kExitOk;
}

void Runner::install_printers() {
  auto line = [this](const std::string& event, const std::function<void(Json&)>& body,
                     const std::string& human) {
    if (json_) {
      Json j;
      j.w().StartObject();
      j.key("event");
      j.str(event);
      body(j);
      j.w().EndObject();
      out() << j.text() << std::endl;
    } else {
      out() << human << std::endl;
    }
  };
  Handlers h;
  h.on_message = [=](const ReadMessage& m) {
    line(
        "message",
        [&](Json& j) {
          j.key("message");
          j.message(m);
        },
        "message in DM " + std::to_string(m.raw.dm_id) + " " + human_message(m));
  };
  h.on_message_change = [=](const ReadMessage& m) {
    line(
        "message_change",
        [&](Json& j) {
          j.key("message");
          j.message(m);
        },
        "changed in DM " + std::to_string(m.raw.dm_id) + " " + human_message(m));
  };
  h.on_message_deleted = [=](std::int64_t id) {
    line(
        "message_delete",
        [&](Json& j) {
          j.key("id");
          j.w().Int64(id);
        },
        "message #" + std::to_string(id) + " self-destructed");
  };
  h.on_dm_joined = [=](const DmJoined& d) {
    line(
        "dm_joined", [&](Json& j) { write_dm_joined_fields(j, d); },
        d.error ? "refused DM " + std::to_string(d.dm_id) + " from " + d.sender + ": " +
                      describe(*d.error)
                : "joined DM " + std::to_string(d.dm_id) + " created by " + d.sender);
  };
  h.on_dm = [=](const Dm& d) {
    line(
        "dm",
        [&](Json& j) {
          j.key("dm");
          j.w().StartObject();
          j.dm(d);
          j.w().EndObject();
        },
        "DM " + std::to_string(d.id) + " changed: name " + d.name.value_or("(none)") + ", " +
            std::to_string(d.users.size()) + " members, " + std::to_string(d.users_in_call.size()) +
            " in call");
  };
  h.on_profile = [=](const User& u) {
    line(
        "profile",
        [&](Json& j) {
          j.key("user");
          j.user(u);
        },
        "profile of " + u.username + ": " + u.status);
  };
  h.on_typing = [=](const TypingNotice& t) {
    line(
        "typing",
        [&](Json& j) {
          j.key("dm_id");
          j.w().Int64(t.id);
          j.key("username");
          j.str(t.username);
        },
        t.username + " is typing in DM " + std::to_string(t.id));
  };
  auto sched = [=](const char* ev, const char* what) {
    return [=](const ScheduleNotice& s) {
      line(
          ev,
          [&](Json& j) {
            j.key("dm_id");
            j.w().Int64(s.dm_id);
            j.key("schedule_id");
            j.w().Int64(s.schedule_id);
          },
          std::string("scheduled message ") + std::to_string(s.schedule_id) + " in DM " +
              std::to_string(s.dm_id) + " " + what);
    };
  };
  h.on_scheduled_sent = sched("scheduled_sent", "was sent");
  h.on_scheduled_soon = sched("scheduled_soon", "is sent in one minute");
  h.on_friend_request = [=](const std::string& u) {
    line(
        "friend_request",
        [&](Json& j) {
          j.key("username");
          j.str(u);
        },
        u + " sent you a friend request");
  };
  h.on_friend_answer = [=](const FriendAnswer& f) {
    line(
        "friend_answer",
        [&](Json& j) {
          j.key("username");
          j.str(f.username);
          j.key("accept");
          j.w().Bool(f.accept);
        },
        f.username + (f.accept ? " accepted" : " rejected") + " your friend request");
  };
  h.on_unfriend = [=](const std::string& u) {
    line(
        "unfriend",
        [&](Json& j) {
          j.key("username");
          j.str(u);
        },
        "you and " + u + " are no longer friends");
  };
  h.on_call_joined = [=](const CallNotice& c) {
    line(
        "call_joined",
        [&](Json& j) {
          j.key("dm_id");
          j.w().Int64(c.id);
          j.key("username");
          j.str(c.username);
        },
        c.username + " joined the call of DM " + std::to_string(c.id));
  };
  h.on_call_left = [=](const CallNotice& c) {
    line(
        "call_left",
        [&](Json& j) {
          j.key("dm_id");
          j.w().Int64(c.id);
          j.key("username");
          j.str(c.username);
        },
        c.username + " left the call of DM " + std::to_string(c.id));
  };
  h.on_malformed = [=](const MalformedNotification& m) {
    line(
        "malformed",
        [&](Json& j) {
          j.key("name");
          j.str(m.name);
          j.key("detail");
          j.str(m.detail);
        },
        "unreadable notification " + m.name + ": " + m.detail);
  };
  s_->set_handlers(h);
}

int Runner::watch(std::chrono::milliseconds duration) {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (true) {
    if (env_.stop_requested && env_.stop_requested()) break;
    const auto now = std::chrono::steady_clock::now();
    if (duration.count() > 0 && now >= until) break;
    auto slice = 200ms;
    if (duration.count() > 0)
      slice = std::min(slice, std::chrono::duration_cast<std::chrono::milliseconds>(until - now));
    s_->process_notifications(slice);
    report_warnings();
    if (s_->disconnected()) {
      s_->process_notifications(0ms);
      return error(
          s_->last_disconnect().value_or(Error{ErrorCode::transport, "connection closed"}));
    }
  }
  return kExitOk;
}

int Runner::run() {
  const std::string path = spec_.path;
  int code = kExitOk;
  if (path == "key show") {
    code = key_show();  // local only: no connection
  } else if (auto r = open(path != "register" && path != "import"); !r) {
    code = error(r.error());
  } else {
    code = dispatch();
  }
  if (s_ && s_->logged_in() && path != "watch" && !s_->disconnected()) {
    // Handle invitations that arrived meanwhile before the connection closes.
    s_->process_notifications(0ms);
  }
  report_warnings();
  if (json_ && path != "watch") finish();
  return code;
}

int Runner::key_show() {
  const std::string dir = opt("--profile").value_or(env_.default_profile);
  auto id = Profile(dir).load();
  if (!id) return error(id.error());
  const std::string pub =
      to_hex(std::span<const std::uint8_t>(crypto::public_key(id->private_key)));
  const bool phrase = p_.flags.count("--phrase") > 0;
  if (json_) {
    result("username", json_string(id->username));
    result("public_key", json_string(pub));
    if (phrase) result("phrase", json_string(recovery_phrase(*id)));
    return kExitOk;
  }
  out() << "username   " << id->username << "\npublic key " << pub << "\nkey file   "
        << Profile(dir).key_file().string() << "\n";
  if (phrase) {
    *env_.err << "warning: the recovery phrase is your identity key; whoever reads it is you\n";
    out() << recovery_phrase(*id) << "\n";
  }
  return kExitOk;
}

int Runner::dispatch() {
  const std::string path = spec_.path;
  Session& s = *s_;
  if (path == "import") {
    if (p_.flags.count("--phrase") == 0) return usage("give --phrase (the 24-word phrase)");
    const std::string dir = opt("--profile").value_or(env_.default_profile);
    Profile profile(dir);
    if (profile.exists())
      return error(Error{ErrorCode::local, "profile " + dir + " already holds an identity"});
    std::string phrase;
    for (std::size_t i = 1; i < p_.pos.size(); ++i) phrase += (i > 1 ? " " : "") + p_.pos[i];
    if (phrase.empty() && env_.in != nullptr) std::getline(*env_.in, phrase);
    auto id = identity_from_phrase(arg(0), phrase);
    if (!id) return error(id.error());
    id_ = *id;
    // Logging in proves that the phrase is this account's key (the server's public key must
    // match) and recovers the SPK and every DM key from own_storage (CR-STORE-001).
    if (auto r = log_in(); !r) return error(r.error());
    if (auto saved = profile.save(*id); !saved) return error(saved.error());
    if (json_) {
      result("username", json_string(id->username));
      result_id("dm_keys", static_cast<std::int64_t>(s.keys().dm_ids().size()));
      return kExitOk;
    }
    out() << "imported " << id->username << " (" << s.keys().dm_ids().size()
          << " DM keys recovered); identity key saved in " << profile.key_file().string() << "\n";
    return kExitOk;
  }
  if (path == "register") {
    const std::string dir = opt("--profile").value_or(env_.default_profile);
    Profile profile(dir);
    // Refuse before registering: an identity that cannot be saved would be lost for good.
    if (profile.exists())
      return error(Error{ErrorCode::local, "profile " + dir + " already holds an identity"});
    auto id = s.register_account(arg(0));
    if (!id) return error(id.error());
    if (auto saved = profile.save(*id); !saved) return error(saved.error());
    return done("registered " + arg(0) + "; identity key saved in " + profile.key_file().string());
  }
  if (path == "watch") {
    std::chrono::milliseconds duration{0};
    if (auto v = opt("--duration")) {
      auto n = to_int(*v, 1, 86'400 * 365);
      if (!n) return usage("--duration must be a positive number of seconds");
      duration = std::chrono::seconds(*n);
    }
    if (s.dialect().deployed()) {
      // §12 #7: call joins and leaves are read from users_in_call changes, so start from the
      // current calls.
      auto ids = s.get_dms();
      if (!ids) return error(ids.error());
      for (std::int64_t dm : *ids)
        if (auto d = s.get_dm(dm); !d) return error(d.error());
    }
    return watch(duration);
  }
  if (path == "login") {
    std::int64_t wait = 0;
    if (auto w = opt("--wait")) {
      auto v = to_int(*w, 0, 3600);
      if (!v) return usage("--wait must be 0 … 3600 seconds");
      wait = *v;
    }
    if (wait > 0) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(wait);
      while (std::chrono::steady_clock::now() < until && !s.disconnected() &&
             !(env_.stop_requested && env_.stop_requested()))
        s.process_notifications(200ms);
    }
    s.process_notifications(0ms);
    if (json_) {
      Json j;
      j.w().StartArray();
      for (const auto& d : joined_) {
        j.w().StartObject();
        write_dm_joined_fields(j, d);
        j.w().EndObject();
      }
      j.w().EndArray();
      result("username", json_string(s.username()));
      result_id("dm_keys", static_cast<std::int64_t>(s.keys().dm_ids().size()));
      result("joined", j.text());
      return kExitOk;
    }
    out() << "logged in as " << s.username() << " (" << s.keys().dm_ids().size() << " DM keys)\n";
    for (const auto& d : joined_) {
      if (d.error) {
        out() << "refused DM " << d.dm_id << " from " << d.sender << ": " << describe(*d.error)
              << "\n";
      } else {
        out() << "joined DM " << d.dm_id << " created by " << d.sender << "\n";
      }
    }
    if (joined_.empty()) out() << "no DM joined\n";
    return kExitOk;
  }
  if (path == "whoami" || path == "user") {
    auto u = path == "whoami" ? s.get_full_user() : s.get_user(arg(0));
    if (!u) return error(u.error());
    if (json_) {
      Json j;
      j.user(*u);
      result("user", j.text());
    } else {
      out() << u->username << " (" << u->status << ")\n  public key " << u->public_key
            << "\n  biography: " << u->biography << "\n  picture: " << u->profile_picture << "\n";
      if (path == "whoami") out() << "  DM keys held: " << s.keys().dm_ids().size() << "\n";
    }
    return kExitOk;
  }
  if (path == "users") {
    auto l = s.get_user_list();
    if (!l) return error(l.error());
    if (json_) {
      Json j;
      j.w().StartArray();
      for (const auto& u : *l) j.user(u);
      j.w().EndArray();
      result("users", j.text());
    } else {
      for (const auto& u : *l) out() << u.username << " (" << u.status << ")\n";
    }
    return kExitOk;
  }
  if (path == "profile") {
    UserChanges c{opt("--status"), opt("--bio"), opt("--picture")};
    if (!c.status && !c.biography && !c.profile_picture)
      return usage("give at least one of --status, --bio, --picture");
    return check(s.set_user(c), "profile updated");
  }
  if (path == "friend add")
    return check(s.send_friend_request(arg(0)), "friend request sent to " + arg(0));
  if (path == "friend accept")
    return check(s.ack_friend_request(arg(0), true), "you and " + arg(0) + " are friends");
  if (path == "friend reject")
    return check(s.ack_friend_request(arg(0), false), "rejected " + arg(0));
  if (path == "friend remove") return check(s.unfriend(arg(0)), "unfriended " + arg(0));
  if (path == "block") return check(s.block_user(arg(0)), "blocked " + arg(0));
  if (path == "unblock") return check(s.unblock(arg(0)), "unblocked " + arg(0));
  if (path == "friend list" || path == "blocked") {
    std::vector<std::pair<const char*, Result<std::vector<std::string>>>> lists;
    if (path == "blocked") {
      lists.emplace_back("blocked", s.get_blocked());
    } else {
      lists.emplace_back("friends", s.get_friends());
      lists.emplace_back("incoming", s.get_friend_requests());
      lists.emplace_back("outgoing", s.get_outgoing_requests());
    }
    for (auto& [name, r] : lists)
      if (!r) return error(r.error());
    if (json_) {
      for (auto& [name, r] : lists) {
        Json j;
        j.strings(*r);
        result(name, j.text());
      }
    } else {
      for (auto& [name, r] : lists) {
        out() << name << ":";
        for (const auto& u : *r) out() << " " << u;
        out() << "\n";
      }
    }
    return kExitOk;
  }
  if (path == "dm create") {
    const std::vector<std::string>& users = p_.pos;
    auto id = s.create_dm(users);
    if (!id) return error(id.error());
    if (json_) {
      result_id("id", *id);
    } else {
      out() << "created DM " << *id << "\n";
    }
    return kExitOk;
  }
  if (path == "dm list") {
    auto ids = s.get_dms();
    if (!ids) return error(ids.error());
    Json j;
    j.w().StartArray();
    for (std::int64_t id : *ids) {
      auto d = s.get_dm(id);
      if (!d) return error(d.error());
      if (json_) {
        j.w().StartObject();
        j.dm(d->dm);
        j.key("have_key");
        j.w().Bool(s.keys().dm_key(id) != nullptr);
        j.w().EndObject();
      } else {
        out() << id << "  " << d->dm.name.value_or("(unnamed)") << "  [";
        for (std::size_t i = 0; i < d->dm.users.size(); ++i)
          out() << (i ? ", " : "") << d->dm.users[i];
        out() << "]" << (s.keys().dm_key(id) ? "" : "  (no key yet)") << "\n";
      }
    }
    j.w().EndArray();
    if (json_) result("dms", j.text());
    return kExitOk;
  }
  // Commands below take a DM or message id as first argument.
  auto first = id_arg(0);
  if (!first) return usage("'" + arg(0) + "' is not an id (a positive integer)");
  const std::int64_t id = *first;
  if (path == "dm show") {
    auto d = s.get_dm(id);
    if (!d) return error(d.error());
    bool bad = false;
    if (json_) {
      Json j;
      j.w().StartObject();
      j.dm(d->dm);
      j.key("latest_message");
      if (d->latest_message) {
        j.message(*d->latest_message);
      } else {
        j.w().Null();
      }
      j.key("scheduled");
      j.w().StartArray();
      for (const auto& e : d->scheduled) {
        j.w().StartObject();
        j.key("schedule_id");
        j.w().Int64(e.raw.schedule_id);
        j.key("timestamp");
        j.str(e.raw.timestamp);
        j.content(e.status, e.text);
        j.w().EndObject();
      }
      j.w().EndArray();
      j.w().EndObject();
      result("dm", j.text());
    } else {
      out() << "DM " << id << " " << d->dm.name.value_or("(unnamed)") << ", created "
            << d->dm.created_at << "\n  members:";
      for (const auto& u : d->dm.users) out() << " " << u;
      out() << "\n  in call:";
      for (const auto& u : d->dm.users_in_call) out() << " " << u;
      out() << "\n";
      if (d->latest_message) out() << "  latest: " << human_message(*d->latest_message) << "\n";
      for (const auto& e : d->scheduled)
        out() << "  scheduled " << e.raw.schedule_id << " at " << e.raw.timestamp << ": "
              << status_text(e.status, e.text) << "\n";
    }
    if (d->latest_message) bad = any_failed(*d->latest_message);
    for (const auto& e : d->scheduled) bad = bad || failed_verification(e.status);
    return bad ? kExitCrypto : kExitOk;
  }
  if (path == "dm leave") return check(s.leave_dm(id), "left DM " + arg(0));
  if (path == "dm rename") {
    const bool clear = p_.flags.count("--clear") > 0;
    if (clear == (p_.pos.size() == 2)) return usage("give either NAME or --clear");
    std::optional<std::string> name;
    if (!clear) name = p_.pos[1];
    return check(s.set_dm_name(id, name),
                 clear ? "cleared the name of DM " + arg(0) : "renamed DM " + arg(0));
  }
  if (path == "send") {
    std::int64_t schedule = 0, del = 0;
    constexpr std::int64_t kYear = 31'536'000;  // EV-TRN-016
    if (auto v = opt("--schedule")) {
      auto n = to_int(*v, 0, kYear);
      if (!n) return usage("--schedule must be 0 … 31536000 seconds");
      schedule = *n;
    }
    if (auto v = opt("--delete")) {
      auto n = to_int(*v, 0, kYear);
      if (!n) return usage("--delete must be 0 … 31536000 seconds");
      del = *n;
    }
    return check(s.send_message(id, arg(1), schedule, del), schedule ? "scheduled" : "sent");
  }
  if (path == "cancel") {
    auto sid = id_arg(1);
    if (!sid) return usage("SCHEDULE_ID must be a positive integer");
    return check(s.cancel_scheduled_message(id, *sid), "cancelled");
  }
  if (path == "history") {
    std::int64_t count = 20;
    if (auto v = opt("--count")) {
      auto n = to_int(*v, 0, 100);
      if (!n) return usage("--count must be 0 … 100");
      count = *n;
    }
    auto h = s.get_message_history(id, opt("--before").value_or(""), count);
    if (!h) return error(h.error());
    return print_messages(*h);
  }
  if (path == "pinned") {
    auto h = s.get_pinned(id);
    if (!h) return error(h.error());
    return print_messages(*h);
  }
  if (path == "pin") {
    const bool off = p_.flags.count("--off") > 0;
    return check(s.set_pinned(id, !off), off ? "unpinned" : "pinned");
  }
  if (path == "edit") return check(s.edit_message(id, arg(1)), "edited");
  if (path == "react") {
    auto r = s.add_reaction(id, arg(1));
    if (!r) return error(r.error());
    if (json_) {
      result_id("id", *r);
    } else {
      out() << "reaction " << *r << " added\n";
    }
    wait_for_reaction_notice();
    return kExitOk;
  }
  if (path == "unreact") return check(s.remove_reaction(id), "reaction removed");
  if (path == "typing") return check(s.ping_typing(id), "");
  if (path == "call join") {
    auto r = s.join_call(id, arg(1));
    if (!r) return error(r.error());
    if (json_) {
      Json j;
      j.w().StartObject();
      for (const auto& [u, uuid] : *r) {
        j.key(u.c_str());
        j.str(uuid);
      }
      j.w().EndObject();
      result("call", j.text());
    } else {
      for (const auto& [u, uuid] : *r) out() << u << " " << uuid << "\n";
    }
    if (auto v = opt("--stay")) {
      // The call ends with this connection (EV-CALL-010), so staying is how a command-line user
      // is in a call at all; it is left explicitly at the end (EV-CALL-004).
      auto n = to_int(*v, 1, 86'400);
      if (!n) return usage("--stay must be 1 … 86400 seconds");
      if (!json_) install_printers();
      if (s.dialect().deployed()) {
        // §12 #7: joins and leaves are read from users_in_call; start from the current call.
        if (auto d = s.get_dm(id); !d) return error(d.error());
      }
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(*n);
      while (std::chrono::steady_clock::now() < until && !s.disconnected() &&
             !(env_.stop_requested && env_.stop_requested())) {
        s.process_notifications(200ms);
        report_warnings();
      }
      if (auto left = s.leave_call(id); !left) return error(left.error());
      if (json_) {
        result("left", "true");
      } else {
        out() << "left the call\n";
      }
    }
    return kExitOk;
  }
  if (path == "call leave") return check(s.leave_call(id), "left the call");
  return usage("unknown command");
}

}  // namespace

int run_cli(const std::vector<std::string>& args, CliEnv& env) {
  // First pass: find the command (and whether help or the version is asked for).
  Parsed scanned;
  const cli::Parser scan = scan_parser(scanned);
  const auto outcome = scan.parse(args);
  auto usage_error = [&env](std::string_view program, std::string_view why) {
    *env.err << cli::usage_line(program, why) << "\n";
    return kExitUsage;
  };
  if (!outcome || *outcome == cli::Parsed::version) {
    return *cli::finish(scan, outcome, *env.out, *env.err);
  }
  const bool help = *outcome == cli::Parsed::help;
  const auto& pos = scanned.pos;
  if (pos.empty()) {
    if (help) {
      *env.out << main_help();
      return kExitOk;
    }
    return usage_error(kProgram, "no command given");
  }
  std::string path = pos[0];
  std::size_t consumed = 1;
  if (kGroups.count(path)) {
    if (pos.size() < 2) {
      if (help) {
        *env.out << group_help(path);
        return kExitOk;
      }
      return usage_error(cli::cat(kProgram, " ", path), "no subcommand given");
    }
    path += ' ';
    path += pos[1];
    consumed = 2;
  }
  const CommandSpec* spec = nullptr;
  for (const auto& c : commands())
    if (path == c.path) spec = &c;
  if (spec == nullptr) {
    const std::string program = kGroups.count(pos[0]) ? cli::cat(kProgram, " ", pos[0]) : kProgram;
    return usage_error(program, cli::cat("unknown command '", path, "'"));
  }
  // Second pass: the command's own parser (its options and the global ones).
  Parsed p;
  const cli::Parser parser = command_parser(*spec, p);
  if (help) {
    *env.out << parser.help();
    return kExitOk;
  }
  std::set<std::string> given;
  for (const auto& [name, v] : scanned.opts) given.insert(name);
  given.insert(scanned.flags.begin(), scanned.flags.end());
  for (const auto& name : given) {
    bool applies = false;
    for (const auto& o : spec->options) applies = applies || name == o.name;
    for (const char* g : kGlobalOptions) applies = applies || name == g;
    if (!applies) {
      return usage_error(parser.program(), cli::cat(name, " does not apply to '", path, "'"));
    }
  }
  const auto parsed = parser.parse(args);
  if (const auto code = cli::finish(parser, parsed, *env.out, *env.err)) return *code;
  const std::size_t n = p.pos.size() - consumed;
  if (n < spec->min_pos || n > spec->max_pos) {
    return usage_error(parser.program(), "wrong number of arguments");
  }
  // Positional arguments of the command start at index 0 for Runner::arg().
  p.pos.erase(p.pos.begin(), p.pos.begin() + static_cast<long>(consumed));
  Runner r(env, p, *spec);
  return r.run();
}

}  // namespace unm::client
