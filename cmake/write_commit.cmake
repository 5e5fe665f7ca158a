cmake_minimum_required(VERSION 3.25)  # the policies of the project
# Writes OUTPUT, a header defining PYGMY_COMMIT: the commit of SOURCE_DIR (`git rev-parse --short
# HEAD`, with "-dirty" when tracked files have changes), or "unknown" outside a git checkout (a
# source tarball). Run at every build; the file is rewritten only when its text changes, so only
# then does what includes it (build_info.cpp, speedup_command.cpp) compile again.
set(commit unknown)
find_package(Git QUIET)
if(GIT_FOUND)
  # A source tarball unpacked inside another checkout is not that checkout's commit.
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} rev-parse --show-toplevel
                  OUTPUT_VARIABLE top OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE result ERROR_QUIET)
  file(REAL_PATH "${SOURCE_DIR}" source)
  if(result EQUAL 0 AND top)
    file(REAL_PATH "${top}" top)
  endif()
  if(result EQUAL 0 AND top STREQUAL source)
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} rev-parse --short HEAD
                    OUTPUT_VARIABLE head OUTPUT_STRIP_TRAILING_WHITESPACE
                    RESULT_VARIABLE result ERROR_QUIET)
  else()
    set(head "")
  endif()
  if(result EQUAL 0 AND head)
    set(commit ${head})
    # Untracked files are left out: a build folder inside the checkout is one.
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} status --porcelain
                            --untracked-files=no
                    OUTPUT_VARIABLE changes OUTPUT_STRIP_TRAILING_WHITESPACE
                    RESULT_VARIABLE result ERROR_QUIET)
    if(result EQUAL 0 AND changes)
      string(APPEND commit -dirty)
    endif()
  endif()
endif()
file(CONFIGURE OUTPUT ${OUTPUT} @ONLY CONTENT
"// Written by cmake/write_commit.cmake at build time: the commit the command was built from.
#pragma once
#define PYGMY_COMMIT \"@commit@\"
")
