// load_e2e_test.cc — `unmanageable-load` end to end: against a reference `unmanageable-server`
// started per test on 127.0.0.1 port 0 with a fresh database, every scenario at tiny sizes
// (about 1 s timed each); the JSON is checked for its fields, non-zero counts and zero errors.
// Also the exit codes for an unreachable target (3) and a bad command line (2).
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "reference/tools/testing/server_process.h"
#include "reference/tools/testing/temp_dir.h"

extern char** environ;

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using unm::tools::testing::ServerProcess;
using unm::tools::testing::ServerProcessOptions;
using unm::tools::testing::TempDir;

// spawn starts `args` with stdout to `out_fd` (or /dev/null when -1) and stderr inherited.
pid_t spawn(const std::vector<std::string>& args, int out_fd) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (out_fd >= 0) {
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  } else {
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  }
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

// wait_exit waits up to `limit` for `pid`; kills it and returns -1 when it overruns.
int wait_exit(pid_t pid, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(20ms);
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

// server_exe is the server under test: the reference server of this build, or the executable
// named by UNM_LOAD_TEST_SERVER (another build of it, e.g. while reference/server is mid-change;
// it must accept the reference server's --listen/--db/--log-level/--x3dh-delay-ms flags).
std::string server_exe() {
  const char* env = std::getenv("UNM_LOAD_TEST_SERVER");
  return env != nullptr && *env != '\0' ? env : UNM_SERVER_EXE;
}

// server_options runs the server under test on `db` with `extra` flags after the usual ones;
// a server still running at the end of its scope is killed (-9).
ServerProcessOptions server_options(const fs::path& db,
                                    const std::vector<std::string>& extra = {}) {
  ServerProcessOptions o;
  o.executable = server_exe();
  o.db = db;
  o.flags = {"--log-level", "warn", "--x3dh-delay-ms", "0"};
  o.flags.insert(o.flags.end(), extra.begin(), extra.end());
  return o;
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// run_load runs the tool with `extra` arguments and --json into `json`; returns its exit code.
int run_load(const std::vector<std::string>& extra, const fs::path& json) {
  std::vector<std::string> args{UNM_LOAD_EXE, "--json", json.string(), "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  const pid_t pid = spawn(args, -1);
  if (pid <= 0) return -2;
  return wait_exit(pid, std::chrono::seconds(240));
}

const rapidjson::Value* find_scenario(const rapidjson::Document& d, const char* name) {
  for (const auto& s : d["scenarios"].GetArray())
    if (std::string(s["scenario"].GetString()) == name) return &s;
  return nullptr;
}

// expect_clean checks a scenario's common fields: ran, counted, no errors, sane latency.
void expect_clean(const rapidjson::Value& s, const char* latency_name) {
  const std::string name = s["scenario"].GetString();
  SCOPED_TRACE(name);
  ASSERT_TRUE(s["ok"].GetBool()) << s["failure"].GetString();
  EXPECT_GT(s["ok_requests"].GetUint64(), 0u);
  EXPECT_EQ(s["errors"].GetUint64(), 0u);
  EXPECT_TRUE(s["errors_by_reason"].ObjectEmpty());
  EXPECT_GT(s["metrics"]["rate_per_s"].GetDouble(), 0.0);
  EXPECT_GT(s["metrics"]["seconds"].GetDouble(), 0.0);
  ASSERT_TRUE(s["latency"].HasMember(latency_name));
  const auto& l = s["latency"][latency_name];
  EXPECT_GT(l["count"].GetUint64(), 0u);
  EXPECT_LE(l["min_ms"].GetDouble(), l["p50_ms"].GetDouble());
  EXPECT_LE(l["p50_ms"].GetDouble(), l["p99_ms"].GetDouble());
  EXPECT_LE(l["p99_ms"].GetDouble(), l["max_ms"].GetDouble());
  EXPECT_GT(s["notes"].Size(), 0u);
}

TEST(LoadToolE2e, EveryScenarioAgainstTheReferenceServer) {
  TempDir dir("unm-load");
  ServerProcess server(server_options(dir.path() / "load.db"));
  ASSERT_FALSE(server.url().empty()) << "server did not start";
  const fs::path json = dir.path() / "out.json";
  // Twice against the same server: fresh users per run (random prefix), so the second run
  // cannot collide with the first.
  for (int run = 0; run < 2; ++run) {
    SCOPED_TRACE(run);
    const int code =
        run_load({"--target", server.url(), "--scenario", run == 0 ? "all" : "login,send2",
                  "--duration", "1", "--warmup", "0.2", "--connections", "2", "--in-flight", "2",
                  "--users", "12", "--pool", "300", "--timeout", "20"},
                 json);
    const std::string text = read_file(json);
    ASSERT_EQ(code, 0) << text;
    rapidjson::Document d;
    d.Parse(text.c_str(), text.size());
    ASSERT_FALSE(d.HasParseError()) << text;
    EXPECT_STREQ(d["tool"].GetString(), "unmanageable-load");
    EXPECT_EQ(d["target"].GetString(), server.url());
    EXPECT_EQ(d["exit_code"].GetInt(), 0);
    EXPECT_EQ(std::string(d["user_prefix"].GetString()).rfind("ld", 0), 0u);
    ASSERT_EQ(d["scenarios"].Size(), run == 0 ? 5u : 2u);

    const auto* login = find_scenario(d, "login");
    ASSERT_NE(login, nullptr);
    expect_clean(*login, "login");
    EXPECT_EQ((*login)["params"]["users"].GetInt(), 12);
    // At least one full round: every registered user logged in once.
    EXPECT_GE((*login)["metrics"]["logins"].GetInt64(), 12);
    // The two requests of a login are also timed apart, one sample each per login.
    EXPECT_EQ((*login)["latency"]["login_event"]["count"].GetUint64(),
              (*login)["latency"]["login"]["count"].GetUint64());
    EXPECT_EQ((*login)["latency"]["challenge_response_event"]["count"].GetUint64(),
              (*login)["latency"]["login"]["count"].GetUint64());

    const auto* send2 = find_scenario(d, "send2");
    ASSERT_NE(send2, nullptr);
    expect_clean(*send2, "ack");
    EXPECT_EQ((*send2)["params"]["members"].GetInt(), 2);
    // The sender is a member: the server notifies it of its own messages (EV-MSG-005).
    EXPECT_GT((*send2)["metrics"]["notifications_received"].GetInt64(), 0);
    if (run == 1) continue;

    const auto* send32 = find_scenario(d, "send32");
    ASSERT_NE(send32, nullptr);
    expect_clean(*send32, "ack");
    EXPECT_EQ((*send32)["params"]["members"].GetInt(), 32);

    const auto* fanout = find_scenario(d, "fanout");
    ASSERT_NE(fanout, nullptr);
    expect_clean(*fanout, "delivery_from_ack");
    // Every acknowledged message reached all 31 other members.
    EXPECT_EQ((*fanout)["metrics"]["notifications"].GetInt64(),
              31 * static_cast<std::int64_t>(
                       (*fanout)["latency"]["delivery_from_ack"]["count"].GetUint64()));
    EXPECT_EQ((*fanout)["metrics"]["unmatched_notifications"].GetInt64(), 0);
    EXPECT_LE((*fanout)["latency"]["delivery_from_ack"]["p50_ms"].GetDouble(),
              (*fanout)["latency"]["delivery_from_send"]["p50_ms"].GetDouble());

    const auto* latency = find_scenario(d, "latency");
    ASSERT_NE(latency, nullptr);
    expect_clean(*latency, "ack");
    // Default offered rate: half of what send2 just measured.
    EXPECT_NEAR((*latency)["metrics"]["offered_rate_per_s"].GetDouble(),
                (*send2)["metrics"]["rate_per_s"].GetDouble() / 2, 1e-6);
    EXPECT_GT((*latency)["metrics"]["scheduled"].GetInt64(), 0);
  }
}

TEST(LoadToolE2e, ExplicitRateWithoutSend2) {
  TempDir dir("unm-load");
  ServerProcess server(server_options(dir.path() / "load.db"));
  ASSERT_FALSE(server.url().empty());
  const fs::path json = dir.path() / "out.json";
  const int code =
      run_load({"--target", server.url(), "--scenario", "latency", "--rate", "50", "--duration",
                "1", "--warmup", "0", "--connections", "1", "--in-flight", "2", "--pool", "50"},
               json);
  const std::string text = read_file(json);
  ASSERT_EQ(code, 0) << text;
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  ASSERT_FALSE(d.HasParseError());
  ASSERT_EQ(d["scenarios"].Size(), 1u);  // no send2 calibration run with --rate
  const auto& s = d["scenarios"][0];
  expect_clean(s, "ack");
  EXPECT_EQ(s["metrics"]["offered_rate_per_s"].GetDouble(), 50.0);
  // 1 s at 50/s: exactly 50 requests were scheduled in the timed window.
  EXPECT_EQ(s["metrics"]["scheduled"].GetInt64(), 50);
  EXPECT_EQ(s["metrics"]["acked"].GetInt64(), 50);
}

// TLS: a self-signed certificate (made with the openssl command) is refused unless --insecure.
TEST(LoadToolE2e, HttpsTargetNeedsInsecureForSelfSignedCertificate) {
  if (access("/usr/bin/openssl", X_OK) != 0) GTEST_SKIP() << "no openssl command";
  TempDir dir("unm-load");
  const fs::path cert = dir.path() / "cert.pem";
  const fs::path key = dir.path() / "key.pem";
  const pid_t gen =
      spawn({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.string(), "-out", cert.string(),
             "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"},
            -1);
  ASSERT_GT(gen, 0);
  ASSERT_EQ(wait_exit(gen, std::chrono::seconds(30)), 0);
  ServerProcess server(server_options(dir.path() / "load.db",
                                      {"--tls-cert", cert.string(), "--tls-key", key.string()}));
  ASSERT_EQ(server.url().rfind("https://", 0), 0u) << server.url();
  const fs::path json = dir.path() / "out.json";
  const std::vector<std::string> args{
      "--target", server.url(),    "--scenario", "send2",       "--duration", "0.5",    "--warmup",
      "0",        "--connections", "1",          "--in-flight", "2",          "--pool", "50"};
  EXPECT_EQ(run_load(args, json), 3);  // certificate not trusted
  std::vector<std::string> insecure = args;
  insecure.push_back("--insecure");
  ASSERT_EQ(run_load(insecure, json), 0) << read_file(json);
  rapidjson::Document d;
  const std::string text = read_file(json);
  d.Parse(text.c_str(), text.size());
  ASSERT_FALSE(d.HasParseError());
  expect_clean(d["scenarios"][0], "ack");
  EXPECT_EQ(d["options"]["insecure"].GetInt(), 1);
}

// The server dies in the middle of a run: the tool must notice, stop soon (not wait for the
// 30 s duration or hang), report the failure and exit 1.
TEST(LoadToolE2e, ServerKilledMidRunFailsPromptly) {
  TempDir dir("unm-load");
  ServerProcess server(server_options(dir.path() / "load.db"));
  ASSERT_FALSE(server.url().empty());
  const fs::path json = dir.path() / "out.json";
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid =
      spawn({UNM_LOAD_EXE, "--json", json.string(), "--quiet", "--target", server.url(),
             "--scenario", "send2,send32", "--duration", "30", "--connections", "2", "--in-flight",
             "2", "--pool", "50", "--timeout", "3"},
            -1);
  ASSERT_GT(pid, 0);
  std::this_thread::sleep_for(2s);
  server.kill9();
  const int code = wait_exit(pid, std::chrono::seconds(60));
  EXPECT_EQ(code, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 25s);
  const std::string text = read_file(json);
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  ASSERT_FALSE(d.HasParseError()) << text;
  EXPECT_EQ(d["exit_code"].GetInt(), 1);
  ASSERT_EQ(d["scenarios"].Size(), 2u);
  // send2 either lost its connections mid-phase (errors counted) or could not finish its setup;
  // send32 could not even connect.
  const auto& send2 = d["scenarios"][0];
  EXPECT_TRUE(!send2["ok"].GetBool() || send2["errors"].GetUint64() > 0) << text;
  EXPECT_FALSE(d["scenarios"][1]["ok"].GetBool());
}

TEST(LoadToolE2e, UnreachableTargetExitsThree) {
  // A port that was free a moment ago and has no listener now.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const int port = ntohs(a.sin_port);
  close(fd);
  TempDir dir("unm-load");
  const fs::path json = dir.path() / "out.json";
  EXPECT_EQ(run_load({"--target", "http://127.0.0.1:" + std::to_string(port)}, json), 3);
  // The JSON still says what happened.
  const std::string text = read_file(json);
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  ASSERT_FALSE(d.HasParseError()) << text;
  EXPECT_EQ(d["exit_code"].GetInt(), 3);
  EXPECT_EQ(d["scenarios"].Size(), 0u);
}

TEST(LoadToolE2e, UsageErrorsExitTwoAndHelpZero) {
  TempDir dir("unm-load");
  const fs::path json = dir.path() / "out.json";
  EXPECT_EQ(run_load({"--duration", "1"}, json), 2);  // no --target
  EXPECT_EQ(run_load({"--target", "http://x", "--scenario", "nope"}, json), 2);
  EXPECT_EQ(run_load({"--target", "http://x", "--connections", "0"}, json), 2);
  EXPECT_EQ(run_load({"--help"}, json), 0);
  EXPECT_FALSE(fs::exists(json));  // nothing measured, nothing written
}

}  // namespace
