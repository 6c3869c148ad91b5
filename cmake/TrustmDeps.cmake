# Host-side dependencies, all from Debian packages (see scripts/deps.sh).
# mbedTLS 2.28 (libmbedtls-dev) ships no CMake package: locate it by hand.
find_path(MBEDTLS_INCLUDE_DIR mbedtls/version.h REQUIRED)
find_library(MBEDCRYPTO_LIBRARY mbedcrypto REQUIRED)
find_library(MBEDX509_LIBRARY mbedx509 REQUIRED)
find_library(MBEDTLS_LIBRARY mbedtls REQUIRED)
if(NOT TARGET trustm_mbedtls)
  add_library(trustm_mbedtls INTERFACE)
  target_include_directories(trustm_mbedtls SYSTEM INTERFACE ${MBEDTLS_INCLUDE_DIR})
  target_link_libraries(trustm_mbedtls INTERFACE ${MBEDTLS_LIBRARY} ${MBEDX509_LIBRARY} ${MBEDCRYPTO_LIBRARY})
endif()

pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
pkg_check_modules(GPIOD IMPORTED_TARGET libgpiod)

# Where the shared specification vectors live, if present (tests skip without them).
set(TRUSTM_SHARED_DIR "${PROJECT_SOURCE_DIR}/../shared" CACHE PATH "Path to the shared/ folder (spec vectors, reference docs)")
