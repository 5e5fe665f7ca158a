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
# The version file: below 1.0 a request is met by its own minor version only (a minor release
# may break what the one before offered), from 1.0 on by any later release of its major version.
file(GLOB_RECURSE version_file ${WORK_DIR}/prefix/*/pprocessConfigVersion.cmake)
# compatible(<major> <minor> <variable>): whether the installed pprocess meets a request for
# <major>.<minor>; sets `installed` to its version too.
function(compatible major minor variable)
  set(PACKAGE_FIND_VERSION ${major}.${minor})
  set(PACKAGE_FIND_VERSION_MAJOR ${major})
  set(PACKAGE_FIND_VERSION_MINOR ${minor})
  include(${version_file})
  set(${variable} ${PACKAGE_VERSION_COMPATIBLE} PARENT_SCOPE)
  set(installed ${PACKAGE_VERSION} PARENT_SCOPE)
endfunction()
compatible(0 0 ignored)
string(REGEX MATCH "^([0-9]+)\\.([0-9]+)" matched ${installed})
set(major ${CMAKE_MATCH_1})
set(minor ${CMAKE_MATCH_2})
compatible(${major} ${minor} same)
if(NOT same)
  message(FATAL_ERROR "pprocess ${installed} does not meet a request for ${major}.${minor}")
endif()
if(minor GREATER 0)
  math(EXPR earlier "${minor} - 1")
  compatible(${major} ${earlier} earlier_compatible)
  if(major EQUAL 0 AND earlier_compatible)
    message(FATAL_ERROR "pprocess ${installed} claims to meet a request for 0.${earlier}")
  elseif(major GREATER 0 AND NOT earlier_compatible)
    message(FATAL_ERROR "pprocess ${installed} does not meet a request for ${major}.${earlier}")
  endif()
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
