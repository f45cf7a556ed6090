// temp_dir.h — a fresh temporary directory for a test, removed with everything in it when the
// test ends. Shared by the tests that run the server executable (databases, logs, scripts).
#pragma once

#include <filesystem>
#include <string_view>

namespace unm::tools::testing {

// TempDir creates a unique directory under the system temporary directory, named
// `<prefix>-XXXXXX`; path() is empty when it could not be created. The destructor removes it.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "unm-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // path is the directory, or empty when creation failed.
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace unm::tools::testing
