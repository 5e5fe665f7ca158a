# The fuzz build (PPROCESS_BUILD_FUZZ, the `fuzz` preset): clang's libFuzzer with ASan and UBSan.
# Every target of the project is instrumented for coverage and checked by the sanitizers, through
# project_warnings; a fuzz target also links project_fuzzer, which brings libFuzzer's main().
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "PPROCESS_BUILD_FUZZ needs clang for libFuzzer: use the fuzz preset")
endif()
if(PPROCESS_SANITIZE)
  message(FATAL_ERROR "PPROCESS_BUILD_FUZZ brings its own sanitizers: leave PPROCESS_SANITIZE empty")
endif()

target_compile_options(project_warnings INTERFACE
                       -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                       -fno-sanitize-recover=all)
target_link_options(project_warnings INTERFACE -fsanitize=address,undefined)

add_library(project_fuzzer INTERFACE)
target_compile_options(project_fuzzer INTERFACE -fsanitize=fuzzer,address,undefined)
target_link_options(project_fuzzer INTERFACE -fsanitize=fuzzer,address,undefined)
