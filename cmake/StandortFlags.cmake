# Compiler flags for every standort target, carried by one INTERFACE target.
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

add_library(standort_flags INTERFACE)
add_library(standort::flags ALIAS standort_flags)
target_compile_options(standort_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  # Option structs have defaults for every member; designated initialisers name only some.
  -Wno-missing-field-initializers
  # Bit-identical results across builds and thread counts: no fused multiply-add contraction.
  -ffp-contract=off
  # sqrt without errno lets loops of square roots vectorise; standort never reads errno after maths.
  -fno-math-errno)
# Boost 1.74 includes some of its own deprecated headers; the note it prints is not ours to fix.
target_compile_definitions(standort_flags INTERFACE BOOST_ALLOW_DEPRECATED_HEADERS)

option(STANDORT_FUZZ "Build the libFuzzer targets in tests/fuzz (clang; implies sanitizers)" OFF)
if(STANDORT_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "STANDORT_FUZZ needs clang's libFuzzer, but the compiler is "
                      "${CMAKE_CXX_COMPILER_ID}; configure with -DCMAKE_CXX_COMPILER=clang++")
endif()
if(STANDORT_SANITIZE OR STANDORT_FUZZ)
  # Every report is fatal, so a test or a fuzz run cannot pass with a finding printed in its log.
  # float-cast-overflow (a double out of an integer's range, e.g. a scenario's 1e300, converted to
  # it) is part of clang's "undefined" but has to be named for GCC.
  target_compile_options(standort_flags INTERFACE
    -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
  target_link_options(standort_flags INTERFACE -fsanitize=address,undefined,float-cast-overflow)
  # GCC's manual: sanitizers raise the rate of false -Wmaybe-uninitialized warnings (here in
  # libstdc++'s <regex>); the uninstrumented Release build keeps the warning.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(standort_flags INTERFACE -Wno-maybe-uninitialized)
  endif()
endif()
if(STANDORT_FUZZ)
  # The libraries carry libFuzzer's coverage hooks; only the fuzz targets link its main().
  target_compile_options(standort_flags INTERFACE -fsanitize=fuzzer-no-link)
endif()
