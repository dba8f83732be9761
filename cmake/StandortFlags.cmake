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
if(STANDORT_SANITIZE)
  target_compile_options(standort_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(standort_flags INTERFACE -fsanitize=address,undefined)
endif()
