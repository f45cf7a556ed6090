// headless_chromium_test.h — test helper: render a page in Debian's headless Chromium the way a
// person would see it on a 1280 × 800 laptop screen, take a screenshot and read back what a
// script measured in the page. Used by the HTML report tests; the tests skip when Chromium is
// not installed (scripts/bootstrap.sh --test installs it).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include <unistd.h>

namespace unm::conformance::testing {

// chromium_binary returns the Chromium executable name, or nullopt.
inline std::optional<std::string> chromium_binary() {
  for (const char* b : {"chromium", "chromium-browser"}) {
    const std::string probe = std::string("command -v ") + b + " >/dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) return std::string(b);
  }
  return std::nullopt;
}

// artifact_dir is where screenshots are kept for a person to look at (the build folder).
inline std::filesystem::path artifact_dir() {
  std::filesystem::path p = UNM_TEST_ARTIFACT_DIR;
  std::filesystem::create_directories(p);
  return p;
}

class HeadlessChromium {
 public:
  explicit HeadlessChromium(std::string binary) : binary_(std::move(binary)) {
    dir_ = std::filesystem::temp_directory_path() /
           ("unm_chromium_" + std::to_string(::getpid()) + "_" +
            std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(dir_);
  }
  ~HeadlessChromium() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // screenshot renders `html` in a 1280-pixel-wide window (`height` high) and writes the PNG
  // to `png`. `script`, if given, runs at the end of the page first (e.g. to open a case).
  bool screenshot(const std::string& html, const std::filesystem::path& png,
                  const std::string& script = "", int height = 800) {
    const auto page = write_page(html, script);
    const std::string cmd = base(height) + "--screenshot=" + png.string() + " file://" +
                            page.string() + " >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0 && std::filesystem::exists(png);
  }

  // measure runs `script` at the end of the page; the script stores a string in
  // document.body.dataset.measure, which is returned (empty on failure).
  std::string measure(const std::string& html, const std::string& script) {
    const auto page = write_page(
        html, script +
                  "\n;(function(){var p=document.createElement('pre');p.id='unm-measure';"
                  "p.textContent=document.body.dataset.measure||'';"
                  "document.body.appendChild(p);})();");
    const auto dom = dir_ / "dom.html";
    const std::string cmd =
        base() + "--dump-dom file://" + page.string() + " > " + dom.string() + " 2>/dev/null";
    if (std::system(cmd.c_str()) != 0) return "";
    std::ifstream in(dom);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string open = "<pre id=\"unm-measure\">";
    const auto b = text.rfind(open);
    if (b == std::string::npos) return "";
    const auto e = text.find("</pre>", b);
    std::string m = text.substr(b + open.size(), e - b - open.size());
    // --dump-dom escapes text content.
    for (auto [from, to] :
         {std::pair{"&quot;", "\""}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}}) {
      for (auto p = m.find(from); p != std::string::npos; p = m.find(from, p + 1)) {
        m.replace(p, std::string(from).size(), to);
      }
    }
    return m;
  }

 private:
  std::string base(int height = 800) const {
    return "timeout 90 " + binary_ +
           " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
           "--disable-background-networking --disable-component-update --disable-sync "
           "--user-data-dir=" +
           (dir_ / "profile").string() + " --window-size=1280," + std::to_string(height) + " ";
  }
  std::filesystem::path write_page(const std::string& html, const std::string& script) {
    std::string page = html;
    if (!script.empty()) {
      const auto end = page.rfind("</body>");
      page.insert(end == std::string::npos ? page.size() : end, "<script>" + script + "</script>");
    }
    const auto path = dir_ / ("page" + std::to_string(pages_++) + ".html");
    std::ofstream(path) << page;
    return path;
  }

  std::string binary_;
  std::filesystem::path dir_;
  int pages_ = 0;
};

}  // namespace unm::conformance::testing
