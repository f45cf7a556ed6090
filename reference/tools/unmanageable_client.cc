// unmanageable_client.cc — main() of `unmanageable-client`: the command-line logic lives in
// reference/client/cli.{h,cc}; this file only wires signals, randomness and the default profile.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "reference/client/cli.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"

int main(int argc, char** argv) {
  // SIGINT/SIGTERM are taken by one thread with sigwait (no global flag, no async-signal
  // handler): the first asks `watch` to stop cleanly, a second one exits at once.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::atomic<bool> stop{false};
  std::atomic<bool> finishing{false};
  std::thread waiter([&] {
    int sig = 0;
    while (sigwait(&signals, &sig) == 0) {
      if (finishing.load()) return;
      if (stop.exchange(true)) std::_Exit(130);
    }
  });

  int code = unm::client::kExitLocal;
  if (!unm::crypto::init()) {
    std::cerr << "error: libsodium could not be initialised\n";
  } else {
    // The command line, --help and --version included, is read by run_cli (cli::Parser).
    std::vector<std::string> args(argv + 1, argv + argc);
    unm::client::CliEnv env;
    env.out = &std::cout;
    env.err = &std::cerr;
    env.in = &std::cin;
    env.rng = &unm::crypto::system_random();
    env.stop_requested = [&] { return stop.load(); };
    const char* home = std::getenv("HOME");
    env.default_profile = std::string(home != nullptr ? home : ".") + "/.unmanageable";
    code = unm::client::run_cli(args, env);
  }
  std::cout.flush();
  finishing.store(true);
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return code;
}
