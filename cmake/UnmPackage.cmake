# UnmPackage — the Debian package (`cpack -G DEB`, run by scripts/package.sh): what
# `cmake --install` installs (UnmInstall.cmake), under /usr, with its Depends: computed by
# dpkg-shlibdeps from the binaries (libsodium23, libsqlite3-0, libssl3, libstdc++6, libc6, …).
set(CPACK_PACKAGE_NAME unmanageable)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Unmanageable reference implementation authors")
set(CPACK_PACKAGE_CONTACT "Unmanageable reference implementation authors <unmanageable@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Unmanageable chat protocol: reference server, client and conformance harness")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "The clean-room reference implementation of the Unmanageable end-to-end-encrypted chat
protocol (Socket.IO v5 over Engine.IO v4) and its conformance harness: unmanageable-server,
unmanageable-client, unmanageable-conformance (with its scenarios, test vectors and clause
catalogue) and the load tool unmanageable-load.")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # unmanageable_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/package")
include(CPack)

# cpack packages what is built; it builds nothing itself (scripts/package.sh builds first), so the
# package test below reuses the binaries of the build.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

# The package as a user gets it: built, extracted, run from elsewhere (scripts/package_test.sh).
find_program(UNM_DPKG_DEB dpkg-deb)
find_program(UNM_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(UNM_BUILD_TESTS AND UNM_DPKG_DEB AND UNM_DPKG_SHLIBDEPS AND TARGET unmanageable-server
    AND TARGET unmanageable-conformance AND TARGET unmanageable-client AND TARGET unmanageable-load)
  add_test(NAME package_deb_install
    COMMAND ${PROJECT_SOURCE_DIR}/scripts/package_test.sh ${PROJECT_BINARY_DIR})
  set_tests_properties(package_deb_install PROPERTIES TIMEOUT 600 LABELS "package;e2e")
endif()
