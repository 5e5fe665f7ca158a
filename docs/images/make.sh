#!/usr/bin/env bash
# Makes the README's pictures with the command the quick start builds: the built-in scene, and
# the map of which worker rendered which band of it with two processes. The speedup chart is
# docs/bench/speedup.svg, written by `./quickstart.sh bench`.
set -euo pipefail
cd "$(dirname "$0")/../.."
pygmy=${PYGMY:-./build/default/pygmy/app/pygmy}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}
"$pygmy" render --size 600x400 -q -o docs/images/render.png
"$pygmy" render --size 600x400 -j 2 -q -o /dev/null --format png --worker-map docs/images/worker_map.png
