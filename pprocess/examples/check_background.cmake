# Runs a background example as its original is run, in a scratch directory of its own (where its
# socket files go), and checks everything each run prints.
#   cmake -DPROGRAM=<path> -DWORK=<directory> -DMODE=split|both -DSTARTED=<line> -DOPENED=<line>
#         -DSOCKETS=<socket file>... -P check_background.cmake
# split: `--start` prints STARTED and returns, leaving the work behind its socket files; then
#        `--reconnect` prints OPENED, "Waiting for persistent results", the 10×10 grid of i*10+j
#        and "Time taken: <seconds>", and no socket file is left.
# both:  no flag: all of those lines in one run.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
separate_arguments(sockets UNIX_COMMAND "${SOCKETS}")

# run(<argument>...): runs the example in WORK with a delay of 1 ms a cell, leaving what it
# printed in `out` and `err`; anything on stderr or a non-zero exit fails the test.
macro(run)
  execute_process(COMMAND "${PROGRAM}" ${ARGN} --delay 1 WORKING_DIRECTORY "${WORK}"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 50)
  if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
    fail("${PROGRAM} ${ARGN}: exit status ${rc}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
endmacro()

# fail(<message>): collects whatever a failed run left in the background, so that no background
# process waits for ever, then fails.
function(fail message)
  file(GLOB left "${WORK}/*.socket")
  if(left)
    execute_process(COMMAND "${PROGRAM}" --reconnect WORKING_DIRECTORY "${WORK}"
                    OUTPUT_QUIET ERROR_QUIET TIMEOUT 20)
  endif()
  message(FATAL_ERROR "${message}")
endfunction()

# expect(<lines before the grid>): fails unless `out` is those lines, the grid, then the time.
function(expect head)
  set(expected "${head}")
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
    fail("expected these lines, then the time taken:\n${expected}got:\n${out}")
  endif()
endfunction()

set(waiting "${OPENED}\nWaiting for persistent results\n")
if(MODE STREQUAL "split")
  run(--start)
  if(NOT out STREQUAL "${STARTED}\n")
    fail("--start: expected \"${STARTED}\", got:\n${out}")
  endif()
  foreach(socket IN LISTS sockets)
    if(NOT EXISTS "${WORK}/${socket}")
      fail("--start returned without a process serving at ${socket}")
    endif()
  endforeach()
  run(--reconnect)
  expect("${waiting}")
elseif(MODE STREQUAL "both")
  run()
  expect("${STARTED}\n${waiting}")
else()
  message(FATAL_ERROR "check_background.cmake: unknown MODE '${MODE}'")
endif()

file(GLOB left "${WORK}/*.socket")
if(left)
  fail("socket files left after the results were collected: ${left}")
endif()
