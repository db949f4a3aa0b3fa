#!/usr/bin/env bash
# ccfail demo: the main job in a sandbox.
#
# Everything lives in a temp dir: two account homes, a shared root, a work dir, the
# state dir, and a private tmux server (tmux -S). The `claude` started in the panes is
# the repo's stand-in client (examples/claude), never the real one, and HOME points
# into the sandbox, so nothing touches ~/.claude or your tmux server. The sandbox is
# removed at the end (set CCFAIL_DEMO_KEEP=1 to keep it).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v tmux >/dev/null 2>&1; then
    echo "demo: tmux is needed: sudo apt-get install tmux (Debian/Ubuntu), dnf install tmux, brew install tmux" >&2
    exit 1
fi

echo "== building ccfail and the claude stand-in"
cargo build --quiet --bin ccfail --example claude
ccfail="$PWD/target/debug/ccfail"
claude="$PWD/target/debug/examples/claude"

sandbox=$(mktemp -d "${TMPDIR:-/tmp}/ccfail-demo.XXXXXX")
socket="$sandbox/tmux.sock"
cleanup() {
    tmux -S "$socket" kill-server 2>/dev/null || true
    if [ -z "${CCFAIL_DEMO_KEEP:-}" ]; then rm -rf "$sandbox"; else echo "sandbox kept: $sandbox"; fi
}
trap cleanup EXIT

mkdir -p "$sandbox"/{home,state,shared,work/pool,work/app,accounts/a,accounts/b}
for account in a b; do
    echo '{}' > "$sandbox/accounts/$account/.credentials.json"
    # Both work dirs are already trusted in both accounts, as after a first login.
    printf '{"projects":{"%s":{"hasTrustDialogAccepted":true},"%s":{"hasTrustDialogAccepted":true}}}\n' \
        "$sandbox/work/pool" "$sandbox/work/app" > "$sandbox/accounts/$account/.claude.json"
done

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
  shared:
    root: $sandbox/shared
tmux:
  socket: $socket
pool:
  autonomous:
    prefix: demo-
    start_index: 1
    max: 2
    workdir: $sandbox/work/pool
  dedicated:
    - name: main
      project: $sandbox/work/app
state:
  dir: $sandbox/state
YAML

export HOME="$sandbox/home" XDG_CONFIG_HOME="$sandbox/home/.config" XDG_STATE_HOME="$sandbox/home/.local/state"
export CCFAIL_CONFIG="$sandbox/config.yaml"
run() {
    echo
    echo "\$ ccfail $*"
    "$ccfail" "$@" || echo "(exit $?)"
}

echo "== sandbox: $sandbox"
run doctor
run doctor --fix
run hooks install

echo
echo "== starting the pool (demo-1, demo-2) and the dedicated session (main) on account a"
start() { # session dir
    tmux -S "$socket" new-session -d -s "$1" -x 200 -y 50 -c "$2"
    tmux -S "$socket" send-keys -t "=$1:" -l "CLAUDE_CONFIG_DIR=$sandbox/accounts/a $claude --dangerously-skip-permissions"
    tmux -S "$socket" send-keys -t "=$1:" Enter
}
wait_for() { # session text
    for _ in $(seq 100); do
        if tmux -S "$socket" capture-pane -p -J -t "=$1:" | grep -qF -- "$2"; then return 0; fi
        sleep 0.1
    done
    echo "demo: $1 did not show '$2' in time" >&2
    tmux -S "$socket" capture-pane -p -t "=$1:" >&2
    return 1
}
start demo-1 "$sandbox/work/pool"
start demo-2 "$sandbox/work/pool"
start main "$sandbox/work/app"
for session in demo-1 demo-2 main; do wait_for "$session" "? for shortcuts"; done

echo "== demo-1 gets a task that takes a few seconds; main gets a quick question"
tmux -S "$socket" send-keys -t "=demo-1:" -l "Refactor the parser [standin work=4]"
tmux -S "$socket" send-keys -t "=demo-1:" Enter
tmux -S "$socket" send-keys -t "=main:" -l "What changed since yesterday? [standin work=0.2]"
tmux -S "$socket" send-keys -t "=main:" Enter
wait_for demo-1 "esc to interrupt"
wait_for main "for 0s"

run status

echo
echo "== the pane of demo-1 right now:"
tmux -S "$socket" capture-pane -p -t "=demo-1:" | sed -e 's/[[:space:]]*$//' -e '/^$/d'

wait_for demo-1 "? for shortcuts"
run status --json
run doctor

echo
echo "== hook events the clients appended to the spool through \`ccfail hook\`:"
grep -o '"event":"[A-Za-z]*"' "$sandbox/state/events.jsonl" | sort | uniq -c
echo
echo "== done: the sandbox and its tmux server are removed"
