# Configures, builds and runs the project in subproject/, which add_subdirectory()s this
# repository. The packages that only the tests, benchmarks and pygmy need are hidden from it, so
# configuring fails if any part but the library is built by default.
#   cmake -DSOURCE_DIR=<repository> -DWORK_DIR=<scratch folder> -P subproject.cmake
file(REMOVE_RECURSE ${WORK_DIR})
set(hidden)
foreach(package GTest benchmark glm TIFF PNG nlohmann_json CLI11 MPI OpenMP TBB)
  list(APPEND hidden -DCMAKE_DISABLE_FIND_PACKAGE_${package}=ON)
endforeach()
# No build type: unoptimised, the quickest to compile. The hidden packages go unused when all is
# well, which is not worth CMake's warning.
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install/subproject -B ${WORK_DIR}
                        -DPPROCESS_SOURCE_DIR=${SOURCE_DIR} ${hidden} --no-warn-unused-cli
                RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "configuring a project that add_subdirectory()s pprocess failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR} --parallel 2 RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "building the library as a subproject failed")
endif()
execute_process(COMMAND ${WORK_DIR}/uses_pprocess RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "the program linked against pprocess as a subproject failed")
endif()
