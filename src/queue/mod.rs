//! The task queues on disk: which projects there are, what their inboxes hold, and the
//! moves a task makes between names.
//!
//! DESIGN §4.1 is the invariant this module keeps: at every instant a task exists under
//! exactly one name — `inbox/T.md`, `inbox/T.md.dispatched`, `done/T.md` (or
//! `done/archive/YYYY-MM/T.md`), `failed/T.md` — and every move is one `rename(2)`
//! inside one project, never onto an existing file, so a crash leaves it under one of
//! them. Markers beside a task (`T.md.blocked`, `T.md.invalid`, `failed/T.md.reason`)
//! are never the task. Names read from an inbox are checked before any path is built
//! from them (a name too long to take `.dispatched` is invalid), nothing in an inbox is
//! followed through a symlink, tasks move only into real dirs (`done/`, `failed/`,
//! `done/archive/<month>/` that are symlinks are refused), what ccfail writes beside a
//! task is `0600` and its dirs `0700` (see [`crate::files`]), and a task's body is never
//! read beyond its front matter. Deciding what to move is `plan`'s job.

pub mod ops;
pub mod plan;
pub mod task;
pub mod watch;
pub mod why;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::names::is_safe_component;
use task::{Dependency, FrontMatter, HEAD_BYTES};

/// The queue folder inside a project.
pub const QUEUE_DIR: &str = ".agent-queue";

/// A registered project: `projects.list` entries and the children of `projects.scan`
/// dirs that hold `.agent-queue/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Project {
    /// The folder's name: what `depends_on: [name:id]` and state claims use.
    pub name: String,
    pub path: PathBuf,
    pub priority: i64,
}

impl Project {
    pub fn queue(&self) -> PathBuf {
        self.path.join(QUEUE_DIR)
    }
    pub fn inbox(&self) -> PathBuf {
        self.queue().join("inbox")
    }
    pub fn done(&self) -> PathBuf {
        self.queue().join("done")
    }
    pub fn failed(&self) -> PathBuf {
        self.queue().join("failed")
    }
    /// `inbox/<id>.md`; `id` must be a safe name.
    pub fn pending(&self, id: &str) -> PathBuf {
        debug_assert!(is_safe_component(id));
        self.inbox().join(format!("{id}.md"))
    }
    pub fn claimed(&self, id: &str) -> PathBuf {
        debug_assert!(is_safe_component(id));
        self.inbox().join(format!("{id}.md.dispatched"))
    }
    /// `project:id`, the name of a task in state and in `depends_on`.
    pub fn key(&self, id: &str) -> String {
        format!("{}:{id}", self.name)
    }
}

/// Every registered project, list first, then scanned ones; `notes` says what was
/// skipped and why.
pub fn projects(config: &Config) -> (Vec<Project>, Vec<String>) {
    let mut out: Vec<Project> = Vec::new();
    let mut notes = Vec::new();
    let mut add = |path: &Path, priority: i64, notes: &mut Vec<String>| {
        let Some(name) = path.file_name().and_then(OsStr::to_str).filter(|n| is_safe_component(n)) else {
            notes.push(format!("project {} skipped: its folder name is not a safe name", path.display()));
            return;
        };
        if out.iter().any(|p| p.path == path) {
            return;
        }
        if let Some(other) = out.iter().find(|p| p.name == name) {
            notes.push(format!(
                "project {} skipped: {} has the same name {name:?}",
                path.display(),
                other.path.display()
            ));
            return;
        }
        out.push(Project { name: name.to_owned(), path: path.to_path_buf(), priority });
    };
    for entry in &config.projects.list {
        add(&entry.path, entry.priority, &mut notes);
    }
    for dir in &config.projects.scan {
        let Ok(entries) = fs::read_dir(dir) else {
            notes.push(format!("projects.scan: {} cannot be read", dir.display()));
            continue;
        };
        let mut children: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .filter(|p| fs::symlink_metadata(p.join(QUEUE_DIR)).is_ok_and(|m| m.is_dir()))
            .collect();
        children.sort();
        for child in children {
            add(&child, 0, &mut notes);
        }
    }
    (out, notes)
}

/// A valid, pending task.
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    /// Index into the project list the scan was given.
    pub project: usize,
    pub id: String,
    pub front: FrontMatter,
    pub title: String,
    /// When the file was last modified: older tasks go first among equals.
    pub modified: DateTime<Utc>,
}

/// An `inbox/*.md` that is not a task ccfail will send.
#[derive(Debug, Clone, Serialize)]
pub struct Invalid {
    pub project: usize,
    /// The file name as read (lossy for names that are not UTF-8).
    pub name: String,
    pub reason: String,
    /// `<name>.invalid` is already there.
    pub marked: bool,
    #[serde(skip)]
    raw_name: OsString,
}

impl Invalid {
    pub fn marker(&self, projects: &[Project]) -> PathBuf {
        projects[self.project].inbox().join(marker_name(&self.raw_name))
    }
}

/// The longest file name the filesystems ccfail runs on take (`NAME_MAX`).
const NAME_MAX: usize = 255;
/// The longest suffix a task's name gets in the inbox (`T.md` → `T.md.dispatched`).
const CLAIM_SUFFIX: &str = ".dispatched";

/// `<task>.invalid`, the marker beside an invalid task. A name too long for that suffix
/// gets its first bytes, `~`, and a digest of the whole name, so it still fits and stays
/// one per task.
fn marker_name(task: &OsStr) -> OsString {
    let bytes = task.as_bytes();
    let suffix = b".invalid";
    if bytes.len() + suffix.len() <= NAME_MAX {
        return OsStr::from_bytes(&[bytes, suffix].concat()).to_owned();
    }
    let digest = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
    let tail = format!("~{digest:016x}.md.invalid");
    let keep = NAME_MAX - tail.len();
    OsStr::from_bytes(&[&bytes[..keep], tail.as_bytes()].concat()).to_owned()
}

/// What one pass over the inboxes found.
#[derive(Debug, Default, Serialize)]
pub struct Scan {
    pub tasks: Vec<Task>,
    pub invalid: Vec<Invalid>,
    /// `(project, id)` of every `inbox/<id>.md.dispatched`.
    pub claimed: Vec<(usize, String)>,
    /// `(project, id)` of every `.blocked` marker, with its mtime.
    pub blocked_markers: Vec<(usize, String, DateTime<Utc>)>,
    /// `.invalid` markers whose task is gone or has become valid.
    #[serde(skip)]
    pub stale_markers: Vec<PathBuf>,
    /// Projects whose queue could not be read, and why.
    pub notes: Vec<String>,
}

/// Parsed task heads of the last pass, by path, reused while a file's inode, size and
/// mtime are unchanged: a pass then costs one `stat` per task instead of an open and
/// a read (thousands of tasks, every minute). Rebuildable: a missing or unreadable
/// cache only makes one pass slower.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct HeadCache {
    entries: HashMap<String, CachedHead>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CachedHead {
    stamp: (u64, u64, i64, i64),
    head: Result<(FrontMatter, String), String>,
}

impl HeadCache {
    pub fn load(file: &Path) -> HeadCache {
        crate::files::read(file).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default()
    }

    /// Temp file and rename, without the fsyncs state gets: a torn or lost cache only
    /// costs one full read.
    pub fn save(&self, file: &Path) -> io::Result<()> {
        let bytes = serde_json::to_vec(self).map_err(io::Error::other)?;
        crate::files::replace(file, &bytes, crate::files::Durability::Unsynced).map_err(|err| {
            io::Error::new(
                err.source.kind(),
                format!("could not {} {}: {}", err.action, err.path.display(), err.source),
            )
        })
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

/// A head read (or reused) by a scan thread: path, head, read fresh this pass.
type SeenHead = (String, CachedHead, bool);

fn stamp(meta: &fs::Metadata) -> (u64, u64, i64, i64) {
    (meta.ino(), meta.size(), meta.mtime(), meta.mtime_nsec())
}

/// Reads every project's inbox: one `read_dir` per inbox, one bounded read per task,
/// spread over the machine's cores (a pass may read thousands of task heads).
#[cfg(test)]
pub fn scan(projects: &[Project]) -> Scan {
    scan_cached(projects, &HeadCache::default()).0
}

/// [`scan`] that reuses the heads in `cache`; returns the cache for the next pass
/// and whether it changed.
pub fn scan_cached(projects: &[Project], cache: &HeadCache) -> (Scan, HeadCache, bool) {
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(projects.len().max(1));
    let chunk = projects.len().div_ceil(workers).max(1);
    let parts: Vec<(Scan, Vec<SeenHead>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = projects
            .chunks(chunk)
            .enumerate()
            .map(|(c, slice)| {
                scope.spawn(move || {
                    let mut scan = Scan::default();
                    let mut heads = Vec::new();
                    for (offset, project) in slice.iter().enumerate() {
                        if let Err(err) = scan_inbox(c * chunk + offset, project, &mut scan, cache, &mut heads) {
                            scan.notes.push(format!("project {}: {err}", project.name));
                        }
                    }
                    (scan, heads)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("scan thread panicked")).collect()
    });
    let mut scan = Scan::default();
    let mut next = HeadCache::default();
    let mut changed = false;
    for (part, heads) in parts {
        scan.tasks.extend(part.tasks);
        scan.invalid.extend(part.invalid);
        scan.claimed.extend(part.claimed);
        scan.blocked_markers.extend(part.blocked_markers);
        scan.stale_markers.extend(part.stale_markers);
        scan.notes.extend(part.notes);
        for (path, head, fresh) in heads {
            changed |= fresh;
            next.entries.insert(path, head);
        }
    }
    changed |= next.entries.len() != cache.entries.len();
    (scan, next, changed)
}

fn scan_inbox(
    index: usize,
    project: &Project,
    scan: &mut Scan,
    cache: &HeadCache,
    heads: &mut Vec<SeenHead>,
) -> io::Result<()> {
    let inbox = project.inbox();
    for dir in [project.queue(), inbox.clone()] {
        match fs::symlink_metadata(&dir) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(io::Error::other(format!(
                    "{} is not a real directory (a symlink?); skipped",
                    dir.display()
                )));
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(err) => return Err(err),
        }
    }
    // Marker file names as found; a task's marker is `marker_name(task)`.
    let mut invalid_markers: HashSet<OsString> = HashSet::new();
    let mut candidates = Vec::new();
    for entry in fs::read_dir(&inbox)? {
        let entry = entry?;
        let raw = entry.file_name();
        let bytes = raw.as_bytes();
        if bytes.starts_with(b".") {
            continue;
        }
        if bytes.ends_with(b".md.invalid") {
            invalid_markers.insert(raw.clone());
        } else if let Some(id) = bytes.strip_suffix(b".md.dispatched") {
            if let Some(id) = std::str::from_utf8(id).ok().filter(|id| is_safe_component(id)) {
                scan.claimed.push((index, id.to_owned()));
            }
        } else if let Some(id) = bytes.strip_suffix(b".md.blocked") {
            if let Some(id) = std::str::from_utf8(id).ok().filter(|id| is_safe_component(id)) {
                let since = entry.metadata().ok().and_then(|m| m.modified().ok()).map(utc).unwrap_or_default();
                scan.blocked_markers.push((index, id.to_owned(), since));
            }
        } else if bytes.ends_with(b".md") {
            candidates.push(entry);
        }
    }
    for entry in candidates {
        let raw = entry.file_name();
        let invalid = |reason: String| Invalid {
            project: index,
            name: raw.to_string_lossy().into_owned(),
            reason,
            marked: invalid_markers.contains(&marker_name(&raw)),
            raw_name: raw.clone(),
        };
        let id = raw.to_str().and_then(|name| name.strip_suffix(".md")).filter(|id| is_safe_component(id));
        let Some(id) = id else {
            scan.invalid.push(invalid(
                "the id (file name without .md) may only use letters, digits, '.', '_' and '-'".to_owned(),
            ));
            continue;
        };
        if raw.len() + CLAIM_SUFFIX.len() > NAME_MAX {
            scan.invalid.push(invalid(format!(
                "the file name is {} bytes: claimed it would be {CLAIM_SUFFIX:?} longer, past the {NAME_MAX} a name may have; \
                 rename it to at most {} bytes",
                raw.len(),
                NAME_MAX - CLAIM_SUFFIX.len()
            )));
            continue;
        }
        // The entry's own metadata does not follow a symlink: a link is refused unopened.
        let meta = match entry.metadata() {
            Ok(meta) if meta.file_type().is_symlink() => {
                scan.invalid.push(invalid("a symlink: tasks must be regular files in the inbox".to_owned()));
                continue;
            }
            Ok(meta) if !meta.is_file() => {
                scan.invalid.push(invalid("not a regular file".to_owned()));
                continue;
            }
            Ok(meta) => meta,
            Err(err) => {
                scan.invalid.push(invalid(format!("cannot be read: {err}")));
                continue;
            }
        };
        let path = entry.path();
        let key = path.display().to_string();
        let stamp = stamp(&meta);
        let (head, fresh) = match cache.entries.get(&key).filter(|c| c.stamp == stamp) {
            Some(cached) => (cached.head.clone(), false),
            None => (read_task(&path).map(|parsed| (parsed.front, parsed.title)), true),
        };
        heads.push((key, CachedHead { stamp, head: head.clone() }, fresh));
        match head {
            Ok((front, title)) => scan.tasks.push(Task {
                project: index,
                id: id.to_owned(),
                front,
                // A prompt names the task by its title: one with none is called by its id.
                title: if title.is_empty() { id.to_owned() } else { title },
                modified: meta.modified().map(utc).unwrap_or_default(),
            }),
            Err(reason) => scan.invalid.push(invalid(reason)),
        }
    }
    let still_invalid: HashSet<OsString> =
        scan.invalid.iter().filter(|i| i.project == index).map(|i| marker_name(&i.raw_name)).collect();
    for marker in invalid_markers.iter().filter(|marker| !still_invalid.contains(*marker)) {
        scan.stale_markers.push(inbox.join(marker));
    }
    Ok(())
}

/// Reads a task's head without following a symlink and without blocking on a FIFO.
pub fn read_task(path: &Path) -> Result<task::Parsed, String> {
    let file = fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path).map_err(
        |err| match err.raw_os_error() {
            Some(libc::ELOOP) => "a symlink: tasks must be regular files in the inbox".to_owned(),
            _ => format!("cannot be read: {err}"),
        },
    )?;
    let meta = file.metadata().map_err(|err| format!("cannot be read: {err}"))?;
    if !meta.is_file() {
        return Err("not a regular file".to_owned());
    }
    let mut head = Vec::with_capacity(meta.len().min(HEAD_BYTES as u64) as usize);
    file.take(HEAD_BYTES as u64).read_to_end(&mut head).map_err(|err| format!("cannot be read: {err}"))?;
    task::parse(&head, meta.len() <= HEAD_BYTES as u64)
}

pub fn utc(time: SystemTime) -> DateTime<Utc> {
    DateTime::<Utc>::from(time)
}

/// When a file got its current name: its ctime, which `rename(2)` sets.
pub fn renamed_at(path: &Path) -> Option<DateTime<Utc>> {
    let meta = fs::symlink_metadata(path).ok()?;
    DateTime::from_timestamp(meta.ctime(), meta.ctime_nsec() as u32)
}

/// Whether each dependency is met: `done/<id>.md` (or an archived one) in its project.
pub struct Dependencies<'a> {
    projects: &'a [Project],
    by_name: HashMap<&'a str, usize>,
    archived: BTreeMap<usize, HashSet<String>>,
}

/// Why a task cannot go yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unmet {
    pub entry: String,
    pub why: String,
}

impl<'a> Dependencies<'a> {
    pub fn new(projects: &'a [Project]) -> Dependencies<'a> {
        let by_name = projects.iter().enumerate().map(|(i, p)| (p.name.as_str(), i)).collect();
        Dependencies { projects, by_name, archived: BTreeMap::new() }
    }

    /// The dependencies of `task` that are not met.
    pub fn unmet(&mut self, own_project: usize, front: &FrontMatter) -> Vec<Unmet> {
        let mut unmet = Vec::new();
        for entry in &front.depends_on {
            let why = match task::dependency(entry) {
                Dependency::Refused(_) => Some("refused: not a safe project:id".to_owned()),
                Dependency::On { project, id } => {
                    match project.map_or(Some(own_project), |p| self.by_name.get(p).copied()) {
                        None => Some("no such project".to_owned()),
                        Some(index) if self.is_done(index, id) => None,
                        // A misspelt id must not read like a task that is on its way.
                        Some(index) => Some(match locate_undone(&self.projects[index], id) {
                            Location::Pending => "not done yet: pending".to_owned(),
                            Location::Claimed => "not done yet: claimed".to_owned(),
                            Location::Failed => "failed: it is not done unless retried".to_owned(),
                            Location::Done | Location::Missing => format!(
                                "no such task: {} has no {id}.md in inbox/, done/ or failed/",
                                self.projects[index].name
                            ),
                        }),
                    }
                }
            };
            if let Some(why) = why {
                unmet.push(Unmet { entry: entry.clone(), why });
            }
        }
        unmet
    }

    fn is_done(&mut self, project: usize, id: &str) -> bool {
        let done = self.projects[project].done();
        if fs::symlink_metadata(done.join(format!("{id}.md"))).is_ok() {
            return true;
        }
        let archived = self.archived.entry(project).or_insert_with(|| archived_ids(&done));
        archived.contains(id)
    }
}

/// Whether `dir` is a dir itself, not a link to one.
fn is_real_dir(dir: &Path) -> bool {
    fs::symlink_metadata(dir).is_ok_and(|meta| meta.is_dir())
}

/// Ids under `done/archive/*/` (links to dirs are not followed).
fn archived_ids(done: &Path) -> HashSet<String> {
    let archive = done.join("archive");
    if !is_real_dir(done) || !is_real_dir(&archive) {
        return HashSet::new();
    }
    let Ok(months) = fs::read_dir(archive) else { return HashSet::new() };
    months
        .filter_map(Result::ok)
        .filter(|month| month.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|month| fs::read_dir(month.path()).ok())
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".md")).map(str::to_owned))
        .collect()
}

/// Where a task is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    Pending,
    Claimed,
    Done,
    Failed,
    Missing,
}

pub fn locate(project: &Project, id: &str) -> Location {
    let exists = |path: PathBuf| fs::symlink_metadata(path).is_ok();
    if exists(project.claimed(id)) {
        Location::Claimed
    } else if exists(project.pending(id)) {
        Location::Pending
    } else if exists(project.done().join(format!("{id}.md"))) || archived_ids(&project.done()).contains(id) {
        Location::Done
    } else if exists(project.failed().join(format!("{id}.md"))) {
        Location::Failed
    } else {
        Location::Missing
    }
}

/// Where a task that is known not to be done is: three `stat`s, no archive read.
fn locate_undone(project: &Project, id: &str) -> Location {
    let exists = |path: PathBuf| fs::symlink_metadata(path).is_ok();
    if exists(project.claimed(id)) {
        Location::Claimed
    } else if exists(project.pending(id)) {
        Location::Pending
    } else if exists(project.failed().join(format!("{id}.md"))) {
        Location::Failed
    } else {
        Location::Missing
    }
}

/// `rename(2)` that never replaces an existing file (`RENAME_NOREPLACE`): two tasks
/// with one name must not become one. Where the filesystem lacks the flag, a check
/// before a plain rename (racy only against another writer of the same name).
pub fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    use std::ffi::CString;
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(io::Error::other);
    let (from_c, to_c) = (c(from)?, c(to)?);
    // SAFETY: both are valid NUL-terminated paths; renameat2 only reads them.
    let rc = unsafe {
        libc::renameat2(libc::AT_FDCWD, from_c.as_ptr(), libc::AT_FDCWD, to_c.as_ptr(), libc::RENAME_NOREPLACE)
    };
    if rc == 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    match err.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS) => {
            if fs::symlink_metadata(to).is_ok() {
                return Err(io::Error::from(io::ErrorKind::AlreadyExists));
            }
            fs::rename(from, to)
        }
        _ => Err(err),
    }
}

/// Moves `from` into `dir` as `<id>.md`, or `<id>.<n>.md` when that name is taken (a
/// task with the same id went there before): both are kept.
fn move_into(from: &Path, dir: &Path, id: &str) -> io::Result<PathBuf> {
    crate::files::real_dir(dir)?;
    for n in 1..1000 {
        let name = if n == 1 { format!("{id}.md") } else { format!("{id}.{n}.md") };
        let to = dir.join(name);
        match rename_noreplace(from, &to) {
            Ok(()) => return Ok(to),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
            Err(err) => return Err(err),
        }
    }
    Err(io::Error::other(format!("{}: 999 tasks named {id} already", dir.display())))
}

fn with_path(err: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(err.kind(), format!("could not {what} {}: {err}", path.display()))
}

/// `inbox/T.md → inbox/T.md.dispatched`.
pub fn claim(project: &Project, id: &str) -> io::Result<PathBuf> {
    let to = project.claimed(id);
    rename_noreplace(&project.pending(id), &to).map_err(|e| with_path(e, "claim", &project.pending(id)))?;
    Ok(to)
}

/// `inbox/T.md.dispatched → inbox/T.md` (or `T.<n>.md` when a new `T.md` arrived).
pub fn unclaim(project: &Project, id: &str) -> io::Result<PathBuf> {
    let from = project.claimed(id);
    move_into(&from, &project.inbox(), id).map_err(|e| with_path(e, "return to the inbox", &from))
}

/// `inbox/T.md.dispatched → done/T.md`.
pub fn complete(project: &Project, id: &str) -> io::Result<PathBuf> {
    let from = project.claimed(id);
    move_into(&from, &project.done(), id).map_err(|e| with_path(e, "move to done/", &from))
}

/// `inbox/T.md.dispatched → failed/T.md`, with the reason written beside it first.
pub fn fail(project: &Project, id: &str, reason: &str) -> io::Result<PathBuf> {
    fail_from(project, &project.claimed(id), id, reason)
}

/// `inbox/T.md → failed/T.md` (an operator's cancel of a pending task), the reason
/// written beside it first; the `.blocked` marker goes with it.
pub fn cancel_pending(project: &Project, id: &str, reason: &str) -> io::Result<PathBuf> {
    let to = fail_from(project, &project.pending(id), id, reason)?;
    let _ = fs::remove_file(blocked_marker(project, id));
    Ok(to)
}

/// `failed/T.md → inbox/T.md` (an operator's retry). Never onto a task of the same
/// name in the inbox: that would be another task under this id. The reason file is
/// removed after the move (the caller keeps its text in the history).
pub fn retry_failed(project: &Project, id: &str) -> io::Result<PathBuf> {
    let from = project.failed().join(format!("{id}.md"));
    let to = project.pending(id);
    for dir in [project.queue(), project.inbox()] {
        crate::files::real_dir(&dir).map_err(|e| with_path(e, "use", &dir))?;
    }
    if fs::symlink_metadata(project.claimed(id)).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} is claimed: a task of the same id is running", project.claimed(id).display()),
        ));
    }
    rename_noreplace(&from, &to).map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => io::Error::new(
            e.kind(),
            format!("{} exists: a task of the same id is pending; rename one of them", to.display()),
        ),
        _ => with_path(e, "return to the inbox", &from),
    })?;
    let _ = fs::remove_file(reason_file(project, id));
    Ok(to)
}

/// `failed/T.md.reason`: why the task failed.
pub fn reason_file(project: &Project, id: &str) -> PathBuf {
    project.failed().join(format!("{id}.md.reason"))
}

/// Adds a new task `inbox/<id>.md` holding `bytes`, whole or not at all: written and
/// synced under a hidden temp name that no scan reads, then linked to its name (which
/// fails if anything has that name), so dispatch never reads half a task and no task
/// is replaced. The queue dirs are created (`0700`) when missing, never followed.
pub fn add(project: &Project, id: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    for dir in [project.queue(), project.inbox()] {
        crate::files::real_dir(&dir).map_err(|e| with_path(e, "use", &dir))?;
    }
    let to = project.pending(id);
    crate::files::create_whole(&to, bytes).map_err(|e| with_path(e, "write", &to))?;
    Ok(to)
}

fn fail_from(project: &Project, from: &Path, id: &str, reason: &str) -> io::Result<PathBuf> {
    let failed = project.failed();
    crate::files::real_dir(&failed).map_err(|e| with_path(e, "use", &failed))?;
    let note = reason_file(project, id);
    crate::files::write(&note, format!("{reason}\n").as_bytes()).map_err(|e| with_path(e, "write", &note))?;
    move_into(from, &failed, id).map_err(|e| with_path(e, "move to failed/", from))
}

/// `done/<name> → done/archive/<month>/<name>`.
pub fn archive(project: &Project, name: &OsStr, month: &str) -> io::Result<PathBuf> {
    let from = project.done().join(name);
    let archive = project.done().join("archive");
    let dir = archive.join(month);
    for step in [project.done(), archive, dir.clone()] {
        crate::files::real_dir(&step).map_err(|e| with_path(e, "use", &step))?;
    }
    let to = dir.join(name);
    rename_noreplace(&from, &to).map_err(|e| with_path(e, "archive", &from))?;
    Ok(to)
}

/// Writes a marker once: an existing marker (and its mtime, "since when") is kept.
pub fn mark(path: &Path, text: &str) -> io::Result<bool> {
    crate::files::create_new(path, text.as_bytes()).map_err(|err| with_path(err, "write the marker", path))
}

pub fn blocked_marker(project: &Project, id: &str) -> PathBuf {
    project.inbox().join(format!("{id}.md.blocked"))
}

/// Every file of `done/` directly (not the archive), with when it got there; none when
/// `done/` is a link (the archive would be refused anyway).
pub fn done_files(project: &Project) -> Vec<(OsString, DateTime<Utc>)> {
    if !is_real_dir(&project.done()) {
        return Vec::new();
    }
    let Ok(entries) = fs::read_dir(project.done()) else { return Vec::new() };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| e.file_name().as_bytes().ends_with(b".md"))
        .filter_map(|e| Some((e.file_name(), renamed_at(&e.path())?)))
        .collect();
    files.sort();
    files
}

/// How many tasks sit where, per project, for `status`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub project: String,
    pub pending: usize,
    pub claimed: usize,
    pub blocked: usize,
    pub invalid: usize,
    pub done: usize,
    pub failed: usize,
}

/// Counts and invalid tasks of every project: one `read_dir` per folder, no file read.
pub fn summary(config: &Config) -> (Vec<Counts>, Vec<(String, String, String)>) {
    let (projects, _) = projects(config);
    let mut counts = Vec::new();
    let mut invalid = Vec::new();
    let names = |dir: PathBuf| -> Vec<OsString> {
        fs::read_dir(dir).map(|e| e.filter_map(Result::ok).map(|e| e.file_name()).collect()).unwrap_or_default()
    };
    for project in &projects {
        let mut c = Counts { project: project.name.clone(), ..Counts::default() };
        let inbox = names(project.inbox());
        for name in &inbox {
            let bytes = name.as_bytes();
            if bytes.starts_with(b".") {
                continue;
            }
            if bytes.ends_with(b".md.dispatched") {
                c.claimed += 1;
            } else if bytes.ends_with(b".md.blocked") {
                c.blocked += 1;
            } else if let Some(task) = bytes.strip_suffix(b".invalid") {
                c.invalid += 1;
                let reason = fs::read_to_string(project.inbox().join(name)).unwrap_or_default();
                invalid.push((
                    project.name.clone(),
                    String::from_utf8_lossy(task).into_owned(),
                    reason.trim().to_owned(),
                ));
            } else if bytes.ends_with(b".md") {
                c.pending += 1;
            }
        }
        c.pending = c.pending.saturating_sub(c.invalid);
        c.done = names(project.done()).iter().filter(|n| n.as_bytes().ends_with(b".md")).count();
        c.failed = names(project.failed()).iter().filter(|n| n.as_bytes().ends_with(b".md")).count();
        counts.push(c);
    }
    (counts, invalid)
}

#[cfg(test)]
mod tests;
