# cairn's install rules (included from the top-level CMakeLists.txt when CAIRN_INSTALL is ON):
# headers, the libraries cairn::cairn, cairn::net, cairn::mcp, cairn::process and cairn::cairn_c, the CMake package and the
# pkg-config file. Programs are installed by their own directories. What is installed is sized like
# a release: debug info is split off into <libdir>/debug (CAIRN_SPLIT_DEBUG_INFO) or stripped.
include(CMakePackageConfigHelpers)
install(DIRECTORY include/cairn DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES capi/include/cairn.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS cairn cairn_net cairn_mcp cairn_process cairn_c EXPORT cairnTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
set_target_properties(cairn_net PROPERTIES EXPORT_NAME net)
set_target_properties(cairn_mcp PROPERTIES EXPORT_NAME mcp)
set_target_properties(cairn_process PROPERTIES EXPORT_NAME process)
install(EXPORT cairnTargets NAMESPACE cairn:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cairn)
configure_package_config_file(cmake/cairnConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/cairnConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cairn)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/cairnConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/cairnConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/cairnConfigVersion.cmake
              cmake/FindArgon2.cmake
              cmake/FindHttpParser.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cairn)
# Relocatable: the prefix is found from the .pc file's own place, so `cmake --install --prefix P`
# yields a working file for any P.
file(RELATIVE_PATH CAIRN_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
configure_file(cmake/cairn.pc.in ${CMAKE_CURRENT_BINARY_DIR}/cairn.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/cairn.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Runs last (this file is included after every add_subdirectory), so every installed library and
# program is in place: split or strip the debug info of what was just installed.
if(CMAKE_OBJCOPY AND CMAKE_READELF)
  install(CODE "
    set(CAIRN_OBJCOPY \"${CMAKE_OBJCOPY}\")
    set(CAIRN_READELF \"${CMAKE_READELF}\")
    set(CAIRN_SPLIT_DEBUG_INFO ${CAIRN_SPLIT_DEBUG_INFO})
    set(CAIRN_INSTALL_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
    set(CAIRN_INSTALL_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
    include(\"${CMAKE_CURRENT_LIST_DIR}/split_debug_info.cmake\")")
endif()
