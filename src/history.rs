//! The history: `history.jsonl` beside `state.json`, one [`HistoryEntry`] a line,
//! oldest first, for `ccfail log`.
//!
//! It lives out of `state.json` so that a timer run rewrites a small state file, not a
//! week of events: a run that records something appends its lines, one `write` for all
//! of them, and syncs them; a run that records nothing does not touch the file. Only
//! [`crate::state::StateLock::save`] writes here, so every append and every rewrite
//! happens under the state lock. A line torn by a crash is ended before the next append
//! (the append starts with a newline when the file does not end in one), so it never
//! swallows the next entry; readers skip blank lines and report the ones that do not
//! parse, by file and line, and otherwise go on.
//!
//! The bound is `state.history_limit` entries. Counting costs a read, so it is done only
//! once the file is big enough to hold that many of the shortest lines; past
//! 1.25 × the bound the newest `limit` lines are rewritten to a temp file, synced and
//! renamed over it, so the rewrite happens once every quarter of the bound, not at every
//! run. Lines are kept as they are (a newer build's fields, a bad line) until the bound
//! or the janitor's `history_ttl` drops them.
//!
//! A state file of an older build keeps its history in its `history` array: the first
//! save moves it here (merged with what the file already holds, so a run killed between
//! writing this file and `state.json` moves nothing twice), then drops the array.

use std::collections::HashMap;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::files::{self, Durability};
use crate::paths::StatePaths;
use crate::state::{HistoryEntry, StateError};

/// The file's name in the state dir.
pub const HISTORY_FILE: &str = "history.jsonl";

/// The shortest line an entry can have (`{"at":"2026-12-02T00:00:00Z","event":"x","detail":""}`
/// is 55 bytes with its newline): below `limit` × this the file cannot hold more than
/// `limit` entries and is not counted.
const SHORTEST_LINE: u64 = 55;

/// The path of the history file in `paths`' state dir.
pub fn file(paths: &StatePaths) -> PathBuf {
    paths.dir.join(HISTORY_FILE)
}

/// What a read found: the entries, oldest first, and the lines that did not parse.
#[derive(Debug, Default)]
pub struct History {
    pub entries: Vec<HistoryEntry>,
    pub file: PathBuf,
    /// 1-based line numbers with why each did not parse.
    pub skipped: Vec<(usize, String)>,
}

impl History {
    /// One sentence naming the file and the lines skipped, or `None` when none were.
    pub fn skipped_note(&self) -> Option<String> {
        let (first, why) = self.skipped.first()?;
        let more = match self.skipped.len() {
            1 => String::new(),
            n => format!(" and {} more (lines {})", n - 1, line_list(&self.skipped[1..])),
        };
        Some(format!(
            "{}: line {first} does not parse ({why}){more}: skipped. A line torn by a crash looks like this; the bound or the janitor drops it in time",
            self.file.display()
        ))
    }
}

fn line_list(skipped: &[(usize, String)]) -> String {
    let shown: Vec<String> = skipped.iter().take(10).map(|(line, _)| line.to_string()).collect();
    let tail = if skipped.len() > 10 { ", …" } else { "" };
    format!("{}{tail}", shown.join(", "))
}

/// Reads the history without the lock: appends are whole lines and rewrites are renames,
/// so a reader sees every finished entry. A missing file is an empty history.
pub fn read(paths: &StatePaths) -> Result<History, StateError> {
    let path = file(paths);
    let bytes = read_bytes(&path)?;
    Ok(parse(&bytes, path))
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, StateError> {
    match files::read(path) {
        Ok(bytes) => Ok(bytes),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(StateError::Io { action: "read the history", path: path.to_path_buf(), source }),
    }
}

/// The entries of a history file's bytes; blank lines are passed over, bad ones listed.
pub fn parse(bytes: &[u8], file: PathBuf) -> History {
    let mut history = History { file, ..History::default() };
    for (number, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<HistoryEntry>(line) {
            Ok(entry) => history.entries.push(entry),
            Err(err) => history.skipped.push((number + 1, err.to_string())),
        }
    }
    history
}

/// The entries of an older state file's `history` array that `file` does not already
/// hold, oldest first, then `file`'s: the history as one list. An entry counts as held
/// once for each time it appears, so a move that was cut short is finished, never
/// repeated.
pub fn merge(legacy: &[HistoryEntry], file: &[HistoryEntry]) -> Vec<HistoryEntry> {
    let missing = missing_from(legacy, file);
    missing.into_iter().cloned().chain(file.iter().cloned()).collect()
}

fn missing_from<'l>(legacy: &'l [HistoryEntry], file: &[HistoryEntry]) -> Vec<&'l HistoryEntry> {
    let mut held: HashMap<String, usize> = HashMap::new();
    for entry in file {
        *held.entry(key(entry)).or_default() += 1;
    }
    legacy
        .iter()
        .filter(|entry| match held.get_mut(&key(entry)) {
            Some(count) if *count > 0 => {
                *count -= 1;
                false
            }
            _ => true,
        })
        .collect()
}

fn key(entry: &HistoryEntry) -> String {
    serde_json::to_string(entry).expect("a history entry serializes")
}

fn line(entry: &HistoryEntry) -> Vec<u8> {
    let mut line = serde_json::to_vec(entry).expect("a history entry serializes");
    line.push(b'\n');
    line
}

fn io_error<'p>(action: &'static str, path: &'p Path) -> impl FnOnce(io::Error) -> StateError + 'p {
    move |source| StateError::Io { action, path: path.to_path_buf(), source }
}

/// Writes what a save has to write: moves `legacy` (an older state file's array) in if
/// any of it is missing, appends `recorded`, and trims to `limit` when the file is past
/// 1.25 × that. The caller holds the state lock ([`crate::state::StateLock::save`]).
pub(crate) fn store(
    paths: &StatePaths,
    legacy: &[HistoryEntry],
    recorded: &[HistoryEntry],
    limit: usize,
) -> Result<(), StateError> {
    let path = file(paths);
    if !legacy.is_empty() {
        let bytes = read_bytes(&path)?;
        let held = parse(&bytes, path.clone()).entries;
        let missing = missing_from(legacy, &held);
        if !missing.is_empty() {
            let mut text: Vec<u8> = missing.into_iter().flat_map(line).collect();
            text.extend_from_slice(&bytes);
            if !text.ends_with(b"\n") {
                text.push(b'\n');
            }
            text.extend(recorded.iter().flat_map(line));
            return rewrite(&path, &newest_lines(&text, limit));
        }
    }
    if recorded.is_empty() {
        return Ok(());
    }
    let size = append(&path, recorded)?;
    let limit_u64 = u64::try_from(limit).unwrap_or(u64::MAX);
    if size > limit_u64.saturating_mul(SHORTEST_LINE) {
        let bytes = read_bytes(&path)?;
        if count_lines(&bytes) > limit.saturating_add(limit / 4) {
            rewrite(&path, &newest_lines(&bytes, limit))?;
        }
    }
    Ok(())
}

/// Appends `entries` with one `write` and syncs them; returns the file's new size.
fn append(path: &Path, entries: &[HistoryEntry]) -> Result<u64, StateError> {
    let mut file = files::open_append(path).map_err(io_error("open the history", path))?;
    let mut text = Vec::new();
    let size = file.metadata().map_err(io_error("read the size of the history", path))?.len();
    if size > 0 {
        // O_APPEND writes at the end whatever the offset; reads follow it.
        let reader = files::open_read(path).map_err(io_error("open the history", path))?;
        let mut last = [0_u8];
        let mut reader = reader;
        reader.seek(SeekFrom::Start(size - 1)).map_err(io_error("read the history", path))?;
        reader.read_exact(&mut last).map_err(io_error("read the history", path))?;
        if last[0] != b'\n' {
            text.push(b'\n');
        }
    }
    text.extend(entries.iter().flat_map(line));
    file.write_all(&text).map_err(io_error("append to the history", path))?;
    file.sync_data().map_err(io_error("sync the history", path))?;
    Ok(size + text.len() as u64)
}

/// Lines that are not blank.
fn count_lines(bytes: &[u8]) -> usize {
    bytes.split(|b| *b == b'\n').filter(|line| !line.iter().all(u8::is_ascii_whitespace)).count()
}

/// The last `limit` lines that are not blank, each ended by a newline.
fn newest_lines(bytes: &[u8], limit: usize) -> Vec<u8> {
    let lines: Vec<&[u8]> =
        bytes.split(|b| *b == b'\n').filter(|line| !line.iter().all(u8::is_ascii_whitespace)).collect();
    let skip = lines.len().saturating_sub(limit);
    let mut out = Vec::with_capacity(bytes.len());
    for line in &lines[skip..] {
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out
}

fn rewrite(path: &Path, bytes: &[u8]) -> Result<(), StateError> {
    files::replace(path, bytes, Durability::Synced).map_err(|err| StateError::Io {
        action: err.action,
        path: err.path,
        source: err.source,
    })
}

/// Drops the entries older than `cutoff` (the janitor's `history_ttl`); returns how many
/// were, or would be with `dry_run`. Lines that do not parse are kept: the bound drops
/// them in time. Needs the state lock, which `lock` proves.
pub fn drop_older(lock: &crate::state::StateLock, cutoff: DateTime<Utc>, dry_run: bool) -> Result<usize, StateError> {
    let path = file(lock.paths());
    let bytes = read_bytes(&path)?;
    let mut kept = Vec::with_capacity(bytes.len());
    let mut dropped = 0;
    for line in bytes.split(|b| *b == b'\n').filter(|line| !line.iter().all(u8::is_ascii_whitespace)) {
        match serde_json::from_slice::<HistoryEntry>(line) {
            Ok(entry) if entry.at < cutoff => dropped += 1,
            _ => {
                kept.extend_from_slice(line);
                kept.push(b'\n');
            }
        }
    }
    if dropped > 0 && !dry_run {
        rewrite(&path, &kept)?;
    }
    Ok(dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: usize) -> HistoryEntry {
        let at = DateTime::parse_from_rfc3339("2026-12-02T00:00:00Z").unwrap().with_timezone(&Utc);
        HistoryEntry::new(at + chrono::Duration::seconds(i64::try_from(n).unwrap()), "e", n.to_string())
    }

    fn paths(dir: &Path) -> StatePaths {
        let paths = StatePaths::new(dir.join("state"));
        files::create_dir_all(&paths.dir).unwrap();
        paths
    }

    fn details(paths: &StatePaths) -> Vec<String> {
        read(paths).unwrap().entries.into_iter().map(|e| e.detail).collect()
    }

    #[test]
    fn appends_are_lines_and_a_torn_line_is_ended_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let paths = paths(dir.path());
        store(&paths, &[], &[entry(1), entry(2)], 100).unwrap();
        assert_eq!(std::fs::read_to_string(file(&paths)).unwrap().lines().count(), 2);
        // A run killed mid-write left half a line.
        let mut torn = files::open_append(&file(&paths)).unwrap();
        torn.write_all(br#"{"at":"2026-12-02T00:00:0"#).unwrap();
        store(&paths, &[], &[entry(3)], 100).unwrap();
        let history = read(&paths).unwrap();
        assert_eq!(history.entries.iter().map(|e| e.detail.as_str()).collect::<Vec<_>>(), ["1", "2", "3"]);
        assert_eq!(history.skipped.len(), 1);
        assert_eq!(history.skipped[0].0, 3);
        let note = history.skipped_note().unwrap();
        assert!(note.starts_with(&format!("{}: line 3 does not parse (", file(&paths).display())), "{note}");
        assert_eq!(crate::state::too_open(&file(&paths)).unwrap(), None, "history.jsonl must be 0600");
    }

    #[test]
    fn the_bound_is_kept_by_a_rare_rewrite() {
        let dir = tempfile::tempdir().unwrap();
        let paths = paths(dir.path());
        // 100 entries of up to 65 bytes: over 100 × 55 bytes, so counted after each append.
        let mut rewrites = 0;
        let mut last_inode = None;
        for n in 0..=125 {
            store(&paths, &[], &[entry(n)], 100).unwrap();
            let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(file(&paths)).unwrap());
            if last_inode.is_some_and(|last| last != inode) {
                rewrites += 1;
            }
            last_inode = Some(inode);
        }
        assert_eq!(rewrites, 1, "one rewrite when 126 > 125 entries");
        let kept = details(&paths);
        assert_eq!(kept.len(), 100);
        assert_eq!((kept[0].as_str(), kept[99].as_str()), ("26", "125"));
    }

    #[test]
    fn an_older_states_array_is_moved_once_even_when_cut_short() {
        let dir = tempfile::tempdir().unwrap();
        let paths = paths(dir.path());
        let legacy = [entry(1), entry(2), entry(2), entry(3)];
        store(&paths, &legacy, &[entry(4)], 100).unwrap();
        assert_eq!(details(&paths), ["1", "2", "2", "3", "4"]);
        // Killed before state.json lost its array: the next save finds it all here.
        store(&paths, &legacy, &[entry(5)], 100).unwrap();
        store(&paths, &legacy, &[], 100).unwrap();
        assert_eq!(details(&paths), ["1", "2", "2", "3", "4", "5"]);
        // A file that holds part of it (an older build ran after a newer one).
        assert_eq!(
            merge(&legacy, &[entry(2), entry(9)]).iter().map(|e| e.detail.as_str()).collect::<Vec<_>>(),
            ["1", "2", "3", "2", "9"]
        );
    }

    #[test]
    fn the_janitor_drops_old_entries_and_keeps_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let store_ =
            crate::state::StateStore::new(StatePaths::new(dir.path().join("state")), std::time::Duration::from_secs(1));
        let lock = store_.lock().unwrap();
        store(lock.paths(), &[], &[entry(1), entry(2), entry(3)], 100).unwrap();
        files::open_append(&file(lock.paths())).unwrap().write_all(b"not json\n").unwrap();
        let cutoff = entry(3).at;
        assert_eq!(drop_older(&lock, cutoff, true).unwrap(), 2);
        assert_eq!(details(lock.paths()).len(), 3, "a dry run changes nothing");
        assert_eq!(drop_older(&lock, cutoff, false).unwrap(), 2);
        assert_eq!(std::fs::read_to_string(file(lock.paths())).unwrap().lines().collect::<Vec<_>>()[1], "not json");
        assert_eq!(details(lock.paths()), ["3"]);
    }
}
