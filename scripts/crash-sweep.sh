#!/bin/sh
# The long crash sweep (tests/cli/sweep.rs): ccfail commands SIGKILLed at random and at
# the aimed moments against a stand-in pool with swaps in between, then every task file
# and every prompt a session received counted. Prints the seed and the figures.
#
#   scripts/crash-sweep.sh [SEED] [KILLS] [TASKS]     (defaults: time-based, 500, 100)
#
# The binaries are built first and copied aside, so a rebuild while the sweep runs does
# not change what it tests.
set -eu
cd "$(dirname "$0")/.."
seed=${1:-$(date +%s)}
kills=${2:-500}
tasks=${3:-100}
test_bin=$(cargo test --locked --test cli --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*\/cli-[^"]*\)".*/\1/p' | tail -n 1)
[ -n "$test_bin" ] || { echo "crash-sweep: could not build the test binary" >&2; exit 1; }
copy=$(mktemp -d "${TMPDIR:-/tmp}/ccfail-sweep-XXXXXX")
mkdir -p "$copy/deps" "$copy/examples"
cp target/debug/ccfail "$copy/ccfail"
cp target/debug/examples/claude "$copy/examples/claude"
cp "$test_bin" "$copy/deps/"
echo "crash sweep: seed $seed, $kills kills, $tasks tasks (binaries in $copy)" >&2
status=0
CCFAIL_SWEEP_BIN="$copy/ccfail" CCFAIL_SWEEP_SEED=$seed CCFAIL_SWEEP_KILLS=$kills CCFAIL_SWEEP_TASKS=$tasks \
    "$copy/deps/$(basename "$test_bin")" sweep::crash_sweep_long --ignored --nocapture || status=$?
rm -rf "$copy"
exit $status
