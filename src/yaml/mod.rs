//! Every YAML document ccfail reads (the config file, a task's front matter) goes through
//! here: bounded, positioned, and checked value by value.
//!
//! `serde-saphyr` parses the text, within [`LIMITS`] (size, nesting depth, nodes, alias
//! expansion), into a [`Node`] tree where every node keeps its line and column. Typed
//! values are then read from that tree by [`read`], which never stops at the first bad
//! value: it notes the problem (with its key path and line), drops the bad entry and
//! reads again, so one bad number does not hide the problems after it. Unknown keys are
//! collected on the way. Nothing here knows what a config or a task is.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::de::Error as _;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde::{Deserialize, forward_to_deserialize_any};
use serde_saphyr::Spanned;

/// The bounds every document is parsed within. A config file is a few kilobytes and a
/// few hundred values, a front matter a few lines; these are far above both and far
/// below what takes a second to read or refuse (the parser's time grows faster than the
/// number of entries of one collection, hence the node bound).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes of text.
    pub max_bytes: usize,
    /// Mappings and sequences inside each other.
    pub max_depth: usize,
    /// Scalars, mappings and sequences, aliases expanded.
    pub max_nodes: usize,
    /// `*alias` references.
    pub max_aliases: usize,
    /// Parser events replayed by aliases, in total: what stops a "billion laughs".
    pub max_alias_events: usize,
}

pub const LIMITS: Limits =
    Limits { max_bytes: 256 * 1024, max_depth: 32, max_nodes: 5_000, max_aliases: 1_000, max_alias_events: 2_000 };

/// A place in the text: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    const START: Position = Position { line: 1, column: 1 };

    fn from_location(location: serde_saphyr::Location) -> Option<Position> {
        let line = usize::try_from(location.line()).ok().filter(|l| *l > 0)?;
        let column = usize::try_from(location.column()).unwrap_or(0).max(1);
        Some(Position { line, column })
    }
}

/// One thing wrong with a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The key, as `pool.dedicated[0].name`; empty for the whole document.
    pub path: String,
    pub position: Position,
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// The text is not a YAML document ccfail can read (syntax, encoding, a limit).
    Document(String),
    /// A value that does not fit its key.
    Value(String),
    /// A key no field has.
    UnknownKey,
    /// A key given a second time in the same mapping.
    Duplicate { first_line: usize },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: ", self.position.line)?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        match &self.kind {
            ProblemKind::Document(message) | ProblemKind::Value(message) => f.write_str(message),
            ProblemKind::UnknownKey => f.write_str("unknown key"),
            ProblemKind::Duplicate { first_line } => write!(f, "given twice (first on line {first_line})"),
        }
    }
}

impl Problem {
    fn document(position: Position, message: impl Into<String>) -> Problem {
        Problem { path: String::new(), position, kind: ProblemKind::Document(message.into()) }
    }
}

/// A node of the document, with where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub position: Position,
    pub value: Value,
    /// The text of a plain scalar as written (`0x1F`, `yes`), so a string field
    /// receives what the user wrote rather than the number or boolean YAML saw.
    raw: Option<String>,
    /// Unique in its tree: names the node a read error came from, to drop it.
    id: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Value {
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::UInt(_) | Value::Float(_) => "a number",
            Value::Str(_) => "text",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Checks that `bytes` are UTF-8 text within the size limit; the error names the line
/// and byte of the first bad byte.
pub fn text(bytes: &[u8], limits: Limits) -> Result<&str, Problem> {
    if bytes.len() > limits.max_bytes {
        return Err(Problem::document(
            Position::START,
            format!("{} bytes is more than the {} a document may have", bytes.len(), limits.max_bytes),
        ));
    }
    std::str::from_utf8(bytes).map_err(|err| {
        let good = &bytes[..err.valid_up_to()];
        let line = 1 + memchr::memchr_iter(b'\n', good).count();
        let column = 1 + good.iter().rev().take_while(|b| **b != b'\n').count();
        Problem::document(
            Position { line, column },
            format!("not UTF-8 text (byte {} of the file); save it as UTF-8", err.valid_up_to()),
        )
    })
}

/// Parses one document within `limits`. An empty document is `Null` at line 1.
pub fn parse(text: &str, limits: Limits) -> Result<Node, Problem> {
    if text.len() > limits.max_bytes {
        return Err(Problem::document(
            Position::START,
            format!("{} bytes is more than the {} a document may have", text.len(), limits.max_bytes),
        ));
    }
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: limits.max_depth,
            flow_nesting_limit: limits.max_depth,
            max_nodes: limits.max_nodes,
            max_events: limits.max_nodes.saturating_mul(4),
            max_aliases: limits.max_aliases,
            max_anchors: limits.max_aliases,
            max_recorded_anchor_events: limits.max_alias_events,
            max_total_scalar_bytes: limits.max_bytes,
            max_merge_keys: limits.max_aliases,
            max_documents: 1,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: limits.max_alias_events,
            max_replay_stack_depth: limits.max_depth,
        },
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        with_snippet: false,
    };
    let parsed: Option<Spanned<Raw>> = serde_saphyr::from_str_with_options(text, options).map_err(|err| {
        let position = err.location().and_then(Position::from_location).unwrap_or_else(|| last_line(text));
        Problem::document(position, format!("not valid YAML: {}", describe(&err, limits)))
    })?;
    let Some(root) = parsed else {
        return Ok(Node { position: Position::START, value: Value::Null, raw: None, id: 0 });
    };
    let mut next_id = 0;
    Ok(build(root, text, &mut next_id))
}

/// A saphyr error in one line of plain words, without the location the problem gives.
fn describe(err: &serde_saphyr::Error, limits: Limits) -> String {
    use serde_saphyr::Error as E;
    use serde_saphyr::budget::BudgetBreach as B;
    let deep = || format!("nested more than {} levels deep", limits.max_depth);
    let aliases = || format!("its aliases expand to more than {} values", limits.max_alias_events);
    let documents = || "more than one document (a line --- starts another): keep one".to_owned();
    let mut err = err;
    while let E::AliasError { error, .. } | E::WithSnippet { error, .. } = err {
        err = error;
    }
    match err {
        E::Budget { breach, .. } => match breach {
            B::Depth { .. } => deep(),
            B::Documents { .. } => documents(),
            B::Aliases { .. } | B::Anchors { .. } | B::AliasAnchorRatio { .. } | B::MergeKeys { .. } => {
                format!("more than {} aliases, anchors or merges", limits.max_aliases)
            }
            B::RecordedAnchorEvents { .. } | B::RecordedAnchorBytes { .. } => aliases(),
            B::Nodes { .. } | B::Events { .. } => format!("more than {} values", limits.max_nodes),
            B::ScalarBytes { .. } => format!("more than {} bytes of text", limits.max_bytes),
            other => format!("past a limit ({other:?})"),
        },
        E::MultipleDocuments { .. } => documents(),
        E::AliasReplayLimitExceeded { .. } | E::AliasExpansionLimitExceeded { .. } => aliases(),
        E::AliasReplayStackDepthExceeded { .. } => format!("aliases nested more than {} deep", limits.max_depth),
        other => {
            let text = other.to_string();
            let text = text.lines().next().unwrap_or_default();
            // "… at line 3, column 4" is said by the problem itself.
            let text = text.rfind(" at line ").map_or(text, |cut| &text[..cut]).trim_end_matches('.');
            if text.contains("recursion limit exceeded") { deep() } else { text.to_owned() }
        }
    }
}

fn last_line(text: &str) -> Position {
    Position { line: 1 + memchr::memchr_iter(b'\n', text.as_bytes()).count(), column: 1 }
}

/// The tree as saphyr hands it over: every node spanned.
#[derive(Debug)]
enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Raw>, Spanned<Raw>)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Raw, D::Error> {
        struct RawVisitor;
        impl<'de> Visitor<'de> for RawVisitor {
            type Value = Raw;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E>(self) -> Result<Raw, E> {
                Ok(Raw::Null)
            }
            fn visit_none<E>(self) -> Result<Raw, E> {
                Ok(Raw::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
                Raw::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
                Ok(Raw::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
                Ok(Raw::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
                Ok(Raw::UInt(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
                Ok(Raw::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
                Ok(Raw::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Raw, E> {
                Ok(Raw::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Raw::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Raw::Map(entries))
            }
        }
        deserializer.deserialize_any(RawVisitor)
    }
}

fn build(raw: Spanned<Raw>, text: &str, next_id: &mut usize) -> Node {
    let position = Position::from_location(raw.referenced).unwrap_or(Position::START);
    let id = *next_id;
    *next_id += 1;
    let source = || {
        let span = raw.defined.span();
        let start = usize::try_from(span.byte_offset()?).ok()?;
        let len = usize::try_from(span.byte_len()?).ok()?;
        text.get(start..start.checked_add(len)?).map(str::to_owned)
    };
    let (value, raw_text) = match raw.value {
        Raw::Null => (Value::Null, source()),
        Raw::Bool(v) => (Value::Bool(v), source()),
        Raw::Int(v) => (Value::Int(v), source()),
        Raw::UInt(v) => (Value::UInt(v), source()),
        Raw::Float(v) => (Value::Float(v), source()),
        Raw::Str(v) => (Value::Str(v), None),
        Raw::Seq(items) => (Value::Seq(items.into_iter().map(|item| build(item, text, next_id)).collect()), None),
        Raw::Map(entries) => (
            Value::Map(entries.into_iter().map(|(k, v)| (build(k, text, next_id), build(v, text, next_id))).collect()),
            None,
        ),
    };
    Node { position, value, raw: raw_text, id }
}

impl Node {
    /// The text of a scalar as a string field would take it; `None` for null and
    /// collections.
    pub fn scalar_text(&self) -> Option<Cow<'_, str>> {
        let formatted = match &self.value {
            Value::Str(s) => return Some(Cow::Borrowed(s)),
            Value::Null | Value::Seq(_) | Value::Map(_) => return None,
            _ if self.raw.is_some() => return self.raw.as_deref().map(|raw| Cow::Borrowed(raw.trim())),
            Value::Bool(v) => v.to_string(),
            Value::Int(v) => v.to_string(),
            Value::UInt(v) => v.to_string(),
            Value::Float(v) => v.to_string(),
        };
        Some(Cow::Owned(formatted))
    }

    /// How many nodes the tree has (keys count).
    pub fn count(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::count).sum(),
            Value::Map(entries) => entries.iter().map(|(k, v)| k.count() + v.count()).sum(),
            _ => 0,
        }
    }

    /// Takes `key` out of a mapping.
    pub fn remove(&mut self, key: &str) -> Option<(Node, Node)> {
        let Value::Map(entries) = &mut self.value else { return None };
        let i = entries.iter().position(|(k, _)| k.scalar_text().as_deref() == Some(key))?;
        Some(entries.remove(i))
    }

    /// The value under `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    fn entry(&self, key: &str) -> Option<&(Node, Node)> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.scalar_text().as_deref() == Some(key)),
            _ => None,
        }
    }

    /// The line of `path` (as `accounts[1].home`: a key's own line), else of its nearest
    /// parent that exists, else of the document.
    pub fn line_of(&self, path: &str) -> usize {
        let mut node = self;
        let mut line = self.position.line;
        for segment in segments(path) {
            let found = match segment {
                Segment::Key(key) => node.entry(key).map(|(k, v)| (k.position.line, v)),
                Segment::Index(i) => match &node.value {
                    Value::Seq(items) => items.get(i).map(|item| (item.position.line, item)),
                    _ => None,
                },
            };
            match found {
                Some((at, next)) => {
                    line = at;
                    node = next;
                }
                None => break,
            }
        }
        line
    }

    /// Removes the node `id` (with its key, in a mapping; in a sequence, the whole
    /// sequence goes, so that later items keep their index). False when `id` is this
    /// node or not found.
    fn prune(&mut self, id: usize) -> bool {
        match &mut self.value {
            Value::Map(entries) => {
                if let Some(i) = entries.iter().position(|(k, v)| k.id == id || v.id == id) {
                    entries.remove(i);
                    return true;
                }
                for i in 0..entries.len() {
                    let (_, value) = &mut entries[i];
                    if let Value::Seq(items) = &value.value
                        && items.iter().any(|item| item.id == id)
                    {
                        entries.remove(i);
                        return true;
                    }
                    if entries[i].1.prune(id) {
                        return true;
                    }
                }
                false
            }
            Value::Seq(items) => items.iter_mut().any(|item| item.prune(id)),
            _ => false,
        }
    }

    /// Reports (and drops) every key given twice in a mapping; the first one stays.
    pub fn take_duplicates(&mut self, path: &str, problems: &mut Vec<Problem>) {
        match &mut self.value {
            Value::Map(entries) => {
                let mut first_lines: HashMap<String, usize> = HashMap::with_capacity(entries.len());
                let mut kept: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
                for (key, mut value) in std::mem::take(entries) {
                    let name = key.scalar_text().unwrap_or_default().into_owned();
                    let child = join(path, &name);
                    if let Some(first_line) = first_lines.get(&name) {
                        problems.push(Problem {
                            path: child,
                            position: key.position,
                            kind: ProblemKind::Duplicate { first_line: *first_line },
                        });
                        continue;
                    }
                    first_lines.insert(name, key.position.line);
                    value.take_duplicates(&child, problems);
                    kept.push((key, value));
                }
                *entries = kept;
            }
            Value::Seq(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    item.take_duplicates(&format!("{path}[{i}]"), problems);
                }
            }
            _ => {}
        }
    }
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// `a.b[2].c` → `a`, `b`, 2, `c`.
fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (name, mut rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        if !name.is_empty() {
            out.push(Segment::Key(name));
        }
        while let Some((index, after)) = rest.split_once(']') {
            if let Ok(i) = index.parse() {
                out.push(Segment::Index(i));
            }
            rest = after.strip_prefix('[').unwrap_or(after);
        }
    }
    out
}

/// `prefix` and `inner` joined as a key path.
pub fn join(prefix: &str, inner: &str) -> String {
    match (prefix.is_empty(), inner.is_empty(), inner.starts_with('[')) {
        (true, _, _) => inner.to_owned(),
        (false, true, _) => prefix.to_owned(),
        (false, false, true) => format!("{prefix}{inner}"),
        (false, false, false) => format!("{prefix}.{inner}"),
    }
}

/// What [`read`] found: the value (bad entries left at their defaults) and every problem.
pub struct Read<T> {
    /// `None` when the node itself does not fit `T` (not a mapping, say).
    pub value: Option<T>,
    pub problems: Vec<Problem>,
}

/// The most bad values reported for one document: past this, reading stops.
const MAX_VALUE_PROBLEMS: usize = 100;
/// Nodes read over every try of [`read`]: each bad value costs a new read of the whole
/// document, and this bounds what a document full of them costs.
const MAX_NODES_READ: usize = 200_000;

/// Reads a `T` from `node`, reporting every bad value and (when `report_unknown`)
/// every unknown key, each with its path and line.
pub fn read<T: DeserializeOwned>(node: &Node, report_unknown: bool) -> Read<T> {
    let mut work = node.clone();
    let mut problems = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    let mut known_unknown = std::collections::HashSet::new();
    let tries = (MAX_NODES_READ / node.count()).clamp(1, MAX_VALUE_PROBLEMS);
    loop {
        let mut seen = Vec::new();
        let result: Result<T, _> = {
            let mut record = |path: serde_ignored::Path<'_>| seen.push(ignored_path(&path));
            serde_path_to_error::deserialize(serde_ignored::Deserializer::new(&work, &mut record))
        };
        for path in seen {
            if known_unknown.insert(path.clone()) {
                unknown.push(path);
            }
        }
        match result {
            Ok(value) => return finish(Some(value), problems, unknown, node, report_unknown),
            Err(err) => {
                let path = error_path(err.path());
                let err = err.into_inner();
                let position = err.position.unwrap_or(work.position);
                problems.push(Problem { path, position, kind: ProblemKind::Value(err.message) });
                let dropped = err.node.is_some_and(|id| work.prune(id));
                if dropped && problems.len() >= tries {
                    problems.push(Problem::document(
                        position,
                        format!("stopped after {tries} bad values: fix these and read the file again"),
                    ));
                }
                if !dropped || problems.len() >= tries {
                    return finish(None, problems, unknown, node, report_unknown);
                }
            }
        }
    }
}

fn finish<T>(
    value: Option<T>,
    mut problems: Vec<Problem>,
    unknown: Vec<String>,
    node: &Node,
    report_unknown: bool,
) -> Read<T> {
    if report_unknown {
        let more = unknown.len().saturating_sub(MAX_VALUE_PROBLEMS);
        for path in unknown.into_iter().take(MAX_VALUE_PROBLEMS) {
            let line = node.line_of(&path);
            problems.push(Problem { path, position: Position { line, column: 1 }, kind: ProblemKind::UnknownKey });
        }
        if more > 0 {
            let position = problems.last().map_or(node.position, |p| p.position);
            problems.push(Problem::document(position, format!("and {more} more unknown keys")));
        }
    }
    Read { value, problems }
}

fn error_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment as S;
    let mut out = String::new();
    for segment in path {
        match segment {
            S::Seq { index } => out.push_str(&format!("[{index}]")),
            S::Map { key } => out = join(&out, key),
            S::Enum { .. } | S::Unknown => {}
        }
    }
    out
}

/// `serde_ignored`'s path in the `a.b[0].c` form every problem uses.
fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        Path::Map { parent, key } => join(&ignored_path(parent), key),
        Path::Some { parent } | Path::NewtypeStruct { parent } | Path::NewtypeVariant { parent } => {
            ignored_path(parent)
        }
    }
}

/// A read error: the message, and the innermost node it came from.
#[derive(Debug)]
pub struct Error {
    message: String,
    position: Option<Position>,
    node: Option<usize>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Error {
        Error { message: msg.to_string(), position: None, node: None }
    }
}

impl Error {
    fn at(mut self, node: &Node) -> Error {
        if self.node.is_none() {
            self.node = Some(node.id);
            self.position = Some(node.position);
        }
        self
    }
}

impl Node {
    fn unexpected(&self) -> de::Unexpected<'_> {
        match &self.value {
            Value::Null => de::Unexpected::Unit,
            Value::Bool(v) => de::Unexpected::Bool(*v),
            Value::Int(v) => de::Unexpected::Signed(*v),
            Value::UInt(v) => de::Unexpected::Unsigned(*v),
            Value::Float(v) => de::Unexpected::Float(*v),
            Value::Str(v) => de::Unexpected::Str(v),
            Value::Seq(_) => de::Unexpected::Seq,
            Value::Map(_) => de::Unexpected::Map,
        }
    }

    /// A whole number written too large for YAML's 64 bits reaches us as a float.
    fn too_large_integer(&self) -> Option<String> {
        let raw = self.raw.as_deref()?.trim();
        let digits = raw.strip_prefix(['-', '+']).unwrap_or(raw);
        (matches!(self.value, Value::Float(_)) && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| format!("{raw} is too large a number"))
    }
}

macro_rules! integer {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            if let Some(message) = self.too_large_integer() {
                return Err(Error::custom(message).at(self));
            }
            self.deserialize_any(visitor)
        }
    )*};
}

impl<'de> Deserializer<'de> for &Node {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match &self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(v) => visitor.visit_bool(*v),
            Value::Int(v) => visitor.visit_i64(*v),
            Value::UInt(v) => visitor.visit_u64(*v),
            Value::Float(v) => visitor.visit_f64(*v),
            Value::Str(v) => visitor.visit_str(v),
            Value::Seq(items) => visitor.visit_seq(Items { items: items.iter() }),
            Value::Map(entries) => visitor.visit_map(Entries { entries: entries.iter(), value: None }),
        };
        result.map_err(|err| err.at(self))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
        .map_err(|err| err.at(self))
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.scalar_text() {
            Some(text) => visitor.visit_str::<Error>(&text).map_err(|err: Error| err.at(self)),
            None => self.deserialize_any(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    /// `key:` with nothing after it is an empty list or mapping, as YAML users write it.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_seq(Items { items: [].iter() }).map_err(|err: Error| err.at(self)),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => {
                visitor.visit_map(Entries { entries: [].iter(), value: None }).map_err(|err: Error| err.at(self))
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self).map_err(|err| err.at(self))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.scalar_text() {
            Some(word) => visitor.visit_enum(word.into_deserializer()),
            None => Err(de::Error::invalid_type(self.unexpected(), &"a word")),
        }
        .map_err(|err: Error| err.at(self))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    integer! { deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
    deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128 }

    forward_to_deserialize_any! {
        bool f32 f64 char bytes byte_buf unit unit_struct tuple tuple_struct identifier
    }
}

struct Items<'a> {
    items: std::slice::Iter<'a, Node>,
}

impl<'de> SeqAccess<'de> for Items<'_> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        self.items.next().map(|item| seed.deserialize(item)).transpose()
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Entries<'a> {
    entries: std::slice::Iter<'a, (Node, Node)>,
    value: Option<&'a Node>,
}

impl<'de> MapAccess<'de> for Entries<'_> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else { return Ok(None) };
        self.value = Some(value);
        let Some(text) = key.scalar_text() else {
            return Err(Error::custom(format!("a key must be text, not {}", key.value.kind())).at(key));
        };
        seed.deserialize(de::value::StrDeserializer::<Error>::new(&text)).map(Some).map_err(|err| err.at(key))
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self.value.take().ok_or_else(|| Error::custom("a value was asked before its key"))?;
        seed.deserialize(value)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
pub mod mutation;

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> Node {
        parse(text, LIMITS).unwrap_or_else(|p| panic!("{p}"))
    }

    #[test]
    fn nodes_keep_their_lines_and_keys_find_them() {
        let root = tree("a:\n  b: 1\n  c:\n    - x\n    - {d: 2}\n");
        assert_eq!(root.line_of("a"), 1);
        assert_eq!(root.line_of("a.b"), 2);
        assert_eq!(root.line_of("a.c[1].d"), 5);
        assert_eq!(root.line_of("a.c[7].d"), 3, "nearest parent");
        assert_eq!(root.line_of("zz"), 1, "the document");
    }

    #[test]
    fn every_bad_value_is_reported_not_just_the_first() {
        #[derive(Debug, Default, serde::Deserialize)]
        #[serde(default)]
        struct S {
            a: u32,
            b: bool,
            c: Vec<u8>,
            d: String,
        }
        let root = tree("a: many\nb: 3\nc: [1, 999]\nd: 0x1F\ne: 1\n");
        let read: Read<S> = read(&root, true);
        let found: Vec<_> = read.problems.iter().map(|p| (p.path.as_str(), p.position.line)).collect();
        assert_eq!(found, [("a", 1), ("b", 2), ("c[1]", 3), ("e", 5)], "{:?}", read.problems);
        let value = read.value.unwrap();
        assert_eq!(value.d, "0x1F", "a string field gets the text as written");
        assert!(value.c.is_empty(), "a list with a bad item is dropped whole");
    }

    #[test]
    fn a_number_above_64_bits_is_named_as_such() {
        #[derive(Debug, Default, serde::Deserialize)]
        #[serde(default)]
        struct S {
            n: Option<u64>,
            m: u32,
        }
        let read: Read<S> = read(&tree("n: 18446744073709551616\nm: x\n"), true);
        assert_eq!(read.problems.len(), 2, "{:?}", read.problems);
        assert_eq!(read.problems[0].to_string(), "line 1: n: 18446744073709551616 is too large a number");
        assert_eq!(read.problems[1].path, "m");
    }

    #[test]
    fn duplicate_keys_are_reported_where_they_are() {
        let mut root = tree("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n");
        let mut problems = Vec::new();
        root.take_duplicates("", &mut problems);
        let found: Vec<_> = problems.iter().map(std::string::ToString::to_string).collect();
        assert_eq!(found, ["line 4: b.c: given twice (first on line 3)", "line 5: a: given twice (first on line 1)"]);
        assert_eq!(root.get("a").unwrap().value, Value::UInt(1), "the first stays");
    }

    #[test]
    fn documents_past_a_limit_are_refused_quickly_with_a_line() {
        let started = std::time::Instant::now();
        let deep = "[".repeat(40_000);
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
        let big = "x".repeat(LIMITS.max_bytes + 1);
        for (name, text) in
            [("deep", deep.as_str()), ("bomb", bomb), ("big", big.as_str()), ("two", "a: 1\n---\nb: 2\n")]
        {
            let problem = parse(text, LIMITS).expect_err(name);
            assert!(matches!(problem.kind, ProblemKind::Document(_)), "{name}: {problem:?}");
            assert!(problem.position.line >= 1, "{name}");
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "{:?}", started.elapsed());
    }

    #[test]
    fn bad_bytes_name_their_line() {
        let problem = text(b"a: 1\nb: \xff\n", LIMITS).unwrap_err();
        assert_eq!(problem.position, Position { line: 2, column: 4 });
        assert!(problem.to_string().contains("not UTF-8"), "{problem}");
    }
}
