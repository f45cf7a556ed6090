# UnmVersionInfo.cmake — script mode (cmake -P), run at every build by the unm_version_info
# target: writes OUT (build_info.cc) from IN with the project version and the commit the sources are
# at. configure_file rewrites OUT only when its text changes, so a new commit recompiles one file
# and relinks the programs, nothing else.
#
# Inputs: -DSOURCE_DIR=... -DIN=... -DOUT=... -DPROJECT_VERSION=...
set(UNM_GIT_COMMIT "unknown")
find_program(UNM_GIT git)
if(UNM_GIT AND EXISTS "${SOURCE_DIR}/.git")
  # --exclude '*': no tag names, only the abbreviated commit (and -dirty for local changes).
  execute_process(COMMAND "${UNM_GIT}" -C "${SOURCE_DIR}" describe --always --dirty
                    --abbrev=12 --exclude=*
    OUTPUT_VARIABLE _commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0 AND _commit)
    set(UNM_GIT_COMMIT "${_commit}")
  endif()
endif()
configure_file("${IN}" "${OUT}" @ONLY)
