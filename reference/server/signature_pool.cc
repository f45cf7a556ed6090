#include "reference/server/signature_pool.h"

namespace unm::server {

SignaturePool::SignaturePool(unsigned workers) {
  threads_.reserve(workers);
  for (unsigned i = 0; i < workers; ++i) {
    threads_.emplace_back([this](std::stop_token stop) { work(stop); });
  }
}

SignaturePool::~SignaturePool() {
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
  if (checks.empty()) return;
  // Pointers into key_cache_ stay valid while no entry is erased, i.e. for this whole call.
  if (key_cache_.size() + checks.size() > kMaxCheckedKeys) key_cache_.clear();
  job_keys_.resize(checks.size());
  for (std::size_t i = 0; i < checks.size(); ++i) job_keys_[i] = checked_key(checks[i].key);
  {
    std::lock_guard lock(mu_);
    job_ = checks;
    next_ = 0;
    finished_ = 0;
    ++generation_;
  }
  wake_.notify_all();
  run_share(checks);
  std::unique_lock lock(mu_);
  // Wait for the last check and for every worker to have left run_share, so that no worker
  // touches `checks` after this returns.
  done_cv_.wait(lock, [&] { return finished_ == checks.size() && busy_ == 0; });
  job_ = {};
}

void SignaturePool::run_share(std::span<SignatureCheck> checks) {
  for (;;) {
    std::size_t i = 0;
    {
      std::lock_guard lock(mu_);
      if (next_ >= checks.size()) return;
      i = next_++;
    }
    auto& c = checks[i];
    // CR-SIG-002/003 with the key checked once (CR-KEY-004): same answer as
    // protocol::verify_signature(c.key, c.msg, c.sig).
    const crypto::CheckedPublicKey* key = job_keys_[i];
    c.ok = key != nullptr && crypto::verify_hex(*key, c.msg, c.sig).has_value();
    std::lock_guard lock(mu_);
    if (++finished_ == checks.size()) done_cv_.notify_all();
  }
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
