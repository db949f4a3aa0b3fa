//! `usage.bin`: the transcript cursors and one compact record per response, kept for
//! the retention period, beside `state.json` and under the same lock.
//!
//! ```text
//! "ccfail usage v2\n"                         16 bytes: what and which version
//! header length                               u64 little-endian
//! header: JSON                                {"retained_since":"2026-11-13T10:00:00Z",
//!                                              "files":{"/abs/…/3f….jsonl":{"dev":2049,
//!                                              "ino":1234,"size":81234,"mtime_ns":…,
//!                                              "offset":81234,"head_len":256,"head":"9a0c…"}},
//!                                              "sessions":["3f…","8a…"]}
//! record count                                u64 little-endian
//! records, 56 bytes each, sorted by time:     timestamp ms (i64), dedup key, input,
//!                                             output, cache creation, cache read (u64),
//!                                             conversation (u64: its place in
//!                                             `sessions`), all little-endian
//! ```
//!
//! Version 2 added the conversation of each record (usage is attributed per
//! conversation since sessions may run on different accounts at once); a version-1
//! file is rebuilt like any file this build cannot use. The conversation ids are
//! interned: a week holds a few thousand conversations and a hundred thousand
//! responses, so a 36-byte id per record would triple the file.
//!
//! `retained_since` is the instant from which the records are complete: older ones were
//! pruned or never kept. The header stays JSON so the cursors can be read with `head`;
//! the records are binary because a run that finds nothing new is mostly the time it
//! takes to load them: with 125,000 responses in a week, JSON records took 37 ms to
//! load, these take a few. Records are loaded sorted, and the dedup index is only
//! built when a run has responses to merge.
//!
//! Unlike `state.json`, a usage file that is not what this build writes (another
//! version, a length that does not add up, a header that does not parse) is not an
//! error: everything in it can be rebuilt by reading the transcripts again (one cold
//! scan, about as long as `cat` of the tree), so the caller logs why and rebuilds.
//! This module reads and writes the file; it does not scan or decide.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::hash::{BuildHasherDefault, Hasher};
use std::io;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::line::ParsedResponse;
use super::scan::Cursor;
use super::windows::{Tokens, instant};

/// The usage file format this build reads and writes.
pub const USAGE_VERSION: u32 = 2;
const MAGIC_PREFIX: &[u8] = b"ccfail usage v";
const MAGIC: &[u8; 16] = b"ccfail usage v2\n";
const RECORD_BYTES: usize = 56;

/// One response as kept: when, its tokens, and its conversation (a place in
/// [`UsageStore::sessions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub at_ms: i64,
    pub tokens: Tokens,
    pub session: u32,
}

/// A kept response and its dedup key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    pub key: u64,
    pub stored: Stored,
}

/// What the usage file holds, in memory.
#[derive(Debug, Clone, Default)]
pub struct UsageStore {
    /// Records are complete from this instant on.
    pub retained_since_ms: i64,
    /// Cursor per transcript, keyed by its absolute path.
    pub files: BTreeMap<String, Cursor>,
    /// The conversation ids the records name, each once.
    sessions: Vec<String>,
    /// Place in `sessions` per id; built at the first [`UsageStore::intern`] of a run.
    session_index: Option<HashMap<String, u32>>,
    records: Vec<Record>,
    /// Position in `records` per dedup key; built at the first merge of a run.
    index: Option<KeyMap<usize>>,
    /// Whether `records` is in (time, key) order.
    sorted: bool,
}

impl PartialEq for UsageStore {
    fn eq(&self, other: &UsageStore) -> bool {
        let ordered = |store: &UsageStore| {
            let mut records: Vec<_> = store
                .records
                .iter()
                .map(|r| (r.stored.at_ms, r.key, r.stored.tokens, store.sessions[r.stored.session as usize].clone()))
                .collect();
            records.sort_unstable_by_key(|r| (r.0, r.1));
            records
        };
        self.retained_since_ms == other.retained_since_ms
            && self.files == other.files
            && ordered(self) == ordered(other)
    }
}

/// A map keyed by dedup keys, which are already uniform 64-bit hashes: hashing them
/// again (SipHash) was a tenth of a steady run.
pub type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

/// Passes a `u64` key through as its own hash.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, key: u64) {
        self.0 = key;
    }
}

/// What adding a response did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merged {
    New,
    /// A copy seen before; it moved the record earlier or raised a token count.
    Changed,
    Duplicate,
}

impl UsageStore {
    pub fn empty(retained_since_ms: i64) -> UsageStore {
        UsageStore { retained_since_ms, sorted: true, ..UsageStore::default() }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// The conversation ids, in the order [`Stored::session`] counts them.
    #[cfg(test)]
    pub fn sessions(&self) -> &[String] {
        &self.sessions
    }

    /// The store's number of each id (adding those it does not know yet): what a
    /// scan's `session` numbers become before [`UsageStore::merge`].
    pub fn intern(&mut self, ids: &[String]) -> Vec<u32> {
        let sessions = &mut self.sessions;
        let index = self.session_index.get_or_insert_with(|| {
            sessions.iter().enumerate().map(|(number, id)| (id.clone(), number as u32)).collect()
        });
        ids.iter()
            .map(|id| match index.get(id) {
                Some(&number) => number,
                None => {
                    let number = sessions.len() as u32;
                    sessions.push(id.clone());
                    index.insert(id.clone(), number);
                    number
                }
            })
            .collect()
    }

    /// Adds a response whose `session` is the store's number ([`UsageStore::intern`]);
    /// copies of one response keep the earliest time (with its conversation; the
    /// smaller id of two at the same time) and the largest count of each token kind, so
    /// the result does not depend on reading order.
    pub fn merge(&mut self, response: &ParsedResponse) -> Merged {
        let records = &mut self.records;
        let index = self
            .index
            .get_or_insert_with(|| records.iter().enumerate().map(|(position, r)| (r.key, position)).collect());
        let incoming = Stored { at_ms: response.at_ms, tokens: response.tokens, session: response.session };
        match index.get(&response.key) {
            None => {
                index.insert(response.key, records.len());
                records.push(Record { key: response.key, stored: incoming });
                self.sorted = false;
                Merged::New
            }
            Some(&position) => {
                let kept = &mut records[position].stored;
                let session = match incoming.at_ms.cmp(&kept.at_ms) {
                    std::cmp::Ordering::Less => incoming.session,
                    std::cmp::Ordering::Greater => kept.session,
                    std::cmp::Ordering::Equal => {
                        let id = |number: u32| &self.sessions[number as usize];
                        if id(incoming.session) < id(kept.session) { incoming.session } else { kept.session }
                    }
                };
                let merged =
                    Stored { at_ms: kept.at_ms.min(incoming.at_ms), tokens: kept.tokens.max(incoming.tokens), session };
                if merged == *kept {
                    Merged::Duplicate
                } else {
                    self.sorted &= merged.at_ms == kept.at_ms;
                    *kept = merged;
                    Merged::Changed
                }
            }
        }
    }

    /// Drops records stamped before `since_ms`, and the conversations no record names
    /// any more; returns how many records.
    pub fn prune(&mut self, since_ms: i64) -> usize {
        let before = self.records.len();
        self.records.retain(|r| r.stored.at_ms >= since_ms);
        if self.records.len() != before {
            self.index = None;
            self.compact_sessions();
        }
        before - self.records.len()
    }

    /// Renumbers the conversations so the table holds only those records name.
    fn compact_sessions(&mut self) {
        let mut renumbered = vec![u32::MAX; self.sessions.len()];
        let mut kept = Vec::new();
        for record in &mut self.records {
            let number = &mut renumbered[record.stored.session as usize];
            if *number == u32::MAX {
                *number = kept.len() as u32;
                kept.push(std::mem::take(&mut self.sessions[record.stored.session as usize]));
            }
            record.stored.session = *number;
        }
        self.sessions = kept;
        self.session_index = None;
    }

    /// The records in time order (then by key, so the order is the same every run).
    pub fn records(&mut self) -> &[Record] {
        self.records_and_sessions().0
    }

    /// [`UsageStore::records`] and the conversation ids they name.
    pub fn records_and_sessions(&mut self) -> (&[Record], &[String]) {
        if !self.sorted {
            self.records.sort_unstable_by_key(|r| (r.stored.at_ms, r.key));
            self.index = None;
            self.sorted = true;
        }
        (&self.records, &self.sessions)
    }
}

/// The file as read: `Ok(None)` when it does not exist, `Err(reason)` when it is not a
/// usage file this build can use (then it is rebuilt).
pub fn load(file: &Path) -> Result<Result<Option<UsageStore>, String>> {
    let bytes = match fs::read(file) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Ok(None)),
        Err(err) => {
            return Err(err).with_context(|| {
                format!("could not read usage file {}; fix its permissions or remove it", file.display())
            });
        }
    };
    Ok(decode(&bytes).map(Some))
}

#[derive(Serialize, Deserialize)]
struct Header<F, S> {
    retained_since: DateTime<Utc>,
    files: F,
    sessions: S,
}

fn decode(bytes: &[u8]) -> Result<UsageStore, String> {
    let Some(rest) = bytes.strip_prefix(MAGIC.as_slice()) else {
        return Err(match bytes.strip_prefix(MAGIC_PREFIX) {
            Some(version) => format!(
                "version {}, this ccfail reads version {USAGE_VERSION}",
                String::from_utf8_lossy(&version[..version.len().min(8)]).lines().next().unwrap_or_default()
            ),
            None => "not a ccfail usage file".to_owned(),
        });
    };
    let (header_len, rest) = take_u64(rest).ok_or("cut short in its header length")?;
    let header_len = usize::try_from(header_len).map_err(|_| "header length out of range".to_owned())?;
    let header = rest.get(..header_len).ok_or("cut short in its header")?;
    let header: Header<BTreeMap<String, Cursor>, Vec<String>> =
        serde_json::from_slice(header).map_err(|err| format!("header does not parse: {err}"))?;
    let known = header.sessions.len() as u64;
    let (count, rest) = take_u64(&rest[header_len..]).ok_or("cut short in its record count")?;
    if Some(rest.len()) != usize::try_from(count).ok().and_then(|n| n.checked_mul(RECORD_BYTES)) {
        return Err(format!("{count} records announced, {} bytes of records present", rest.len()));
    }
    let mut sorted = true;
    let mut previous = (i64::MIN, 0);
    let mut unknown_session = None;
    let records = rest
        .chunks_exact(RECORD_BYTES)
        .map(|row| {
            let field = |i: usize| u64::from_le_bytes(row[i * 8..i * 8 + 8].try_into().unwrap_or_default());
            let at_ms = field(0) as i64;
            let session = field(6);
            if session >= known {
                unknown_session.get_or_insert(session);
            }
            let record = Record {
                key: field(1),
                stored: Stored {
                    at_ms,
                    tokens: Tokens {
                        input: field(2),
                        output: field(3),
                        cache_creation: field(4),
                        cache_read: field(5),
                    },
                    session: session as u32,
                },
            };
            sorted &= previous <= (at_ms, record.key);
            previous = (at_ms, record.key);
            record
        })
        .collect();
    if let Some(session) = unknown_session {
        return Err(format!("a record names conversation {session}, the header lists {known}"));
    }
    Ok(UsageStore {
        retained_since_ms: header.retained_since.timestamp_millis(),
        files: header.files,
        sessions: header.sessions,
        session_index: None,
        records,
        index: None,
        sorted,
    })
}

fn take_u64(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let (head, rest) = bytes.split_first_chunk::<8>()?;
    Some((u64::from_le_bytes(*head), rest))
}

/// Replaces the usage file atomically (same protocol and mode as `state.json`).
pub fn save(file: &Path, store: &mut UsageStore) -> Result<()> {
    let header = serde_json::to_vec(&Header {
        retained_since: instant(store.retained_since_ms),
        files: &store.files,
        sessions: &store.sessions,
    })
    .context("could not encode the usage file header")?;
    let records = store.records();
    let mut bytes = Vec::with_capacity(MAGIC.len() + 16 + header.len() + records.len() * RECORD_BYTES);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&header);
    bytes.extend_from_slice(&(records.len() as u64).to_le_bytes());
    for record in records {
        let t = &record.stored.tokens;
        let session = u64::from(record.stored.session);
        for field in
            [record.stored.at_ms as u64, record.key, t.input, t.output, t.cache_creation, t.cache_read, session]
        {
            bytes.extend_from_slice(&field.to_le_bytes());
        }
    }
    crate::state::write_atomically(file, &bytes)
        .with_context(|| format!("could not save usage file {}", file.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> UsageStore {
        let mut store = UsageStore::empty(1_700_000_000_000);
        store.files.insert(
            "/p/a.jsonl".to_owned(),
            Cursor { dev: 1, ino: 2, size: 30, mtime_ns: 5, offset: 20, head_len: 20, head: u64::MAX },
        );
        let tokens = Tokens { input: 1, output: 2, cache_creation: 3, cache_read: u64::MAX };
        let sessions = store.intern(&["s-1".to_owned(), "s-2".to_owned()]);
        store.merge(&ParsedResponse {
            key: 0xfedc_ba98_7654_3210,
            at_ms: 1_700_000_000_500,
            tokens,
            session: sessions[1],
        });
        store.merge(&ParsedResponse {
            key: 7,
            at_ms: 1_700_000_000_100,
            tokens: Tokens::default(),
            session: sessions[0],
        });
        store
    }

    #[test]
    fn round_trips_sorted_by_time_with_a_readable_header() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("usage.bin");
        let mut store = sample();
        save(&file, &mut store).unwrap();
        let mut loaded = load(&file).unwrap().unwrap().unwrap();
        assert_eq!(loaded, store);
        assert!(loaded.sorted);
        assert_eq!(loaded.records().iter().map(|r| r.key).collect::<Vec<_>>(), [7, 0xfedc_ba98_7654_3210]);
        let (records, sessions) = loaded.records_and_sessions();
        let named: Vec<&str> = records.iter().map(|r| sessions[r.stored.session as usize].as_str()).collect();
        assert_eq!(named, ["s-1", "s-2"]);
        let bytes = fs::read(&file).unwrap();
        assert!(bytes.starts_with(b"ccfail usage v2\n"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains(r#""files":{"/p/a.jsonl":{"dev":1,"ino":2,"size":30,"mtime_ns":5,"offset":20,"head_len":20,"head":"ffffffffffffffff"}},"sessions":["s-1","s-2"]}"#), "{text}");
        assert_eq!(crate::state::too_open(&file).unwrap(), None);
    }

    #[test]
    fn missing_is_none_and_bad_files_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("usage.bin");
        assert_eq!(load(&file).unwrap(), Ok(None));
        save(&file, &mut sample()).unwrap();
        let good = fs::read(&file).unwrap();
        let mut other_version = good.clone();
        other_version[14] = b'7';
        let mut bad_header = good.clone();
        bad_header[24] = b'[';
        let mut unknown_session = good.clone();
        let last = unknown_session.len() - 8;
        unknown_session[last] = 9;
        let mut version_1 = good.clone();
        version_1[14] = b'1';
        let cases: [(&[u8], &str); 8] = [
            (b"{\"version\":1}", "not a ccfail usage file"),
            (&other_version, "version 7"),
            (&version_1, "version 1, this ccfail reads version 2"),
            (&unknown_session, "names conversation 9, the header lists 2"),
            (&good[..20], "header length"),
            (&good[..good.len() - 1], "records announced"),
            (&[good.as_slice(), &[0]].concat(), "records announced"),
            (&bad_header, "header does not parse"),
        ];
        for (bytes, why) in cases {
            fs::write(&file, bytes).unwrap();
            let reason = load(&file).unwrap().unwrap_err();
            assert!(reason.contains(why), "{why}: {reason}");
        }
    }

    #[test]
    fn copies_keep_the_earliest_time_and_largest_counts() {
        let mut store = UsageStore::empty(0);
        let tokens = |output| Tokens { output, ..Tokens::default() };
        let ids = ["x", "y", "z"].map(str::to_owned);
        let [x, y, z] = store.intern(&ids)[..] else { panic!() };
        let response = |key, at_ms, output, session| ParsedResponse { key, at_ms, tokens: tokens(output), session };
        assert_eq!(store.merge(&response(1, 50, 3, y)), Merged::New);
        assert_eq!(store.merge(&response(2, 45, 1, z)), Merged::New);
        assert_eq!(store.merge(&response(1, 60, 3, z)), Merged::Duplicate, "a later copy in another conversation");
        assert_eq!(store.merge(&response(1, 40, 9, z)), Merged::Changed, "the earliest copy names the conversation");
        assert_eq!(store.merge(&response(1, 40, 9, x)), Merged::Changed, "at the same time the smaller id wins");
        assert_eq!(store.merge(&response(1, 40, 9, y)), Merged::Duplicate);
        let records: Vec<_> = store.records().iter().map(|r| (r.key, r.stored)).collect();
        assert_eq!(
            records,
            [
                (1, Stored { at_ms: 40, tokens: tokens(9), session: x }),
                (2, Stored { at_ms: 45, tokens: tokens(1), session: z })
            ]
        );
        // The index follows the records through sorting and pruning, and pruning drops
        // the conversations no record names.
        assert_eq!(store.prune(41), 1);
        assert_eq!(store.sessions(), ["z"]);
        assert_eq!(store.records()[0].stored.session, 0);
        assert_eq!(store.intern(&ids), [1, 2, 0]);
        assert_eq!(store.merge(&response(2, 45, 1, 0)), Merged::Duplicate);
        assert_eq!(store.merge(&response(1, 70, 1, 1)), Merged::New);
        assert_eq!(store.len(), 2);
    }
}
