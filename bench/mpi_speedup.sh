#!/usr/bin/env bash
# The MPI figures of docs/benchmarks.md: the pygmy command under mpirun with 1 to RANKS ranks of
# one process each, beside the sequential scheduler and the default local one (pool) with as
# many processes, interleaving the runs; then the cost of a band, from the same picture rendered
# in small bands and in large ones. Prints Markdown tables of medians. Seconds are the summary's:
# the render, without mpirun's start and MPI_Init.
# Usage: bench/mpi_speedup.sh [RUNS] [RANKS] [SCENE]   (PYGMY=path/to/pygmy to pick a build)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
ranks=${2:-$(nproc)}
scene=${3:-scenes/showcase.json}
pygmy=${PYGMY:-./build/release/pygmy/app/pygmy}
[ -x "$pygmy" ] || cmake --build --preset release --target pygmy_command >/dev/null
# Open MPI refuses root unless told otherwise (a container's user); shared memory between ranks.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun=(mpirun --oversubscribe --mca btl self,vader)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# The summary line reads "…, 68 bands of 16 rows, 4.562 s, CPU 9.020 s, …".
seconds() { sed -n 's/.* rows, \([0-9.]*\) s, .*/\1/p'; }
median() { sort -g "$1" | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

for ((run = 0; run < runs; ++run)); do
  "$pygmy" render "$scene" -o "$out/s.tif" --scheduler sequential | seconds >>"$out/sequential"
  for ((n = 1; n <= ranks; ++n)); do
    "${mpirun[@]}" -n "$n" "$pygmy" render "$scene" -o "$out/m.tif" --scheduler mpi -j 1 |
      seconds >>"$out/ranks-$n"
    "$pygmy" render "$scene" -o "$out/p.tif" --scheduler pool -j "$n" | seconds >>"$out/pool-$n"
  done
done
sequential=$(median "$out/sequential")
printf '| scheduler | processes | median s | speedup | efficiency |\n|---|---:|---:|---:|---:|\n'
printf '| sequential | 1 | %s | 1.00 | |\n' "$sequential"
for ((n = 1; n <= ranks; ++n)); do
  for kind in ranks pool; do
    m=$(median "$out/$kind-$n")
    name=$([ "$kind" = ranks ] && echo "mpi (-n $n, -j 1)" || echo "pool (-j $n)")
    awk -v name="$name" -v n="$n" -v m="$m" -v s="$sequential" \
      'BEGIN {printf "| %s | %d | %s | %.2f | %.0f%% |\n", name, n, m, s / m, 100 * s / m / n}'
  done
done

# The cost of a band: the built-in scene at 300x2000 in 2000 bands of one row and in 4 bands of
# 500, over two ranks; the difference spread over the 1996 extra bands.
for ((run = 0; run < runs; ++run)); do
  for rows in 1 500; do
    "${mpirun[@]}" -n 2 "$pygmy" render --size 300x2000 -o "$out/b.tif" --scheduler mpi -j 1 \
      --band-rows "$rows" | seconds >>"$out/bands-$rows"
  done
done
small=$(median "$out/bands-1")
large=$(median "$out/bands-500")
printf '\n| 2 ranks, 300x2000 | median s |\n|---|---:|\n'
printf '| 2000 bands of 1 row | %s |\n| 4 bands of 500 rows | %s |\n' "$small" "$large"
awk -v a="$small" -v b="$large" \
  'BEGIN {printf "| per extra band | %.3f ms |\n", 1000 * (a - b) / 1996}'
