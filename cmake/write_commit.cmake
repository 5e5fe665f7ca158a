cmake_minimum_required(VERSION 3.25)  # the policies of the project
# Writes OUTPUT, a header defining PYGMY_COMMIT: the commit of SOURCE_DIR (`git describe --always
# --dirty`), or "unknown" outside a git checkout. Run at every build; the file is rewritten only
# when the commit changes, so only then does what includes it compile again.
set(commit unknown)
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} describe --always --dirty
                  OUTPUT_VARIABLE described OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE result ERROR_QUIET)
  if(result EQUAL 0 AND described)
    set(commit ${described})
  endif()
endif()
file(CONFIGURE OUTPUT ${OUTPUT} @ONLY CONTENT
"// Written by cmake/write_commit.cmake at build time: the commit the command was built from.
#pragma once
#define PYGMY_COMMIT \"@commit@\"
")
