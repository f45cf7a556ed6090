// cli.h — the command-line client `unmanageable-client`, as a function so that tests can run
// every subcommand in-process (against a fake or a real server) and the executable stays a
// thin main().
//
// Every invocation is one session: load the profile, connect, log in, act, handle whatever
// notifications arrived (so X3DH invitations are never left unprocessed), exit. Exit codes are
// documented in docs/client.md and by `--help`.
#pragma once

#include <chrono>
#include <functional>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "reference/client/session.h"

namespace unm::client {

// ExitCode is the process exit status of unmanageable-client.
enum ExitCode : int {
  kExitOk = 0,         // success
  kExitRefused = 1,    // the server refused the request (its reason is printed)
  kExitUsage = 2,      // bad command line
  kExitTransport = 3,  // could not connect, connection lost, or no answer in time
  kExitCrypto = 4,     // a signature, key or ciphertext did not verify
  kExitLocal = 5,      // local state: missing/unsafe profile, no key for that DM
  kExitProtocol = 6,   // the server's answer violates the protocol
};

// exit_code_for maps a library error to the CLI exit code.
int exit_code_for(const Error& e);

// Connector opens a session to `url` (tests substitute an in-process server).
using Connector = std::function<Result<std::unique_ptr<Session>>(const std::string& url,
                                                                 const ConnectOptions& options)>;

// CliEnv is what run_cli needs from its surroundings.
struct CliEnv {
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  std::istream* in = nullptr;  // `import --phrase` reads the phrase here when not given as words
  crypto::Random* rng = nullptr;
  Connector connect;                     // empty: Session::connect
  std::function<bool()> stop_requested;  // `watch` ends when this returns true (SIGINT)
  std::string default_profile;           // used when --profile is not given
};

// run_cli runs one command line (without the program name) and returns its exit code.
int run_cli(const std::vector<std::string>& args, CliEnv& env);

}  // namespace unm::client
