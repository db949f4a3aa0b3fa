//! Every line of YAML handling in ccfail.
//!
//! `serde_yaml` reads the document; each section (and each account) is deserialized on
//! its own so that one bad value does not hide the next, `serde_ignored` reports every
//! unknown key, and `serde_path_to_error` names the key of a bad value. serde_yaml does
//! not keep positions, so a [`LineIndex`] built from `yaml-rust2`'s marked events maps
//! each key back to its line. Nothing here knows what a valid pool or account is.

use std::collections::HashMap;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::forward_to_deserialize_any;
use serde_yaml::Value;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::{
    Account, AutonomousPool, ClaudeConfig, Config, ConfigProblem, DedicatedSession, NotifyConfig, PoolConfig,
    ProjectEntry, ProjectsConfig, QuotaConfig, SharedDirs, SoftLimits, StateConfig, SwapConfig, TmuxConfig,
};
use super::{CheckpointConfig, DispatchConfig, DispatchModels, JanitorConfig, WatchConfig};

/// What reading the text produced: a config with defaults wherever a section was bad,
/// the problems found, and where each key sits.
pub struct Parsed {
    /// False when the document is not YAML or not a mapping: then `config` is only
    /// defaults and checking its meaning would report problems the file does not have.
    pub readable: bool,
    pub config: Config,
    pub problems: Vec<ConfigProblem>,
    pub lines: LineIndex,
    /// Where each account of `config.accounts` stands in the file: an account that did
    /// not parse is left out, so later ones would otherwise be named by the wrong index.
    pub account_positions: Vec<usize>,
}

pub fn parse(text: &str) -> Parsed {
    let lines = LineIndex::build(text);
    let mut config = Config::default();
    let mut problems = Vec::new();
    let document: Value = match serde_yaml::from_str(text) {
        Ok(value) => value,
        Err(err) => {
            let line = err.location().map(|l| l.line());
            problems.push(ConfigProblem { key: String::new(), line, message: format!("not valid YAML: {err}") });
            return Parsed { readable: false, config, problems, lines, account_positions: Vec::new() };
        }
    };
    let sections = match document {
        Value::Null => serde_yaml::Mapping::new(),
        Value::Mapping(map) => map,
        other => {
            problems.push(ConfigProblem::new(
                "",
                format!("the top level must be a mapping of sections, found {}", kind(&other)),
            ));
            return Parsed { readable: false, config, problems, lines, account_positions: Vec::new() };
        }
    };
    let mut account_positions = Vec::new();
    for (key, value) in sections {
        let Some(name) = key.as_str().map(str::to_owned) else {
            problems.push(ConfigProblem::new("", format!("section names must be text, found {}", kind(&key))));
            continue;
        };
        match name.as_str() {
            "accounts" => (config.accounts, account_positions) = accounts(value, &mut problems),
            "claude" => set(&mut config.claude, section("claude", value, &mut problems)),
            "tmux" => set(&mut config.tmux, section("tmux", value, &mut problems)),
            "pool" => set(&mut config.pool, section("pool", value, &mut problems)),
            "projects" => set(&mut config.projects, section("projects", value, &mut problems)),
            "state" => set(&mut config.state, section("state", value, &mut problems)),
            "quota" => set(&mut config.quota, section("quota", value, &mut problems)),
            "swap" => set(&mut config.swap, section("swap", value, &mut problems)),
            "notify" => set(&mut config.notify, section("notify", value, &mut problems)),
            "dispatch" => set(&mut config.dispatch, section("dispatch", value, &mut problems)),
            "watch" => set(&mut config.watch, section("watch", value, &mut problems)),
            "checkpoint" => set(&mut config.checkpoint, section("checkpoint", value, &mut problems)),
            "janitor" => set(&mut config.janitor, section("janitor", value, &mut problems)),
            _ => problems.push(unknown_key(&name)),
        }
    }
    Parsed { readable: true, config, problems, lines, account_positions }
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

/// Accounts one by one, so every bad account is reported, not just the first; with the
/// file position of each account kept.
fn accounts(value: Value, problems: &mut Vec<ConfigProblem>) -> (Vec<Account>, Vec<usize>) {
    match value {
        Value::Null => (Vec::new(), Vec::new()),
        Value::Sequence(items) => items
            .into_iter()
            .enumerate()
            .filter_map(|(i, item)| section::<Account>(&format!("accounts[{i}]"), item, problems).map(|a| (a, i)))
            .unzip(),
        other => {
            problems
                .push(ConfigProblem::new("accounts", format!("must be a list of accounts, found {}", kind(&other))));
            (Vec::new(), Vec::new())
        }
    }
}

/// Renames `accounts[i]` (an index into the parsed accounts) to the account's index in
/// the file, in a problem found after parsing.
pub fn renumber_accounts(problem: &mut ConfigProblem, positions: &[usize]) {
    static INDEX: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"accounts\[(\d+)\]").expect("accounts index regex"));
    let renumber = |text: &str| {
        INDEX
            .replace_all(text, |caps: &regex::Captures<'_>| {
                let parsed: usize = caps[1].parse().unwrap_or(usize::MAX);
                format!("accounts[{}]", positions.get(parsed).copied().unwrap_or(parsed))
            })
            .into_owned()
    };
    problem.key = renumber(&problem.key);
    problem.message = renumber(&problem.message);
}

/// Deserializes one section, collecting its unknown keys and its first bad value.
fn section<T: DeserializeOwned>(prefix: &str, value: Value, problems: &mut Vec<ConfigProblem>) -> Option<T> {
    let value = if value.is_null() { Value::Mapping(Default::default()) } else { value };
    let mut unknown = Vec::new();
    let mut record = |path: serde_ignored::Path<'_>| unknown.push(ignored_key(&path));
    let result: Result<T, _> = serde_path_to_error::deserialize(serde_ignored::Deserializer::new(value, &mut record));
    for inner in unknown {
        problems.push(unknown_key(&join(prefix, &inner)));
    }
    match result {
        Ok(parsed) => Some(parsed),
        Err(err) => {
            let inner = err.path().to_string();
            let key = if inner == "." { prefix.to_owned() } else { join(prefix, &inner) };
            problems.push(ConfigProblem::new(key, err.into_inner().to_string()));
            None
        }
    }
}

fn join(prefix: &str, inner: &str) -> String {
    match (prefix.is_empty(), inner.starts_with('[')) {
        (true, _) => inner.to_owned(),
        (false, true) => format!("{prefix}{inner}"),
        (false, false) => format!("{prefix}.{inner}"),
    }
}

/// `serde_ignored`'s path in the `a.b[0].c` form every problem uses.
fn ignored_key(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", ignored_key(parent)),
        Path::Map { parent, key } => join(&ignored_key(parent), key),
        Path::Some { parent } | Path::NewtypeStruct { parent } | Path::NewtypeVariant { parent } => ignored_key(parent),
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

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// Key (as `pool.dedicated[0].name`) → 1-based line where it appears.
#[derive(Debug, Default)]
pub struct LineIndex {
    lines: HashMap<String, usize>,
}

impl LineIndex {
    /// Best effort: a document that does not scan gives an empty index (the YAML error
    /// itself carries the line).
    pub fn build(text: &str) -> LineIndex {
        let mut builder = IndexBuilder::default();
        let mut parser = Parser::new_from_str(text);
        let _ = parser.load(&mut builder, false);
        LineIndex { lines: builder.lines }
    }

    /// The line of `key`, else of its nearest parent that has one.
    pub fn line_of(&self, key: &str) -> Option<usize> {
        let mut key = key;
        loop {
            if let Some(line) = self.lines.get(key) {
                return Some(*line);
            }
            let cut = key.rfind(['.', '['])?;
            key = &key[..cut];
        }
    }
}

enum Frame {
    Mapping { path: String, key: Option<String> },
    Sequence { path: String, next: usize },
}

#[derive(Default)]
struct IndexBuilder {
    stack: Vec<Frame>,
    lines: HashMap<String, usize>,
}

impl IndexBuilder {
    /// The path of the node that starts with this event, recording keys on the way.
    fn child_path(&mut self, event: &Event, line: usize) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Sequence { path, next }) => {
                let child = format!("{path}[{next}]");
                *next += 1;
                self.lines.entry(child.clone()).or_insert(line);
                Some(child)
            }
            Some(Frame::Mapping { path, key }) => match key.take() {
                Some(key) => Some(join(path, &key)),
                None => {
                    // This event is a key.
                    let name = match event {
                        Event::Scalar(text, ..) => text.clone(),
                        _ => String::from("?"),
                    };
                    self.lines.entry(join(path, &name)).or_insert(line);
                    *key = Some(name);
                    None
                }
            },
        }
    }
}

impl MarkedEventReceiver for IndexBuilder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let line = mark.line().max(1);
        match &event {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let child = self.child_path(&event, line);
                let path = child.unwrap_or_else(|| String::from("?"));
                let frame = if matches!(event, Event::MappingStart(..)) {
                    Frame::Mapping { path, key: None }
                } else {
                    Frame::Sequence { path, next: 0 }
                };
                self.stack.push(frame);
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::Scalar(..) | Event::Alias(..) => {
                self.child_path(&event, line);
            }
            _ => {}
        }
    }
}
