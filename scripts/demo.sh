#!/usr/bin/env bash
# ccfail demo: the main job end to end, in a sandbox.
#
# Everything lives in a temp dir: two account homes (a and b) sharing their
# projects/session-env/file-history, a project with a task queue, the state dir, and
# a private tmux server (tmux -S). The `claude` in the panes is the repo's stand-in
# client (examples/claude), never the real one, and HOME points into the sandbox, so
# nothing touches ~/.claude or your tmux server. Everything is removed at the end
# (CCFAIL_DEMO_KEEP=1 keeps the sandbox).
#
# The story: two pool sessions and a dedicated one run on account a; dispatch hands
# them tasks; account a then hits its usage limit; quota-check confirms it and swaps
# the pool to account b, resuming every conversation; the task finishes on b.
#
# The demo stops at the first step that fails, with one line saying which and why,
# and removes its sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
    echo "demo: failed: $*" >&2
    exit 1
}
command -v tmux >/dev/null 2>&1 ||
    fail "tmux is not installed: sudo apt-get install tmux (Debian/Ubuntu), dnf install tmux, brew install tmux"
command -v cargo >/dev/null 2>&1 || fail "cargo is not installed: see https://rustup.rs"

echo "== building ccfail and the claude stand-in (the first run takes a few minutes)…"
cargo build --bin ccfail --example claude || fail "cargo build failed (its errors are above)"
# Wherever cargo puts its output: CARGO_TARGET_DIR, build.target-dir, or target/.
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
ccfail="$target_dir/debug/ccfail"
claude="$target_dir/debug/examples/claude"
for binary in "$ccfail" "$claude"; do
    [ -x "$binary" ] || fail "cargo built nothing at $binary (target dir: ${target_dir:-unknown})"
done

sandbox=$(mktemp -d "${TMPDIR:-/tmp}/ccfail-demo.XXXXXX")
socket="$sandbox/tmux.sock"
cleanup() {
    tmux -S "$socket" kill-server 2>/dev/null || true
    if [ -n "${CCFAIL_DEMO_KEEP:-}" ]; then echo "sandbox kept: $sandbox"; return; fi
    # The clients write their last files as they exit on the server's SIGHUP.
    for _ in $(seq 30); do pgrep -f "$sandbox" >/dev/null || break; sleep 0.1; done
    rm -rf "$sandbox"
}
trap cleanup EXIT

mkdir -p "$sandbox"/{home,state,shared,work/pool,work/app,accounts/a,accounts/b}
mkdir -p "$sandbox/work/app/.agent-queue/inbox"
for account in a b; do
    echo '{}' > "$sandbox/accounts/$account/.credentials.json"
done
ln -s "$sandbox/accounts/a" "$sandbox/home/.claude"

cat > "$sandbox/config.yaml" <<YAML
accounts:
  - name: a
    home: $sandbox/accounts/a
  - name: b
    home: $sandbox/accounts/b
    priority: 1
claude:
  binary: $claude
  args: [--dangerously-skip-permissions]
  # bypass mode as root needs IS_SANDBOX=1, which this sandbox is; every client gets it
  env: {IS_SANDBOX: "1"}
  active_link: $sandbox/home/.claude
  shared:
    root: $sandbox/shared
tmux:
  socket: $socket
  enter_delay: 100ms
pool:
  autonomous:
    prefix: demo-
    start_index: 1
    min: 2
    max: 2
    workdir: $sandbox/work/pool
  dedicated:
    - name: main
      project: $sandbox/work/app
projects:
  list:
    - path: $sandbox/work/app
dispatch:
  session_cooldown: 0s
watch:
  idle_grace: 1s
state:
  dir: $sandbox/state
YAML

export HOME="$sandbox/home" XDG_CONFIG_HOME="$sandbox/home/.config" XDG_STATE_HOME="$sandbox/home/.local/state"
export CCFAIL_CONFIG="$sandbox/config.yaml"
# run [--expect "CODES"] ARGS...: one ccfail step; any exit code outside CODES (default
# 0) stops the demo.
run() {
    local expect=0
    if [ "$1" = --expect ]; then
        expect=$2
        shift 2
    fi
    echo
    echo "\$ ccfail $*"
    local code=0
    "$ccfail" "$@" || code=$?
    [ "$code" = 0 ] || echo "(exit $code)"
    case " $expect " in
        *" $code "*) ;;
        *) fail "ccfail $* exited $code (expected $expect)" ;;
    esac
}
pane() { tmux -S "$socket" display-message -p -t "=$1:" '#{pane_id}'; }
wait_for() { # session text [seconds]
    for _ in $(seq $((${3:-20} * 10))); do
        if tmux -S "$socket" capture-pane -p -J -t "=$1:" 2>/dev/null | grep -qF -- "$2"; then return 0; fi
        sleep 0.1
    done
    echo "-- the pane of $1:" >&2
    tmux -S "$socket" capture-pane -p -t "=$1:" 2>&1 | sed -e 's/[[:space:]]*$//' -e '/^$/d' | tail -12 >&2
    fail "session $1 did not show '$2' within ${3:-20} s (its pane is above)"
}
task() { # id priority title
    printf -- '---\ntitle: "%s"\npriority: %s\n---\n%s\n' "$3" "$2" "$3" > "$sandbox/work/app/.agent-queue/inbox/$1.md"
}
counts() {
    for dir in inbox done; do
        printf '%s: %s  ' "$dir" "$(ls "$sandbox/work/app/.agent-queue/$dir" 2>/dev/null | tr '\n' ' ')"
    done
    echo
}

echo "== sandbox: $sandbox"
run hooks install
run doctor --fix

echo
echo "== the pool (demo-1, demo-2) is started by watch-once; the dedicated session 'main' by launch"
run watch-once
run launch main
# (ccfail answered each client's one-time bypass-permissions warning with "Yes, I accept")
for session in demo-1 demo-2 main; do wait_for "$session" "bypass permissions on"; done
tmux -S "$socket" send-keys -t "=main:" -l "Review the API design [standin work=0.2]"
tmux -S "$socket" send-keys -t "=main:" Enter
wait_for main "mode normal"

echo
echo "== three tasks arrive in work/app/.agent-queue/inbox"
task schema high "Write the schema [standin work=2]"
task api default "Build the API [standin work=2]"
task docs low "Document it [standin work=3]"
counts
run status

echo
echo "== dispatch hands the two best tasks to the pool (on account a)"
run dispatch
wait_for demo-1 "mode normal"
wait_for demo-2 "mode normal"
sleep 1.5
run watch-once
counts

echo
echo "== account a runs out: the next turn on it hits the usage limit"
printf '{"mode": "limit", "limit_text": "You%sve hit your limit \xc2\xb7 resets 8pm (Europe/Paris)", "work_seconds": 0.2}\n' "'" \
    > "$sandbox/accounts/a/standin.json"
run dispatch
busy=""
for _ in $(seq 100); do
    for s in demo-1 demo-2; do
        tmux -S "$socket" capture-pane -p -J -t "=$s:" | grep -qF "resets 8pm (Europe/Paris)" && busy=$s
    done
    [ -n "$busy" ] && break
    sleep 0.1
done
[ -n "$busy" ] || fail "no pool session showed the usage limit within 10 s"
echo "-- the pane of $busy:"
tmux -S "$socket" capture-pane -p -t "=$busy:" | sed -e 's/[[:space:]]*$//' -e '/^$/d' | tail -9

echo
echo "== quota-check confirms the hit and swaps the pool to account b"
run --expect 10 quota-check
[ "$(readlink "$sandbox/home/.claude")" = "$sandbox/accounts/b" ] || fail "the active link does not point at account b"
echo "-- the active link now points at: $(readlink "$sandbox/home/.claude")"

echo
echo "== on b the conversation goes on and the task finishes"
wait_for "$busy" "mode normal" 30
sleep 1.5
run watch-once
counts
for id in schema api docs; do
    [ -f "$sandbox/work/app/.agent-queue/done/$id.md" ] || fail "task $id is not in done/ at the end"
done
run status
run doctor

echo
echo "== hook events the clients appended to the spool through \`ccfail hook\`:"
grep -o '"event":"[A-Za-z]*"' "$sandbox/state/events.jsonl" | sort | uniq -c
echo
echo "== done: the sandbox and its tmux server are removed"
