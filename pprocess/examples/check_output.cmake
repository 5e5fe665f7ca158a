# Runs one example and checks everything it printed, so a line printed twice across a fork, a
# missing cell or a stray message all fail the test.
#   cmake -DPROGRAM=<path> [-DARGS="<arguments>"] -DEXPECT=<what> [-DBANNERS=C|F|CF|-]
#         -P check_output.cmake
# grid:        the banner lines named by BANNERS (C: "Calculating...", F: "Finishing..."), the
#              10×10 grid of i*10+j, one row a line, values separated by single spaces, then
#              "Time taken: <seconds>".
# loop:        0 to 99, one a line, then "Done"; start_loop: the same after "loop to 100".
# two_way:     "Child: k" and "Child sent" for k = 20 down to 1 from the created process,
#              "Parent: k" and "Parent sent" from its creator, each process's lines in its own
#              order, "Child: k" and "Parent: k" taking turns, and nothing else.
# help:        the usage on stdout and exit status 0 (a grid example's names its flags, a
#              background example's --start and --reconnect too; a program without arguments
#              has a usage line of its name alone).
# usage_error: nothing on stdout, what is wrong and the usage on stderr, and exit status 2.
separate_arguments(arguments UNIX_COMMAND "${ARGS}")
execute_process(COMMAND ${PROGRAM} ${arguments}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 50)
get_filename_component(name "${PROGRAM}" NAME)
set(report "${PROGRAM} ${ARGS}: exit status ${rc}\nstdout:\n${out}\nstderr:\n${err}")

if(EXPECT STREQUAL "usage_error")
  if(NOT rc EQUAL 2 OR NOT out STREQUAL "" OR NOT err MATCHES "^${name}: [^\n]+\nusage: ${name}[ \n]")
    message(FATAL_ERROR "expected a message and the usage on stderr, exit status 2:\n${report}")
  endif()
  return()
endif()
if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
  message(FATAL_ERROR "${report}")
endif()

if(EXPECT STREQUAL "grid")
  set(expected "")
  if(BANNERS MATCHES "C")
    string(APPEND expected "Calculating...\n")
  endif()
  if(BANNERS MATCHES "F")
    string(APPEND expected "Finishing...\n")
  endif()
  foreach(i RANGE 9)
    set(row "")
    foreach(j RANGE 9)
      math(EXPR value "${i} * 10 + ${j}")
      list(APPEND row ${value})
    endforeach()
    list(JOIN row " " row)
    string(APPEND expected "${row}\n")
  endforeach()
  set(time_line "Time taken: [0-9]+(\\.[0-9]+)?(e[+-][0-9]+)?\n$")
  string(REGEX REPLACE "${time_line}" "" body "${out}")
  if(NOT body STREQUAL expected OR NOT out MATCHES "${time_line}")
    message(FATAL_ERROR "expected these lines, then the time taken:\n${expected}got:\n${out}")
  endif()
elseif(EXPECT STREQUAL "loop" OR EXPECT STREQUAL "start_loop")
  set(expected "")
  if(EXPECT STREQUAL "start_loop")
    set(expected "loop to 100\n")
  endif()
  foreach(i RANGE 99)
    string(APPEND expected "${i}\n")
  endforeach()
  string(APPEND expected "Done\n")
  if(NOT out STREQUAL expected)
    message(FATAL_ERROR "expected 0 to 99 then Done, got:\n${out}")
  endif()
elseif(EXPECT STREQUAL "two_way")
  set(child "")
  set(parent "")
  set(turns "")
  foreach(k RANGE 20 1 -1)
    string(APPEND child "Child: ${k}\nChild sent\n")
    string(APPEND parent "Parent: ${k}\nParent sent\n")
    string(APPEND turns "Child: ${k}\nParent: ${k}\n")
  endforeach()
  # The two processes' lines interleave differently from run to run; each one's do not.
  string(REGEX MATCHALL "Child[^\n]*\n" got_child "${out}")
  string(REGEX MATCHALL "Parent[^\n]*\n" got_parent "${out}")
  string(REGEX MATCHALL "[A-Za-z]+: [^\n]*\n" got_turns "${out}")
  list(JOIN got_child "" got_child)
  list(JOIN got_parent "" got_parent)
  list(JOIN got_turns "" got_turns)
  string(LENGTH "${out}" length)
  string(LENGTH "${got_child}${got_parent}" counted)
  if(NOT got_child STREQUAL child OR NOT got_parent STREQUAL parent OR
     NOT got_turns STREQUAL turns OR NOT length EQUAL counted)
    message(FATAL_ERROR "expected the two processes counting down from 20 in turn, got:\n${out}")
  endif()
elseif(EXPECT STREQUAL "help")
  if(NOT out MATCHES "^usage: ${name}(\n| (\\[--start \\| --reconnect\\] )?\\[--delay MS\\])")
    message(FATAL_ERROR "expected the usage, got:\n${out}")
  endif()
else()
  message(FATAL_ERROR "check_output.cmake: unknown EXPECT '${EXPECT}'")
endif()
