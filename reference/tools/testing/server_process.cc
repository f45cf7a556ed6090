// server_process.cc — spawning, start-up line and stopping of ServerProcess.
#include "reference/tools/testing/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <thread>
#include <utility>

extern char** environ;

namespace unm::tools::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kListening = "listening on ";

// FileActions owns a posix_spawn_file_actions_t for the duration of one spawn.
class FileActions {
 public:
  FileActions() { ok_ = posix_spawn_file_actions_init(&fa_) == 0; }
  ~FileActions() {
    if (ok_) posix_spawn_file_actions_destroy(&fa_);
  }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  bool ok() const { return ok_; }
  posix_spawn_file_actions_t* get() { return &fa_; }

 private:
  posix_spawn_file_actions_t fa_{};
  bool ok_ = false;
};

// exit_code_of turns a waitpid status into an exit code, or kNoExitCode for a signal death.
int exit_code_of(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : ServerProcess::kNoExitCode;
}

}  // namespace

std::string_view start_error_name(StartError e) {
  switch (e) {
    case StartError::pipe_failed:
      return "pipe_failed";
    case StartError::spawn_failed:
      return "spawn_failed";
    case StartError::exited:
      return "exited";
    case StartError::timed_out:
      return "timed_out";
  }
  return "unknown";
}

ServerProcess::ServerProcess(ServerProcessOptions options)
    : stop_signal_(options.stop_signal), stop_grace_(options.stop_grace) {
  int fds[2];
  // Close-on-exec on both ends: only the server gets the write end (as its stdout, through
  // dup2, which clears the flag), and no other child a test spawns inherits either end.
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    start_error_ = StartError::pipe_failed;
    return;
  }
  out_ = fds[0];
  std::vector<std::string> args{options.executable, "--listen", "127.0.0.1:0", "--db",
                                options.db.string()};
  args.insert(args.end(), options.flags.begin(), options.flags.end());
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = options.stderr_log ? options.stderr_log->string() : std::string();
  int rc = -1;
  {
    FileActions fa;
    if (fa.ok() && posix_spawn_file_actions_adddup2(fa.get(), fds[1], 1) == 0 &&
        (log.empty() || posix_spawn_file_actions_addopen(
                            fa.get(), 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600) == 0)) {
      rc = posix_spawn(&pid_, args[0].c_str(), fa.get(), nullptr, argv.data(), environ);
    }
  }
  // The parent's copy of the write end must go, or EOF would never be seen if the server dies.
  ::close(fds[1]);
  if (rc != 0) {
    pid_ = -1;
    start_error_ = StartError::spawn_failed;
    return;
  }
  wait_for_url(options.startup_timeout);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    if (stop_signal_ == SIGKILL) {
      kill9();
    } else {
      stop(stop_signal_, stop_grace_);
    }
  }
  if (out_ >= 0) ::close(out_);
}

void ServerProcess::wait_for_url(std::chrono::milliseconds timeout) {
  std::string buf;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) {
      start_error_ = StartError::timed_out;
      return;
    }
    pollfd p{out_, POLLIN, 0};
    // Wake at least every 200 ms so the deadline is checked even if poll is interrupted often.
    const int r = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 200)));
    if (r < 0 && errno != EINTR) {
      start_error_ = StartError::exited;
      return;
    }
    if (r <= 0) continue;
    char chunk[256];
    const auto n = ::read(out_, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      start_error_ = StartError::exited;
      return;
    }
    buf.append(chunk, static_cast<std::size_t>(n));
    // The line may arrive in pieces: wait until its end is there too.
    const auto pos = buf.find(kListening);
    if (pos == std::string::npos) continue;
    const auto eol = buf.find('\n', pos);
    if (eol == std::string::npos) continue;
    url_ = buf.substr(pos + kListening.size(), eol - pos - kListening.size());
    if (!url_.empty() && url_.back() == '\r') url_.pop_back();
    if (url_.empty()) {
      start_error_ = StartError::exited;
      return;
    }
    start_error_.reset();
    return;
  }
}

void ServerProcess::reaped(int status) {
  exit_code_ = exit_code_of(status);
  pid_ = -1;
}

bool ServerProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  if (r == pid_) {
    reaped(status);
  } else {
    // ECHILD: nothing left to wait for, so it is not running.
    pid_ = -1;
  }
  return false;
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  pid_t r = -1;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    reaped(status);
  } else {
    pid_ = -1;
  }
}

int ServerProcess::stop(int signal, std::chrono::milliseconds limit) {
  if (!running()) return exit_code_;
  ::kill(pid_, signal);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (!running()) return exit_code_;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(20ms);
  }
  kill9();
  return kNoExitCode;
}

}  // namespace unm::tools::testing
