# Installs the already-built pprocess into a scratch prefix, then configures, builds and runs
# the project in this folder against it.
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "installing pprocess failed")
endif()
# The command comes with the description of its scene files (its --help points there).
if(WITH_PYGMY AND NOT EXISTS ${WORK_DIR}/prefix/share/pygmy/scenes/README.md)
  message(FATAL_ERROR "scenes/README.md is not installed as share/pygmy/scenes/README.md")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install -B ${WORK_DIR}/build
                        -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "configuring a project that uses find_package(pprocess) failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "building against the installed pprocess failed")
endif()
execute_process(COMMAND ${WORK_DIR}/build/uses_pprocess RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "the program linked against the installed pprocess failed")
endif()
