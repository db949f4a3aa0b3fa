#!/usr/bin/env bash
# Runs the whole test suite with the machine clock set to each given date (default: a
# date before the suite's pinned clock, today, and a date months ahead), to show that no
# test depends on the calendar. Uses libfaketime (apt-get install faketime) with a
# relative offset, so every process of a run (cargo, ccfail, tmux, the clients) sees the
# same shifted wall clock; the monotonic clock is left alone, as a real clock change
# would leave it. File timestamps stay real (the kernel writes them), which is harsher
# than a real clock change: files look that far in the past or future.
#
#   scripts/test-dates.sh [YYYY-MM-DD ...]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null 2>&1 || { echo "test-dates: needs faketime: apt-get install faketime" >&2; exit 1; }
[ $# -gt 0 ] || set -- 2026-11-21 "$(date -u +%F)" 2027-06-30
cargo test --locked --no-run -q
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
for day in "$@"; do
    offset=$(( $(date -u -d "$day 12:00:00" +%s) - $(date -u +%s) ))
    [ "$offset" -lt 0 ] || offset="+$offset"
    shifted() { FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "$offset" "$@"; }
    echo "== machine clock: $(shifted date -u '+%F %T %Z')"
    code=0
    shifted cargo test --locked >"$log" 2>&1 || code=$?
    grep -E '^test result|^test .* FAILED$' "$log" || true
    if [ "$code" != 0 ]; then
        echo "== cargo test exited $code on $day; the failures:" >&2
        sed -n '/^failures:$/,/^test result/p' "$log" >&2
        status=1
    fi
done
exit $status
