# wait.sh — sourced by the loopback test drivers (POSIX sh): bounded waits on the output files of
# the programs they start.
#   wait_for FILE PATTERN  — up to 10 s for a line of FILE matching PATTERN (grep); 0 when found.
#   wait_url FILE          — up to 20 s for a "listening on http://…" line; prints the URL.

wait_for() {
  _i=0
  while [ $_i -lt 100 ]; do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
    _i=$((_i + 1))
  done
  return 1
}

wait_url() {
  _i=0
  while [ $_i -lt 200 ]; do
    _url="$(grep -o 'listening on http://[^ ]*' "$1" 2>/dev/null | head -1 | sed 's/listening on //')"
    if [ -n "$_url" ]; then
      echo "$_url"
      return 0
    fi
    sleep 0.1
    _i=$((_i + 1))
  done
  return 1
}
