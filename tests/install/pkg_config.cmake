# Installs the already-built pprocess into a scratch prefix, then compiles and runs a program
# with nothing but the flags `pkg-config --cflags --libs pprocess` gives, as a Makefile would:
# not even -std=c++20, which the .pc file must carry (GCC 12 compiles C++17 by default).
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${WORK_DIR}/prefix
                OUTPUT_QUIET RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "installing pprocess failed")
endif()
file(GLOB_RECURSE installed ${WORK_DIR}/prefix/*/pprocess.pc)
list(LENGTH installed count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "expected one pprocess.pc under ${WORK_DIR}/prefix, found: '${installed}'")
endif()
get_filename_component(pc_dir ${installed} DIRECTORY)
set(ENV{PKG_CONFIG_PATH} ${pc_dir})
execute_process(COMMAND ${PKG_CONFIG} --cflags --libs pprocess
                OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "pkg-config --cflags --libs pprocess failed")
endif()
message(STATUS "pkg-config --cflags --libs pprocess: ${flags}")
separate_arguments(flags UNIX_COMMAND "${flags}")
execute_process(COMMAND ${CXX} ${SOURCE_DIR}/tests/install/main.cpp ${flags}
                        -o ${WORK_DIR}/uses_pprocess
                RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "compiling with the flags of pprocess.pc failed")
endif()
execute_process(COMMAND ${WORK_DIR}/uses_pprocess RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "the program built with the flags of pprocess.pc failed")
endif()
