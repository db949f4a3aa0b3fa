#!/usr/bin/env python3
"""Capture harness: records what one real Claude Code version shows and writes.

    scripts/real-client/capture.py VERSION [--out DIR] [--only CASE,...] [--jobs N]

Installs VERSION with install.sh (cached), builds the mock API (`cargo build --example
mock_api`), then, inside a network namespace that has only loopback (re-executes itself
under `unshare -n` when root, `unshare -rn` otherwise), runs every case in its own tmux
window (200x50, TERM=xterm-256color, TZ=UTC) against the mock and records into
`tests/fixtures/claude-code/VERSION/` (`VERSION/harness/` when that exists, as for
2.1.197, whose folder holds the first capture session; or --out):

* screens/<case>.txt (visible pane) and <case>.hist.txt (with 50 lines of scrollback)
* transcripts/<case>.jsonl (the session transcript) and <case>.session-state.json
  (the client's sessions/<pid>.json at that moment)
* hooks/<case>.hooks.jsonl (the logging hook's log: every event's payload)
* claude_json/<case>.{before,after}.json and <case>.writes.jsonl (every rewrite of
  <home>/.claude.json seen in the first seconds of a start, polled every 20 ms)
* print/<case>.{stdout,stderr,exit}.txt (`claude -p hello`)
* mock/<case>.requests.jsonl (what the client asked the mock)

The scratch root is a 10-character path (/tmp/rXXXX), renamed to /home/op01 in every file
(same length, so screen alignment holds), the mock's port to 8787 (same length padding is
not needed: it only appears in env dumps). Nothing here reaches the network: the
namespace has only loopback and the client is pointed at the mock with
ANTHROPIC_BASE_URL, DISABLE_TELEMETRY=1, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1.
"""

import argparse
import concurrent.futures
import json
import os
import random
import re
import shutil
import string
import subprocess
import sys
import threading
import time
import traceback

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
STABLE = "/home/op01"
HOOK_EVENTS = [
    "SessionStart", "SessionEnd", "UserPromptSubmit", "Stop", "StopFailure", "Notification",
    "PreToolUse", "PostToolUse", "PermissionRequest", "PreCompact",
]


def slug(path):
    return re.sub(r"[^A-Za-z0-9]", "-", path)


def log(msg):
    sys.stderr.write("capture: %s\n" % msg)
    sys.stderr.flush()


class Harness:
    def __init__(self, version, binary, out, scratch):
        self.version = version
        self.binary = binary
        self.out = out
        self.s = scratch
        self.sock = os.path.join(scratch, "tmux.sock")
        self.mockdir = os.path.join(scratch, "mock")
        self.modes_lock = threading.Lock()
        self.modes = {}
        self.port = None
        self.results = {}

    # ---------- setup ----------
    def tmux(self, *args, check=True):
        r = subprocess.run(["tmux", "-S", self.sock, "-f", "/dev/null"] + list(args),
                           capture_output=True, text=True)
        if check and r.returncode != 0:
            raise RuntimeError("tmux %s: %s" % (" ".join(args), r.stderr.strip()))
        return r.stdout

    def start(self):
        os.makedirs(os.path.join(self.s, "bin"))
        os.symlink(self.binary, os.path.join(self.s, "bin", "claude"))
        os.makedirs(self.mockdir)
        os.makedirs(os.path.join(self.s, "hooks"))
        os.makedirs(os.path.join(self.s, "shared", "projects"))
        shutil.copy(os.path.join(REPO, "tests/fixtures/claude-code/2.1.197/hooks/log_hook.py"),
                    os.path.join(self.s, "hooks", "log_hook.py"))
        os.chmod(os.path.join(self.s, "hooks", "log_hook.py"), 0o755)
        mock = os.path.join(REPO, "target", "debug", "examples", "mock_api")
        self.mock = subprocess.Popen([mock, self.mockdir], stdout=subprocess.PIPE, text=True)
        line = self.mock.stdout.readline()
        m = re.match(r"listening 127\.0\.0\.1:(\d+)", line)
        if not m:
            raise RuntimeError("mock_api did not start: %r" % line)
        self.port = m.group(1)
        # One tmux server for the run; a placeholder session keeps it alive.
        self.tmux("new-session", "-d", "-s", "keep", "-x", "200", "-y", "50", "sleep 1000000")

    def stop(self):
        self.tmux("kill-server", check=False)
        if self.mock:
            self.mock.terminate()
            self.mock.wait()

    def set_mode(self, token, mode):
        with self.modes_lock:
            self.modes[token] = mode
            tmp = os.path.join(self.mockdir, "modes.json.tmp")
            with open(tmp, "w") as f:
                json.dump(self.modes, f)
            os.replace(tmp, os.path.join(self.mockdir, "modes.json"))

    def home(self, name, plan="max20x", trust=True, workdir=None, shared=False, bypass_ok=False):
        """A seeded account home: onboarding done, a fake subscription login, the logging
        hook installed; the work dir trusted unless `trust` is False."""
        h = os.path.join(self.s, name)
        os.makedirs(h)
        token = "tok-" + name
        sub, tier = ("max", "default_claude_max_20x") if plan == "max20x" else ("pro", "default_claude_ai")
        cred = {"claudeAiOauth": {
            "accessToken": token, "refreshToken": "ref-" + name, "expiresAt": 4102444800000,
            "scopes": ["user:inference", "user:profile", "user:sessions:claude_code"],
            "subscriptionType": sub, "rateLimitTier": tier}}
        with open(os.path.join(h, ".credentials.json"), "w") as f:
            json.dump(cred, f)
        os.chmod(os.path.join(h, ".credentials.json"), 0o600)
        cj = {"hasCompletedOnboarding": True, "numStartups": 1, "theme": "dark"}
        if trust:
            cj["projects"] = {workdir: {"hasTrustDialogAccepted": True}}
        if bypass_ok:
            cj["bypassPermissionsModeAccepted"] = True
        with open(os.path.join(h, ".claude.json"), "w") as f:
            json.dump(cj, f, indent=2)
        hooks = {}
        for ev in HOOK_EVENTS:
            hooks[ev] = [{"matcher": "*", "hooks": [{"type": "command", "command": "%s/hooks/log_hook.py %s" % (self.s, ev), "timeout": 10}]}]
        settings = {"hooks": hooks}
        if bypass_ok:
            settings["skipDangerousModePermissionPrompt"] = True
        with open(os.path.join(h, "settings.json"), "w") as f:
            json.dump(settings, f, indent=2)
        if shared:
            os.symlink(os.path.join(self.s, "shared", "projects"), os.path.join(h, "projects"))
        return h, token

    def workdir(self, name):
        d = os.path.join(self.s, name)
        os.makedirs(d, exist_ok=True)
        return d

    # ---------- pane ----------
    def open_pane(self, case, cwd):
        self.tmux("new-window", "-d", "-t", "keep", "-n", case, "-c", cwd,
                  # A clean env, but TMUX and TMUX_PANE kept, as in any pane of a tmux server.
                  "env -i TMUX=\"$TMUX\" TMUX_PANE=\"$TMUX_PANE\" PATH=%s/bin:/usr/bin:/bin HOME=%s TERM=xterm-256color TZ=UTC PS1='$ ' bash --norc --noprofile" % (self.s, self.s))
        target = "keep:" + case
        self.tmux("resize-window", "-t", target, "-x", "200", "-y", "50", check=False)
        self.wait(lambda: self.screen(target).rstrip().endswith("$"), 10, target, "shell prompt")
        return target

    def screen(self, target, hist=False):
        args = ["capture-pane", "-p", "-t", target]
        if hist:
            args += ["-S", "-50"]
        return self.tmux(*args, check=False)

    def keys(self, target, *keys, literal=False):
        if literal:
            self.tmux("send-keys", "-t", target, "-l", *keys)
        else:
            self.tmux("send-keys", "-t", target, *keys)

    def type_line(self, target, text):
        self.keys(target, text, literal=True)
        time.sleep(0.3)
        self.keys(target, "Enter")

    def wait(self, pred, timeout, target, what):
        end = time.time() + timeout
        while time.time() < end:
            try:
                if pred():
                    return True
            except Exception:  # noqa: BLE001 (a file mid-write: try again)
                pass
            time.sleep(0.1)
        raise RuntimeError("timed out after %ss waiting for %s in %s; last screen:\n%s" % (timeout, what, target, self.screen(target)))

    def env_prefix(self, home, case):
        return ("CLAUDE_CONFIG_DIR=%s ANTHROPIC_BASE_URL=http://127.0.0.1:%s DISABLE_TELEMETRY=1 "
                "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 CLAUDE_CODE_MAX_RETRIES=2 IS_SANDBOX=1 "
                "CCF_HOOK_LOG=%s/hooks/%s.hooks.jsonl" % (home, self.port, self.s, case))

    def launch(self, target, home, case, args=""):
        cmd = "%s claude %s" % (self.env_prefix(home, case), args)
        self.type_line(target, cmd.strip())

    def state(self, home):
        """The client's sessions/<pid>.json (the newest), or None."""
        d = os.path.join(home, "sessions")
        if not os.path.isdir(d):
            return None
        files = [os.path.join(d, f) for f in os.listdir(d) if f.endswith(".json")]
        if not files:
            return None
        files.sort(key=os.path.getmtime)
        with open(files[-1]) as f:
            return json.load(f)

    def input_box(self, target):
        lines = self.screen(target).splitlines()
        for i in range(1, len(lines) - 1):
            if lines[i].startswith("❯") and lines[i - 1].startswith("──") and lines[i + 1].startswith("──"):
                return True
        return False

    def wait_idle(self, target, home, timeout=60, what="idle"):
        def ok():
            st = self.state(home)
            return st is not None and st.get("status") == "idle" and self.input_box(target)
        self.wait(ok, timeout, target, what)

    # ---------- records ----------
    def save(self, rel, text):
        p = os.path.join(self.out, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        # The scratch path, also as a project slug (every non-alphanumeric turned into -).
        text = text.replace(self.s, STABLE).replace(slug(self.s), slug(STABLE))
        text = text.replace("127.0.0.1:%s" % self.port, "127.0.0.1:8787")
        with open(p, "w") as f:
            f.write(text)

    def snap(self, target, name):
        self.save("screens/%s.txt" % name, self.screen(target))
        self.save("screens/%s.hist.txt" % name, self.screen(target, hist=True))

    def snap_state(self, home, name):
        st = self.state(home)
        if st is not None:
            self.save("transcripts/%s.session-state.json" % name, json.dumps(st, indent=2) + "\n")
        return st

    def snap_transcript(self, home, sid, name):
        for root, _dirs, files in os.walk(os.path.join(home, "projects"), followlinks=True):
            if sid + ".jsonl" in files:
                with open(os.path.join(root, sid + ".jsonl")) as f:
                    self.save("transcripts/%s.jsonl" % name, f.read())
                return

    def snap_hooks(self, case):
        p = os.path.join(self.s, "hooks", case + ".hooks.jsonl")
        if os.path.exists(p):
            with open(p) as f:
                self.save("hooks/%s.hooks.jsonl" % case, f.read())

    def requests_of(self, token):
        with open(os.path.join(self.mockdir, "requests.jsonl")) as f:
            return sum(1 for l in f if json.loads(l).get("token") == token and "/v1/messages" == json.loads(l)["path"].split("?")[0])

    def snap_requests(self, tokens, case):
        p = os.path.join(self.mockdir, "requests.jsonl")
        with open(p) as f:
            lines = [l for l in f if json.loads(l).get("token") in tokens]
        self.save("mock/%s.requests.jsonl" % case, "".join(lines))

    def watch_claude_json(self, home, seconds, name):
        """Polls <home>/.claude.json for `seconds` in a thread and records each new version
        (time since start, size, keys, the trust entries)."""
        path = os.path.join(home, ".claude.json")
        with open(path) as f:
            self.save("claude_json/%s.before.json" % name, f.read())
        writes = []

        def run():
            try:
                poll()
            except Exception as e:  # noqa: BLE001 (the case failed and its scratch is gone)
                log("watching %s: %s" % (path, e))

        def poll():
            t0 = time.time()
            last = None
            while time.time() - t0 < seconds:
                try:
                    st = os.stat(path)
                    key = (st.st_mtime_ns, st.st_size, st.st_ino)
                    if key != last:
                        last = key
                        with open(path) as f:
                            txt = f.read()
                        try:
                            d = json.loads(txt)
                            trust = {k: v.get("hasTrustDialogAccepted") for k, v in d.get("projects", {}).items()}
                            writes.append({"t_ms": int((time.time() - t0) * 1000), "size": len(txt), "keys": list(d.keys()), "trust": trust})
                        except ValueError:
                            writes.append({"t_ms": int((time.time() - t0) * 1000), "size": len(txt), "partial": True})
                except FileNotFoundError:
                    writes.append({"t_ms": int((time.time() - t0) * 1000), "missing": True})
                time.sleep(0.02)
            self.save("claude_json/%s.writes.jsonl" % name, "".join(json.dumps(w) + "\n" for w in writes))
            with open(path) as f:
                self.save("claude_json/%s.after.json" % name, f.read())

        t = threading.Thread(target=run)
        t.start()
        return t

    def finish(self, target, home, case, sid=None, tokens=()):
        """Records what every case records, then quits the client and closes the window."""
        st = self.snap_state(home, case)
        sid = sid or (st or {}).get("sessionId")
        if sid:
            self.snap_transcript(home, sid, case)
        self.snap_hooks(case)
        self.snap_requests(set(tokens), case)
        self.tmux("kill-window", "-t", target, check=False)
        return sid

    # ---------- dialogs by meaning ----------
    def choose(self, target, want):
        """Selects the option whose text contains `want` in a menu (❯ marks the cursor) and
        presses Enter: moves by the distance between the cursor and the wanted line."""
        lines = self.screen(target).splitlines()
        cur = next(i for i, l in enumerate(lines) if re.match(r"^\s*❯ ", l) and not l.strip().startswith("❯ $"))
        opt = next(i for i, l in enumerate(lines) if want in l)
        # Options are one line each; count option lines between them.
        step = "Down" if opt > cur else "Up"
        for _ in range(abs(opt - cur)):
            self.keys(target, step)
            time.sleep(0.15)
        time.sleep(0.3)
        self.keys(target, "Enter")


# ---------------- cases ----------------
def prompt_and_wait(h, target, home, text="hello", timeout=60):
    """Types a prompt and waits for the turn to end: the mock has seen the turn's request
    (the account's token) and the client is idle at its input box again."""
    tok = "tok-" + os.path.basename(home)
    before = h.requests_of(tok)
    h.type_line(target, text)
    h.wait(lambda: h.requests_of(tok) > before, 30, target, "the turn's request at the mock")
    h.wait(lambda: "esc to interrupt" not in h.screen(target), timeout, target, "the turn to end")
    h.wait_idle(target, home, timeout, "idle after the turn")


def case_normal(h, case, plan="max20x"):
    """idle fresh (trusted folder), then a turn: done."""
    work = h.workdir("work")
    home, tok = h.home(case, plan=plan, workdir=work)
    h.set_mode(tok, {"mode": "normal", "text": "Done."})
    t = h.open_pane(case, work)
    w = h.watch_claude_json(home, 10, case)
    h.launch(t, home, case)
    h.wait_idle(t, home, 60, "idle fresh")
    time.sleep(1)
    h.snap(t, case + "_idle_fresh")
    h.snap_state(home, case + "_idle_fresh")
    prompt_and_wait(h, t, home)
    time.sleep(0.5)
    h.snap(t, case + "_done")
    w.join()
    return h.finish(t, home, case, tokens=[tok])


def case_busy(h, case):
    work = h.workdir("work")
    home, tok = h.home(case, workdir=work)
    h.set_mode(tok, {"mode": "normal", "delay_ms": 12000, "text": "Done."})
    t = h.open_pane(case, work)
    h.launch(t, home, case)
    h.wait_idle(t, home, 60, "idle before the slow turn")
    h.type_line(t, "hello")
    h.wait(lambda: (h.state(home) or {}).get("status") == "busy", 15, t, "state busy")
    time.sleep(3)
    h.snap(t, case + "_working")
    h.snap_state(home, case + "_working")
    h.wait_idle(t, home, 60)
    time.sleep(0.5)
    h.snap(t, case + "_done")
    return h.finish(t, home, case, tokens=[tok])


def case_interrupt(h, case):
    work = h.workdir("work")
    home, tok = h.home(case, workdir=work)
    h.set_mode(tok, {"mode": "normal", "delay_ms": 30000, "text": "Done."})
    t = h.open_pane(case, work)
    h.launch(t, home, case)
    h.wait_idle(t, home, 60)
    h.type_line(t, "hello")
    h.wait(lambda: (h.state(home) or {}).get("status") == "busy", 15, t, "state busy")
    time.sleep(2)
    h.snap(t, case + "_working")
    h.keys(t, "Escape")
    h.wait_idle(t, home, 20, "idle after Escape")
    time.sleep(0.5)
    h.snap(t, case + "_after_escape")
    return h.finish(t, home, case, tokens=[tok])


def case_exit(h, case):
    work = h.workdir("work")
    home, tok = h.home(case, workdir=work)
    h.set_mode(tok, {"mode": "normal"})
    t = h.open_pane(case, work)
    h.launch(t, home, case)
    h.wait_idle(t, home, 60)
    prompt_and_wait(h, t, home)
    st = h.snap_state(home, case + "_before_exit")
    h.keys(t, "/exit", literal=True)
    time.sleep(1)
    h.snap(t, case + "_menu")
    h.keys(t, "Enter")
    h.wait(lambda: h.screen(t).rstrip().endswith("$"), 20, t, "shell prompt after /exit")
    h.snap(t, case + "_after_exit")
    h.save("trees/%s_sessions_after_exit.txt" % case, "\n".join(sorted(os.listdir(os.path.join(home, "sessions")))) + "\n")
    return h.finish(t, home, case, sid=st["sessionId"], tokens=[tok])


def case_mode(h, case, args):
    """The footer of one permission mode, then the shift+tab cycle from it."""
    work = h.workdir("work")
    home, tok = h.home(case, workdir=work, bypass_ok=True)
    h.set_mode(tok, {"mode": "normal"})
    t = h.open_pane(case, work)
    h.launch(t, home, case, args)
    h.wait_idle(t, home, 60)
    time.sleep(1)
    h.snap(t, case)
    if case.endswith("default"):
        footers = []
        for i in range(6):
            lines = [l for l in h.screen(t).splitlines() if l.strip()]
            footers.append(lines[-1] if lines else "")
            h.keys(t, "BTab")
            time.sleep(1.0)
            h.snap(t, "%s_cycle_%d" % (case, i + 1))
        h.save("screens/%s_cycle_footers.txt" % case, "\n".join(footers) + "\n")
    return h.finish(t, home, case, tokens=[tok])


def case_trust(h, case):
    fresh = h.workdir("fresh-" + case)
    home, tok = h.home(case, trust=False, workdir=fresh)
    h.set_mode(tok, {"mode": "normal"})
    t = h.open_pane(case, fresh)
    w = h.watch_claude_json(home, 12, case)
    h.launch(t, home, case)
    h.wait(lambda: "Yes, I trust" in h.screen(t), 30, t, "trust dialog")
    time.sleep(1)
    h.snap(t, case + "_dialog")
    h.snap_state(home, case + "_dialog")
    h.choose(t, "Yes, I trust")
    h.wait_idle(t, home, 60, "idle after trusting")
    time.sleep(0.5)
    h.snap(t, case + "_accepted")
    w.join()
    return h.finish(t, home, case, tokens=[tok])


def case_bypass_dialog(h, case):
    work = h.workdir("work")
    home, tok = h.home(case, workdir=work)
    h.set_mode(tok, {"mode": "normal"})
    t = h.open_pane(case, work)
    w = h.watch_claude_json(home, 12, case)
    h.launch(t, home, case, "--dangerously-skip-permissions")
    h.wait(lambda: "Yes, I accept" in h.screen(t), 30, t, "bypass dialog")
    time.sleep(1)
    h.snap(t, case + "_dialog")
    h.snap_state(home, case + "_dialog")
    h.choose(t, "Yes, I accept")
    h.wait_idle(t, home, 60, "idle after accepting bypass")
    time.sleep(0.5)
    h.snap(t, case + "_accepted")
    w.join()
    with open(os.path.join(home, "settings.json")) as f:
        h.save("claude_json/%s.settings.after.json" % case, f.read())
    return h.finish(t, home, case, tokens=[tok])


def case_limit(h, case, plan, mode, overage=False):
    work = h.workdir("work")
    home, tok = h.home(case, plan=plan, workdir=work)
    h.set_mode(tok, {"mode": "normal"})
    t = h.open_pane(case, work)
    h.launch(t, home, case)
    h.wait_idle(t, home, 60)
    h.set_mode(tok, {"mode": mode, "overage": overage})
    h.type_line(t, "hello")
    h.wait(lambda: "limit" in h.screen(t).split("❯ hello", 1)[-1], 40, t, "limit text")
    time.sleep(2)
    h.snap(t, case)
    h.snap_state(home, case)
    if "What do you want to do?" in h.screen(t):
        h.keys(t, "Escape")
        time.sleep(1.5)
        h.snap(t, case + "_after_escape")
    # A second prompt on the limited account (the client's second-hit screen).
    h.wait_idle(t, home, 30, "idle after the limit")
    h.type_line(t, "again")
    time.sleep(4)
    h.snap(t, case + "_second")
    h.snap_state(home, case + "_second")
    return h.finish(t, home, case, tokens=[tok])


def case_warning(h, case, mode, util, plan="max20x"):
    work = h.workdir("work")
    home, tok = h.home(case, plan=plan, workdir=work)
    h.set_mode(tok, {"mode": mode, "utilization": util})
    t = h.open_pane(case, work)
    h.launch(t, home, case)
    h.wait_idle(t, home, 60)
    prompt_and_wait(h, t, home, "hello")
    time.sleep(1)
    h.snap(t, case + "_after_1")
    prompt_and_wait(h, t, home, "again")
    time.sleep(1)
    h.snap(t, case + "_after_2")
    return h.finish(t, home, case, tokens=[tok])


def case_error(h, case, mode):
    work = h.workdir("work")
    home, tok = h.home(case, workdir=work)
    h.set_mode(tok, {"mode": "normal"})
    t = h.open_pane(case, work)
    h.launch(t, home, case)
    h.wait_idle(t, home, 60)
    h.set_mode(tok, {"mode": mode})
    h.type_line(t, "hello")
    # The screen while the client retries: once the mock has seen a second request.
    try:
        h.wait(lambda: h.requests_of(tok) >= 2, 20, t, "a retried request")
        time.sleep(0.3)
        h.snap(t, case + "_retrying")
        h.snap_state(home, case + "_retrying")
    except RuntimeError:
        log("%s: the client did not retry" % case)
    h.wait(lambda: (h.state(home) or {}).get("status") == "idle" and "hello" not in h.screen(t).splitlines()[-1], 90, t, "idle after the error")
    time.sleep(1)
    h.snap(t, case)
    return h.finish(t, home, case, tokens=[tok])


def case_resume(h, case):
    """A conversation started on account a (projects shared by symlink), resumed with
    --resume <id> under account b (shared projects, folder not yet trusted for b) and under
    account c (its own projects: not found)."""
    work = h.workdir("work")
    ha, ta = h.home(case + "_a", workdir=work, shared=True)
    hb, tb = h.home(case + "_b", workdir=work, shared=True, trust=False)
    hc, tc = h.home(case + "_c", workdir=work)
    for tok in (ta, tb, tc):
        h.set_mode(tok, {"mode": "normal", "text": "Done."})
    t = h.open_pane(case + "_a", work)
    h.launch(t, ha, case + "_a")
    h.wait_idle(t, ha, 60)
    prompt_and_wait(h, t, ha, "hello")
    sid = h.state(ha)["sessionId"]
    h.keys(t, "/exit", literal=True)
    time.sleep(1)
    h.keys(t, "Enter")
    h.wait(lambda: h.screen(t).rstrip().endswith("$"), 20, t, "shell after /exit")
    h.snap(t, case + "_a_exit")
    h.tmux("kill-window", "-t", t, check=False)
    # b: shared projects, untrusted folder.
    t = h.open_pane(case + "_b", work)
    w = h.watch_claude_json(hb, 12, case + "_b")
    h.launch(t, hb, case + "_b", "--resume " + sid)
    h.wait(lambda: "Yes, I trust" in h.screen(t) or h.input_box(t), 30, t, "trust dialog or input box")
    time.sleep(1)
    h.snap(t, case + "_b_first")
    if "Yes, I trust" in h.screen(t):
        h.choose(t, "Yes, I trust")
    h.wait_idle(t, hb, 60, "idle after resume under b")
    time.sleep(1)
    h.snap(t, case + "_b_loaded")
    st = h.snap_state(hb, case + "_b_loaded")
    prompt_and_wait(h, t, hb, "continue")
    h.snap(t, case + "_b_done")
    w.join()
    h.save("transcripts/%s_b_same_id.txt" % case, "resumed %s, state file says %s\n" % (sid, st.get("sessionId")))
    h.finish(t, hb, case + "_b", sid=sid, tokens=[ta, tb])
    # c: its own projects.
    t = h.open_pane(case + "_c", work)
    h.launch(t, hc, case + "_c", "--resume " + sid)
    h.wait(lambda: h.screen(t).rstrip().endswith("$") or h.input_box(t), 30, t, "exit or input box")
    time.sleep(1)
    h.snap(t, case + "_c")
    h.snap_hooks(case + "_c")
    h.snap_hooks(case + "_a")
    h.tmux("kill-window", "-t", t, check=False)
    return sid


def case_print(h, case, mode):
    work = h.workdir("work")
    home, tok = h.home(case, workdir=work)
    h.set_mode(tok, {"mode": mode})
    env = dict(os.environ)
    for kv in h.env_prefix(home, case).split():
        k, v = kv.split("=", 1)
        env[k] = v
    env["TZ"] = "UTC"
    r = subprocess.run([os.path.join(h.s, "bin", "claude"), "-p", "hello"], cwd=work, env=env,
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    h.save("print/%s.stdout.txt" % case, r.stdout)
    h.save("print/%s.stderr.txt" % case, r.stderr)
    h.save("print/%s.exit.txt" % case, "%d\n" % r.returncode)
    h.snap_requests({tok}, case)


def cases(version):
    c = {
        "tui_max20x_normal": lambda h, n: case_normal(h, n),
        "tui_pro_normal": lambda h, n: case_normal(h, n, plan="pro"),
        "tui_max20x_slow": case_busy,
        "tui_max20x_interrupt": case_interrupt,
        "tui_max20x_exit": case_exit,
        "tui_mode_default": lambda h, n: case_mode(h, n, ""),
        "tui_mode_flag_default": lambda h, n: case_mode(h, n, "--permission-mode default"),
        "tui_mode_acceptEdits": lambda h, n: case_mode(h, n, "--permission-mode acceptEdits"),
        "tui_mode_plan": lambda h, n: case_mode(h, n, "--permission-mode plan"),
        "tui_mode_auto": lambda h, n: case_mode(h, n, "--permission-mode auto"),
        "tui_mode_bypassPermissions": lambda h, n: case_mode(h, n, "--permission-mode bypassPermissions"),
        "tui_mode_skip_flag": lambda h, n: case_mode(h, n, "--dangerously-skip-permissions"),
        "tui_dialog_trust": case_trust,
        "tui_dialog_bypass": case_bypass_dialog,
        "tui_max20x_rl_5h": lambda h, n: case_limit(h, n, "max20x", "limit_5h"),
        "tui_max20x_rl_7d": lambda h, n: case_limit(h, n, "max20x", "limit_7d"),
        "tui_max20x_rl_opus": lambda h, n: case_limit(h, n, "max20x", "limit_opus"),
        "tui_max20x_rl_5h_overage": lambda h, n: case_limit(h, n, "max20x", "limit_5h", overage=True),
        "tui_pro_rl_5h": lambda h, n: case_limit(h, n, "pro", "limit_5h"),
        "tui_pro_rl_7d": lambda h, n: case_limit(h, n, "pro", "limit_7d"),
        "tui_max20x_warn_5h": lambda h, n: case_warning(h, n, "warning_5h", 0.92),
        "tui_max20x_warn_7d": lambda h, n: case_warning(h, n, "warning_7d", 0.8),
        "tui_max20x_warn_5h_97": lambda h, n: case_warning(h, n, "warning_5h", 0.97),
        "tui_max20x_warn_7d_92": lambda h, n: case_warning(h, n, "warning_7d", 0.92),
        "tui_pro_warn_5h": lambda h, n: case_warning(h, n, "warning_5h", 0.92, plan="pro"),
        "tui_max20x_api_error": lambda h, n: case_error(h, n, "error_500"),
        "tui_max20x_overloaded": lambda h, n: case_error(h, n, "error_529"),
        "tui_max20x_rl_api": lambda h, n: case_error(h, n, "plain_429"),
        "tui_max20x_rl_mimic": lambda h, n: case_error(h, n, "mimic_429"),
        "tui_max20x_rl_legacy": lambda h, n: case_error(h, n, "legacy_429"),
        "tui_resume": case_resume,
        "print_normal": lambda h, n: case_print(h, n, "normal"),
        "print_rl_5h": lambda h, n: case_print(h, n, "limit_5h"),
        "print_rl_7d": lambda h, n: case_print(h, n, "limit_7d"),
        "print_api_error": lambda h, n: case_print(h, n, "error_500"),
        "print_overloaded": lambda h, n: case_print(h, n, "error_529"),
        "print_rl_api": lambda h, n: case_print(h, n, "plain_429"),
        "print_rl_mimic": lambda h, n: case_print(h, n, "mimic_429"),
        "print_rl_legacy": lambda h, n: case_print(h, n, "legacy_429"),
        "print_warn_5h": lambda h, n: case_print(h, n, "warning_5h"),
    }
    return c


def in_netns():
    """True in the re-executed process: it runs in a fresh network namespace (sysfs still
    shows the host's interfaces, so the marker is an env variable set before unshare)."""
    return os.environ.get("CCFAIL_CAPTURE_NETNS") == "1"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("version")
    ap.add_argument("--out")
    ap.add_argument("--only")
    ap.add_argument("--jobs", type=int, default=3)
    a = ap.parse_args()
    if not in_netns():
        binary = subprocess.run([os.path.join(REPO, "scripts/real-client/install.sh"), a.version],
                                check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        subprocess.run(["cargo", "build", "--quiet", "--example", "mock_api"], cwd=REPO, check=True)
        os.environ["CCFAIL_CAPTURE_BINARY"] = os.path.realpath(binary)
        os.environ["CCFAIL_CAPTURE_NETNS"] = "1"
        unshare = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
        os.execvp(unshare[0], unshare + [sys.executable, os.path.abspath(__file__)] + sys.argv[1:])
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    if any(": lo:" not in l for l in links.splitlines()):
        sys.exit("capture: the namespace has interfaces besides loopback:\n" + links)
    binary = os.environ["CCFAIL_CAPTURE_BINARY"]
    out = a.out or os.path.join(REPO, "tests/fixtures/claude-code", a.version)
    if not a.out and os.path.isdir(os.path.join(out, "harness")):
        # 2.1.197: the folder holds the first capture session; the harness writes beside it.
        out = os.path.join(out, "harness")
    scratch = "/tmp/r" + "".join(random.choice(string.ascii_lowercase) for _ in range(4))
    os.makedirs(scratch)
    h = Harness(a.version, binary, out, scratch)
    all_cases = cases(a.version)
    names = a.only.split(",") if a.only else list(all_cases)
    failed = []
    try:
        h.start()
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as ex:
            futs = {ex.submit(all_cases[n], h, n): n for n in names}
            for f in concurrent.futures.as_completed(futs):
                n = futs[f]
                try:
                    f.result()
                    log("ok   %s" % n)
                except Exception as e:  # noqa: BLE001
                    failed.append(n)
                    try:
                        h.snap_requests({"tok-" + n}, n + "_FAILED")
                    except Exception:  # noqa: BLE001
                        pass
                    log("FAIL %s: %s" % (n, e))
                    traceback.print_exc()
        h.save("client_version.txt", subprocess.run([binary, "--version"], capture_output=True, text=True).stdout)
    finally:
        h.stop()
        if os.environ.get("CCFAIL_CAPTURE_KEEP") != "1":
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            log("scratch kept: %s" % scratch)
    log("%d cases, %d failed %s" % (len(names), len(failed), " ".join(failed)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
