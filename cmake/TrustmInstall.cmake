# Install rules and the consumer-side package (docs/INSTALL.md):
#   lib/libtrustm.so.<soversion> + libtrustm.a  the library (every core layer in one file)
#   lib/libtrustm_pal_{linux,socket}.a           the ports, lib/libtrustm_compat.a the vendor API
#   include/trustm/...                           public headers (ports under include/trustm/pal)
#   bin/trustm, trustm-sim, trustm-protupd       the tools; man pages; bash completion
#   lib/cmake/trustm/                            find_package(trustm): trustm::trustm,
#                                                trustm::trustm_static, trustm::pal_linux,
#                                                trustm::pal_socket, trustm::compat
#   lib/pkgconfig/trustm.pc (+ trustm-pal-linux.pc, trustm-pal-socket.pc, trustm-compat.pc)
# The build's own layer targets keep their source-tree include paths; the installed libraries
# are separate targets made of the same object files.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(TRUSTM_SOVERSION 0)
set(_core "")
foreach(t trustm trustm_cmd trustm_proto trustm_codec trustm_common)
  if(TARGET ${t})
    list(APPEND _core $<TARGET_OBJECTS:${t}>)
  endif()
endforeach()
set(_inc_pal ${CMAKE_INSTALL_INCLUDEDIR}/trustm/pal)
set(_inc_compat ${CMAKE_INSTALL_INCLUDEDIR}/trustm/compat)

add_library(trustm_install_shared SHARED ${_core})
add_library(trustm_install_static STATIC ${_core})
set_target_properties(trustm_install_shared PROPERTIES OUTPUT_NAME trustm EXPORT_NAME trustm
                      VERSION ${PROJECT_VERSION} SOVERSION ${TRUSTM_SOVERSION})
set_target_properties(trustm_install_static PROPERTIES OUTPUT_NAME trustm EXPORT_NAME trustm_static)
foreach(t trustm_install_shared trustm_install_static)
  target_include_directories(${t} INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  if(TRUSTM_SHIELD)
    target_compile_definitions(${t} INTERFACE TRUSTM_CFG_SHIELD=1)
  endif()
endforeach()

# Ports and the vendor API: static, linking the installed library.
set(_installed_libs trustm_install_shared trustm_install_static)
foreach(part pal_linux pal_socket compat)
  set(src trustm_${part})
  set(dst trustm_install_${part})
  add_library(${dst} STATIC $<TARGET_OBJECTS:${src}>)
  set_target_properties(${dst} PROPERTIES OUTPUT_NAME trustm_${part} EXPORT_NAME ${part})
  target_link_libraries(${dst} INTERFACE trustm_install_shared)
  list(APPEND _installed_libs ${dst})
endforeach()
target_include_directories(trustm_install_pal_linux INTERFACE $<INSTALL_INTERFACE:${_inc_pal}>)
target_include_directories(trustm_install_pal_socket INTERFACE $<INSTALL_INTERFACE:${_inc_pal}>)
target_include_directories(trustm_install_compat INTERFACE $<INSTALL_INTERFACE:${_inc_compat}>
                                                           $<INSTALL_INTERFACE:${_inc_compat}/optiga>)
set(_gpiod_pc "")
if(TARGET PkgConfig::GPIOD)
  target_link_libraries(trustm_install_pal_linux INTERFACE gpiod)
  set(_gpiod_pc "-lgpiod")
endif()

install(TARGETS ${_installed_libs} EXPORT trustmTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/trustm/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/trustm
  FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_SOURCE_DIR}/pal/linux/trustm_pal_linux.h ${PROJECT_SOURCE_DIR}/pal/socket/trustm_pal_socket.h
  DESTINATION ${_inc_pal})
install(TARGETS trustm_tool trustm-sim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(EXPORT trustmTargets NAMESPACE trustm:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/trustm)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/trustmConfig.cmake
  "include(\${CMAKE_CURRENT_LIST_DIR}/trustmTargets.cmake)\n")
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/trustmConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/trustmConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/trustmConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/trustm)

# pkg-config files (relocatable: paths from ${prefix}).
set(TRUSTM_PC_CFLAGS "")
if(TRUSTM_SHIELD)
  set(TRUSTM_PC_CFLAGS "-DTRUSTM_CFG_SHIELD=1")
endif()
function(trustm_pc name descr requires libs cflags)
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/pkgconfig/${name}.pc
"prefix=\${pcfiledir}/../..
exec_prefix=\${prefix}
libdir=\${prefix}/${CMAKE_INSTALL_LIBDIR}
includedir=\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}

Name: ${name}
Description: ${descr}
Version: ${PROJECT_VERSION}
Requires: ${requires}
Libs: -L\${libdir} ${libs}
Cflags: -I\${includedir} ${cflags}
")
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/pkgconfig/${name}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()
trustm_pc(trustm "Host library for the OPTIGA(TM) Trust M2 ID2 secure element" "" "-ltrustm" "${TRUSTM_PC_CFLAGS}")
trustm_pc(trustm-pal-socket "trustm port: simulator daemon socket" "trustm" "-ltrustm_pal_socket"
          "-I\${includedir}/trustm/pal")
trustm_pc(trustm-pal-linux "trustm port: Linux i2c-dev" "trustm" "-ltrustm_pal_linux ${_gpiod_pc}"
          "-I\${includedir}/trustm/pal")
trustm_pc(trustm-compat "trustm: vendor host-library API (optiga_util, optiga_crypt)" "trustm" "-ltrustm_compat"
          "-I\${includedir}/trustm/compat -I\${includedir}/trustm/compat/optiga")

# Man pages and bash completion, generated from the tools' own --help (scripts/gen-docs.sh).
set(_gen ${CMAKE_CURRENT_BINARY_DIR}/generated)
add_custom_command(OUTPUT ${_gen}/man/trustm.1 ${_gen}/bash-completion/trustm
  COMMAND ${PROJECT_SOURCE_DIR}/scripts/gen-docs.sh $<TARGET_FILE:trustm_tool> $<TARGET_FILE:trustm-sim>
          $<TARGET_FILE:trustm-protupd> ${_gen} ${PROJECT_VERSION}
  DEPENDS trustm_tool trustm-sim trustm-protupd ${PROJECT_SOURCE_DIR}/scripts/gen-docs.sh
  COMMENT "man pages and bash completion from --help")
add_custom_target(trustm_docs ALL DEPENDS ${_gen}/man/trustm.1 ${_gen}/bash-completion/trustm)
install(DIRECTORY ${_gen}/man/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 FILES_MATCHING PATTERN "*.1")
install(DIRECTORY ${_gen}/bash-completion/ DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
