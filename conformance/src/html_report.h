// html_report.h — the single-file HTML report of one run or of several runs side by side.
//
// The page opens on a summary (counts by outcome and a matrix of every case, coloured by
// outcome, grouped by area tag), then the cases that need attention (fail, unexpected-pass,
// error, non-strict, lenient) before the rest, grouped by area and ordered by clause. Every case
// is a <details> element that expands in place to its transcript (direction, offset from the
// case start, pretty JSON, the failing frame marked, expected vs observed side by side), so the
// page is readable without JavaScript; a small inline script only adds filters by outcome, tag
// and clause. With several runs the matrix has one row of cells per implementation and every
// case says whether the implementations agree. No external resources; the layout wraps to the
// window (no horizontal scroll at 1280 px).
#pragma once

#include <string>
#include <vector>

#include "conformance/src/outcome.h"
#include "conformance/src/report.h"

namespace unm::conformance {

// ReportRun is one run shown in a report: a name for its column (the implementation), its
// metadata and its classified cases.
struct ReportRun {
  std::string name;
  RunMeta meta;
  std::vector<CaseResult> results;
};

// render_html_report renders one or more runs as one self-contained HTML page.
std::string render_html_report(const std::vector<ReportRun>& runs);

// FrameView is one transcript frame decoded for display.
struct FrameView {
  std::string label;  // "EVENT", "ACK 3", "CONNECT", "ping", ...
  std::string body;   // the payload, pretty-printed when it is JSON
};
// decode_frame decodes an Engine.IO text packet (with the Socket.IO packet inside a message).
FrameView decode_frame(std::string_view frame);

// ExpectedObserved splits a failure reason into what was expected and what was observed
// ("…expected success, got {…}"); both empty when the reason has no such form.
struct ExpectedObserved {
  std::string expected;
  std::string observed;
};
ExpectedObserved split_reason(std::string_view reason);

// failing_frame is the index of the transcript frame that shows the failure (the last frame
// received during the failing step, else the last sent), or -1 when there is none.
long failing_frame(const CaseRun& run);

}  // namespace unm::conformance
