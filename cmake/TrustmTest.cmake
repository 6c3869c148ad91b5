# trustm_add_test(NAME <name> SOURCES <c files...> LIBS <targets...> [LABELS <labels...>])
# Builds one cmocka test executable and registers it with ctest. Tests get TRUSTM_SHARED_DIR
# (the shared/ folder with the spec vectors) as a compile definition; tests that need it skip
# with a message when it is absent.
function(trustm_add_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} PkgConfig::CMOCKA trustm_testutil)
  target_compile_definitions(${T_NAME} PRIVATE TRUSTM_SHARED_DIR="${TRUSTM_SHARED_DIR}")
  # through scripts/run-test.sh: a program whose cases passed but some skipped (with a printed
  # "SKIP:" reason) exits 77 and is reported by ctest as skipped, not passed
  add_test(NAME ${T_NAME} COMMAND sh ${PROJECT_SOURCE_DIR}/scripts/run-test.sh $<TARGET_FILE:${T_NAME}>)
  set_tests_properties(${T_NAME} PROPERTIES SKIP_RETURN_CODE 77)
  if(T_LABELS)
    set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()

# trustm_sanitizer_runtime(<var>): in sanitizer and fuzz builds, the path of the ASan runtime to
# preload into an uninstrumented program (mosquitto) that loads an instrumented plugin; else "".
function(trustm_sanitizer_runtime var)
  set(_path "")
  if(TRUSTM_SANITIZE OR TRUSTM_FUZZ)
    if(CMAKE_C_COMPILER_ID MATCHES "Clang")
      set(_rt libclang_rt.asan-x86_64.so)
    else()
      set(_rt libasan.so)
    endif()
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=${_rt}
                    OUTPUT_VARIABLE _rt_path OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(EXISTS "${_rt_path}")
      set(_path "${_rt_path}")
    endif()
  endif()
  set(${var} "${_path}" PARENT_SCOPE)
endfunction()
