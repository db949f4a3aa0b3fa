//! `usage.json`: the transcript cursors and one compact record per response, kept for
//! the retention period, beside `state.json` and under the same lock.
//!
//! ```json
//! {"version":1,
//!  "retained_since":"2026-11-13T10:00:00Z",
//!  "files":{"/abs/projects/-home-op-app/3f….jsonl":
//!           {"dev":2049,"ino":1234,"size":81234,"mtime_ns":1795…,"offset":81234,
//!            "head_len":256,"head":"9a0c…"}},
//!  "responses":[[1795249731461,"5be1…",42,12,0,19000], …]}
//! ```
//!
//! A response is `[timestamp ms, dedup key (hex), input, output, cache creation, cache
//! read]`, sorted by time. `retained_since` is the instant from which the records are
//! complete: older ones were pruned or never kept.
//!
//! Unlike `state.json`, a usage file that does not parse or has another version is not
//! an error: everything in it can be rebuilt by reading the transcripts again (one cold
//! scan, about as long as `cat` of the tree), so the caller logs why and rebuilds. This
//! module reads and writes the file; it does not scan or decide.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::hash::{BuildHasherDefault, Hasher};
use std::io;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Serialize, Serializer};

use super::line::ParsedResponse;
use super::scan::Cursor;
use super::windows::{Tokens, instant};

/// The usage file format this build reads and writes.
pub const USAGE_VERSION: u32 = 1;

/// One response as kept: when, and its tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub at_ms: i64,
    pub tokens: Tokens,
}

/// What `usage.json` holds, in memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageStore {
    /// Records are complete from this instant on.
    pub retained_since_ms: i64,
    /// Cursor per transcript, keyed by its absolute path.
    pub files: BTreeMap<String, Cursor>,
    /// Record per dedup key.
    pub responses: KeyMap<Stored>,
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
        UsageStore { retained_since_ms, ..UsageStore::default() }
    }

    /// Adds a response; copies of one response keep the earliest time and the largest
    /// count of each token kind, so the result does not depend on reading order.
    pub fn merge(&mut self, response: &ParsedResponse) -> Merged {
        let incoming = Stored { at_ms: response.at_ms, tokens: response.tokens };
        match self.responses.get_mut(&response.key) {
            None => {
                self.responses.insert(response.key, incoming);
                Merged::New
            }
            Some(kept) => {
                let merged = Stored { at_ms: kept.at_ms.min(incoming.at_ms), tokens: kept.tokens.max(incoming.tokens) };
                if merged == *kept {
                    Merged::Duplicate
                } else {
                    *kept = merged;
                    Merged::Changed
                }
            }
        }
    }

    /// Drops records stamped before `since_ms`; returns how many.
    pub fn prune(&mut self, since_ms: i64) -> usize {
        let before = self.responses.len();
        self.responses.retain(|_, stored| stored.at_ms >= since_ms);
        before - self.responses.len()
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

fn decode(bytes: &[u8]) -> Result<UsageStore, String> {
    let file = match serde_json::from_slice::<FileIn<'_>>(bytes) {
        Ok(file) if file.version == u64::from(USAGE_VERSION) => file,
        Ok(file) => return Err(version_mismatch(Some(file.version))),
        // Another version may have another shape: say so rather than "missing field".
        Err(err) => {
            #[derive(Deserialize)]
            struct Version {
                version: Option<u64>,
            }
            return Err(match serde_json::from_slice::<Version>(bytes) {
                Ok(Version { version }) if version != Some(u64::from(USAGE_VERSION)) => version_mismatch(version),
                _ => err.to_string(),
            });
        }
    };
    let mut responses = KeyMap::with_capacity_and_hasher(file.responses.len(), Default::default());
    for RecordIn(at_ms, key, input, output, cache_creation, cache_read) in file.responses {
        let key = u64::from_str_radix(&key, 16).map_err(|_| format!("response key {key:?} is not hex"))?;
        responses.insert(key, Stored { at_ms, tokens: Tokens { input, output, cache_creation, cache_read } });
    }
    Ok(UsageStore { retained_since_ms: file.retained_since.timestamp_millis(), files: file.files, responses })
}

fn version_mismatch(found: Option<u64>) -> String {
    match found {
        Some(found) => format!("version {found}, this ccfail reads version {USAGE_VERSION}"),
        None => "no \"version\" number".to_owned(),
    }
}

/// Replaces the usage file atomically (same protocol and mode as `state.json`).
pub fn save(file: &Path, store: &UsageStore) -> Result<()> {
    let mut records: Vec<(u64, Stored)> = store.responses.iter().map(|(key, stored)| (*key, *stored)).collect();
    records.sort_unstable_by_key(|(key, stored)| (stored.at_ms, *key));
    let out = FileOut {
        version: USAGE_VERSION,
        retained_since: instant(store.retained_since_ms),
        files: &store.files,
        responses: RecordsOut(&records),
    };
    let mut bytes = serde_json::to_vec(&out).context("could not encode the usage records")?;
    bytes.push(b'\n');
    crate::state::write_atomically(file, &bytes)
        .with_context(|| format!("could not save usage file {}", file.display()))?;
    Ok(())
}

#[derive(Deserialize)]
struct FileIn<'a> {
    version: u64,
    retained_since: DateTime<Utc>,
    files: BTreeMap<String, Cursor>,
    #[serde(borrow)]
    responses: Vec<RecordIn<'a>>,
}

#[derive(Deserialize)]
struct RecordIn<'a>(i64, #[serde(borrow)] Cow<'a, str>, u64, u64, u64, u64);

#[derive(Serialize)]
struct FileOut<'a> {
    version: u32,
    retained_since: DateTime<Utc>,
    files: &'a BTreeMap<String, Cursor>,
    responses: RecordsOut<'a>,
}

struct RecordsOut<'a>(&'a [(u64, Stored)]);

impl Serialize for RecordsOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for (key, stored) in self.0 {
            let t = &stored.tokens;
            seq.serialize_element(&(
                stored.at_ms,
                format_args!("{key:016x}"),
                t.input,
                t.output,
                t.cache_creation,
                t.cache_read,
            ))?;
        }
        seq.end()
    }
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
        let tokens = Tokens { input: 1, output: 2, cache_creation: 3, cache_read: 4 };
        store.merge(&ParsedResponse { key: 0xfedc_ba98_7654_3210, at_ms: 1_700_000_000_500, tokens });
        store.merge(&ParsedResponse { key: 7, at_ms: 1_700_000_000_100, tokens: Tokens::default() });
        store
    }

    #[test]
    fn round_trips_and_sorts_by_time() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("usage.json");
        let store = sample();
        save(&file, &store).unwrap();
        assert_eq!(load(&file).unwrap().unwrap().unwrap(), store);
        let text = fs::read_to_string(&file).unwrap();
        assert!(
            text.contains(
                r#""responses":[[1700000000100,"0000000000000007",0,0,0,0],[1700000000500,"fedcba9876543210",1,2,3,4]]"#
            ),
            "{text}"
        );
        assert_eq!(crate::state::too_open(&file).unwrap(), None);
    }

    #[test]
    fn missing_is_none_and_bad_files_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("usage.json");
        assert_eq!(load(&file).unwrap(), Ok(None));
        for (text, why) in [
            ("{\"version\":1,\"files\":", "EOF"),
            ("{\"version\":9}", "version 9"),
            ("[]", "expected struct"),
            ("{\"files\":{}}", "no \"version\""),
            (
                "{\"version\":1,\"retained_since\":\"2026-01-01T00:00:00Z\",\"files\":{},\"responses\":[[1,\"xyz\",0,0,0,0]]}",
                "not hex",
            ),
        ] {
            fs::write(&file, text).unwrap();
            let reason = load(&file).unwrap().unwrap_err();
            assert!(reason.contains(why), "{text}: {reason}");
        }
    }

    #[test]
    fn copies_keep_the_earliest_time_and_largest_counts() {
        let mut store = UsageStore::empty(0);
        let tokens = |output| Tokens { output, ..Tokens::default() };
        assert_eq!(store.merge(&ParsedResponse { key: 1, at_ms: 50, tokens: tokens(3) }), Merged::New);
        assert_eq!(store.merge(&ParsedResponse { key: 1, at_ms: 60, tokens: tokens(3) }), Merged::Duplicate);
        assert_eq!(store.merge(&ParsedResponse { key: 1, at_ms: 40, tokens: tokens(9) }), Merged::Changed);
        assert_eq!(store.responses[&1], Stored { at_ms: 40, tokens: tokens(9) });
        assert_eq!(store.prune(41), 1);
        assert!(store.responses.is_empty());
    }
}
