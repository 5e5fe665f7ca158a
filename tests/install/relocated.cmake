# Installs the already-built project into a scratch prefix, moves the installed tree elsewhere (as
# a package staged with DESTDIR, or a prefix copied to another machine, is), and runs the moved
# pygmy: its --help must name the scenes in the moved tree, not the prefix it was built for, and a
# bundled scene named without its path must render from there.
#   cmake -DBINARY_DIR=<build folder> -DWORK_DIR=<scratch folder> -P relocated.cmake
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${WORK_DIR}/prefix
                OUTPUT_QUIET RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "installing into ${WORK_DIR}/prefix failed")
endif()
file(RENAME ${WORK_DIR}/prefix ${WORK_DIR}/moved)
file(REAL_PATH ${WORK_DIR}/moved moved)
set(scenes ${moved}/share/pygmy/scenes)
set(pygmy ${moved}/bin/pygmy)

foreach(help "--help" "render;--help")
  execute_process(COMMAND ${pygmy} ${help} OUTPUT_VARIABLE out ERROR_VARIABLE err
                  RESULT_VARIABLE result)
  if(result)
    message(FATAL_ERROR "pygmy ${help} failed: ${err}")
  endif()
  string(FIND "${out}" "${scenes}/README.md" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "pygmy ${help} does not name ${scenes}/README.md:\n${out}")
  endif()
endforeach()

# From a folder without a file called tiny: the name is the bundled scene's.
file(MAKE_DIRECTORY ${WORK_DIR}/elsewhere)
execute_process(COMMAND ${pygmy} render tiny --size 32x20 -o tiny.png
                WORKING_DIRECTORY ${WORK_DIR}/elsewhere
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "pygmy render tiny failed: ${err}")
endif()
if(NOT out MATCHES "^pygmy: tiny.png 32x20, scene tiny, " OR NOT EXISTS ${WORK_DIR}/elsewhere/tiny.png)
  message(FATAL_ERROR "pygmy render tiny did not render the bundled scene: ${out}${err}")
endif()
file(REMOVE_RECURSE ${WORK_DIR})
