#!/usr/bin/env bash
# Runs the real-client tier for every supported version (tests/real_client/versions.txt, or
# the versions given), Max and Pro, bypass and default mode, and prints a table.
#
#   scripts/real-client/matrix.sh [VERSION...]
#
# Installs each version first (scripts/real-client/install.sh, cached). Each cell is one
# `cargo test --test real_client main_job` run with CCFAIL_REAL_CLIENT_{VERSIONS,PLANS,MODES}
# set; the no-swap-on-errors test runs once per version. Logs: $CCFAIL_MATRIX_LOGS
# (default target/real-client-matrix/).
set -uo pipefail
cd "$(dirname "$0")/../.."

if [ $# -gt 0 ]; then
    versions=("$@")
else
    mapfile -t versions < <(grep -v '^\s*#' tests/real_client/versions.txt | sed '/^\s*$/d')
fi
logs="${CCFAIL_MATRIX_LOGS:-target/real-client-matrix}"
mkdir -p "$logs"
scripts/real-client/install.sh "${versions[@]}" >/dev/null || exit 1
cargo test --locked --test real_client --no-run >/dev/null 2>&1 || {
    echo "matrix: the tier does not build: cargo test --locked --test real_client --no-run" >&2
    exit 1
}

export CCFAIL_REQUIRE_REAL_CLIENT=1
rows=()
failed=0
cell() { # version test plan mode -> "pass 45s" / "FAIL 90s"
    local v="$1" t="$2" plan="$3" mode="$4" log start end
    log="$logs/$v-$t-$plan-$mode.log"
    start=$(date +%s)
    if CCFAIL_REAL_CLIENT_VERSIONS="$v" CCFAIL_REAL_CLIENT_PLANS="$plan" CCFAIL_REAL_CLIENT_MODES="$mode" \
        cargo test --locked --test real_client -- --exact "$t" --nocapture >"$log" 2>&1; then
        end=$(date +%s)
        echo "pass $((end - start))s"
    else
        end=$(date +%s)
        echo "FAIL $((end - start))s"
    fi
}
for v in "${versions[@]}"; do
    for plan in max20x pro; do
        for mode in default bypass; do
            r=$(cell "$v" main_job_swaps_to_b_on_the_five_hour_limit "$plan" "$mode")
            [[ $r == FAIL* ]] && failed=$((failed + 1))
            rows+=("$v|main job|$plan|$mode|$r")
        done
    done
    r=$(cell "$v" no_swap_on_errors_that_are_not_the_usage_limit max20x default)
    [[ $r == FAIL* ]] && failed=$((failed + 1))
    rows+=("$v|no swap on errors|max20x|default|$r")
done

printf '\n| %-8s | %-17s | %-6s | %-7s | %-10s |\n' version test plan mode result
printf '| %s | %s | %s | %s | %s |\n' -------- ----------------- ------ ------- ----------
for row in "${rows[@]}"; do
    IFS='|' read -r v t p m r <<<"$row"
    printf '| %-8s | %-17s | %-6s | %-7s | %-10s |\n' "$v" "$t" "$p" "$m" "$r"
done
echo
echo "logs: $logs/"
[ "$failed" -eq 0 ]
