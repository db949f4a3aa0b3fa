//! The incremental transcript reader: walks `<root>/**/*.jsonl` (subagent transcripts
//! included), keeps a cursor per file and reads only the bytes appended since the last
//! run, turning assistant lines that carry usage into compact [`ParsedResponse`]s.
//!
//! It owns the cursor rules: a torn last line waits for the next run; a file that
//! shrank below its cursor, was replaced (another device or inode) or whose first
//! bytes changed is read again from the start; a file last modified before the
//! retention start is not opened (its lines are all older), and its cursor is kept.
//! Lines are found by searching the buffer for `"usage"`, so lines without it (user
//! prompts, tool results: most of the bytes) are never looked at one by one; only the
//! candidates are deserialized, into a borrowed struct of the few fields needed.
//!
//! It must not decide anything about accounts or windows, and it never writes: it
//! returns the new cursors and responses to [`super`], which stores them.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use memchr::memmem;
use serde::{Deserialize, Serialize};

use super::windows::Tokens;

/// Bytes at the start of a file whose hash tells a rewritten file from a grown one.
const HEAD_BYTES: usize = 256;
/// Read size; a longer line grows the buffer.
const CHUNK_BYTES: usize = 1 << 20;
/// Below this many bytes to read, one thread does it all.
const PARALLEL_MIN_BYTES: u64 = 16 << 20;
const MAX_THREADS: usize = 8;

/// Where the reader stopped in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub dev: u64,
    pub ino: u64,
    /// The size when last read.
    pub size: u64,
    pub mtime_ns: i64,
    /// Just after the last complete line read.
    pub offset: u64,
    /// How many leading bytes `head` covers.
    pub head_len: u32,
    /// Hash of the first `head_len` bytes.
    #[serde(with = "hex_u64")]
    pub head: u64,
}

/// One assistant line with usage, reduced to what the windows need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedResponse {
    /// Hash of `message.id` + `requestId` (or of the whole line when either is missing).
    pub key: u64,
    pub at_ms: i64,
    pub tokens: Tokens,
}

/// What one scan did, for the report and the benchmark.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScanCounts {
    pub files_seen: u64,
    pub files_unchanged: u64,
    /// Last modified before the retention start: not opened.
    pub files_skipped_old: u64,
    pub files_read: u64,
    /// Read again from the start: shrunk, replaced or rewritten.
    pub files_rescanned: u64,
    pub bytes_read: u64,
    /// Assistant lines with usage, before deduplication.
    pub response_lines: u64,
    /// Response lines stamped before the retention start.
    pub response_lines_old: u64,
    /// API-error lines (`isApiErrorMessage`, model `<synthetic>`): no usage to count.
    pub error_lines: u64,
    /// Complete lines that mention usage but do not parse.
    pub unparsable_lines: u64,
}

/// The result of one scan: responses found, cursors updated in place, what happened.
#[derive(Debug, Default)]
pub struct Scan {
    pub responses: Vec<ParsedResponse>,
    pub counts: ScanCounts,
    pub warnings: Vec<String>,
    /// Whether any cursor was added, changed or dropped.
    pub cursors_changed: bool,
}

/// Scans every transcript under `roots`, advancing `cursors` (keyed by path).
pub fn scan(roots: &[PathBuf], cursors: &mut BTreeMap<String, Cursor>, retained_since_ms: i64) -> Scan {
    let mut result = Scan::default();
    let mut files = Vec::new();
    for root in roots {
        walk(root, &mut files, &mut result.warnings);
    }
    let mut seen = HashSet::with_capacity(files.len());
    let mut jobs = Vec::new();
    for (path, meta) in files {
        let Some(key) = path.to_str().map(str::to_owned) else {
            result.warnings.push(format!("skipped {}: its path is not UTF-8", path.display()));
            continue;
        };
        if !seen.insert(key.clone()) {
            continue;
        }
        result.counts.files_seen += 1;
        let cursor = cursors.get(&key).copied();
        let mtime_ns = mtime_ns(&meta);
        if mtime_ns.div_euclid(1_000_000) < retained_since_ms {
            result.counts.files_skipped_old += 1;
            continue;
        }
        if cursor.is_some_and(|c| {
            c.dev == meta.dev() && c.ino == meta.ino() && c.size == meta.len() && c.mtime_ns == mtime_ns
        }) {
            result.counts.files_unchanged += 1;
            continue;
        }
        jobs.push(Job { key, path, meta, cursor });
    }
    let before = cursors.len();
    cursors.retain(|key, _| seen.contains(key));
    result.cursors_changed = cursors.len() != before;

    jobs.sort_by_key(|job| std::cmp::Reverse(job.meta.len().saturating_sub(job.cursor.map_or(0, |c| c.offset))));
    for (job, outcome) in jobs.iter().zip(run_jobs(&jobs, retained_since_ms)) {
        match outcome {
            Ok(done) => {
                result.counts.files_read += 1;
                result.counts.files_rescanned += u64::from(done.rescanned);
                result.counts.bytes_read += done.bytes_read;
                add_counts(&mut result.counts, &done.counts);
                result.responses.extend(done.responses);
                if cursors.insert(job.key.clone(), done.cursor) != Some(done.cursor) {
                    result.cursors_changed = true;
                }
            }
            // Gone between the walk and the read: forget it like any deleted file.
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                result.cursors_changed |= cursors.remove(&job.key).is_some();
            }
            Err(err) => result.warnings.push(format!(
                "could not read transcript {} ({err}); its usage is missing until it can be read",
                job.path.display()
            )),
        }
    }
    result
}

fn add_counts(total: &mut ScanCounts, part: &ScanCounts) {
    total.response_lines += part.response_lines;
    total.response_lines_old += part.response_lines_old;
    total.error_lines += part.error_lines;
    total.unparsable_lines += part.unparsable_lines;
}

/// Every regular `*.jsonl` file under `root`, with its metadata. Symlinks inside the
/// tree are not followed, so a link loop cannot trap the walk.
fn walk(root: &Path, files: &mut Vec<(PathBuf, Metadata)>, warnings: &mut Vec<String>) {
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
            Err(err) => {
                warnings.push(format!("could not list {} ({err}); transcripts in it are not counted", dir.display()));
                continue;
            }
        };
        for entry in entries.flatten() {
            let Ok(file_type) = entry.file_type() else { continue };
            if file_type.is_dir() {
                dirs.push(entry.path());
            } else if file_type.is_file() && entry.file_name().as_encoded_bytes().ends_with(b".jsonl") {
                match entry.metadata() {
                    Ok(meta) => files.push((entry.path(), meta)),
                    Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                    Err(err) => warnings.push(format!("could not stat {} ({err})", entry.path().display())),
                }
            }
        }
    }
}

fn mtime_ns(meta: &Metadata) -> i64 {
    meta.mtime().saturating_mul(1_000_000_000).saturating_add(meta.mtime_nsec())
}

struct Job {
    key: String,
    path: PathBuf,
    meta: Metadata,
    cursor: Option<Cursor>,
}

struct JobDone {
    cursor: Cursor,
    rescanned: bool,
    bytes_read: u64,
    responses: Vec<ParsedResponse>,
    counts: ScanCounts,
}

/// Runs the jobs (biggest first) on a few threads when there is much to read.
fn run_jobs(jobs: &[Job], retained_since_ms: i64) -> Vec<io::Result<JobDone>> {
    let total: u64 = jobs.iter().map(|job| job.meta.len().saturating_sub(job.cursor.map_or(0, |c| c.offset))).sum();
    let threads = if total < PARALLEL_MIN_BYTES {
        1
    } else {
        std::thread::available_parallelism().map_or(1, usize::from).clamp(1, MAX_THREADS).min(jobs.len())
    };
    let slots: Vec<Mutex<Option<io::Result<JobDone>>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        let mut reader = Reader::new(retained_since_ms);
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(job) = jobs.get(index) else { break };
            let done = reader.read_job(job);
            if let Ok(mut slot) = slots[index].lock() {
                *slot = Some(done);
            }
        }
    };
    if threads <= 1 {
        work();
    } else {
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(work);
            }
        });
    }
    slots
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| Err(io::Error::other("the reader thread stopped before this file")))
        })
        .collect()
}

/// One thread's reusable buffer and searcher.
struct Reader {
    buffer: Vec<u8>,
    finder: memmem::Finder<'static>,
    retained_since_ms: i64,
}

impl Reader {
    fn new(retained_since_ms: i64) -> Reader {
        Reader { buffer: vec![0; CHUNK_BYTES], finder: memmem::Finder::new(b"\"usage\""), retained_since_ms }
    }

    fn read_job(&mut self, job: &Job) -> io::Result<JobDone> {
        let mut file = File::open(&job.path)?;
        let meta = &job.meta;
        let size = meta.len();
        let mut head = [0u8; HEAD_BYTES];
        let head_len = read_head(&file, &mut head, size)?;
        let start = match job.cursor {
            Some(cursor) if resumable(&cursor, meta, &head[..head_len]) => cursor.offset,
            _ => 0,
        };
        let mut done = JobDone {
            cursor: Cursor {
                dev: meta.dev(),
                ino: meta.ino(),
                size,
                mtime_ns: mtime_ns(meta),
                offset: start,
                head_len: head_len as u32,
                head: stable_hash(&[&head[..head_len]]),
            },
            rescanned: job.cursor.is_some_and(|c| c.offset > 0) && start == 0,
            bytes_read: size.saturating_sub(start),
            responses: Vec::new(),
            counts: ScanCounts::default(),
        };
        done.cursor.offset = self.read_lines(&mut file, start, size, &mut done)?;
        Ok(done)
    }

    /// Reads `[start, end)` and handles every complete line; returns the offset just
    /// after the last complete one.
    fn read_lines(&mut self, file: &mut File, start: u64, end: u64, done: &mut JobDone) -> io::Result<u64> {
        file.seek(SeekFrom::Start(start))?;
        let mut remaining = end.saturating_sub(start);
        let mut complete_end = start;
        let mut filled = 0;
        while remaining > 0 {
            if filled == self.buffer.len() {
                // One line longer than the buffer: make room for it.
                self.buffer.resize(self.buffer.len() * 2, 0);
            }
            let want = (self.buffer.len() - filled).min(usize::try_from(remaining).unwrap_or(usize::MAX));
            let got = match file.read(&mut self.buffer[filled..filled + want]) {
                Ok(0) => break, // truncated while reading: the next run sees it shrunk
                Ok(got) => got,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            };
            filled += got;
            remaining -= got as u64;
            let Some(last_newline) = memchr::memrchr(b'\n', &self.buffer[..filled]) else { continue };
            let complete = last_newline + 1;
            self.handle_lines(complete, done);
            self.buffer.copy_within(complete..filled, 0);
            filled -= complete;
            complete_end += complete as u64;
        }
        Ok(complete_end)
    }

    /// Finds the lines of `buffer[..len]` that mention usage and parses them.
    fn handle_lines(&self, len: usize, done: &mut JobDone) {
        let block = &self.buffer[..len];
        let mut pos = 0;
        while pos < len {
            let Some(found) = self.finder.find(&block[pos..]) else { break };
            let hit = pos + found;
            let line_start = memchr::memrchr(b'\n', &block[pos..hit]).map_or(pos, |i| pos + i + 1);
            let line_end = memchr::memchr(b'\n', &block[hit..]).map_or(len, |i| hit + i);
            match parse_line(&block[line_start..line_end]) {
                LineKind::Response(response) if response.at_ms < self.retained_since_ms => {
                    done.counts.response_lines += 1;
                    done.counts.response_lines_old += 1;
                }
                LineKind::Response(response) => {
                    done.counts.response_lines += 1;
                    done.responses.push(response);
                }
                LineKind::ApiError => done.counts.error_lines += 1,
                LineKind::Unparsable => done.counts.unparsable_lines += 1,
                LineKind::Other => {}
            }
            pos = line_end + 1;
        }
    }
}

/// Reads up to [`HEAD_BYTES`] from the start of the file.
fn read_head(file: &File, head: &mut [u8; HEAD_BYTES], size: u64) -> io::Result<usize> {
    let want = usize::try_from(size).unwrap_or(HEAD_BYTES).min(HEAD_BYTES);
    let mut got = 0;
    while got < want {
        match file.read_at(&mut head[got..want], got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(got)
}

/// Whether reading may go on from the cursor: same file, not shrunk, same first bytes.
fn resumable(cursor: &Cursor, meta: &Metadata, head: &[u8]) -> bool {
    let head_len = cursor.head_len as usize;
    cursor.dev == meta.dev()
        && cursor.ino == meta.ino()
        && meta.len() >= cursor.offset
        && head.len() >= head_len
        && stable_hash(&[&head[..head_len]]) == cursor.head
}

/// What one line that mentions `"usage"` turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Response(ParsedResponse),
    /// A failed turn (`isApiErrorMessage` or model `<synthetic>`): zero usage, not a response.
    ApiError,
    /// Valid, but not an assistant line with usage.
    Other,
    Unparsable,
}

/// The fields of a transcript line that usage needs; everything else is skipped.
#[derive(Deserialize)]
struct Line<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "requestId", borrow, default)]
    request_id: Option<Cow<'a, str>>,
    #[serde(rename = "isApiErrorMessage", default)]
    api_error: Option<bool>,
    #[serde(borrow, default)]
    message: Option<Message<'a>>,
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    model: Option<Cow<'a, str>>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    output_tokens: Option<u64>,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
}

/// Parses one transcript line (without its newline).
pub fn parse_line(line: &[u8]) -> LineKind {
    let Ok(parsed) = serde_json::from_slice::<Line<'_>>(line) else {
        return LineKind::Unparsable;
    };
    let Some(message) = parsed.message.filter(|_| parsed.kind.as_deref() == Some("assistant")) else {
        return LineKind::Other;
    };
    if parsed.api_error == Some(true) || message.model.as_deref() == Some("<synthetic>") {
        return LineKind::ApiError;
    }
    let Some(usage) = message.usage else { return LineKind::Other };
    let Some(at_ms) = parsed.timestamp.as_deref().and_then(parse_timestamp_ms) else {
        return LineKind::Unparsable;
    };
    let key = match (message.id.as_deref(), parsed.request_id.as_deref()) {
        (Some(id), Some(request)) if !id.is_empty() && !request.is_empty() => {
            stable_hash(&[b"id\0", id.as_bytes(), b"\0", request.as_bytes()])
        }
        _ => stable_hash(&[b"line\0", line]),
    };
    let tokens = Tokens {
        input: usage.input_tokens.unwrap_or(0),
        output: usage.output_tokens.unwrap_or(0),
        cache_creation: usage.cache_creation_input_tokens.unwrap_or(0),
        cache_read: usage.cache_read_input_tokens.unwrap_or(0),
    };
    LineKind::Response(ParsedResponse { key, at_ms, tokens })
}

/// `2026-11-21T05:48:51.461Z` (what Claude Code writes) without allocating; any other
/// RFC 3339 form through chrono.
pub fn parse_timestamp_ms(text: &str) -> Option<i64> {
    fast_utc_timestamp_ms(text.as_bytes())
        .or_else(|| chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp_millis()))
}

fn fast_utc_timestamp_ms(b: &[u8]) -> Option<i64> {
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        b[range].iter().try_fold(0i64, |n, c| c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0')))
    };
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut millis = 0;
    let rest = &b[19..];
    let zone = match rest.first() {
        Some(b'.') => {
            let fraction = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if fraction == 0 {
                return None;
            }
            for (i, c) in rest[1..=fraction].iter().take(3).enumerate() {
                millis += i64::from(c - b'0') * [100, 10, 1][i];
            }
            &rest[1 + fraction..]
        }
        _ => rest,
    };
    if zone != b"Z" {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if day > days_in_month(year, month) {
        return None;
    }
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A 64-bit hash that is the same in every build and on every machine (it is stored in
/// `usage.json`): FNV-1a over the parts, then the SplitMix64 finalizer so that keys
/// differing in a few bytes spread over all 64 bits.
pub fn stable_hash(parts: &[&[u8]]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for part in parts {
        for byte in *part {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(0x100_0000_01b3);
        }
    }
    hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

/// `u64` as 16 hex digits: JSON readers that hold numbers as doubles lose the low bits.
pub mod hex_u64 {
    use serde::{Deserialize, Deserializer, Serializer, de};

    pub fn serialize<S: Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{value:016x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        u64::from_str_radix(&text, 16).map_err(|_| de::Error::custom(format!("{text:?} is not a 64-bit hex number")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/claude-code/transcripts");

    fn lines_of(file: &str) -> Vec<LineKind> {
        let text = fs::read(format!("{FIXTURES}/{file}")).unwrap();
        text.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(parse_line).collect()
    }

    #[test]
    fn reads_the_real_clients_response_line() {
        let kinds = lines_of("tui_key_normal.jsonl");
        let responses: Vec<_> = kinds
            .iter()
            .filter_map(|k| match k {
                LineKind::Response(r) => Some(*r),
                _ => None,
            })
            .collect();
        assert_eq!(responses.len(), 1);
        let response = responses[0];
        assert_eq!(response.tokens, Tokens { input: 42, output: 12, cache_creation: 0, cache_read: 0 });
        assert_eq!(response.at_ms, parse_timestamp_ms("2026-11-21T05:48:51.461Z").unwrap());
        assert_eq!(response.key, stable_hash(&[b"id\0", b"msg_mock_1", b"\0", b"req_mock_7e079b6a6bd542c4b5f1"]));
        assert!(!kinds.contains(&LineKind::Unparsable));
    }

    #[test]
    fn limit_error_lines_are_not_responses() {
        for file in ["tui_sub_max20x_rl_5h_plain.jsonl", "print_sub_rl_7d_plain.jsonl", "print_sub_api_error.jsonl"] {
            let kinds = lines_of(file);
            assert!(kinds.contains(&LineKind::ApiError), "{file}");
            assert!(!kinds.iter().any(|k| matches!(k, LineKind::Response(_))), "{file}");
        }
    }

    #[test]
    fn a_line_without_ids_is_keyed_by_its_bytes() {
        let line = br#"{"type":"assistant","timestamp":"2026-11-21T05:48:51Z","message":{"model":"m","usage":{"input_tokens":1,"output_tokens":2}}}"#;
        let LineKind::Response(response) = parse_line(line) else { panic!() };
        assert_eq!(response.key, stable_hash(&[b"line\0", line]));
        assert_eq!(response.tokens, Tokens { input: 1, output: 2, cache_creation: 0, cache_read: 0 });
    }

    #[test]
    fn other_lines_and_broken_lines() {
        assert_eq!(parse_line(br#"{"type":"user","message":{"usage":{"input_tokens":1}}}"#), LineKind::Other);
        assert_eq!(parse_line(br#"{"type":"assistant","message":{"id":"x"}}"#), LineKind::Other);
        assert_eq!(parse_line(br#"{"type":"assistant","message":{"usage":{"input_tokens":"#), LineKind::Unparsable);
        // Escaped text and ids parse too (borrowed where possible, owned otherwise).
        let line = br#"{"type":"assistant","requestId":"r\u0031","timestamp":"2026-11-21T05:48:51.4619Z","message":{"id":"m","usage":{"output_tokens":5},"content":[{"text":"\"usage\" \\ \n"}]}}"#;
        let LineKind::Response(response) = parse_line(line) else { panic!() };
        assert_eq!(response.key, stable_hash(&[b"id\0", b"m", b"\0", b"r1"]));
        assert_eq!(response.at_ms % 1000, 461);
        // A line without a usable timestamp cannot be placed in a window.
        let line = br#"{"type":"assistant","timestamp":"yesterday","message":{"id":"m","usage":{}}}"#;
        assert_eq!(parse_line(line), LineKind::Unparsable);
    }

    #[test]
    fn timestamps_agree_with_chrono() {
        for text in [
            "2026-11-21T05:48:51.461Z",
            "2026-11-21T05:48:51Z",
            "2024-02-29T23:59:59.999Z",
            "1970-01-01T00:00:00.000Z",
            "2000-03-01T00:00:00.1Z",
        ] {
            let expected = chrono::DateTime::parse_from_rfc3339(text).unwrap().timestamp_millis();
            assert_eq!(fast_utc_timestamp_ms(text.as_bytes()), Some(expected), "{text}");
        }
        assert_eq!(fast_utc_timestamp_ms(b"2023-02-29T00:00:00Z"), None);
        assert_eq!(fast_utc_timestamp_ms(b"2026-11-21T05:48:51+01:00"), None);
        assert_eq!(parse_timestamp_ms("2026-11-21T06:48:51+01:00"), parse_timestamp_ms("2026-11-21T05:48:51Z"));
    }
}
