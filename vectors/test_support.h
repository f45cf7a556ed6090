// test_support.h — helpers shared by the vectors tests (not part of unm_vectors).
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "reference/crypto/keys.h"
#include "vectors/generator.h"

namespace unm::vectors::testing {

// generated is the JSON text of family `f` for `seed`, or "" when generation failed.
inline std::string generated(Family f, std::uint64_t seed = kDefaultSeed) {
  if (!crypto::init()) return {};
  auto t = generate_family(f, seed);
  return t ? *t : std::string();
}

inline rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  return d;
}

inline std::string serialize(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

// flip_hex_digit changes the last hex digit of a string value in place ('0' <-> '1', else '0').
inline void flip_hex_digit(rapidjson::Value& v, rapidjson::Document::AllocatorType& a) {
  std::string s(v.GetString(), v.GetStringLength());
  if (s.empty()) {
    s = "00";
  } else {
    s.back() = s.back() == '0' ? '1' : '0';
  }
  v.SetString(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a);
}

// TempDir is a fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    // The tag (unique per test) and the process id keep parallel test runs apart.
    path_ = std::filesystem::temp_directory_path() /
            ("unm_vectors_" + tag + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace unm::vectors::testing
