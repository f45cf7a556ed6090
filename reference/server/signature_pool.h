// signature_pool.h — Ed25519 verification of a batch's signatures on worker threads. Profiling
// the server under a send_message load showed signature verification (CR-SIG-002/003, with the
// CR-KEY-004 point check of the sender's key) taking about three quarters of the I/O thread's
// CPU; it is pure computation on immutable inputs, so it runs in parallel with the handling of
// the batch: the workers verify ahead, in request order, while the I/O thread handles the
// requests whose signatures are already known (start / result / finish), helping with the
// verification whenever it would otherwise wait.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "reference/crypto/sign.h"

namespace unm::server {

// SignatureCheck is one signature to check: `key` the signer's public key (hex), `msg` the
// signed hex text, `sig` the signature (hex); `ok` is the result (CR-SIG-002/003).
struct SignatureCheck {
  std::string key;
  std::string_view msg;
  std::string_view sig;
  bool ok = false;
};

// SignaturePool — see file comment. verify_all is called from one thread at a time.
class SignaturePool {
 public:
  // SignaturePool starts `workers` threads (0: verify_all runs everything on the caller).
  explicit SignaturePool(unsigned workers);
  ~SignaturePool();
  SignaturePool(const SignaturePool&) = delete;
  SignaturePool& operator=(const SignaturePool&) = delete;

  // verify_all sets `ok` of every check; the calling thread takes its share of the work and
  // returns when all are done. It is start + finish.
  void verify_all(std::span<SignatureCheck> checks);

  // start hands `checks` to the workers and returns at once; the caller may then go on with
  // other work and ask for results one by one (result), and must call finish before `checks`
  // changes or goes away. At most one job is in progress.
  void start(std::span<SignatureCheck> checks);
  // result is `ok` of check i of the started job. While it is not known yet, the caller verifies
  // unclaimed checks itself (the lowest first) and waits only when every check is taken.
  bool result(std::size_t i);
  // finish verifies what no worker has taken, waits for the rest, and ends the job: afterwards
  // no worker touches the checks. Does nothing without a started job.
  void finish();

  // workers is the number of worker threads.
  std::size_t workers() const { return threads_.size(); }

 private:
  void work(std::stop_token stop);
  // run_share verifies checks by taking the next unclaimed index until none is left.
  void run_share(std::span<SignatureCheck> checks);
  // run_one verifies the next unclaimed check of `checks`; false when none is left.
  bool run_one(std::span<SignatureCheck> checks);
  // checked_key is the CR-KEY-004-checked form of `hex`, or null when the key fails the check.
  // Results are remembered: a key's validity never changes, and checking it costs about as much
  // as a signature check (profiling: a third of the server's CPU under message load went into
  // re-checking the same senders' keys). Called only by verify_all's caller, before the workers
  // are woken; bounded by kMaxCheckedKeys (the cache is dropped when full).
  const crypto::CheckedPublicKey* checked_key(const std::string& hex);
  static constexpr std::size_t kMaxCheckedKeys = 4096;

  std::unordered_map<std::string, std::optional<crypto::CheckedPublicKey>> key_cache_;
  std::vector<const crypto::CheckedPublicKey*> job_keys_;  // per check of job_, set by verify_all
  std::mutex mu_;
  std::condition_variable_any wake_;
  std::condition_variable done_cv_;
  std::span<SignatureCheck> job_;  // the checks of the current verify_all
  std::size_t next_ = 0;           // next unclaimed index of job_
  std::size_t finished_ = 0;       // checks done
  std::size_t busy_ = 0;           // workers inside run_share
  std::size_t generation_ = 0;     // bumped per job, wakes the workers
  std::vector<char> done_;         // per check of job_: verified (guarded by mu_)
  bool started_ = false;           // a job is in progress (caller's thread only)
  std::vector<std::jthread> threads_;
};

}  // namespace unm::server
