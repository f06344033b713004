# Install-time step (see install.cmake): the installed libraries and programs lose their debug info.
#   shared objects and programs: with CAIRN_SPLIT_DEBUG_INFO, the debug info is kept in
#     <prefix>/<libdir>/debug/.build-id/xx/yyyy.debug, Debian's -dbgsym layout, where gdb finds it
#     by build ID (under /usr as is; elsewhere `set debug-file-directory <prefix>/<libdir>/debug`);
#   static libraries: stripped of debug info (a consumer who debugs into cairn builds it from source);
#   with CAIRN_SPLIT_DEBUG_INFO OFF everything is only stripped.
# Input variables: CAIRN_OBJCOPY, CAIRN_READELF, CAIRN_SPLIT_DEBUG_INFO, CAIRN_INSTALL_LIBDIR, CAIRN_INSTALL_BINDIR,
# and CMAKE_INSTALL_PREFIX / ENV{DESTDIR} from `cmake --install`.
set(_root "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}")
set(_debugdir "${_root}/${CAIRN_INSTALL_LIBDIR}/debug")
file(GLOB _archives "${_root}/${CAIRN_INSTALL_LIBDIR}/libcairn*.a")
file(GLOB _shared "${_root}/${CAIRN_INSTALL_LIBDIR}/libcairn*.so.*.*.*")
file(GLOB _programs "${_root}/${CAIRN_INSTALL_BINDIR}/cairn-*")

foreach(_file IN LISTS _archives)
  execute_process(COMMAND "${CAIRN_OBJCOPY}" --strip-debug "${_file}" COMMAND_ERROR_IS_FATAL ANY)
endforeach()

foreach(_file IN LISTS _shared _programs)
  if(IS_SYMLINK "${_file}")
    continue()
  endif()
  execute_process(COMMAND "${CAIRN_READELF}" --wide --section-headers --notes "${_file}"
                  OUTPUT_VARIABLE _elf ERROR_QUIET)
  string(REGEX MATCH "Build ID: ([0-9a-f][0-9a-f])([0-9a-f]+)" _build_id "${_elf}")
  # (Saved now: the if(MATCHES) below resets CMAKE_MATCH_<n>.)
  set(_id_dir "${CMAKE_MATCH_1}")
  set(_id_file "${CMAKE_MATCH_2}")
  # Only a file that has debug info and a build ID gets a .debug companion (Release has none).
  if(CAIRN_SPLIT_DEBUG_INFO AND _elf MATCHES " \\.debug_info " AND _build_id)
    set(_debug "${_debugdir}/.build-id/${_id_dir}/${_id_file}.debug")
    get_filename_component(_dir "${_debug}" DIRECTORY)
    file(MAKE_DIRECTORY "${_dir}")
    execute_process(COMMAND "${CAIRN_OBJCOPY}" --only-keep-debug --compress-debug-sections
                            "${_file}" "${_debug}" COMMAND_ERROR_IS_FATAL ANY)
    execute_process(COMMAND "${CAIRN_OBJCOPY}" --strip-debug --remove-section=.gnu_debuglink
                            "--add-gnu-debuglink=${_debug}" "${_file}" COMMAND_ERROR_IS_FATAL ANY)
    message(STATUS "Debug info: ${_debug}")
  else()
    execute_process(COMMAND "${CAIRN_OBJCOPY}" --strip-debug "${_file}" COMMAND_ERROR_IS_FATAL ANY)
  endif()
endforeach()
