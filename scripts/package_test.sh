#!/usr/bin/env bash
# package_test.sh BUILD_DIR — the Debian package as a user gets it (CTest package_deb_install):
# cpack builds it from the binaries already built in BUILD_DIR, dpkg-deb checks its fields and
# contents and extracts it into a temporary root, and from a folder outside the source and build
# trees the extracted programs run `list`, `coverage` and the default suite against the extracted
# reference server. Exit status 0 when everything holds.
set -euo pipefail
# shellcheck source=../conformance/tests/reference_server.sh
. "$(dirname "$0")/../conformance/tests/reference_server.sh"
build_dir="$(cd "$1" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/unm-package-test.XXXXXX")"
server_pid=""
cleanup() {
  stop_reference_server
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "package_test: FAIL: $*" >&2
  exit 1
}

t0=$(date +%s)
cpack --config "$build_dir/CPackConfig.cmake" -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log" >&2; fail "cpack failed"; }
deb="$(ls "$work"/pkg/unmanageable_*.deb)"
echo "package_test: built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB) in $(($(date +%s) - t0)) s"

# Depends: computed by dpkg-shlibdeps; these are the libraries the programs link.
depends="$(dpkg-deb --field "$deb" Depends)"
echo "package_test: Depends: $depends"
for lib in libc6 libstdc++6 libsodium23 libsqlite3-0 libssl3; do
  [[ ", $depends," == *", $lib "* || ", $depends," == *", $lib,"* ]] ||
    fail "Depends lacks $lib: $depends"
done
dpkg-deb --contents "$deb" >"$work/contents"
for f in ./usr/bin/unmanageable-server ./usr/bin/unmanageable-client \
  ./usr/bin/unmanageable-conformance ./usr/bin/unmanageable-load \
  ./usr/share/unmanageable/scenarios/auth.json ./usr/share/unmanageable/vectors/kdf.json \
  ./usr/share/unmanageable/spec/events.md ./usr/share/unmanageable/expectations/deployed.json \
  ./usr/share/unmanageable/schema/junit.xsd ./usr/share/doc/unmanageable/copyright \
  ./usr/share/doc/unmanageable/LICENSE ./usr/share/doc/unmanageable/docs/ci.md; do
  grep -q " $f\$" "$work/contents" || fail "the package lacks $f"
done

dpkg-deb -x "$deb" "$work/root"
bin="$work/root/usr/bin"
# Outside the source and build trees, with no data variables: the programs must find their data
# beside themselves (share/unmanageable).
mkdir -p "$work/elsewhere"
cd "$work/elsewhere"
unset UNM_DATA_DIR UNM_SCENARIOS_DIR UNM_VECTORS_DIR UNM_SPEC_DIR
for p in unmanageable-server unmanageable-client unmanageable-conformance unmanageable-load; do
  v="$("$bin/$p" --version)" || fail "$p --version: exit $?"
  [[ "$v" == "$p "[0-9]*" (commit "*")" ]] || fail "$p --version: $v"
done
"$bin/unmanageable-conformance" list >"$work/list.txt" || fail "list"
tail -n 1 "$work/list.txt" | grep -q '^[1-9][0-9]* cases$' || fail "list: $(tail -n 1 "$work/list.txt")"
"$bin/unmanageable-conformance" coverage >"$work/coverage.txt" || fail "coverage"
grep -q "EV-" "$work/coverage.txt" || fail "coverage names no clause"
echo "package_test: list: $(tail -n 1 "$work/list.txt"); coverage: ok"

start_reference_server "$bin/unmanageable-server" "$work" || fail "the extracted server did not start"
t1=$(date +%s)
status=0
"$bin/unmanageable-conformance" run --target "$url" --jobs 2 --quiet --junit "$work/junit.xml" \
  --json "$work/report.json" >"$work/run.out" 2>&1 || status=$?
tail -n 15 "$work/run.out"
[ "$status" -eq 0 ] || fail "run: exit $status"
echo "package_test: full run from the extracted package in $(($(date +%s) - t1)) s"
