#!/bin/sh
# Shows that reference_check.sh catches what it is for: it fails, naming them, when entries are
# removed from a copy of docs/reference.md, and when a copy of a header gains a public
# declaration; a private one, or one in namespace detail, needs no entry.
# Usage: reference_check_test.sh CHECKER INCLUDE_DIR REFERENCE_MD
set -u

checker=$1
include_dir=$2
reference=$3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0

expect() {  # expect DESCRIPTION OUTPUT-FILE STATUS WANTED-STATUS LINES...
  description=$1 output=$2 status=$3 wanted=$4
  shift 4
  if [ "$status" -ne "$wanted" ]; then
    echo "FAIL: $description: status $status, wanted $wanted"; cat "$output"; failures=$((failures + 1))
    return
  fi
  for line in "$@"; do
    if ! grep -qxF "$line" "$output"; then
      echo "FAIL: $description: no line '$line' in:"; cat "$output"; failures=$((failures + 1))
    fi
  done
}

# The real files pass.
sh "$checker" "$include_dir" "$reference" >"$scratch/out" 2>&1
expect "the reference as it is" "$scratch/out" $? 0

# Removing a top-level entry (its heading) and a member's entry (every line naming it).
grep -v '^### `available_cpus`$' "$reference" | grep -v 'set_task_timeout' >"$scratch/reference.md"
sh "$checker" "$include_dir" "$scratch/reference.md" >"$scratch/out" 2>&1
expect "a reference with two entries removed" "$scratch/out" $? 1 \
  "docs/reference.md has no entry for pprocess::available_cpus (cores.hpp)" \
  "docs/reference.md has no entry for pprocess::Exchange::set_task_timeout (exchange.hpp)" \
  "2 public declaration(s) without an entry in docs/reference.md"

# A header that gains public declarations, and private and internal ones.
mkdir "$scratch/include"
cp "$include_dir"/*.hpp "$scratch/include/"
cat >>"$scratch/include/cores.hpp" <<'HEADER'
namespace pprocess {
namespace detail {
void internal_helper();
}  // namespace detail
/// Undocumented on purpose.
[[nodiscard]] unsigned spare_cores(int reserve = {}) noexcept;
class Gauge {
 public:
  explicit Gauge(int level) : level_(level) {}
  [[nodiscard]] int level() const noexcept { return level_; }

 private:
  void recalibrate();
  int level_;
};
}  // namespace pprocess
HEADER
sh "$checker" "$scratch/include" "$reference" >"$scratch/out" 2>&1
expect "a header with new public declarations" "$scratch/out" $? 1 \
  "docs/reference.md has no entry for pprocess::spare_cores (cores.hpp)" \
  "docs/reference.md has no entry for pprocess::Gauge (cores.hpp)" \
  "docs/reference.md has no entry for pprocess::Gauge::Gauge (cores.hpp)" \
  "docs/reference.md has no entry for pprocess::Gauge::level (cores.hpp)" \
  "4 public declaration(s) without an entry in docs/reference.md"

[ "$failures" -eq 0 ] && echo "reference_check.sh: every case as expected"
[ "$failures" -eq 0 ]
