// server_process_test.cc — ServerProcess against the real `unmanageable-server` (start-up line,
// graceful and kill -9 stops, destructor policies, stderr log, extra flags) and against small
// shell scripts that stand in for a server which never starts, ends early, ignores SIGTERM or
// prints other lines before its URL.
#include "reference/tools/testing/server_process.h"
#include "reference/tools/testing/temp_dir.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using unm::tools::testing::ServerProcess;
using unm::tools::testing::ServerProcessOptions;
using unm::tools::testing::start_error_name;
using unm::tools::testing::StartError;
using unm::tools::testing::TempDir;

std::string read_file(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// write_script writes an executable /bin/sh script with `body` and returns its path.
fs::path write_script(const fs::path& dir, const std::string& name, const std::string& body) {
  const fs::path p = dir / name;
  {
    std::ofstream f(p);
    f << "#!/bin/sh\n" << body << "\n";
  }
  fs::permissions(p, fs::perms::owner_all);
  return p;
}

ServerProcessOptions server_options(const fs::path& dir) {
  ServerProcessOptions o;
  o.executable = UNM_SERVER_EXE;
  o.db = dir / "chat.db";
  o.flags = {"--log-level", "info", "--x3dh-delay-ms", "0"};
  o.stderr_log = dir / "server.log";
  return o;
}

// port_of is the port of a "scheme://host:port" URL, or 0.
int port_of(const std::string& url) {
  const auto colon = url.rfind(':');
  if (colon == std::string::npos) return 0;
  try {
    return std::stoi(url.substr(colon + 1));
  } catch (const std::exception&) {
    return 0;
  }
}

// answers_http reports whether the server on 127.0.0.1:port answers an HTTP request (an
// Engine.IO polling handshake) within 10 s. An answer means its event loop runs, and so its
// SIGTERM handler is installed: the reference server prints its URL a moment before that.
bool answers_http(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  timeval tv{};
  tv.tv_sec = 10;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  if (ok) {
    const std::string req =
        "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Connection: close\r\n\r\n";
    ok = ::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size());
  }
  char c[64];
  ok = ok && ::recv(fd, c, sizeof c, 0) > 0;
  ::close(fd);
  return ok;
}

// gone reports whether no process (not even a zombie) has id `pid`.
bool gone(pid_t pid) {
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

TEST(ServerProcess, StartsOnAPortTheOsChoseAndStopsGracefullyWithExitCodeZero) {
  TempDir dir("unm-server-process");
  ServerProcess server(server_options(dir.path()));
  ASSERT_EQ(server.url().rfind("http://127.0.0.1:", 0), 0u) << server.url();
  EXPECT_FALSE(server.start_error().has_value());
  const int port = port_of(server.url());
  ASSERT_GT(port, 0);
  ASSERT_TRUE(answers_http(port));
  const pid_t pid = server.pid();
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(server.running());
  EXPECT_TRUE(fs::exists(dir.path() / "chat.db"));  // --db was passed
  EXPECT_EQ(server.stop(SIGTERM, 10s), 0);
  EXPECT_FALSE(server.running());
  EXPECT_EQ(server.pid(), -1);
  EXPECT_TRUE(gone(pid));
  // Stopping again reports the same ending without signalling anything.
  EXPECT_EQ(server.stop(SIGTERM, 1s), 0);
  // The flags were passed: info level logs the graceful shutdown on stderr, into the log file.
  const std::string log = read_file(dir.path() / "server.log");
  EXPECT_NE(log.find("stopped"), std::string::npos) << log;
}

TEST(ServerProcess, Kill9EndsTheServerWithoutAnExitCode) {
  TempDir dir("unm-server-process");
  ServerProcess server(server_options(dir.path()));
  ASSERT_FALSE(server.url().empty());
  const pid_t pid = server.pid();
  server.kill9();
  EXPECT_FALSE(server.running());
  EXPECT_TRUE(gone(pid));
  EXPECT_EQ(server.stop(SIGTERM, 1s), ServerProcess::kNoExitCode);
  server.kill9();  // a second kill9 is a no-op
  EXPECT_EQ(server.pid(), -1);
  // Killed, not shut down: the log has no shutdown line.
  EXPECT_EQ(read_file(dir.path() / "server.log").find("stopped"), std::string::npos);
}

TEST(ServerProcess, DestructorKillsByDefaultAndStopsGracefullyWhenAsked) {
  TempDir dir("unm-server-process");
  pid_t pid = -1;
  {
    ServerProcess server(server_options(dir.path()));
    ASSERT_FALSE(server.url().empty());
    pid = server.pid();
  }
  EXPECT_TRUE(gone(pid));
  EXPECT_EQ(read_file(dir.path() / "server.log").find("stopped"), std::string::npos);
  {
    ServerProcessOptions o = server_options(dir.path());
    o.stop_signal = SIGTERM;
    o.stop_grace = 10s;
    ServerProcess server(o);
    ASSERT_FALSE(server.url().empty());
    ASSERT_TRUE(answers_http(port_of(server.url())));
    pid = server.pid();
  }
  EXPECT_TRUE(gone(pid));
  const std::string log = read_file(dir.path() / "server.log");
  EXPECT_NE(log.find("shutting down"), std::string::npos) << log;
  EXPECT_NE(log.find("stopped"), std::string::npos) << log;
}

TEST(ServerProcess, AServerThatRejectsItsFlagsHasNoUrlAndItsExitCodeIsKept) {
  TempDir dir("unm-server-process");
  ServerProcessOptions o = server_options(dir.path());
  o.flags.push_back("--no-such-flag");
  ServerProcess server(o);
  EXPECT_TRUE(server.url().empty());
  ASSERT_TRUE(server.start_error().has_value());
  EXPECT_EQ(*server.start_error(), StartError::exited);
  EXPECT_EQ(server.stop(SIGTERM, 10s), 2);  // the server's usage-error exit code
  EXPECT_NE(read_file(dir.path() / "server.log").find("--no-such-flag"), std::string::npos);
}

TEST(ServerProcess, AMissingExecutableIsASpawnFailure) {
  TempDir dir("unm-server-process");
  ServerProcessOptions o = server_options(dir.path());
  o.executable = (dir.path() / "no-such-server").string();
  ServerProcess server(o);
  EXPECT_TRUE(server.url().empty());
  ASSERT_TRUE(server.start_error().has_value());
  EXPECT_EQ(*server.start_error(), StartError::spawn_failed);
  EXPECT_EQ(server.pid(), -1);
  EXPECT_FALSE(server.running());
  EXPECT_EQ(server.stop(SIGTERM, 1s), ServerProcess::kNoExitCode);
}

TEST(ServerProcess, AnUnopenableStderrLogIsASpawnFailure) {
  TempDir dir("unm-server-process");
  ServerProcessOptions o = server_options(dir.path());
  o.stderr_log = dir.path() / "no-such-dir" / "server.log";
  ServerProcess server(o);
  EXPECT_TRUE(server.url().empty());
  ASSERT_TRUE(server.start_error().has_value());
  EXPECT_EQ(*server.start_error(), StartError::spawn_failed);
}

TEST(ServerProcess, ASilentServerTimesOutAndIsKilled) {
  TempDir dir("unm-server-process");
  ServerProcessOptions o;
  o.executable = write_script(dir.path(), "silent", "exec sleep 30").string();
  o.db = dir.path() / "x.db";
  o.startup_timeout = 300ms;
  pid_t pid = -1;
  {
    ServerProcess server(o);
    EXPECT_TRUE(server.url().empty());
    ASSERT_TRUE(server.start_error().has_value());
    EXPECT_EQ(*server.start_error(), StartError::timed_out);
    EXPECT_TRUE(server.running());
    pid = server.pid();
  }
  EXPECT_TRUE(gone(pid));
}

TEST(ServerProcess, AServerIgnoringTheStopSignalIsKilledAfterTheLimit) {
  TempDir dir("unm-server-process");
  ServerProcessOptions o;
  o.executable = write_script(dir.path(), "ignores-sigterm",
                              "trap '' TERM\necho 'listening on http://127.0.0.1:1'\nexec sleep 30")
                     .string();
  o.db = dir.path() / "x.db";
  ServerProcess server(o);
  EXPECT_EQ(server.url(), "http://127.0.0.1:1");
  const pid_t pid = server.pid();
  EXPECT_EQ(server.stop(SIGTERM, 300ms), ServerProcess::kNoExitCode);
  EXPECT_FALSE(server.running());
  EXPECT_TRUE(gone(pid));
}

TEST(ServerProcess, ArgumentsAreListenDbThenTheFlagsInOrder) {
  TempDir dir("unm-server-process");
  const fs::path args = dir.path() / "args.txt";
  ServerProcessOptions o;
  // The script records its arguments one a line, announces a URL, and exits 5 on SIGTERM.
  o.executable = write_script(dir.path(), "recorder",
                              "for a in \"$@\"; do echo \"$a\" >> '" + args.string() +
                                  "'; done\n"
                                  "trap 'exit 5' TERM\n"
                                  "echo 'listening on http://127.0.0.1:2'\n"
                                  "while :; do sleep 0.05; done")
                     .string();
  o.db = dir.path() / "the db.sqlite";
  o.flags = {"--log-level", "warn", "--batch", "1"};
  ServerProcess server(o);
  ASSERT_EQ(server.url(), "http://127.0.0.1:2");
  EXPECT_EQ(read_file(args),
            "--listen\n127.0.0.1:0\n--db\n" + o.db.string() + "\n--log-level\nwarn\n--batch\n1\n");
  EXPECT_EQ(server.stop(SIGTERM, 10s), 5);
}

TEST(ServerProcess, StartErrorNamesAreStableAndDistinct) {
  EXPECT_EQ(start_error_name(StartError::pipe_failed), "pipe_failed");
  EXPECT_EQ(start_error_name(StartError::spawn_failed), "spawn_failed");
  EXPECT_EQ(start_error_name(StartError::exited), "exited");
  EXPECT_EQ(start_error_name(StartError::timed_out), "timed_out");
}

// Whatever the server prints before it, in whatever pieces, the URL is the rest of the
// "listening on " line.
RC_GTEST_PROP(ServerProcess, UrlIsTheRestOfTheListeningLineAfterAnyOtherOutput, ()) {
  const auto noise = *rc::gen::container<std::vector<std::string>>(
      rc::gen::container<std::string>(rc::gen::inRange<char>('a', 'z' + 1)));
  const auto url =
      "http://" +
      *rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::inRange<char>('a', 'z' + 1))) +
      ":" + std::to_string(*rc::gen::inRange(1, 65536));
  TempDir dir("unm-server-process");
  const fs::path out = dir.path() / "stdout.txt";
  {
    std::ofstream f(out);
    for (const auto& line : noise) f << line << "\n";
    f << "listening on " << url << "\nafter\n";
  }
  ServerProcessOptions o;
  o.executable =
      write_script(dir.path(), "printer", "cat '" + out.string() + "'\nexec sleep 30").string();
  o.db = dir.path() / "x.db";
  ServerProcess server(o);
  RC_ASSERT(server.url() == url);
  RC_ASSERT(!server.start_error().has_value());
}

}  // namespace
