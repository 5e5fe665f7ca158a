# Runs text_indexer on a small tree of text files made in WORK, feeding it patterns on its
# standard input, and checks everything it prints.
#   cmake -DPROGRAM=<path to text_indexer> -DWORK=<scratch directory> -P check_text_indexer.cmake
file(REMOVE_RECURSE "${WORK}")
file(WRITE "${WORK}/docs/a.txt" "Hello, world! Hello again.\n(help) me\n")
file(WRITE "${WORK}/docs/b.txt" "help   helper\thelp\nWORLD 42nd x-ray\n")
file(WRITE "${WORK}/docs/c.txt" "--- ... hello\n")
file(WRITE "${WORK}/docs/empty.txt" "")
file(WRITE "${WORK}/docs/sub/d.txt" "hidden help\n")  # in a subdirectory: not indexed
file(WRITE "${WORK}/patterns" "hel\nHello\nwor\nz\n\n")

# run(<expected exit status> <stdin file> <argument>...): runs the indexer in WORK, so that
# the files are named docs/..., leaving its output in `out` and `err`.
macro(run status input)
  execute_process(COMMAND "${PROGRAM}" ${ARGN} WORKING_DIRECTORY "${WORK}" INPUT_FILE "${input}"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 20)
  if(NOT rc EQUAL ${status})
    message(FATAL_ERROR "text_indexer ${ARGN}: exit status ${rc}, expected ${status}\n"
                        "stdout:\n${out}\nstderr:\n${err}")
  endif()
endmacro()

# expect(<what> <text>): fails unless `out` is exactly <text>.
function(expect what text)
  if(NOT out STREQUAL text)
    message(FATAL_ERROR "text_indexer, ${what}: expected\n${text}got\n${out}\nstderr:\n${err}")
  endif()
endfunction()

# Four files among windows of two parsers, one file each: the window slides twice. A prompt
# before each pattern, and one more that meets the end of the input.
run(0 "${WORK}/patterns" docs 2 1 0.001)
expect("a search for each pattern" [=[
Pattern: {'hello': ['docs/c.txt'], 'help': ['docs/a.txt', 'docs/b.txt'], 'helper': ['docs/b.txt']}
Pattern: {'Hello': ['docs/a.txt']}
Pattern: {'world': ['docs/a.txt']}
Pattern: []
Pattern: {'42nd': ['docs/b.txt'], 'Hello': ['docs/a.txt'], 'WORLD': ['docs/b.txt'], 'again': ['docs/a.txt'], 'hello': ['docs/c.txt'], 'help': ['docs/a.txt', 'docs/b.txt'], 'helper': ['docs/b.txt'], 'me': ['docs/a.txt'], 'world': ['docs/a.txt'], 'x': ['docs/b.txt']}
Pattern: 
]=])
if(NOT err STREQUAL "")
  message(FATAL_ERROR "text_indexer wrote on stderr:\n${err}")
endif()

# The defaults (a window of 4, slices of 5 files).
file(WRITE "${WORK}/x" "x\n")
run(0 "${WORK}/x" docs)
expect("the defaults" "Pattern: {'x': ['docs/b.txt']}\nPattern: \n")

# --noprompt, as in the original: the index alone, and no searches, whatever the input holds.
run(0 "${WORK}/patterns" docs 2 1 --noprompt)
expect("--noprompt" "")
if(NOT err STREQUAL "")
  message(FATAL_ERROR "text_indexer --noprompt wrote on stderr:\n${err}")
endif()
run(1 "${WORK}/patterns" missing --noprompt)
if(NOT out STREQUAL "" OR NOT err MATCHES "^text_indexer: missing: ")
  message(FATAL_ERROR "text_indexer missing --noprompt: expected an error naming it, got:\n"
                      "${out}${err}")
endif()

# No directory: the usage, and exit status 1.
run(1 "${WORK}/x")
string(REGEX MATCHALL "[^\n]*\n" lines "${out}")
list(LENGTH lines count)
if(NOT out MATCHES "^usage: text_indexer DIRECTORY" OR NOT count EQUAL 7)
  message(FATAL_ERROR "text_indexer: expected the 7-line usage, got:\n${out}")
endif()

# Bad numbers and unknown options are usage errors: exit status 2, nothing on stdout.
foreach(arguments "docs;0" "docs;4;x" "docs;4;5;-1" "docs;--fast" "docs;1;2;3;4")
  run(2 "${WORK}/x" ${arguments})
  if(NOT out STREQUAL "" OR NOT err MATCHES "^text_indexer: ")
    message(FATAL_ERROR "text_indexer ${arguments}: expected a usage error, got:\n${out}${err}")
  endif()
endforeach()

# A directory that is not there: an error naming it, and exit status 1.
run(1 "${WORK}/x" missing)
if(NOT err MATCHES "^text_indexer: missing: ")
  message(FATAL_ERROR "text_indexer missing: expected an error naming it, got:\n${err}")
endif()
