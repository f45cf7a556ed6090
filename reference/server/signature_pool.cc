#include "reference/server/signature_pool.h"

namespace unm::server {

SignaturePool::SignaturePool(unsigned workers) {
  threads_.reserve(workers);
  for (unsigned i = 0; i < workers; ++i) {
    threads_.emplace_back([this](std::stop_token stop) { work(stop); });
  }
}

SignaturePool::~SignaturePool() {
  finish();
  for (auto& t : threads_) t.request_stop();
  wake_.notify_all();
  threads_.clear();  // joins; condition_variable_any wakes waiters on stop requests
}

const crypto::CheckedPublicKey* SignaturePool::checked_key(const std::string& hex) {
  auto it = key_cache_.find(hex);
  if (it == key_cache_.end()) {
    auto key = crypto::check_public_key(hex);
    it = key_cache_.emplace(hex, key ? std::optional(*key) : std::nullopt).first;
  }
  return it->second ? &*it->second : nullptr;
}

void SignaturePool::verify_all(std::span<SignatureCheck> checks) {
  start(checks);
  finish();
}

void SignaturePool::start(std::span<SignatureCheck> checks) {
  finish();  // at most one job
  if (checks.empty()) return;
  // Pointers into key_cache_ stay valid while no entry is erased, i.e. for this whole job.
  if (key_cache_.size() + checks.size() > kMaxCheckedKeys) key_cache_.clear();
  job_keys_.resize(checks.size());
  for (std::size_t i = 0; i < checks.size(); ++i) job_keys_[i] = checked_key(checks[i].key);
  {
    std::lock_guard lock(mu_);
    job_ = checks;
    next_ = 0;
    finished_ = 0;
    done_.assign(checks.size(), 0);
    ++generation_;
  }
  started_ = true;
  wake_.notify_all();
}

bool SignaturePool::result(std::size_t i) {
  if (!started_) return false;
  const auto checks = job_;  // written only by this thread (start/finish)
  if (i >= checks.size()) return false;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (done_[i]) return checks[i].ok;
      if (next_ >= checks.size()) {
        // Every check is taken, check i by a worker: wait for it.
        done_cv_.wait(lock, [&] { return done_[i] != 0; });
        return checks[i].ok;
      }
    }
    run_one(checks);  // the lowest unclaimed one: i itself, or one a worker would do next
  }
}

void SignaturePool::finish() {
  if (!started_) return;
  const auto checks = job_;
  run_share(checks);
  std::unique_lock lock(mu_);
  // Wait for the last check and for every worker to have left run_share, so that no worker
  // touches `checks` after this returns.
  done_cv_.wait(lock, [&] { return finished_ == checks.size() && busy_ == 0; });
  job_ = {};
  started_ = false;
}

void SignaturePool::run_share(std::span<SignatureCheck> checks) {
  while (run_one(checks)) {
  }
}

bool SignaturePool::run_one(std::span<SignatureCheck> checks) {
  std::size_t i = 0;
  {
    std::lock_guard lock(mu_);
    if (next_ >= checks.size()) return false;
    i = next_++;
  }
  auto& c = checks[i];
  // CR-SIG-002/003 with the key checked once (CR-KEY-004): same answer as
  // protocol::verify_signature(c.key, c.msg, c.sig).
  const crypto::CheckedPublicKey* key = job_keys_[i];
  c.ok = key != nullptr && crypto::verify_hex(*key, c.msg, c.sig).has_value();
  std::lock_guard lock(mu_);
  done_[i] = 1;
  ++finished_;
  done_cv_.notify_all();
  return true;
}

void SignaturePool::work(std::stop_token stop) {
  std::size_t seen = 0;
  for (;;) {
    std::span<SignatureCheck> job;
    {
      std::unique_lock lock(mu_);
      if (!wake_.wait(lock, stop, [&] { return generation_ != seen && !job_.empty(); })) return;
      seen = generation_;
      job = job_;
      ++busy_;
    }
    run_share(job);
    std::lock_guard lock(mu_);
    --busy_;
    done_cv_.notify_all();
  }
}

}  // namespace unm::server
