#!/usr/bin/env bash
# e2e.sh SERVER_EXE RUNNER_EXE [run args…] — the default suite against a freshly started
# reference server (127.0.0.1, port chosen by the OS, temporary SQLite file). Exit status is the
# runner's: the suite must pass against the reference server.
set -uo pipefail
server_exe="$1"
runner_exe="$2"
shift 2
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=reference_server.sh
. "$here/reference_server.sh"
work="$(mktemp -d "${TMPDIR:-/tmp}/unm-conf-e2e.XXXXXX")"
trap 'stop_reference_server; rm -rf "$work"' EXIT
start_reference_server "$server_exe" "$work" || exit 2
"$runner_exe" run --target "$url" --jobs 2 --quiet --junit "$work/junit.xml" "$@"
status=$?
if command -v xmllint >/dev/null 2>&1; then
  xmllint --noout --schema "$here/../schema/junit.xsd" "$work/junit.xml" || exit 1
fi
exit "$status"
