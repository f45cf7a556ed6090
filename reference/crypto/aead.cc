#include "reference/crypto/aead.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <climits>
#include <memory>

#include "reference/common/hex.h"

namespace unm::crypto {
namespace {

constexpr std::size_t kOverhead = kIvBytes + kTagBytes;  // 28: the shortest valid input

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const unsigned char* ptr(std::span<const std::uint8_t> s) {
  static constexpr unsigned char kEmpty = 0;
  return s.empty() ? &kEmpty : s.data();
}

// openssl_seal writes ct || tag after the IV already in `out`.
Result<void> openssl_seal(const SharedKey& key, std::span<const std::uint8_t> iv,
                          std::span<const std::uint8_t> pt, std::vector<std::uint8_t>& out) {
  if (pt.size() > static_cast<std::size_t>(INT_MAX)) return Unexpected{Error::wrong_length};
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Unexpected{Error::aead_unavailable};
  int len = 0;
  std::uint8_t* ct = out.data() + kIvBytes;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kIvBytes), nullptr) !=
          1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data()) != 1)
    return Unexpected{Error::aead_unavailable};
  if (!pt.empty() &&
      EVP_EncryptUpdate(ctx.get(), ct, &len, pt.data(), static_cast<int>(pt.size())) != 1)
    return Unexpected{Error::internal};
  int fin = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), ct + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                          ct + pt.size()) != 1)
    return Unexpected{Error::internal};
  return {};
}

Result<std::vector<std::uint8_t>> openssl_open(const SharedKey& key,
                                               std::span<const std::uint8_t> sealed) {
  const std::size_t ct_len = sealed.size() - kOverhead;
  if (ct_len > static_cast<std::size_t>(INT_MAX)) return Unexpected{Error::wrong_length};
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Unexpected{Error::aead_unavailable};
  const std::uint8_t* ct = sealed.data() + kIvBytes;
  // The tag buffer is copied because EVP_CTRL_GCM_SET_TAG takes a non-const pointer.
  std::uint8_t tag[kTagBytes];
  std::copy_n(ct + ct_len, kTagBytes, tag);
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kIvBytes), nullptr) !=
          1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), sealed.data()) != 1)
    return Unexpected{Error::aead_unavailable};
  std::vector<std::uint8_t> pt(ct_len + 1);  // +1: EVP may not take a null output pointer
  int len = 0;
  if (ct_len > 0 &&
      EVP_DecryptUpdate(ctx.get(), pt.data(), &len, ct, static_cast<int>(ct_len)) != 1)
    return Unexpected{Error::internal};
  int fin = 0;
  const bool ok =
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), pt.data() + len, &fin) == 1;
  if (!ok) {
    // CR-AEAD-002: no partial plaintext leaves this function.
    sodium_memzero(pt.data(), pt.size());
    return Unexpected{Error::authentication_failed};
  }
  pt.resize(ct_len);
  return pt;
}

}  // namespace

AeadBackend aead_default_backend() noexcept {
  // sodium_init detects AES-NI/PCLMUL; it is idempotent, so calling it here keeps the choice
  // right even for a caller that forgot init().
  if (sodium_init() < 0) return AeadBackend::openssl;
  return crypto_aead_aes256gcm_is_available() ? AeadBackend::libsodium : AeadBackend::openssl;
}

Result<std::vector<std::uint8_t>> aead_seal(AeadBackend backend, const SharedKey& key,
                                            std::span<const std::uint8_t> iv12,
                                            std::span<const std::uint8_t> plaintext) {
  if (iv12.size() != kIvBytes) return Unexpected{Error::wrong_length};
  std::vector<std::uint8_t> out(kOverhead + plaintext.size());
  std::copy(iv12.begin(), iv12.end(), out.begin());
  if (backend == AeadBackend::libsodium) {
    if (sodium_init() < 0 || !crypto_aead_aes256gcm_is_available())
      return Unexpected{Error::aead_unavailable};
    if (plaintext.size() > crypto_aead_aes256gcm_MESSAGEBYTES_MAX)
      return Unexpected{Error::wrong_length};
    unsigned long long clen = 0;
    if (crypto_aead_aes256gcm_encrypt(out.data() + kIvBytes, &clen, ptr(plaintext),
                                      plaintext.size(), nullptr, 0, nullptr, iv12.data(),
                                      key.data()) != 0)
      return Unexpected{Error::internal};
    return out;
  }
  if (auto r = openssl_seal(key, iv12, plaintext, out); !r) return Unexpected{r.error()};
  return out;
}

Result<std::vector<std::uint8_t>> aead_open(AeadBackend backend, const SharedKey& key,
                                            std::span<const std::uint8_t> sealed) {
  if (sealed.size() < kOverhead) return Unexpected{Error::wrong_length};
  if (backend == AeadBackend::openssl) return openssl_open(key, sealed);
  if (sodium_init() < 0 || !crypto_aead_aes256gcm_is_available())
    return Unexpected{Error::aead_unavailable};
  const std::size_t ct_len = sealed.size() - kIvBytes;   // ciphertext || tag
  std::vector<std::uint8_t> pt(ct_len - kTagBytes + 1);  // +1: never a zero-size buffer
  unsigned long long mlen = 0;
  if (crypto_aead_aes256gcm_decrypt(pt.data(), &mlen, nullptr, sealed.data() + kIvBytes, ct_len,
                                    nullptr, 0, sealed.data(), key.data()) != 0) {
    sodium_memzero(pt.data(), pt.size());
    return Unexpected{Error::authentication_failed};
  }
  pt.resize(static_cast<std::size_t>(mlen));
  return pt;
}

Result<std::string> aead_encrypt_hex_with_iv(const SharedKey& key,
                                             std::span<const std::uint8_t> iv12,
                                             std::span<const std::uint8_t> plaintext) {
  auto sealed = aead_seal(aead_default_backend(), key, iv12, plaintext);
  if (!sealed) return Unexpected{sealed.error()};
  return unm::to_hex(*sealed);
}

Result<std::string> aead_encrypt_hex(const SharedKey& key, std::span<const std::uint8_t> plaintext,
                                     Random& rng) {
  std::uint8_t iv[kIvBytes];
  rng.fill(iv);  // CR-AEAD-003: a fresh IV per message
  return aead_encrypt_hex_with_iv(key, iv, plaintext);
}

Result<std::vector<std::uint8_t>> aead_decrypt_hex(const SharedKey& key, std::string_view hex) {
  auto bytes = unm::from_hex(hex);
  if (!bytes) return Unexpected{Error::bad_hex};
  return aead_open(aead_default_backend(), key, *bytes);
}

}  // namespace unm::crypto
