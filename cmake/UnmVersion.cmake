# UnmVersion — the unm_version library: the project version (project(VERSION)) and the git
# commit the build came from (reference/common/version.h). The commit is read at every build, not
# only at configure time, so `--version` and the reports name the commit a binary was built from.
set(UNM_VERSION_CC "${PROJECT_BINARY_DIR}/generated/build_info.cc")
add_custom_target(unm_version_info
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
    -DIN=${PROJECT_SOURCE_DIR}/cmake/build_info.cc.in -DOUT=${UNM_VERSION_CC}
    -DPROJECT_VERSION=${PROJECT_VERSION} -P ${PROJECT_SOURCE_DIR}/cmake/UnmVersionInfo.cmake
  BYPRODUCTS ${UNM_VERSION_CC}
  COMMENT "Reading the git commit for --version"
  VERBATIM)
add_library(unm_version STATIC ${UNM_VERSION_CC} ${PROJECT_SOURCE_DIR}/reference/common/version.cc)
add_dependencies(unm_version unm_version_info)
target_include_directories(unm_version PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(unm_version PRIVATE unm_build_flags)
