//! The client's own per-process state file, `$CLAUDE_CONFIG_DIR/sessions/<pid>.json`,
//! and the per-account trust record in `.claude.json`.
//!
//! The state file says what the client is doing (`busy`, `idle`, `waiting` with
//! `waitingFor`); ccfail treats it as the most reliable idle/working signal. It is
//! written atomically at every change, removed on a clean exit and deliberately left
//! behind by a crash. Trust is stored per config dir under
//! `projects["<cwd>"].hasTrustDialogAccepted`; accepting rewrites `.claude.json`
//! atomically and keeps every other key.

use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::util::{now_ms, write_atomic};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Busy,
    Idle,
    /// Waiting on the user: `waitingFor` says for what.
    Waiting(&'static str),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    pid: u32,
    session_id: &'a str,
    cwd: &'a str,
    started_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    proc_start: Option<&'a str>,
    version: &'a str,
    peer_protocol: u32,
    kind: &'a str,
    entrypoint: &'a str,
    name: &'a str,
    name_source: &'a str,
    status: &'a str,
    updated_at: i64,
    status_updated_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    waiting_for: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tmux: Option<&'a str>,
}

pub struct StateFile {
    path: PathBuf,
    pid: u32,
    session_id: String,
    cwd: String,
    started_at: i64,
    proc_start: Option<String>,
    status: Status,
    status_updated_at: i64,
    /// `<session>:@<window>.%<pane>` (profiles that name their pane).
    tmux: Option<String>,
}

/// Field 22 of `/proc/self/stat` (start time in clock ticks), which the real client
/// records so a reused pid is not mistaken for it.
fn proc_start() -> Option<String> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    after.split_whitespace().nth(19).map(str::to_owned)
}

/// `work-5f`: the cwd's last component and two hex digits derived from the session.
fn derived_name(cwd: &str, session_id: &str) -> String {
    let base = Path::new(cwd).file_name().map_or_else(|| "root".into(), |n| n.to_string_lossy().into_owned());
    let hash = session_id.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    format!("{base}-{:02x}", hash & 0xff)
}

impl StateFile {
    pub fn new(config_dir: &Path, session_id: &str, cwd: &str, status: Status, tmux: Option<String>) -> StateFile {
        let pid = std::process::id();
        let now = now_ms();
        let file = StateFile {
            path: config_dir.join("sessions").join(format!("{pid}.json")),
            pid,
            session_id: session_id.to_owned(),
            cwd: cwd.to_owned(),
            started_at: now,
            proc_start: proc_start(),
            status,
            status_updated_at: now,
            tmux,
        };
        file.write();
        file
    }

    fn write(&self) {
        let name = derived_name(&self.cwd, &self.session_id);
        let (status, waiting_for) = match self.status {
            Status::Busy => ("busy", None),
            Status::Idle => ("idle", None),
            Status::Waiting(what) => ("waiting", Some(what)),
        };
        let record = Record {
            pid: self.pid,
            session_id: &self.session_id,
            cwd: &self.cwd,
            started_at: self.started_at,
            proc_start: self.proc_start.as_deref(),
            version: crate::profile::current().version,
            peer_protocol: 1,
            kind: "interactive",
            entrypoint: "cli",
            name: &name,
            name_source: "derived",
            status,
            updated_at: now_ms(),
            status_updated_at: self.status_updated_at,
            waiting_for,
            tmux: self.tmux.as_deref(),
        };
        let text = serde_json::to_string(&record).unwrap_or_default();
        if let Err(err) = write_atomic(&self.path, text.as_bytes()) {
            eprintln!("claude stand-in: could not write state file {}: {err}", self.path.display());
        }
    }

    pub fn set_status(&mut self, status: Status) {
        if status != self.status {
            self.status = status;
            self.status_updated_at = now_ms();
            self.write();
        }
    }

    pub fn set_session(&mut self, session_id: &str) {
        self.session_id = session_id.to_owned();
        self.write();
    }

    /// A clean exit removes the file; a crash never gets here.
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Where the account's `.claude.json` lives: inside `CLAUDE_CONFIG_DIR` when that is
/// set, else `~/.claude.json` next to (not inside) `~/.claude`, as the real client does.
pub fn claude_json_path(config_dir: &Path, config_dir_from_env: bool, home: &Path) -> PathBuf {
    if config_dir_from_env { config_dir.join(".claude.json") } else { home.join(".claude.json") }
}

pub fn is_trusted(claude_json: &Path, cwd: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(claude_json) else { return false };
    let Ok(value) = serde_json::from_str::<Value>(&text) else { return false };
    value
        .get("projects")
        .and_then(|p| p.get(cwd))
        .and_then(|p| p.get("hasTrustDialogAccepted"))
        .and_then(Value::as_bool)
        == Some(true)
}

/// A JSON document that keeps object keys in file order (`serde_json::Value` would
/// sort them), so recording trust changes one key and nothing else in a file the real
/// client owns.
#[derive(Debug, Clone)]
enum Json {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl<'de> serde::Deserialize<'de> for Json {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Json;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_none<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
                Ok(Json::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
                Ok(Json::Number(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
                Ok(Json::Number(v.into()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
                Ok(serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number))
            }
            fn visit_str<E>(self, v: &str) -> Result<Json, E> {
                Ok(Json::String(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Json, E> {
                Ok(Json::String(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Json::Array(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut fields = Vec::new();
                while let Some((key, value)) = map.next_entry()? {
                    fields.push((key, value));
                }
                Ok(Json::Object(fields))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Serialize for Json {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Json::Null => serializer.serialize_unit(),
            Json::Bool(v) => serializer.serialize_bool(*v),
            Json::Number(v) => v.serialize(serializer),
            Json::String(v) => serializer.serialize_str(v),
            Json::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (key, value) in fields {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

impl Json {
    /// The object field `key`, inserted (with `default`) when missing; `None` when
    /// `self` is not an object.
    fn field(&mut self, key: &str, default: impl FnOnce() -> Json) -> Option<&mut Json> {
        let Json::Object(fields) = self else { return None };
        let index = if let Some(index) = fields.iter().position(|(k, _)| k == key) {
            index
        } else {
            fields.push((key.to_owned(), default()));
            fields.len() - 1
        };
        Some(&mut fields[index].1)
    }
}

fn invalid(path: &Path, what: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("{}: {what}", path.display()))
}

/// Whether bypass mode was accepted once: `skipDangerousModePermissionPrompt` in the
/// account's `settings.json`, or `bypassPermissionsModeAccepted` in `.claude.json`.
pub fn bypass_accepted(config_dir: &Path, claude_json: &Path) -> bool {
    let flag = |file: &Path, key: &str| {
        std::fs::read_to_string(file)
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .and_then(|doc| doc.get(key).and_then(Value::as_bool))
            == Some(true)
    };
    flag(&config_dir.join("settings.json"), "skipDangerousModePermissionPrompt")
        || flag(claude_json, "bypassPermissionsModeAccepted")
}

/// Records the bypass acceptance in `settings.json`, every other key kept in place.
pub fn accept_bypass(config_dir: &Path) -> io::Result<()> {
    let file = config_dir.join("settings.json");
    let mut root = read_ordered(&file)?;
    if let Some(flag) = root.field("skipDangerousModePermissionPrompt", || Json::Bool(true)) {
        *flag = Json::Bool(true);
    }
    let text = serde_json::to_string_pretty(&root).map_err(io::Error::other)?;
    write_atomic(&file, text.as_bytes())
}

fn read_ordered(path: &Path) -> io::Result<Json> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str::<Json>(&text).map_err(|err| invalid(path, err)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Json::Object(Vec::new())),
        Err(err) => Err(err),
    }
}

/// Writes `.claude.json` back from the copy the client read at start, with its own start
/// counted: what the real client does a few times while starting, losing any entry another
/// program added since. `None` (no file at start) writes nothing.
pub fn write_back(claude_json: &Path, copy: Option<&str>) -> io::Result<()> {
    let Some(copy) = copy else { return Ok(()) };
    let mut root = serde_json::from_str::<Json>(copy).map_err(|err| invalid(claude_json, err))?;
    let count = match root.field("numStartups", || Json::Number(0.into())) {
        Some(Json::Number(n)) => n.as_u64().unwrap_or(0) + 1,
        _ => 1,
    };
    if let Some(slot) = root.field("numStartups", || Json::Null) {
        *slot = Json::Number(count.into());
    }
    let text = serde_json::to_string_pretty(&root).map_err(io::Error::other)?;
    write_atomic(claude_json, text.as_bytes())
}

/// Records that the folder is trusted, keeping every other key of the file in place.
pub fn accept_trust(claude_json: &Path, cwd: &str) -> io::Result<()> {
    let mut root = match std::fs::read_to_string(claude_json) {
        Ok(text) => serde_json::from_str::<Json>(&text).map_err(|err| invalid(claude_json, err))?,
        Err(err) if err.kind() == io::ErrorKind::NotFound => Json::Object(Vec::new()),
        Err(err) => return Err(err),
    };
    let projects =
        root.field("projects", || Json::Object(Vec::new())).ok_or_else(|| invalid(claude_json, "not an object"))?;
    if !matches!(projects, Json::Object(_)) {
        *projects = Json::Object(Vec::new());
    }
    let project =
        projects.field(cwd, || Json::Object(Vec::new())).ok_or_else(|| invalid(claude_json, "bad projects"))?;
    if !matches!(project, Json::Object(_)) {
        *project = Json::Object(Vec::new());
    }
    if let Some(flag) = project.field("hasTrustDialogAccepted", || Json::Bool(true)) {
        *flag = Json::Bool(true);
    }
    let text = serde_json::to_string_pretty(&root).map_err(io::Error::other)?;
    write_atomic(claude_json, text.as_bytes())
}
