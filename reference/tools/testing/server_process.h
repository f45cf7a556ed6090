// server_process.h — test support: runs the `unmanageable-server` executable (or a build of it
// that takes the same flags) as a child process on 127.0.0.1 port 0, learns its URL from the
// "listening on URL" start-up line, and makes sure it is gone when the test ends.
// POSIX only (posix_spawn, poll, waitpid); shared by the executable's own test, the client
// end-to-end test and the load tool's end-to-end test.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace unm::tools::testing {

// ServerProcessOptions says what to run and how to stop it when the ServerProcess is destroyed.
struct ServerProcessOptions {
  // executable is the path of the server program (run as is, no PATH search).
  std::string executable;
  // db is passed as `--db`; the caller creates its directory.
  std::filesystem::path db;
  // flags follow `--listen 127.0.0.1:0 --db DB` on the command line, in this order.
  std::vector<std::string> flags;
  // stderr_log, when set, receives the server's stderr (created or truncated, mode 0600);
  // otherwise stderr is the test's own.
  std::optional<std::filesystem::path> stderr_log;
  // startup_timeout bounds the wait for the "listening on URL" line.
  std::chrono::milliseconds startup_timeout{std::chrono::seconds(20)};
  // stop_signal is sent by the destructor when the server still runs; after stop_grace without
  // an exit, SIGKILL follows. The default is an immediate SIGKILL.
  int stop_signal = SIGKILL;
  std::chrono::milliseconds stop_grace{std::chrono::seconds(5)};
};

// StartError says why a ServerProcess has no URL.
enum class StartError {
  pipe_failed,   // no pipe for the server's stdout
  spawn_failed,  // posix_spawn failed (no such executable, stderr log not openable, ...)
  exited,        // stdout closed (the server ended) before the start-up line
  timed_out,     // no start-up line within startup_timeout
};

// start_error_name is a stable short text for `e`.
std::string_view start_error_name(StartError e);

// ServerProcess is one running server. The constructor spawns it and waits (bounded) for its
// start-up line; url() is empty when that failed (see start_error()). The destructor stops a
// server that still runs (ServerProcessOptions::stop_signal, then SIGKILL) and reaps it, so no
// test leaves a process behind. Not copyable or movable: it owns a child process.
class ServerProcess {
 public:
  // kNoExitCode is what stop() returns for a server that ended by a signal or had to be killed.
  static constexpr int kNoExitCode = -1;

  explicit ServerProcess(ServerProcessOptions options);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // url is the server's base URL, e.g. "http://127.0.0.1:40123"; empty if it did not start.
  const std::string& url() const { return url_; }
  // start_error is why url() is empty; nullopt once the server has announced its URL.
  std::optional<StartError> start_error() const { return start_error_; }
  // pid is the child's process id, or -1 once it has been reaped (or was never spawned).
  pid_t pid() const { return pid_; }
  // running reports whether the child has not ended yet; a child found ended is reaped here,
  // and its exit code is kept for stop().
  bool running();
  // kill9 sends SIGKILL and waits for the child to end (crash simulation); no-op when it is
  // not running.
  void kill9();
  // stop sends `signal`, waits up to `limit` for the child to end and returns its exit code, or
  // kNoExitCode when it ended by a signal or did not end within `limit` (it is then killed with
  // SIGKILL). On a child that already ended, stop returns how it ended and sends nothing.
  // The reference server installs its SIGTERM handler just after printing its URL: for a
  // graceful stop, let it answer one request first (a signal earlier ends it without exit code).
  int stop(int signal, std::chrono::milliseconds limit);

 private:
  void wait_for_url(std::chrono::milliseconds timeout);
  // reaped records a waitpid status and forgets the pid.
  void reaped(int status);

  pid_t pid_ = -1;
  int out_ = -1;  // read end of the server's stdout; kept open so its writes never hit EPIPE
  int exit_code_ = kNoExitCode;
  std::string url_;
  std::optional<StartError> start_error_;
  int stop_signal_;
  std::chrono::milliseconds stop_grace_;
};

}  // namespace unm::tools::testing
