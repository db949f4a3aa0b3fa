#!/usr/bin/env bash
# What the journal gets from one hour of timer ticks, in a sandbox.
#
#   scripts/journal-ticks.sh [idle|task|both]     (default: both)
#
# A sandboxed pool like the demo's (two accounts, a private tmux server, two pool
# sessions and a dedicated one running the repo's Claude Code stand-in, a project whose
# inbox holds an invalid task and a blocked one all hour), then one hour of the timers'
# cadence compressed in time with the pinned clock CCFAIL_NOW: every 30 s watch-once and
# quota-check, every 60 s dispatch, janitor once (hourly). Each run's stdout and stderr
# go to a file, as they go to the journal under systemd: no terminal, JOURNAL_STREAM
# set (so log lines carry their syslog priority). It counts the lines.
#
# `task`: the same hour with one task dropped into the inbox at minute 10, dispatched,
# worked by the stand-in and finished.
#
# Prints the counts per command, the busiest run, and every line with the minute it was
# written at. Nothing touches ~/.claude or your tmux server; the sandbox is removed
# (CCFAIL_JOURNAL_KEEP=1 keeps it). CCFAIL_JOURNAL_BIN=/path/to/ccfail measures another
# build (an older one, for a before/after).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
    echo "journal-ticks: failed: $*" >&2
    exit 1
}
command -v tmux >/dev/null 2>&1 || fail "tmux is not installed"
scenarios=${1:-both}
case "$scenarios" in
    idle | task) ;;
    both) scenarios="idle task" ;;
    *) fail "unknown scenario $scenarios (idle, task or both)" ;;
esac

cargo build --quiet --bin ccfail --example claude || fail "cargo build failed"
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
ccfail="${CCFAIL_JOURNAL_BIN:-$target_dir/debug/ccfail}"
claude="$target_dir/debug/examples/claude"

# Minute 0 of the hour; every run gets its own instant from it.
start_epoch=$(date -u -d 2026-12-02T09:00:00Z +%s)
at() { date -u -d "@$((start_epoch + $1))" +%Y-%m-%dT%H:%M:%SZ; }

cleanup() { # sandbox
    tmux -S "$1/tmux.sock" kill-server 2>/dev/null || true
    if [ -n "${CCFAIL_JOURNAL_KEEP:-}" ]; then echo "sandbox kept: $1"; return; fi
    # The clients write their last files as they exit on the server's SIGHUP.
    for _ in $(seq 50); do pgrep -f "$1" >/dev/null || break; sleep 0.1; done
    rm -rf "$1" || true
}

one_hour() { # scenario
    local scenario=$1
    local sandbox socket
    sandbox=$(mktemp -d "${TMPDIR:-/tmp}/ccfail-journal.XXXXXX")
    socket="$sandbox/tmux.sock"
    # shellcheck disable=SC2064
    trap "cleanup '$sandbox'" EXIT
    mkdir -p "$sandbox"/{home,state,shared,work/pool,accounts/a,accounts/b} "$sandbox/work/app/.agent-queue/inbox"
    chmod 700 "$sandbox/state"
    for account in a b; do echo '{}' >"$sandbox/accounts/$account/.credentials.json"; done
    cat >"$sandbox/config.yaml" <<YAML
accounts:
  - {name: a, home: $sandbox/accounts/a}
  - {name: b, home: $sandbox/accounts/b, priority: 1}
claude:
  binary: $claude
  shared: {root: $sandbox/shared}
tmux: {socket: $socket, enter_delay: 100ms}
pool:
  autonomous: {prefix: pool-, start_index: 1, min: 2, max: 2, workdir: $sandbox/work/pool}
  dedicated:
    - {name: main, project: $sandbox/work/app}
projects:
  list:
    - path: $sandbox/work/app
dispatch: {session_cooldown: 0s}
state: {dir: $sandbox/state}
YAML
    # Standing all hour: a task that cannot be read and one waiting for a task that never comes.
    printf -- '---\npriority: [unclosed\n---\nbroken\n' >"$sandbox/work/app/.agent-queue/inbox/bad.md"
    printf -- '---\ndepends_on: [app:never]\n---\nlater\n' >"$sandbox/work/app/.agent-queue/inbox/later.md"

    local -a env=(env -i "PATH=$PATH" "HOME=$sandbox/home" "XDG_CONFIG_HOME=$sandbox/home/.config"
        "XDG_STATE_HOME=$sandbox/home/.local/state" "TMUX_TMPDIR=$sandbox" "LANG=C.UTF-8"
        "CCFAIL_CONFIG=$sandbox/config.yaml")
    # Setup, not counted: links, hooks, the pool and the dedicated session up and idle.
    "${env[@]}" CCFAIL_NOW="$(at -60)" "$ccfail" doctor --fix >/dev/null || true
    "${env[@]}" CCFAIL_NOW="$(at -60)" "$ccfail" hooks install >/dev/null
    "${env[@]}" CCFAIL_NOW="$(at -60)" "$ccfail" watch-once >/dev/null
    "${env[@]}" CCFAIL_NOW="$(at -60)" "$ccfail" launch main >/dev/null
    for session in pool-1 pool-2 main; do
        for _ in $(seq 200); do
            tmux -S "$socket" capture-pane -p -t "=$session:" 2>/dev/null | grep -qF '? for shortcuts' && break
            sleep 0.1
        done
    done

    local journal="$sandbox/journal.txt" runs=0 busiest=0 busiest_at=""
    : >"$journal"
    tick() { # seconds command
        local before after code=0
        before=$(wc -l <"$journal")
        {
            "${env[@]}" JOURNAL_STREAM=8:12345 CCFAIL_NOW="$(at "$1")" "$ccfail" "$2" >"$sandbox/out" 2>&1 || code=$?
            sed "s|^|$(printf '%02d:%02d' $(($1 / 60)) $(($1 % 60))) ccfail-$2: |" "$sandbox/out"
        } >>"$journal"
        case $code in 0 | 4 | 10 | 11 | 12) ;; *) echo "  (ccfail $2 at +$1 s exited $code)" >&2 ;; esac
        after=$(wc -l <"$journal")
        runs=$((runs + 1))
        if [ $((after - before)) -gt "$busiest" ]; then busiest=$((after - before)) busiest_at="ccfail $2 at +$1 s"; fi
    }
    local t
    for ((t = 0; t < 3600; t += 30)); do
        if [ "$scenario" = task ] && [ "$t" = 600 ]; then
            printf -- '---\ntitle: Write the changelog [standin work=0.5]\n---\nWrite it.\n' \
                >"$sandbox/work/app/.agent-queue/inbox/t1.md"
        fi
        tick "$t" watch-once
        tick "$t" quota-check
        [ $((t % 60)) = 0 ] && tick "$t" dispatch
        [ "$t" = 0 ] && tick "$t" janitor
        if [ "$scenario" = task ] && [ "$t" -ge 600 ] && [ "$t" -lt 900 ] && ! [ -e "$sandbox/work/app/.agent-queue/done/t1.md" ]; then
            sleep 1 # the stand-in works in real time: let its turn end between ticks
        fi
    done
    local lines
    lines=$(wc -l <"$journal")
    echo "== $scenario hour: $runs runs (120 watch-once, 120 quota-check, 60 dispatch, 1 janitor), $lines lines"
    for command in watch-once quota-check dispatch janitor; do
        printf '   %-12s %3d lines\n' "$command" "$(grep -c " ccfail-$command: " "$journal" || true)"
    done
    echo "   busiest run: $busiest lines ($busiest_at); lines per run: $(awk -v l="$lines" -v r="$runs" 'BEGIN { printf "%.3f", l / r }')"
    if [ "$scenario" = task ]; then
        [ -e "$sandbox/work/app/.agent-queue/done/t1.md" ] || fail "the task did not reach done/ within the hour"
        echo "   t1.md is in done/"
    fi
    echo "   the journal (mm:ss unit: line):"
    sed 's/^/     /' "$journal"
    cleanup "$sandbox"
    trap - EXIT
}

for scenario in $scenarios; do one_hour "$scenario"; done
