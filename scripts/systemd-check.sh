#!/usr/bin/env bash
# scripts/systemd-check.sh [SUITE...]: ccfail's user units on a real systemd.
#
# Boots Debian (default: bookworm, systemd 252; trixie has systemd >= 254) in
# systemd-nspawn, installs ccfail as the README says for a user `op` with linger, the
# repo's stand-in client (examples/claude) as ~/.local/bin/claude, and checks inside:
#   * the timers fire (systemctl --user list-timers, the units' journal);
#   * the tmux server pid is the same across 10 unit runs and a `systemctl --user
#     restart` of every ccfail unit (the server lives in its own scope, not a unit's);
#   * a shell, a unit and a unit with the old `StateDirectory=ccfail` resolve one state
#     path;
#   * a swap happens: two pool sessions hit the stand-in's usage limit on account a,
#     the quota-check unit swaps the pool to b; a shell's `ccfail status` and a unit's
#     print the same state path and the same last swap;
#   * a reboot, simulated: the tmux server is killed with three pool sessions busy on
#     tasks and a dedicated session holding a conversation; the watch-once unit brings
#     every session back with the same conversation id, no task is requeued with an
#     attempt counted, none is lost, and the tasks finish.
# Everything it prints is also in the run dir it names (check.log, boot.log).
#
# Needs root, debootstrap and systemd-nspawn (apt-get install systemd-container
# debootstrap) and Debian's package registry the first time (the rootfs is cached in
# ${XDG_CACHE_HOME:-~/.cache}/ccfail/rootfs-<suite>). A run takes a few minutes; it is
# not part of `cargo test`. The host's PID 1 need not be systemd: nspawn runs with
# --register=no --keep-unit from a cgroup of its own, on the unified hierarchy.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
    echo "systemd-check: $*" >&2
    exit 1
}
[ "$(id -u)" = 0 ] || fail "needs root (debootstrap and systemd-nspawn)"
for tool in debootstrap systemd-nspawn; do
    command -v "$tool" >/dev/null || fail "$tool is missing: apt-get install systemd-container debootstrap"
done
[ $# -gt 0 ] || set -- bookworm

cargo build --bin ccfail --example claude || fail "cargo build failed (its errors are above)"
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
ccfail="$target_dir/debug/ccfail"
claude="$target_dir/debug/examples/claude"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/ccfail"
packages=systemd,systemd-sysv,dbus,dbus-user-session,libpam-systemd,tmux,procps,util-linux

rootfs() { # suite -> cached rootfs dir
    local dir="$cache/rootfs-$1"
    if [ ! -x "$dir/usr/bin/tmux" ]; then
        echo "== debootstrap $1 into $dir (once; a few minutes)" >&2
        rm -rf "$dir.tmp"
        mkdir -p "$cache"
        debootstrap --variant=minbase --include="$packages" "$1" "$dir.tmp" >"$cache/debootstrap-$1.log" 2>&1 ||
            fail "debootstrap $1 failed: see $cache/debootstrap-$1.log"
        mv "$dir.tmp" "$dir"
    fi
    echo "$dir"
}

# The checks, run by a system unit once the container has booted; as root, acting
# as op through runuser. Writes /results/check.log and /results/verdict.
inner_check() {
    cat <<'CHECK'
#!/bin/bash
set -u
exec > >(tee /results/check.log) 2>&1
failures=0
bad() { echo "!! FAILED: $*"; failures=$((failures + 1)); }
say() { echo; echo "== $*"; }
RUN=/run/user/1000
# A unit's view: systemctl --user as op. A shell's: a login shell of op.
U() { runuser -u op -- env HOME=/home/op XDG_RUNTIME_DIR=$RUN DBUS_SESSION_BUS_ADDRESS=unix:path=$RUN/bus "$@"; }
S() { runuser -l op -c "export XDG_RUNTIME_DIR=$RUN PATH=\$HOME/.cargo/bin:\$PATH; $1"; }
SOCKET=/tmp/tmux-1000/default
server_pid() { U tmux -S $SOCKET display-message -p '#{pid}' 2>/dev/null; }
pane_has() { U tmux -S $SOCKET capture-pane -p -J -t "=$1:" 2>/dev/null | grep -qF -- "$2"; }
# At the input box: the footer under it names the permission mode (the units' clients
# run with --dangerously-skip-permissions: "bypass permissions on"), or shortcuts.
at_box() { U tmux -S $SOCKET capture-pane -p -J -t "=$1:" 2>/dev/null | grep -qE -- 'bypass permissions on|for shortcuts'; }
STATE=/home/op/.local/state/ccfail/state.json
INBOX=/home/op/work/app/.agent-queue/inbox
wait_until() { # seconds description command...
    local seconds=$1 what=$2
    shift 2
    for _ in $(seq $((seconds * 2))); do "$@" && return 0; sleep 0.5; done
    bad "$what (waited $seconds s)"
    return 1
}
# Runs a unit by hand. systemd refuses a 6th start within 10 s (StartLimitBurst=5);
# these runs are ours, not a crash loop, so the counter is reset first.
start_unit() {
    U systemctl --user reset-failed "$1" 2>/dev/null
    U systemctl --user start "$1"
}
timers() { U systemctl --user list-timers --all --no-pager 'ccfail-*'; }
for _ in $(seq 120); do [ -S $RUN/bus ] && systemctl is-active -q user@1000.service && break; sleep 0.5; done
say "systemd $(systemctl --version | head -1)"
say "install as the README says (a login shell of op)"
S 'ccfail doctor --fix; ccfail hooks install; ccfail doctor; echo "doctor exit $?"'
U systemctl --user daemon-reload
U systemctl --user enable --now ccfail.target

say "the timers bring the pool up (watch-once fires 20 s after start)"
# The three clients running, as ccfail saw them (their conversation ids in the state),
# then at their input box.
all_idle() {
    [ "$(grep -c '"claude_session_id": "' $STATE 2>/dev/null)" = 3 ] && at_box pool-1 && at_box pool-2 && at_box pool-3
}
wait_until 150 "the pool sessions came up under the timers" all_idle
pid0=$(server_pid)
echo "tmux server pid: ${pid0:-none}"
[ -n "$pid0" ] && echo "its cgroup: $(cat /proc/$pid0/cgroup | tail -1)"
[ -n "$pid0" ] && grep -q 'ccfail-tmux-.*\.scope$' /proc/$pid0/cgroup || bad "the server is not in a ccfail-tmux scope"
say "systemctl --user list-timers (the timers have fired)"
timers

say "10 unit runs and the server pid after each"
units=(watch-once quota-check dispatch janitor watch-once quota-check dispatch watch-once quota-check watch-once)
for i in "${!units[@]}"; do
    unit=ccfail-${units[$i]}.service
    start_unit "$unit"
    result=$(U systemctl --user show -p Result --value "$unit")
    pid=$(server_pid)
    echo "run $((i + 1)): $unit result=$result server pid=${pid:-none}"
    [ "$pid" = "$pid0" ] || bad "the server pid changed after $unit"
done

say "systemctl --user restart of every ccfail unit"
U systemctl --user reset-failed 'ccfail-*'
U systemctl --user restart ccfail-watch-once.service ccfail-quota-check.service ccfail-dispatch.service \
    ccfail-janitor.service ccfail-watch-once.timer ccfail-quota-check.timer ccfail-dispatch.timer \
    ccfail-janitor.timer ccfail.target
pid=$(server_pid)
echo "after the restart: server pid=${pid:-none}"
[ "$pid" = "$pid0" ] || bad "the server pid changed with the restart"

say "one state path: a shell, a unit, and a unit with the old StateDirectory=ccfail"
state_of() { grep -o '"state_file": *"[^"]*"' | sed 's/.*: *"//; s/"$//'; }
shell_state=$(S 'ccfail status --json' | state_of)
unit_state=$(U systemd-run --user --wait --pipe --quiet /home/op/.cargo/bin/ccfail status --json | state_of)
old_state=$(U systemd-run --user --wait --pipe --quiet -p StateDirectory=ccfail /home/op/.cargo/bin/ccfail status --json | state_of)
echo "shell:                          $shell_state"
echo "unit:                           $unit_state"
echo "unit with StateDirectory=ccfail: $old_state"
[ -n "$shell_state" ] && [ "$shell_state" = "$unit_state" ] && [ "$shell_state" = "$old_state" ] || bad "the state paths differ"
[ ! -e /home/op/.config/ccfail/state.json ] || bad "a state.json appeared under ~/.config/ccfail"
echo "doctor in that old unit:"
U systemd-run --user --wait --pipe --quiet -p StateDirectory=ccfail /home/op/.cargo/bin/ccfail doctor | grep -iE 'state|socket' || true

say "a swap: account a runs out, two pool sessions hit the limit, the quota-check unit swaps to b"
printf '{"mode": "limit", "limit_text": "You%sve hit your limit \xc2\xb7 resets 8pm (Europe/Paris)", "work_seconds": 0.2}\n' "'" \
    > /home/op/.claude-accounts/a/standin.json
chown op: /home/op/.claude-accounts/a/standin.json
for id in one two; do
    printf -- '---\ntitle: "Task %s"\n---\nTask %s [standin work=1]\n' $id $id > /home/op/work/app/.agent-queue/inbox/$id.md
done
chown -R op: /home/op/work
start_unit ccfail-dispatch.service
both_hit() { pane_has pool-1 "resets 8pm" && pane_has pool-2 "resets 8pm"; }
wait_until 60 "both pool sessions showed the usage limit" both_hit
start_unit ccfail-quota-check.service
echo "quota-check unit: result=$(U systemctl --user show -p Result --value ccfail-quota-check.service)"
S 'ccfail status' | sed -n '1,7p'
swapped=$(S 'ccfail status --json' | grep -o '"active_account": *"[^"]*"')
echo "$swapped"
echo "$swapped" | grep -q '"b"' || bad "the pool was not swapped to account b"
pid=$(server_pid)
echo "server pid after the swap: ${pid:-none}"
[ "$pid" = "$pid0" ] || bad "the server pid changed with the swap"

say "the same state and the same last swap for a shell's status and a unit's"
last_swap_of() { tr -d '\n' | grep -o '"last_swap": *{[^}]*}' | tr -s ' '; }
S 'ccfail status' | grep -E '^(state|last swap): '
U systemd-run --user --wait --pipe --quiet /home/op/.cargo/bin/ccfail status | grep -E '^(state|last swap): '
shell_json=$(S 'ccfail status --json')
unit_json=$(U systemd-run --user --wait --pipe --quiet /home/op/.cargo/bin/ccfail status --json)
echo "shell: $(echo "$shell_json" | state_of) $(echo "$shell_json" | last_swap_of)"
echo "unit:  $(echo "$unit_json" | state_of) $(echo "$unit_json" | last_swap_of)"
[ -n "$(echo "$shell_json" | last_swap_of)" ] || bad "the shell's status shows no last swap"
[ "$(echo "$shell_json" | state_of)" = "$(echo "$unit_json" | state_of)" ] || bad "the state paths differ"
[ "$(echo "$shell_json" | last_swap_of)" = "$(echo "$unit_json" | last_swap_of)" ] || bad "the last swaps differ"

say "a reboot, simulated: the tmux server is killed with three pool sessions busy and a dedicated one"
inbox_empty() { [ -z "$(ls $INBOX)" ]; }
wait_until 90 "the swapped tasks finished" inbox_empty
# The operator's session, launched from a login shell, takes a turn: a conversation
# with a transcript.
S 'ccfail launch app; echo "ccfail launch app: exit $?"'
if ! U tmux -S $SOCKET has-session -t =app 2>/dev/null; then
    bad "ccfail launch app left no session app"
    echo "sessions: $(U tmux -S $SOCKET list-sessions -F '#{session_name}' | tr '\n' ' ')"
    echo "a probe session from a login shell, kept when its shell exits:"
    U tmux -S $SOCKET set-option -g remain-on-exit on
    S "tmux -S $SOCKET new-session -d -s probe -c /home/op/work/app; sleep 1; tmux -S $SOCKET list-panes -a -F '#{session_name} dead=#{pane_dead} status=#{pane_dead_status} #{pane_current_command}'; tmux -S $SOCKET capture-pane -p -t =probe: | head -5"
    U tmux -S $SOCKET set-option -g remain-on-exit off
    U tmux -S $SOCKET kill-session -t =probe 2>/dev/null
    echo "launched from a unit instead:"
    U systemd-run --user --wait --pipe --quiet /home/op/.cargo/bin/ccfail launch app
fi
U tmux -S $SOCKET send-keys -t =app: -l 'Review the design [standin work=0.2]'
U tmux -S $SOCKET send-keys -t =app: Enter
app_done() { pane_has app "Review the design" && at_box app && ! pane_has app "esc to interrupt"; }
wait_until 30 "the dedicated session's turn ended" app_done
for id in three four five; do
    printf -- '---\ntitle: "Long %s [standin work=90]"\n---\nLong %s\n' $id $id >$INBOX/$id.md
done
chown -R op: /home/op/work
start_unit ccfail-dispatch.service
delivered() { start_unit ccfail-watch-once.service; [ "$(grep -c '"delivered": true' $STATE)" = 3 ]; }
wait_until 60 "the three long tasks claimed and delivered" delivered
# The go-on turns after the recovery take 30 s, so the resumed conversations are seen
# before a finished task's session is recycled to a fresh one.
printf '{"work_seconds": 30}\n' >/home/op/.claude-accounts/b/standin.json
chown op: /home/op/.claude-accounts/b/standin.json
ids() { grep -o '"claude_session_id": *"[^"]*"' $STATE | sort | tr '\n' ' '; }
four_ids() { start_unit ccfail-watch-once.service; [ "$(ids | wc -w)" = 8 ]; }
wait_until 60 "four conversation ids in the state" four_ids
ids_before=$(ids)
echo "claimed: $(ls $INBOX | tr '\n' ' ')"
echo "conversations before: $ids_before"
U tmux -S $SOCKET kill-server
echo "tmux kill-server; the next watch-once unit run:"
since=$(date '+%Y-%m-%d %H:%M:%S')
start_unit ccfail-watch-once.service
echo "watch-once unit: result=$(U systemctl --user show -p Result --value ccfail-watch-once.service)"
journalctl --no-pager -o cat _UID=1000 SYSLOG_IDENTIFIER=ccfail --since "$since" |
    grep -E 'no tmux server|resume|is back|created|back in the inbox'
back() { pane_has pool-1 "Long" && pane_has pool-2 "Long" && pane_has pool-3 "Long" && pane_has app "Review the design"; }
wait_until 60 "every session back in its conversation" back
start_unit ccfail-watch-once.service
ids_after=$(ids)
echo "conversations after:  $ids_after"
[ "$ids_before" = "$ids_after" ] || bad "the conversations changed"
echo "app's dir: $(U tmux -S $SOCKET display-message -p -t =app: '#{pane_current_path}')"
echo "tasks: $(ls $INBOX | tr '\n' ' ')"
attempts=$(tr -d '\n ' <$STATE | grep -o '"attempts":{[^}]*}')
echo "attempts counted: $attempts"
[ "$attempts" = '"attempts":{}' ] || bad "an attempt was counted against a task"
requeued=$(grep -c '"event": "task-requeued"' $STATE)
echo "task-requeued events: $requeued"
[ "$requeued" = 0 ] || bad "a task was requeued"
tasks_done() {
    start_unit ccfail-watch-once.service
    [ -e /home/op/work/app/.agent-queue/done/three.md ] && [ -e /home/op/work/app/.agent-queue/done/four.md ] &&
        [ -e /home/op/work/app/.agent-queue/done/five.md ]
}
wait_until 200 "the three tasks finished in their resumed conversations" tasks_done
echo "done: $(ls /home/op/work/app/.agent-queue/done | tr '\n' ' '); failed: $(ls /home/op/work/app/.agent-queue/failed 2>/dev/null | tr '\n' ' ')"
[ -z "$(ls /home/op/work/app/.agent-queue/failed 2>/dev/null)" ] || bad "a task failed"
pid0=$(server_pid)
echo "the new server: pid $pid0, cgroup $(tail -1 /proc/$pid0/cgroup)"
grep -q 'ccfail-tmux-.*\.scope$' /proc/$pid0/cgroup || bad "the new server is not in a ccfail-tmux scope"

say "35 s of timers after the restart, then systemctl --user list-timers"
sleep 35
timers
pid=$(server_pid)
echo "server pid at the end: ${pid:-none}"
[ "$pid" = "$pid0" ] || bad "the server pid changed under the timers"
say "the units' journal (last 40 lines)"
journalctl --no-pager -o short-iso _UID=1000 SYSLOG_IDENTIFIER=ccfail | tail -40
echo "lines the units wrote: $(journalctl --no-pager -o cat _UID=1000 SYSLOG_IDENTIFIER=ccfail | wc -l)"
journalctl --no-pager -o short-iso _UID=1000 | grep -E 'ccfail-tmux|remains running' | tail -5
echo
echo "verdict: $failures failure(s)"
echo "$failures" > /results/verdict
CHECK
}

check_suite() {
    local suite=$1 base run
    base=$(rootfs "$suite")
    run=$(mktemp -d "${TMPDIR:-/tmp}/ccfail-systemd-check-$suite.XXXXXX")
    echo "== $suite: copying the rootfs into $run"
    cp -a "$base" "$run/root"
    mkdir -p "$run/results"
    local root="$run/root" home="$run/root/home/op"
    chroot "$root" useradd -m -u 1000 -s /bin/bash op
    # Linger without polkit: the file logind reads at boot.
    mkdir -p "$root/var/lib/systemd/linger" && touch "$root/var/lib/systemd/linger/op"
    install -D -m 0755 "$ccfail" "$home/.cargo/bin/ccfail"
    install -D -m 0755 "$claude" "$home/.local/bin/claude"
    mkdir -p "$home/.config/ccfail" "$home/.config/systemd/user" "$home/.claude-accounts"/{a,b,shared} \
        "$home/work/pool" "$home/work/app/.agent-queue/inbox"
    for account in a b; do echo '{}' >"$home/.claude-accounts/$account/.credentials.json"; done
    ln -s .claude-accounts/a "$home/.claude"
    cp systemd-timers/* "$home/.config/systemd/user/"
    cat >"$home/.config/ccfail/config.yaml" <<'YAML'
accounts:
  - name: a
    home: ~/.claude-accounts/a
  - name: b
    home: ~/.claude-accounts/b
    priority: 1
claude:
  binary: ~/.local/bin/claude
  args: [--dangerously-skip-permissions]
  active_link: ~/.claude
  shared:
    root: ~/.claude-accounts/shared
pool:
  autonomous:
    prefix: pool-
    start_index: 1
    min: 3
    max: 3
    workdir: ~/work/pool
  dedicated:
    - name: app
      project: ~/work/app
projects:
  list:
    - path: ~/work/app
dispatch:
  session_cooldown: 0s
watch:
  idle_grace: 1s
YAML
    chroot "$root" chown -R op: /home/op
    inner_check >"$root/root/check.sh"
    cat >"$root/etc/systemd/system/ccfail-check.service" <<'UNIT'
[Unit]
Description=ccfail systemd check
After=user@1000.service systemd-logind.service
Wants=user@1000.service
[Service]
Type=oneshot
ExecStart=/bin/bash /root/check.sh
ExecStopPost=/bin/systemctl --no-block poweroff
[Install]
WantedBy=multi-user.target
UNIT
    mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
    ln -sf ../ccfail-check.service "$root/etc/systemd/system/multi-user.target.wants/"
    echo "== $suite: booting (systemd-nspawn -b); the checks follow"
    (
        # A cgroup of our own: nspawn nests the container's under it.
        cg="ccfail-systemd-check-$BASHPID"
        for hierarchy in /sys/fs/cgroup/unified /sys/fs/cgroup/systemd /sys/fs/cgroup; do
            if [ -w "$hierarchy/cgroup.procs" ]; then
                mkdir -p "$hierarchy/$cg" && echo "$BASHPID" >"$hierarchy/$cg/cgroup.procs" || true
            fi
        done
        export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
        exec timeout 900 systemd-nspawn -q -b --register=no --keep-unit -D "$root" -M "ccfail-$suite" \
            --bind="$run/results:/results" --console=passive
    ) >"$run/boot.log" 2>&1 || true
    cat "$run/results/check.log" 2>/dev/null || echo "(no check log: see $run/boot.log)"
    local verdict
    verdict=$(cat "$run/results/verdict" 2>/dev/null || echo "no verdict")
    echo "== $suite: $verdict failure(s); logs in $run"
    [ "$verdict" = 0 ]
}

status=0
for suite in "$@"; do
    check_suite "$suite" || status=1
done
exit $status
