# Runs a background example into one fault, in a scratch directory of its own (where its socket
# files go), and checks that the run fails as it should: exit status 1, one line on stderr naming
# the program and what went wrong, and nothing left behind: no process of the run alive and no
# socket file.
#   cmake -DPROGRAM=<path> -DWORK=<directory> -DFAULT=<fault> [-DSOCKET=<socket file>]
#         -P check_background_fault.cmake
# FAULT is one of
#   second_start       `--start` while an earlier `--start` still waits at SOCKET, the first
#                      address the example starts at: it fails, and a `--reconnect` then still
#                      collects the first run's work;
#   nothing_to_collect `--reconnect` with nobody listening at SOCKET, the first address the
#                      example connects to;
#   address_is_a_file  SOCKET is a regular file: a run without flags, then `--reconnect`, fail
#                      and leave the file as it was;
#   few_descriptors    a run without flags under `ulimit -n 12`, too few descriptors for a
#                      connection to each of ten background processes.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
file(REAL_PATH "${WORK}" WORK)  # as /proc shows a working directory
get_filename_component(program_name "${PROGRAM}" NAME)

# The processes whose working directory is WORK: the example's background processes, which
# inherit it, and their workers. Leaves their ids in `alive`.
function(processes_in_work)
  execute_process(COMMAND find /proc -mindepth 2 -maxdepth 2 -name cwd -lname "${WORK}"
                  OUTPUT_VARIABLE found ERROR_QUIET)
  string(REGEX MATCHALL "/proc/[0-9]+/cwd" found "${found}")
  list(TRANSFORM found REPLACE "/proc/([0-9]+)/cwd" "\\1")
  set(alive "${found}" PARENT_SCOPE)
endfunction()

# fail(<message>): kills whatever the runs left in the background, then fails.
function(fail message)
  processes_in_work()
  if(alive)
    execute_process(COMMAND kill -KILL ${alive} OUTPUT_QUIET ERROR_QUIET)
  endif()
  message(FATAL_ERROR "${message}")
endfunction()

# starved(<limit>): the command that runs the example with only the standard streams open below
# descriptor <limit>, and no descriptor above it to be had, whatever the test inherited.
macro(starved limit)
  set(starved sh -c "exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- && ulimit -n ${limit} && \
exec \"\$0\" \"\$@\"" "${PROGRAM}")
endmacro()

# run(<argument>...): runs the example in WORK with a delay of 1 ms a cell, leaving its exit
# status and what it printed in `rc`, `out` and `err`.
macro(run)
  execute_process(COMMAND ${ARGN} --delay 1 WORKING_DIRECTORY "${WORK}" OUTPUT_VARIABLE out
                  ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 60)
endmacro()

# expect_failure(<what was run> <message>): fails unless the last run exited with status 1 and
# printed one line on stderr, "<program>: ...<message>..." (<message> is a regular expression).
function(expect_failure what message)
  if(NOT rc EQUAL 1 OR NOT err MATCHES "^${program_name}: [^\n]*${message}[^\n]*\n$")
    fail("${what}: expected exit status 1 and one line \"${program_name}: ...${message}...\" \
on stderr, got exit status ${rc}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
endfunction()

# expect_success(<what was run>): fails unless the last run exited with status 0, quietly on
# stderr.
function(expect_success what)
  if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
    fail("${what}: exit status ${rc}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
endfunction()

# expect_nothing_left(<files that may stay>...): fails unless, within 30 s at most (a process
# ends soon after it has delivered everything), no process works in WORK, and no file is there
# but the ones named.
function(expect_nothing_left)
  foreach(attempt RANGE 300)
    processes_in_work()
    if(NOT alive)
      break()
    endif()
    execute_process(COMMAND sleep 0.1)
  endforeach()
  if(alive)
    fail("processes left running in ${WORK}: ${alive}")
  endif()
  file(GLOB left RELATIVE "${WORK}" "${WORK}/*")
  list(REMOVE_ITEM left ${ARGN})
  if(left)
    fail("files left in ${WORK}: ${left}")
  endif()
endfunction()

if(FAULT STREQUAL "second_start")
  run("${PROGRAM}" --start)
  expect_success("the first --start")
  run("${PROGRAM}" --start)
  expect_failure("the second --start" "a process listens at '${SOCKET}'")
  run("${PROGRAM}" --reconnect)
  expect_success("--reconnect after the second --start")
  if(NOT out MATCHES "\n90 91 92 93 94 95 96 97 98 99\nTime taken: ")
    fail("--reconnect after the second --start: no grid in\n${out}")
  endif()
  expect_nothing_left()
elseif(FAULT STREQUAL "nothing_to_collect")
  run("${PROGRAM}" --reconnect)
  expect_failure("--reconnect with nothing to collect" "nobody listens at '${SOCKET}'")
  expect_nothing_left()
elseif(FAULT STREQUAL "address_is_a_file")
  set(content "not a socket\n")
  file(WRITE "${WORK}/${SOCKET}" "${content}")
  run("${PROGRAM}")
  expect_failure("a run with a file at ${SOCKET}" "'${SOCKET}' exists and is not a socket")
  expect_nothing_left(${SOCKET})
  run("${PROGRAM}" --reconnect)
  expect_failure("--reconnect with a file at ${SOCKET}" "nobody listens at 'task[-0-9]*[.]socket'")
  expect_nothing_left(${SOCKET})
  file(READ "${WORK}/${SOCKET}" after)
  if(NOT after STREQUAL content)
    fail("the file at ${SOCKET} was changed")
  endif()
elseif(FAULT STREQUAL "few_descriptors")
  starved(12)
  run(${starved})
  expect_failure("a run under ulimit -n 12" "'task-[0-9][.]socket'[^\n]*Too many open files")
  expect_nothing_left()
else()
  message(FATAL_ERROR "check_background_fault.cmake: unknown FAULT '${FAULT}'")
endif()
