// data_dir_test.cc — the order in which programs look for their data (data_dir.h): the command
// line, the folder's variable, UNM_DATA_DIR, beside the executable, and the build and source
// trees only for an executable inside the build tree.
#include "reference/common/data_dir.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>

namespace unm::data {
namespace {

namespace fs = std::filesystem;

// Scratch is a temporary folder tree removed at the end of the test.
class Scratch {
 public:
  Scratch() {
    std::random_device rd;
    root_ = fs::temp_directory_path() / ("unm-data-dir-" + std::to_string(rd()));
    fs::create_directories(root_);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  fs::path dir(const std::string& rel) const {
    fs::create_directories(root_ / rel);
    return root_ / rel;
  }
  fs::path file(const std::string& rel) const {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << "#!/bin/sh\n";
    return root_ / rel;
  }
  const fs::path& root() const { return root_; }

 private:
  fs::path root_;
};

SearchPlaces places(const Scratch& s, std::map<std::string, std::string> env = {}) {
  SearchPlaces p;
  p.env = [env](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  p.build_dir = s.root() / "build";
  p.source_dir = s.root() / "src";
  return p;
}

TEST(DataDir, InstalledCopyFindsShareBesideBin) {
  Scratch s;
  const fs::path scen = s.dir("usr/share/unmanageable/scenarios");
  s.dir("src/conformance/scenarios");  // must not be used by an installed copy
  SearchPlaces p = places(s);
  p.executable = s.file("usr/bin/unmanageable-conformance");
  auto found = find_data_dir(DataKind::scenarios, "", p);
  ASSERT_TRUE(found) << found.error();
  EXPECT_EQ(fs::weakly_canonical(*found), fs::weakly_canonical(scen));
}

TEST(DataDir, InstalledCopyNeverFallsBackToTheTreesItWasBuiltFrom) {
  Scratch s;
  s.dir("build/share/unmanageable/vectors");
  s.dir("src/vectors/data");
  SearchPlaces p = places(s);
  p.executable = s.file("opt/unm/bin/unmanageable-conformance");  // outside the build tree
  auto found = find_data_dir(DataKind::vectors, "", p);
  ASSERT_FALSE(found);
  EXPECT_NE(found.error().find("--vectors"), std::string::npos) << found.error();
  EXPECT_NE(found.error().find("UNM_VECTORS_DIR"), std::string::npos) << found.error();
}

TEST(DataDir, BuildTreeProgramUsesStagedDataThenTheSourceTree) {
  Scratch s;
  SearchPlaces p = places(s);
  p.executable = s.file("build/a/b/unmanageable-conformance");  // not next to share/
  const fs::path source = s.dir("src/conformance/spec");
  auto from_source = find_data_dir(DataKind::spec, "", p);
  ASSERT_TRUE(from_source) << from_source.error();
  EXPECT_EQ(*from_source, source);
  const fs::path staged = s.dir("build/share/unmanageable/spec");
  auto from_build = find_data_dir(DataKind::spec, "", p);
  ASSERT_TRUE(from_build) << from_build.error();
  EXPECT_EQ(*from_build, staged);
}

TEST(DataDir, CommandLineThenVariableThenDataRootWin) {
  Scratch s;
  s.dir("usr/share/unmanageable/scenarios");
  const fs::path cli = s.dir("cli");
  const fs::path var = s.dir("var");
  const fs::path root = s.dir("root");
  const fs::path root_scen = s.dir("root/scenarios");
  SearchPlaces p =
      places(s, {{"UNM_SCENARIOS_DIR", var.string()}, {"UNM_DATA_DIR", root.string()}});
  p.executable = s.file("usr/bin/unmanageable-conformance");
  EXPECT_EQ(*find_data_dir(DataKind::scenarios, cli.string(), p), cli);
  EXPECT_EQ(*find_data_dir(DataKind::scenarios, "", p), var);
  SearchPlaces only_root = places(s, {{"UNM_DATA_DIR", root.string()}, {"UNM_SCENARIOS_DIR", ""}});
  only_root.executable = p.executable;
  EXPECT_EQ(*find_data_dir(DataKind::scenarios, "", only_root), root_scen);
}

TEST(DataDir, AFolderTheUserNamesMustExist) {
  Scratch s;
  s.dir("usr/share/unmanageable/spec");
  SearchPlaces p = places(s, {{"UNM_SPEC_DIR", (s.root() / "nope").string()}});
  p.executable = s.file("usr/bin/unmanageable-conformance");
  auto bad_cli = find_data_dir(DataKind::spec, (s.root() / "typo").string(), p);
  ASSERT_FALSE(bad_cli);
  EXPECT_NE(bad_cli.error().find("typo"), std::string::npos);
  auto bad_env = find_data_dir(DataKind::spec, "", p);
  ASSERT_FALSE(bad_env);
  EXPECT_NE(bad_env.error().find("UNM_SPEC_DIR"), std::string::npos);
  SearchPlaces bad_root = places(s, {{"UNM_DATA_DIR", s.dir("empty").string()}});
  bad_root.executable = p.executable;
  auto r = find_data_dir(DataKind::spec, "", bad_root);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("UNM_DATA_DIR"), std::string::npos);
}

TEST(DataDir, EveryKindHasItsFolderAndVariable) {
  for (DataKind k : {DataKind::scenarios, DataKind::vectors, DataKind::spec, DataKind::expectations,
                     DataKind::schema}) {
    EXPECT_FALSE(share_subdir(k).empty());
    EXPECT_FALSE(source_subdir(k).empty());
    EXPECT_TRUE(env_name(k).starts_with("UNM_"));
  }
  EXPECT_EQ(source_subdir(DataKind::vectors), "vectors/data");
  EXPECT_EQ(share_subdir(DataKind::vectors), "vectors");
}

TEST(DataDir, ExecutablePathIsThisTest) {
  const fs::path p = executable_path();
  ASSERT_FALSE(p.empty());
  EXPECT_TRUE(p.is_absolute());
  EXPECT_EQ(p.filename(), "data_dir_test");
}

}  // namespace
}  // namespace unm::data
