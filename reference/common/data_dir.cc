// data_dir.cc — see data_dir.h.
#include "reference/common/data_dir.h"

#include <cstdlib>
#include <system_error>

namespace unm::data {
namespace {

namespace fs = std::filesystem;

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return !p.empty() && fs::is_directory(p, ec);
}

// inside reports whether `p` lies under `dir` (both made absolute and normal).
bool inside(const fs::path& p, const fs::path& dir) {
  if (p.empty() || dir.empty()) return false;
  std::error_code ec;
  const fs::path a = fs::weakly_canonical(p, ec);
  if (ec) return false;
  const fs::path b = fs::weakly_canonical(dir, ec);
  if (ec) return false;
  auto ai = a.begin();
  for (auto bi = b.begin(); bi != b.end(); ++bi, ++ai) {
    if (bi->empty()) continue;  // trailing separator
    if (ai == a.end() || *ai != *bi) return false;
  }
  return true;
}

}  // namespace

std::string_view share_subdir(DataKind k) {
  switch (k) {
    case DataKind::scenarios:
      return "scenarios";
    case DataKind::vectors:
      return "vectors";
    case DataKind::spec:
      return "spec";
    case DataKind::expectations:
      return "expectations";
    case DataKind::schema:
      return "schema";
  }
  return "";
}

std::string_view source_subdir(DataKind k) {
  switch (k) {
    case DataKind::scenarios:
      return "conformance/scenarios";
    case DataKind::vectors:
      return "vectors/data";
    case DataKind::spec:
      return "conformance/spec";
    case DataKind::expectations:
      return "conformance/expectations";
    case DataKind::schema:
      return "conformance/schema";
  }
  return "";
}

std::string_view env_name(DataKind k) {
  switch (k) {
    case DataKind::scenarios:
      return "UNM_SCENARIOS_DIR";
    case DataKind::vectors:
      return "UNM_VECTORS_DIR";
    case DataKind::spec:
      return "UNM_SPEC_DIR";
    case DataKind::expectations:
      return "UNM_EXPECTATIONS_DIR";
    case DataKind::schema:
      return "UNM_SCHEMA_DIR";
  }
  return "";
}

Expected<fs::path, std::string> find_data_dir(DataKind k, std::string_view given,
                                              const SearchPlaces& places) {
  const fs::path sub(share_subdir(k));
  // 1–3: named by the user: must exist.
  if (!given.empty()) {
    if (is_dir(fs::path(given))) return fs::path(given);
    return Unexpected{std::string("no such folder: ").append(given)};
  }
  auto env = [&](std::string_view name) -> std::optional<std::string> {
    if (!places.env) return std::nullopt;
    auto v = places.env(name);
    if (v && v->empty()) return std::nullopt;
    return v;
  };
  if (const auto v = env(env_name(k))) {
    if (is_dir(fs::path(*v))) return fs::path(*v);
    return Unexpected{std::string(env_name(k)) + "=" + *v + ": no such folder"};
  }
  if (const auto v = env(kDataDirEnv)) {
    const fs::path p = fs::path(*v) / sub;
    if (is_dir(p)) return p;
    return Unexpected{std::string(kDataDirEnv) + "=" + *v + ": no folder " + sub.string() +
                      " in it"};
  }
  // 4: an installed copy (bin/ beside share/). `looked` is appended to piece by piece: the form
  // `" " + path.string()` draws a false -Wrestrict from GCC 12 at -O3 (GCC bug 105329).
  std::string looked;
  auto note = [&looked](const fs::path& p) {
    looked += ' ';
    looked += p.string();
  };
  if (!places.executable.empty()) {
    const fs::path p = places.executable.parent_path() / ".." / "share" / "unmanageable" / sub;
    if (is_dir(p)) return p.lexically_normal();
    note(p.lexically_normal());
  }
  // 5–6: only a program that runs from its build tree may use the trees it was built from.
  if (inside(places.executable, places.build_dir)) {
    const fs::path staged = places.build_dir / "share" / "unmanageable" / sub;
    if (is_dir(staged)) return staged;
    note(staged);
    const fs::path source = places.source_dir / source_subdir(k);
    if (!places.source_dir.empty() && is_dir(source)) return source;
    if (!places.source_dir.empty()) note(source);
  }
  return Unexpected{"cannot find the " + sub.string() + " folder (looked in" + looked +
                    "); give --" + sub.string() + " DIR or set " + std::string(env_name(k))};
}

fs::path executable_path() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return p;
}

SearchPlaces default_places(std::string_view build_dir, std::string_view source_dir) {
  SearchPlaces s;
  s.env = [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  s.executable = executable_path();
  s.build_dir = fs::path(build_dir);
  s.source_dir = fs::path(source_dir);
  return s;
}

}  // namespace unm::data
