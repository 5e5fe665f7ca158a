# The one place compiler flags live: warnings, the language level and the sanitizers.
add_library(project_warnings INTERFACE)
add_library(pprocess::project_warnings ALIAS project_warnings)
target_compile_features(project_warnings INTERFACE cxx_std_20)
target_compile_options(project_warnings INTERFACE -Wall -Wextra -Wpedantic -Werror)
# No fused multiply-add: pixels must equal the original's exactly on every architecture.
target_compile_options(project_warnings INTERFACE -ffp-contract=off)
# Every symbol bound when a program starts, not at its first call: a forked process then finds
# them bound instead of resolving each again (and copying the page it writes the address to).
target_link_options(project_warnings INTERFACE -Wl,-z,now)

set(PPROCESS_SANITIZE "" CACHE STRING
    "Sanitizers for every target of the project: empty, 'address;undefined' or 'thread'")
if(PPROCESS_SANITIZE)
  list(JOIN PPROCESS_SANITIZE "," _sanitizers)
  target_compile_options(project_warnings INTERFACE
                         -fsanitize=${_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(project_warnings INTERFACE -fsanitize=${_sanitizers})
endif()
