# targets.sh — sourced by the fuzz scripts (run-campaign.sh, minimize-corpus.sh): the names of
# the fuzz targets (fuzz/CMakeLists.txt builds one fuzz_<name> per entry) and how a script picks
# among them, so that a new target is added to the scripts in one place.
# shellcheck shell=bash

ALL_TARGETS="eio_packet eio_payload sio_packet group_tree event_args server_dispatch vector_file scenario_file"

# select_targets SCRIPT WHICH sets TARGETS to every target (WHICH = all) or to WHICH alone; an
# unknown name ends the script with exit status 2 and a one-line message naming SCRIPT.
select_targets() {
  if [ "$2" = all ]; then
    TARGETS="$ALL_TARGETS"
    return
  fi
  case " $ALL_TARGETS " in
    *" $2 "*) TARGETS="$2" ;;
    *) echo "$1: unknown target $2 (one of: $ALL_TARGETS)" >&2; exit 2 ;;
  esac
}
