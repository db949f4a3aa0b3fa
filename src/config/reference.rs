//! The config reference: one entry per key, what `man 5 ccfail-config` prints.
//!
//! The key names and defaults are not written here: they come from the types of this
//! module's siblings, serialized ([`defaults`]). What is kept by hand is each key's
//! kind and one paragraph of meaning, next to the types. Tests fail when a key of the
//! types has no entry here or an entry names no key, and when `examples/config.yaml`
//! has a key the types lack, lacks one they have, or shows a default that is not the
//! types' default; so the page, the example file and the parser cannot drift apart.

use serde_json::Value as Json;

use super::{Account, Config, DedicatedSession, ProjectEntry};

/// One config key.
#[derive(Debug, Clone, Copy)]
pub struct KeyDoc {
    /// The path, with `[]` for the items of a list: `accounts[].home`.
    pub key: &'static str,
    /// What is written there: `duration`, `path`, `list of strings`…
    pub kind: &'static str,
    /// Must be given (a list item's identity); no default is shown.
    pub required: bool,
    /// What the key does (plain text, one paragraph).
    pub doc: &'static str,
}

const fn key(key: &'static str, kind: &'static str, doc: &'static str) -> KeyDoc {
    KeyDoc { key, kind, required: false, doc }
}

const fn required(key: &'static str, kind: &'static str, doc: &'static str) -> KeyDoc {
    KeyDoc { key, kind, required: true, doc }
}

/// The top-level sections, in file order, with what each is for.
pub const SECTIONS: &[(&str, &str)] = &[
    (
        "accounts",
        "The Anthropic accounts of the pool, each a Claude Code config dir. At least one; names and homes must be unique.",
    ),
    ("claude", "How Claude Code is started, and which of its dirs every account shares."),
    ("tmux", "The tmux server the pool lives in."),
    ("pool", "The numbered sessions ccfail owns (autonomous) and the operator's own (dedicated)."),
    ("projects", "Where task queues (<project>/.agent-queue/inbox/*.md) are found."),
    ("state", "Where ccfail keeps its memory between runs."),
    ("quota", "When usage counts as a quota hit (ccfail quota-check)."),
    ("swap", "How a swap stops and starts the sessions (ccfail swap)."),
    ("notify", "Who hears about what ccfail did: a command run with one JSON event on stdin."),
    ("dispatch", "How ccfail dispatch hands tasks to free pool sessions."),
    ("watch", "How ccfail watch-once decides that a session finished, stalled or died."),
    (
        "checkpoint",
        "Snapshots of working sessions (task, conversation id, cwd, last pane lines), for the swap to resume from.",
    ),
    ("janitor", "What ccfail janitor cleans, and when."),
    (
        "placement",
        "Which account each session runs on, which sessions move when an account runs out, and whether they come back.",
    ),
];

/// Every key of the config, in file order.
pub const KEYS: &[KeyDoc] = &[
    required(
        "accounts[].name",
        "name",
        "Short name used on the command line (ccfail swap --to NAME) and in state: letters, digits, '.', '_', '-'.",
    ),
    required("accounts[].home", "path", "The account's Claude Code config dir (its CLAUDE_CONFIG_DIR)."),
    key("accounts[].priority", "integer", "Lower is preferred when a swap chooses its target."),
    key(
        "accounts[].limits.five_hour_messages",
        "integer or null",
        "Soft cap: responses in the current 5-hour block. Reaching quota.window_5h_threshold of it is a proactive hit; null is no cap.",
    ),
    key(
        "accounts[].limits.five_hour_tokens",
        "integer or null",
        "Soft cap: tokens (input + output + cache creation + cache read) in the current 5-hour block.",
    ),
    key(
        "accounts[].limits.weekly_messages",
        "integer or null",
        "Soft cap: responses in the weekly window (quota.window_week_threshold).",
    ),
    key("accounts[].limits.weekly_tokens", "integer or null", "Soft cap: tokens in the weekly window."),
    key(
        "accounts[].weekly_reset",
        "weekday HH:MM [zone]",
        "When the weekly limit resets (Mon 09:00 Europe/Paris; UTC without a zone); null: the weekly window is the rolling last 7 days.",
    ),
    key(
        "accounts[].ceiling",
        "number",
        "The fraction of each usage window ccfail uses at most (above 0, at most 1; 0.8 keeps the last 20% for you): no session is started on or moved to an account past it.",
    ),
    key("accounts[].tags", "list of strings", "Labels of the account, matched by pool.autonomous.account_tags."),
    key(
        "claude.binary",
        "string",
        "The claude executable: a name looked up in $PATH, or a path (~ and $VARS expanded).",
    ),
    key("claude.args", "list of strings", "Arguments added to every start, e.g. [--dangerously-skip-permissions]."),
    key(
        "claude.active_link",
        "path or null",
        "A symlink (e.g. ~/.claude) ccfail points at the active account's home, for tools that do not set CLAUDE_CONFIG_DIR; must not be an account home.",
    ),
    key(
        "claude.shared.root",
        "path or null",
        "Where the dirs shared by every account live: each home gets <home>/<entry> -> <root>/<entry>, so claude --resume finds a conversation under any account; null: ccfail manages no shared links.",
    ),
    key("claude.shared.entries", "list of strings", "The entries of each account home that link to shared.root."),
    key(
        "claude.env",
        "map of strings",
        "Environment for every client ccfail starts, set on its command line after CLAUDE_CONFIG_DIR (a gateway's ANTHROPIC_BASE_URL, proxies, retries, IS_SANDBOX=1 for bypass mode as root); values are literal; CLAUDE_CONFIG_DIR itself is refused.",
    ),
    key("tmux.binary", "string", "The tmux executable: a name looked up in $PATH, or a path."),
    key(
        "tmux.socket",
        "path or null",
        "A private server socket (tmux -S); null: tmux's default, ${TMUX_TMPDIR:-/tmp}/tmux-<uid>/default, always passed with -S.",
    ),
    key("tmux.enter_delay", "duration", "Pause between typing text into a pane and pressing Enter."),
    key("pool.autonomous.prefix", "name", "Pool sessions are named <prefix><N> (letters, digits, '_', '-')."),
    key("pool.autonomous.start_index", "integer", "The first N."),
    key(
        "pool.autonomous.min",
        "integer",
        "Sessions kept running Claude at least (watch-once starts the missing ones).",
    ),
    key(
        "pool.autonomous.max",
        "integer",
        "Names the pool may use, N in [start_index, start_index + max), at most 1000; names outside it are never created, killed or touched.",
    ),
    key("pool.autonomous.workdir", "path or null", "Where pool sessions start; null: $HOME."),
    key(
        "pool.autonomous.tags",
        "list of strings",
        "Capabilities of every pool session, matched against a task's tags.",
    ),
    key(
        "pool.autonomous.account_tags",
        "list of strings",
        "Pool sessions run only on accounts carrying one of these accounts[].tags; empty: on any account.",
    ),
    required(
        "pool.dedicated[].name",
        "name",
        "An operator's own session: relaunched on a swap, never given tasks, sent /exit or killed. Must not fall in the pool range.",
    ),
    required("pool.dedicated[].project", "path", "The folder the dedicated session's Claude runs in."),
    key(
        "pool.dedicated[].account",
        "name or null",
        "The account the dedicated session always runs on (never moved by placement); null: placed like the pool.",
    ),
    required(
        "projects.list[].path",
        "path",
        "A project folder; its name (the folder's name) is what depends_on and ccfail status use.",
    ),
    key("projects.list[].priority", "integer", "Among tasks of equal priority, a lower project priority goes first."),
    key("projects.scan", "list of paths", "Dirs whose children that hold .agent-queue/ are projects (priority 0)."),
    key(
        "state.dir",
        "path or null",
        "The state dir; null: $STATE_DIRECTORY (not one under the config home), else $XDG_STATE_HOME/ccfail, else ~/.local/state/ccfail.",
    ),
    key("state.lock_wait", "duration", "How long a run waits for the state lock before it exits 4, busy, skipped."),
    key(
        "state.history_limit",
        "integer",
        "History entries kept in history.jsonl in the state dir for ccfail log, the oldest dropped first by a rewrite once it holds 1.25 times this (janitor.history_ttl also ages them); the default holds a week of a 20-session pool. A run appends only what it records.",
    ),
    key(
        "quota.min_pool_hits",
        "integer",
        "Pool sessions that must show a limit notice on their screen in one run for it to count (0: screens of pool sessions never count). Hook events and transcript records count at once.",
    ),
    key("quota.min_dedicated_hits", "integer", "The same for dedicated sessions."),
    key("quota.cooldown", "duration", "No detection for this long after a swap."),
    key(
        "quota.timezone",
        "IANA zone or null",
        "Zone of reset times written without one (resets 5am); null: the machine's local zone.",
    ),
    key("quota.auto_swap", "boolean", "A confirmed hit runs ccfail swap in the same run."),
    key("quota.proactive_swap", "boolean", "A proactive hit (usage past a soft cap) swaps too."),
    key(
        "quota.window_5h_threshold",
        "number",
        "Fraction (above 0, at most 1) of a 5-hour soft cap (accounts[].limits.five_hour_*) at which the account counts as hit.",
    ),
    key("quota.window_week_threshold", "number", "The same for the weekly soft caps (accounts[].limits.weekly_*)."),
    key("swap.stop_timeout", "duration", "From /exit to the shell before the client is ended by signal."),
    key(
        "swap.start_timeout",
        "duration",
        "From the start command to the input box before a relaunch counts as failed.",
    ),
    key("swap.continue_prompt", "string", "Typed into a resumed pool session that was working, so its task goes on."),
    key(
        "swap.parallel",
        "integer",
        "Sessions stopped (and then started) at once by a swap and by the pool start of watch-once; 1 = one after another. At least 1.",
    ),
    key(
        "notify.command",
        "list of strings",
        "The notifier as argv (no shell), run with one JSON event on stdin; empty: no notifications. One that fails or hangs is logged and never changes the exit code.",
    ),
    key(
        "notify.events",
        "list of strings",
        "Event kinds to send (swap_started, swap_done, swap_failed, swap_refused, partial_swap_latch, quota_hit, quota_suspected, proactive_hit, task_failed, dispatch_failed, session_stalled, session_unrecovered, task_blocked, lock_busy); empty: all.",
    ),
    key("notify.timeout", "duration", "A notifier still running after this is killed; the command goes on."),
    key(
        "dispatch.session_cooldown",
        "duration",
        "A pool session gets no new task until this long after its last dispatch.",
    ),
    key(
        "dispatch.models.critical",
        "model or null",
        "The model Claude is started with for a critical task (a task's own model: wins); null: no --model.",
    ),
    key("dispatch.models.high", "model or null", "The same for a high-priority task."),
    key("dispatch.models.default", "model or null", "The same for a task of default priority."),
    key("dispatch.models.low", "model or null", "The same for a low-priority task."),
    key(
        "dispatch.prompt",
        "string",
        "What is typed into the session, literally, on one line. Placeholders: {task_path} (required), {id}, {project}, {project_path}, {title}, {session}.",
    ),
    key("dispatch.max_attempts", "integer", "Tries a task gets; the next failure sends it to failed/."),
    key(
        "dispatch.start_wait",
        "duration",
        "How long a start may take to reach the input box (dispatch, watch-once, launch).",
    ),
    key(
        "dispatch.submit_wait",
        "duration",
        "How long a sent prompt may take to show as submitted, per try (tried twice).",
    ),
    key(
        "watch.idle_grace",
        "duration",
        "A working session whose pane shows the idle input box this long has finished, when neither the client's state file nor a Stop hook said so.",
    ),
    key(
        "watch.done_file",
        "string or null",
        "A file whose existence means the task is done (ask for it in the prompt). Placeholders {project_path}, {project}, {id}, {session}; absolute after expansion; null: only the turn's end counts.",
    ),
    key(
        "watch.stall_after",
        "duration",
        "Working with no activity (pane text, hook events, transcript growth) this long: stalled.",
    ),
    key(
        "watch.restart_after",
        "duration",
        "Stalled this long, counted from the last activity: restarted and its task requeued (at least stall_after).",
    ),
    key("watch.stop_wait", "duration", "How long /exit may take before the client is ended by signal."),
    key("checkpoint.dir", "path or null", "Where snapshots go; null: checkpoints/ in the state dir."),
    key("checkpoint.keep", "integer", "Snapshots kept per session, newest first."),
    key("checkpoint.lines", "integer", "Pane lines kept in each snapshot."),
    key("janitor.orphan_after", "duration", "A claimed task with no live owner this long goes back to the inbox."),
    key("janitor.archive_after", "duration", "Done tasks older than this move to done/archive/YYYY-MM/."),
    key("janitor.checkpoint_ttl", "duration", "Checkpoints older than this are deleted."),
    key("janitor.blocked_alert_after", "duration", "A task blocked this long is reported once."),
    key("janitor.history_ttl", "duration", "State history entries older than this are dropped."),
    key(
        "placement.policy",
        "fill or spread",
        "fill: the pool runs on the preferred account (lowest priority with headroom) and a limit on it swaps the whole pool; spread: each start goes to the account with the most headroom and a limit moves only the sessions on that account.",
    ),
    key(
        "placement.return",
        "on_reset or never",
        "on_reset: once a preferred account's limit has reset, sessions go back to it at their next idle moment; never: they stay.",
    ),
    key(
        "placement.ramp",
        "integer",
        "At most this many sessions move per run (1 to 64), so a target is not stampeded.",
    ),
    key(
        "placement.cooldown",
        "duration",
        "A session that moved does not move again before this has passed, unless its account runs out.",
    ),
];

/// Every key the types have, in declaration order, with its default value. List items
/// are read from one default item (`accounts[].priority`); a map (`claude.env`) is one key.
pub fn defaults() -> Vec<(String, Json)> {
    let mut sample = Config::default();
    sample.accounts.push(Account::default());
    sample.pool.dedicated.push(DedicatedSession::default());
    sample.projects.list.push(ProjectEntry::default());
    let tree = serde_json::to_value(&sample).expect("the config serializes");
    let mut out = Vec::new();
    leaves("", &tree, &mut out);
    out
}

fn leaves(path: &str, value: &Json, out: &mut Vec<(String, Json)>) {
    let join = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    match value {
        Json::Object(fields) if !fields.is_empty() => {
            for (key, field) in fields {
                leaves(&join(key), field, out);
            }
        }
        Json::Array(items) if items.first().is_some_and(Json::is_object) => {
            leaves(&format!("{path}[]"), &items[0], out);
        }
        _ => out.push((path.to_owned(), value.clone())),
    }
}

/// A default as the config file writes it: `null`, `5s`, `[projects, session-env]`, `{}`.
pub fn yaml_text(value: &Json) -> String {
    match value {
        Json::Null => "null".to_owned(),
        Json::String(text) => text.clone(),
        Json::Array(items) => format!("[{}]", items.iter().map(yaml_text).collect::<Vec<_>>().join(", ")),
        Json::Object(fields) if fields.is_empty() => "{}".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;
    use crate::config::HumanDuration;
    use crate::yaml::{self, LIMITS, Node, Value};

    const FIX: &str = "keep KEYS in src/config/reference.rs, the types in src/config/ and examples/config.yaml in step";

    #[test]
    fn every_key_of_the_types_has_an_entry_and_every_entry_a_key() {
        let types: Vec<String> = defaults().into_iter().map(|(k, _)| k).collect();
        let table: Vec<&str> = KEYS.iter().map(|k| k.key).collect();
        let missing: Vec<_> = types.iter().filter(|k| !table.contains(&k.as_str())).collect();
        let unknown: Vec<_> = table.iter().filter(|k| !types.iter().any(|t| t == *k)).collect();
        assert!(missing.is_empty(), "config keys without an entry in KEYS: {missing:?}; {FIX}");
        assert!(unknown.is_empty(), "entries in KEYS that are no config key: {unknown:?}; {FIX}");
        assert_eq!(types, table, "KEYS must list the keys in the types' order; {FIX}");
        let sections: Vec<&str> = SECTIONS.iter().map(|(s, _)| *s).collect();
        let tops: Vec<&str> = table.iter().map(|k| k.split(['.', '[']).next().unwrap()).collect();
        let mut tops_dedup = tops.clone();
        tops_dedup.dedup();
        assert_eq!(sections, tops_dedup, "SECTIONS must name every top-level section once, in order; {FIX}");
    }

    /// `(key, value node)` of every leaf of the example file, list items as `[]`.
    fn example_leaves(path: &str, node: &Node, out: &mut Vec<(String, Node)>) {
        match &node.value {
            Value::Map(entries) if !entries.is_empty() && !is_map_key(path) => {
                for (key, value) in entries {
                    let key = key.scalar_text().unwrap().into_owned();
                    let path = if path.is_empty() { key } else { format!("{path}.{key}") };
                    example_leaves(&path, value, out);
                }
            }
            Value::Seq(items) if items.first().is_some_and(|i| matches!(i.value, Value::Map(_))) => {
                for item in items {
                    example_leaves(&format!("{path}[]"), item, out);
                }
            }
            _ => out.push((path.to_owned(), node.clone())),
        }
    }

    fn is_map_key(path: &str) -> bool {
        KEYS.iter().any(|k| k.key == path && k.kind.starts_with("map"))
    }

    fn text_of(node: &Node) -> String {
        match &node.value {
            Value::Null => "null".to_owned(),
            Value::Seq(items) => format!("[{}]", items.iter().map(text_of).collect::<Vec<_>>().join(", ")),
            Value::Map(entries) if entries.is_empty() => "{}".to_owned(),
            _ => node.scalar_text().map(std::borrow::Cow::into_owned).unwrap_or_default(),
        }
    }

    #[test]
    fn the_example_config_has_every_key_and_shows_the_defaults() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/config.yaml");
        let text = std::fs::read_to_string(&file).unwrap();
        let tree = yaml::parse(&text, LIMITS).unwrap();
        let mut found = Vec::new();
        example_leaves("", &tree, &mut found);
        // A list of items the example leaves empty (`dedicated: []`) stands for its keys.
        let is_list = |key: &str| KEYS.iter().any(|d| d.key.starts_with(&format!("{key}[].")));
        let (empty_lists, found): (Vec<_>, Vec<_>) = found.into_iter().partition(|(k, _)| is_list(k));
        let defaults = defaults();
        let keys: BTreeSet<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
        let unknown: Vec<_> = keys.iter().filter(|k| !KEYS.iter().any(|d| d.key == **k)).collect();
        assert!(unknown.is_empty(), "examples/config.yaml has keys the config does not: {unknown:?}; {FIX}");
        let empty_lists: Vec<String> = empty_lists.iter().map(|(k, _)| format!("{k}[].")).collect();
        let absent: Vec<_> = KEYS
            .iter()
            .filter(|d| !keys.contains(d.key) && !empty_lists.iter().any(|list| d.key.starts_with(list.as_str())))
            .map(|d| d.key)
            .collect();
        assert!(absent.is_empty(), "examples/config.yaml does not show {absent:?}; {FIX}");
        // Every value not marked "example" on its line is the default.
        let lines: Vec<&str> = text.lines().collect();
        for (key, node) in &found {
            let line = lines[node.position.line - 1];
            if line.contains("# example") {
                continue;
            }
            let doc = KEYS.iter().find(|d| d.key == key).unwrap();
            let default = &defaults.iter().find(|(k, _)| k == key).unwrap().1;
            let (shown, expected) = (text_of(node), yaml_text(default));
            let same = if doc.kind == "duration" {
                HumanDuration::parse(&shown).map(HumanDuration::get)
                    == HumanDuration::parse(&expected).map(HumanDuration::get)
            } else {
                shown == expected
            };
            assert!(
                same || doc.required,
                "examples/config.yaml line {}: {key} shows {shown:?}, the default is {expected:?} (mark the line \"# example\" if it is one); {FIX}",
                node.position.line
            );
        }
    }

    #[test]
    fn defaults_read_as_the_file_writes_them() {
        let defaults = defaults();
        let get = |key: &str| yaml_text(&defaults.iter().find(|(k, _)| k == key).unwrap().1);
        assert_eq!(get("tmux.enter_delay"), "500ms");
        assert_eq!(get("claude.shared.entries"), "[projects, session-env, file-history]");
        assert_eq!(get("claude.env"), "{}");
        assert_eq!(get("quota.timezone"), "null");
        assert_eq!(get("quota.window_5h_threshold"), "0.9");
    }
}
