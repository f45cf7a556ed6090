#!/usr/bin/env bash
# cli_uniform_test.sh PROGRAM... — every program answers its command line the same way
# (reference/common/command_line.h, issue 17): --help prints the usage on stdout and exits 0;
# --version prints "<name> <version> (commit <sha>)" and exits 0; an unknown option prints
# exactly one line "<name>: … (see <name> --help)" on stderr, nothing on stdout, and exits 2.
# A PROGRAM may name a subcommand after a space ("…/unmanageable-conformance observe"): its name
# in messages is then "unmanageable-conformance observe"; --version names the executable.
set -uo pipefail
work="$(mktemp -d "${TMPDIR:-/tmp}/unm-cli-uniform.XXXXXX")"
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
for spec in "$@"; do
  read -r -a words <<<"$spec"
  exe="${words[0]}"
  sub=("${words[@]:1}")
  exe_name="$(basename "$exe")"
  name="$exe_name${sub[*]:+ ${sub[*]}}"
  timeout 10 "$exe" "${sub[@]}" --help >"$work/out" 2>"$work/err"
  status=$?
  [ "$status" -eq 0 ] || fail "$name --help: exit $status"
  head -n 1 "$work/out" | grep -q "^usage: $name" || fail "$name --help: no usage line"
  [ ! -s "$work/err" ] || fail "$name --help wrote to stderr: $(cat "$work/err")"

  timeout 10 "$exe" "${sub[@]}" --version >"$work/out" 2>"$work/err"
  status=$?
  [ "$status" -eq 0 ] || fail "$name --version: exit $status"
  grep -Eq "^$exe_name [0-9]+\.[0-9]+\.[0-9]+ \(commit [^)]+\)$" "$work/out" &&
    [ "$(wc -l <"$work/out")" -eq 1 ] || fail "$name --version printed: $(cat "$work/out")"

  for bad in --no-such-option --no-such-option=1; do
    timeout 10 "$exe" "${sub[@]}" "$bad" >"$work/out" 2>"$work/err"
    status=$?
    [ "$status" -eq 2 ] || fail "$name $bad: exit $status, expected 2"
    [ ! -s "$work/out" ] || fail "$name $bad wrote to stdout: $(head -n 1 "$work/out")"
    [ "$(wc -l <"$work/err")" -eq 1 ] || fail "$name $bad: expected one stderr line, got: $(cat "$work/err")"
    grep -q "^$name: .*--no-such-option.* (see $name --help)$" "$work/err" ||
      fail "$name $bad: message not in the common form: $(cat "$work/err")"
  done
  echo "$name: ok"
done
[ "$failures" -eq 0 ]
