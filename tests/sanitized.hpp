// Whether the tests, and so the library and the command they run, were built with a sanitizer
// (the asan or tsan preset). Its runtime needs what some tests take away: address space under a
// limit, or a free descriptor (UBSan opens a pipe to check a pointer it may not read).
#pragma once

inline constexpr bool kSanitized = PPROCESS_TESTS_SANITIZED;
