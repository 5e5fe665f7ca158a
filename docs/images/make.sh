#!/usr/bin/env bash
# Makes the README's pictures, every one a PNG, with the command the quick start builds: the
# built-in scene, the map of which worker rendered which band of it with two processes (its
# legend in the top right corner), and the speedup chart, docs/bench/speedup.svg (written by
# `./quickstart.sh bench`), converted by rsvg-convert (Debian's librsvg2-bin package).
set -euo pipefail
cd "$(dirname "$0")/../.."
pygmy=${PYGMY:-./build/default/pygmy/app/pygmy}
if ! command -v rsvg-convert > /dev/null; then
  echo "make.sh: rsvg-convert converts the speedup chart to PNG: apt-get install librsvg2-bin" >&2
  exit 1
fi
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}
"$pygmy" render --size 600x400 -q -o docs/images/render.png
"$pygmy" render --size 600x400 -j 2 -q -o /dev/null --format png --worker-map docs/images/worker_map.png
rsvg-convert --format png --background-color white docs/bench/speedup.svg -o docs/images/speedup.png
