//! The config file's YAML: text in, a [`Config`] with every problem out.
//!
//! [`crate::yaml`] parses the file within its limits into a positioned tree and reads the
//! whole [`Config`] from it, reporting every bad value and unknown key with its line;
//! this module adds what is particular to the config: the shape of its top level,
//! suggestions for misspelt keys, and the keys of the Go daemon ccfail replaces. Nothing
//! here knows what a valid pool or account is (that is `validate.rs`).

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::forward_to_deserialize_any;

use super::{
    Account, AutonomousPool, ClaudeConfig, Config, ConfigProblem, DedicatedSession, NotifyConfig, PoolConfig,
    ProjectEntry, ProjectsConfig, QuotaConfig, SharedDirs, SoftLimits, StateConfig, SwapConfig, TmuxConfig,
};
use super::{CheckpointConfig, DispatchConfig, DispatchModels, JanitorConfig, WatchConfig};
use crate::yaml::{self, LIMITS, Node, Problem, ProblemKind, Value};

/// What reading the text produced: a config with defaults wherever a value was bad,
/// the problems found, and the tree that places each key.
pub struct Parsed {
    /// False when the document is not YAML or not a mapping: then `config` is only
    /// defaults and checking its meaning would report problems the file does not have.
    pub readable: bool,
    pub config: Config,
    pub problems: Vec<ConfigProblem>,
    /// The document, for the line of a key found wrong later; `None` when unreadable.
    pub tree: Option<Node>,
    /// Keys whose bad value was dropped (the config has the default there).
    pub dropped: Vec<String>,
}

pub fn parse(bytes: &[u8]) -> Parsed {
    let unreadable = |problem: ConfigProblem| Parsed {
        readable: false,
        config: Config::default(),
        problems: vec![problem],
        tree: None,
        dropped: Vec::new(),
    };
    let mut tree = match yaml::text(bytes, LIMITS).and_then(|text| yaml::parse(text, LIMITS)) {
        Ok(tree) => tree,
        Err(problem) => return unreadable(convert(problem)),
    };
    if !matches!(tree.value, Value::Map(_) | Value::Null) {
        return unreadable(ConfigProblem {
            key: String::new(),
            line: Some(tree.position.line),
            message: format!("the top level must be a mapping of sections, found {}", tree.value.kind()),
        });
    }
    let mut problems = Vec::new();
    let mut found = Vec::new();
    tree.take_duplicates("", &mut found);
    take_go_keys(&mut tree, "", "", &mut problems);
    if let Some(accounts) = tree.get("accounts")
        && !matches!(accounts.value, Value::Seq(_) | Value::Null)
    {
        problems.push(ConfigProblem {
            key: "accounts".to_owned(),
            line: Some(tree.line_of("accounts")),
            message: format!("must be a list of accounts, found {}", accounts.value.kind()),
        });
        tree.remove("accounts");
    }
    let read = if matches!(tree.value, Value::Null) {
        yaml::Read { value: Some(Config::default()), problems: Vec::new() }
    } else {
        yaml::read::<Config>(&tree, true)
    };
    found.extend(read.problems);
    let dropped = found.iter().filter(|p| matches!(p.kind, ProblemKind::Value(_))).map(|p| p.path.clone()).collect();
    problems.extend(found.into_iter().map(convert));
    let (readable, config) = match read.value {
        Some(config) => (true, config),
        None => (false, Config::default()),
    };
    Parsed { readable, config, problems, tree: Some(tree), dropped }
}

fn convert(problem: Problem) -> ConfigProblem {
    let line = Some(problem.position.line);
    match problem.kind {
        ProblemKind::UnknownKey => ConfigProblem { line, ..unknown_key(&problem.path) },
        ProblemKind::Document(message) | ProblemKind::Value(message) => {
            ConfigProblem { key: problem.path, line, message }
        }
        ProblemKind::Duplicate { first_line } => ConfigProblem {
            key: problem.path,
            line,
            message: format!("is given twice (first on line {first_line}); keep one"),
        },
    }
}

/// True when `problem`, found by a semantic rule, only repeats a value problem: a key
/// whose bad value was dropped is "missing" to the rules that run after.
pub fn repeats(problem: &ConfigProblem, dropped: &[String]) -> bool {
    dropped.iter().any(|key| {
        *key == problem.key
            || key.strip_prefix(&problem.key).and_then(|rest| rest.strip_prefix('.')).is_some_and(|field| {
                let missing = format!("missing {field}");
                problem.message == missing || problem.message.starts_with(&format!("{missing} "))
            })
    })
}

/// The keys of the Go daemon ccfail replaces (its `config.example.yaml`), as normalized
/// paths, with what to write instead. MIGRATING.md says the same at length.
const GO_KEYS: &[(&str, &str)] = &[
    (
        "quota.reactivate_cooldown",
        "is the Go daemon's key; ccfail has none: a drained account comes back at the reset time \
         its limit notice gave (`ccfail status` shows it). quota.cooldown is something else: no \
         detection for that long after a swap",
    ),
    (
        "accounts[].limits.hourly_msgs",
        "is the Go daemon's key; ccfail caps 5-hour blocks, not hours: write \
         accounts[].limits.five_hour_messages (responses in the current 5-hour block)",
    ),
    ("accounts[].limits.weekly_msgs", "is the Go daemon's key; ccfail's is accounts[].limits.weekly_messages"),
    (
        "pool.shared_projects_dir",
        "is the Go daemon's key; ccfail's is claude.shared.root (with projects in \
         claude.shared.entries, the default): every account home links <home>/projects there",
    ),
    (
        "watcher.interval",
        "is the Go daemon's key; ccfail has none: watch-once runs on its systemd timer \
         (OnUnitActiveSec= in ccfail-watch-once.timer, 30s as shipped)",
    ),
    (
        "watcher.idle_timeout",
        "is the Go daemon's key; ccfail's is watch.idle_grace (the idle input box this long: the \
         task is done); watch.stall_after is the time without any activity before a session is stalled",
    ),
    (
        "watcher.done_signal_dir",
        "is the Go daemon's key; ccfail's is watch.done_file, a path template such as \
         \"<dir>/{id}.done\" (placeholders {project_path}, {project}, {id}, {session})",
    ),
];

/// Sections of the Go daemon's HTTP server and notifiers, wherever its config may have
/// put them: ccfail has no key for them, only a replacement to name.
const HTTP: &str = "has no ccfail equivalent: ccfail opens no port. What the Go daemon's HTTP /status \
    served is `ccfail status --json` (put any static or CGI server in front of it; see MIGRATING.md)";
const NOTIFIER: &str = "has no ccfail equivalent: ccfail has one notifier, notify.command, run with each \
    event as JSON on stdin; the README's \"Notifications\" has Telegram and mail examples (see MIGRATING.md)";
const GO_SECTIONS: &[(&str, &str)] = &[
    ("http", HTTP),
    ("server", HTTP),
    ("telegram", NOTIFIER),
    ("email", NOTIFIER),
    ("smtp", NOTIFIER),
    ("notifiers", NOTIFIER),
    ("notifications", NOTIFIER),
    ("notify.telegram", NOTIFIER),
    ("notify.email", NOTIFIER),
    ("notify.smtp", NOTIFIER),
];

/// Reports and takes out the Go daemon's keys, so each gets its own message instead of
/// "unknown key"; its `watcher` section goes whole once its keys are reported.
fn take_go_keys(node: &mut Node, path: &str, normalized: &str, problems: &mut Vec<ConfigProblem>) {
    match &mut node.value {
        Value::Map(entries) => {
            entries.retain_mut(|(key, value)| {
                let name = key.scalar_text().unwrap_or_default().into_owned();
                let child = yaml::join(path, &name);
                let child_normalized = yaml::join(normalized, &name);
                if let Some((_, message)) = GO_KEYS.iter().chain(GO_SECTIONS).find(|(go, _)| *go == child_normalized) {
                    problems.push(ConfigProblem {
                        key: child,
                        line: Some(key.position.line),
                        message: (*message).to_owned(),
                    });
                    return false;
                }
                take_go_keys(value, &child, &child_normalized, problems);
                if child_normalized == "watcher" {
                    if matches!(&value.value, Value::Map(rest) if !rest.is_empty()) {
                        problems.push(ConfigProblem {
                            key: child,
                            line: Some(key.position.line),
                            message: "is the Go daemon's section; ccfail's is watch (see MIGRATING.md)".to_owned(),
                        });
                    }
                    return false;
                }
                true
            });
        }
        Value::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                take_go_keys(item, &format!("{path}[{i}]"), &format!("{normalized}[]"), problems);
            }
        }
        _ => {}
    }
}

fn unknown_key(key: &str) -> ConfigProblem {
    let (parent, name) = match key.rfind('.') {
        Some(dot) => (&key[..dot], &key[dot + 1..]),
        None => ("", key),
    };
    let known = known_keys(parent);
    let message = match suggest(name, known) {
        Some(best) => format!("unknown key {name:?}; did you mean {best:?}?"),
        None if known.is_empty() => format!("unknown key {name:?}"),
        None => format!("unknown key {name:?}; expected one of: {}", known.join(", ")),
    };
    ConfigProblem::new(key, message)
}

/// The keys a mapping at `parent` (as `accounts[2].limits`) may hold.
fn known_keys(parent: &str) -> &'static [&'static str] {
    let mut normalized = String::with_capacity(parent.len());
    let mut in_index = false;
    for c in parent.chars() {
        match c {
            '[' => {
                in_index = true;
                normalized.push_str("[]");
            }
            ']' => in_index = false,
            _ if in_index => {}
            _ => normalized.push(c),
        }
    }
    match normalized.as_str() {
        "" => fields_of::<Config>(),
        "accounts[]" => fields_of::<Account>(),
        "accounts[].limits" => fields_of::<SoftLimits>(),
        "claude" => fields_of::<ClaudeConfig>(),
        "claude.shared" => fields_of::<SharedDirs>(),
        "tmux" => fields_of::<TmuxConfig>(),
        "pool" => fields_of::<PoolConfig>(),
        "pool.autonomous" => fields_of::<AutonomousPool>(),
        "pool.dedicated[]" => fields_of::<DedicatedSession>(),
        "projects" => fields_of::<ProjectsConfig>(),
        "projects.list[]" => fields_of::<ProjectEntry>(),
        "state" => fields_of::<StateConfig>(),
        "quota" => fields_of::<QuotaConfig>(),
        "swap" => fields_of::<SwapConfig>(),
        "notify" => fields_of::<NotifyConfig>(),
        "dispatch" => fields_of::<DispatchConfig>(),
        "dispatch.models" => fields_of::<DispatchModels>(),
        "watch" => fields_of::<WatchConfig>(),
        "checkpoint" => fields_of::<CheckpointConfig>(),
        "janitor" => fields_of::<JanitorConfig>(),
        _ => &[],
    }
}

/// The closest known key, if it is close enough to be a typo of `name`.
fn suggest(name: &str, known: &[&'static str]) -> Option<&'static str> {
    let limit = (name.chars().count() / 3).max(2);
    known
        .iter()
        .map(|k| (edit_distance(&name.to_lowercase(), k), *k))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, k)| k)
        .or_else(|| known.iter().find(|k| k.replace('_', "") == name.to_lowercase().replace(['-', '_'], "")).copied())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The field names serde's derive gives a struct, read by asking it to deserialize
/// from a deserializer that only records them.
fn fields_of<T: DeserializeOwned>() -> &'static [&'static str] {
    struct FieldRecorder<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for FieldRecorder<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("fields recorded"))
        }
        forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(FieldRecorder(&mut fields));
    fields
}
