# UnmData — the data the programs read at run time (reference/common/data_dir.h), staged in the
# build tree with the installed layout (share/unmanageable/<sub>) so that a program run from the
# build tree finds it as an installed one does. Rebuilt when a file changes (CONFIGURE_DEPENDS
# notices new and removed files).
set(UNM_DATA_FOLDERS
  "scenarios=conformance/scenarios"
  "vectors=vectors/data"
  "spec=conformance/spec"
  "expectations=conformance/expectations"
  "schema=conformance/schema")
set(UNM_DATA_STAGE "${PROJECT_BINARY_DIR}/share/unmanageable")

set(_unm_data_files "")
set(_unm_data_commands "")
foreach(_entry IN LISTS UNM_DATA_FOLDERS)
  string(REPLACE "=" ";" _pair "${_entry}")
  list(GET _pair 0 _sub)
  list(GET _pair 1 _src)
  file(GLOB _files CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/${_src}/*")
  list(APPEND _unm_data_files ${_files})
  list(APPEND _unm_data_commands
    COMMAND ${CMAKE_COMMAND} -E rm -rf "${UNM_DATA_STAGE}/${_sub}"
    COMMAND ${CMAKE_COMMAND} -E copy_directory "${PROJECT_SOURCE_DIR}/${_src}"
      "${UNM_DATA_STAGE}/${_sub}")
  # Installed copies: bin/../share/unmanageable/<sub>.
  install(DIRECTORY "${PROJECT_SOURCE_DIR}/${_src}/"
    DESTINATION "${CMAKE_INSTALL_DATADIR}/unmanageable/${_sub}")
endforeach()

add_custom_command(OUTPUT "${UNM_DATA_STAGE}/.stamp"
  ${_unm_data_commands}
  COMMAND ${CMAKE_COMMAND} -E touch "${UNM_DATA_STAGE}/.stamp"
  DEPENDS ${_unm_data_files}
  COMMENT "Staging scenarios, vectors, spec copies, expectations and schema in share/unmanageable"
  VERBATIM)
add_custom_target(unm_data ALL DEPENDS "${UNM_DATA_STAGE}/.stamp")
