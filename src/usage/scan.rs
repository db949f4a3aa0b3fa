//! The incremental transcript reader: walks `<root>/**/*.jsonl` (subagent transcripts
//! included), keeps a cursor per file and reads only the bytes appended since the last
//! run, turning assistant lines that carry usage into compact [`ParsedResponse`]s,
//! each with the conversation it belongs to (the line's `sessionId`, else the file's
//! stem, which the client names after the conversation).
//!
//! It owns the cursor rules: a torn last line waits for the next run; a file that
//! shrank below its cursor, was replaced (another device or inode) or whose first
//! bytes changed is read again from the start; a file last modified before the
//! retention start is not opened (its lines are all older), and its cursor is kept.
//! Lines are found by searching the buffer for `"usage"`, so lines without it (user
//! prompts, tool results: most of the bytes) are never looked at one by one; only the
//! candidates go to [`super::line`]. Reads use one reusable buffer per thread, and a
//! run with much to read (a first run, a rebuild) spreads the files over threads.
//!
//! It must not decide anything about accounts or windows, and it never writes: it
//! returns the new cursors and responses to [`super`], which stores them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use memchr::memmem;
use serde::{Deserialize, Serialize};

use super::line::{ApiErrorRecord, LineKind, ParsedResponse, parse_api_error, parse_line, stable_hash};

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
    /// `session` indexes [`Scan::sessions`].
    pub responses: Vec<ParsedResponse>,
    /// The conversation ids the responses name, each once.
    pub sessions: Vec<String>,
    /// Failed turns not from a server error (429s and the legacy limit text), in the
    /// bytes read this time, for the quota detection.
    pub api_errors: Vec<ApiErrorRecord>,
    pub counts: ScanCounts,
    pub warnings: Vec<String>,
    /// Whether any cursor was added, changed or dropped.
    pub cursors_changed: bool,
}

/// Scans every transcript under `roots`, advancing `cursors` (keyed by path).
pub fn scan(roots: &[PathBuf], cursors: &mut BTreeMap<String, Cursor>, retained_since_ms: i64) -> Scan {
    let mut result = Scan::default();
    let files = walk_all(roots, &mut result.warnings);
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
    let mut session_numbers: HashMap<String, u32> = HashMap::new();
    result.cursors_changed = cursors.len() != before;

    jobs.sort_by_key(|job| std::cmp::Reverse(job.meta.len().saturating_sub(job.cursor.map_or(0, |c| c.offset))));
    for (job, outcome) in jobs.iter().zip(run_jobs(&jobs, retained_since_ms)) {
        match outcome {
            Ok(done) => {
                result.counts.files_read += 1;
                result.counts.files_rescanned += u64::from(done.rescanned);
                result.counts.bytes_read += done.bytes_read;
                add_counts(&mut result.counts, &done.counts);
                let numbers: Vec<u32> = done
                    .sessions
                    .into_iter()
                    .map(|id| {
                        let next = result.sessions.len() as u32;
                        *session_numbers.entry(id).or_insert_with_key(|id| {
                            result.sessions.push(id.clone());
                            next
                        })
                    })
                    .collect();
                result.responses.extend(
                    done.responses.into_iter().map(|r| ParsedResponse { session: numbers[r.session as usize], ..r }),
                );
                result.api_errors.extend(done.api_errors);
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

/// Every regular `*.jsonl` file under the roots, with its metadata. Stat calls are
/// most of a run that finds nothing new, so the roots' subdirs (one per project) are
/// walked on a few threads.
fn walk_all(roots: &[PathBuf], warnings: &mut Vec<String>) -> Vec<(PathBuf, Metadata)> {
    let mut files = Vec::new();
    let mut subdirs = Vec::new();
    for root in roots {
        list_dir(root, &mut files, &mut subdirs, warnings);
    }
    let threads = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, MAX_THREADS).min(subdirs.len());
    if threads <= 1 {
        for dir in subdirs {
            walk(dir, &mut files, warnings);
        }
        return files;
    }
    let next = AtomicUsize::new(0);
    let walked: Vec<_> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let (mut files, mut warnings) = (Vec::new(), Vec::new());
                    while let Some(dir) = subdirs.get(next.fetch_add(1, Ordering::Relaxed)) {
                        walk(dir.clone(), &mut files, &mut warnings);
                    }
                    (files, warnings)
                })
            })
            .collect();
        workers.into_iter().map(std::thread::ScopedJoinHandle::join).collect()
    });
    for result in walked {
        match result {
            Ok((found, problems)) => {
                files.extend(found);
                warnings.extend(problems);
            }
            // Its files look deleted this run and are read again from the start next
            // run: slower, never wrong, since responses are deduplicated.
            Err(_) => warnings.push("a transcript walker thread panicked; some files were not seen".to_owned()),
        }
    }
    files
}

/// Everything under `dir`. Symlinks inside the tree are not followed, so a link loop
/// cannot trap the walk.
fn walk(dir: PathBuf, files: &mut Vec<(PathBuf, Metadata)>, warnings: &mut Vec<String>) {
    let mut dirs = vec![dir];
    while let Some(dir) = dirs.pop() {
        list_dir(&dir, files, &mut dirs, warnings);
    }
}

/// The `*.jsonl` files of one dir into `files`, its subdirs into `dirs`.
fn list_dir(dir: &Path, files: &mut Vec<(PathBuf, Metadata)>, dirs: &mut Vec<PathBuf>, warnings: &mut Vec<String>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return,
        Err(err) => {
            warnings.push(format!("could not list {} ({err}); transcripts in it are not counted", dir.display()));
            return;
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
    /// `session` of the responses indexes this, the file's own table.
    responses: Vec<ParsedResponse>,
    sessions: Vec<String>,
    api_errors: Vec<ApiErrorRecord>,
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
            sessions: Vec::new(),
            api_errors: Vec::new(),
            counts: ScanCounts::default(),
        };
        let stem = job.path.file_stem().and_then(|stem| stem.to_str()).unwrap_or_default();
        done.cursor.offset = self.read_lines(&mut file, start, size, stem, &mut done)?;
        Ok(done)
    }

    /// Reads `[start, end)` and handles every complete line; returns the offset just
    /// after the last complete one.
    fn read_lines(&mut self, file: &mut File, start: u64, end: u64, stem: &str, done: &mut JobDone) -> io::Result<u64> {
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
            self.handle_lines(complete, stem, done);
            self.buffer.copy_within(complete..filled, 0);
            filled -= complete;
            complete_end += complete as u64;
        }
        Ok(complete_end)
    }

    /// Finds the lines of `buffer[..len]` that mention usage and parses them; `stem`
    /// names the conversation of a line without `sessionId`.
    fn handle_lines(&self, len: usize, stem: &str, done: &mut JobDone) {
        let block = &self.buffer[..len];
        let mut pos = 0;
        while pos < len {
            let Some(found) = self.finder.find(&block[pos..]) else { break };
            let hit = pos + found;
            let line_start = memchr::memrchr(b'\n', &block[pos..hit]).map_or(pos, |i| pos + i + 1);
            let line_end = memchr::memchr(b'\n', &block[hit..]).map_or(len, |i| hit + i);
            match parse_line(&block[line_start..line_end]) {
                LineKind::Response(response, _) if response.at_ms < self.retained_since_ms => {
                    done.counts.response_lines += 1;
                    done.counts.response_lines_old += 1;
                }
                LineKind::Response(response, session) => {
                    done.counts.response_lines += 1;
                    let session = session_number(&mut done.sessions, session.as_deref().unwrap_or(stem));
                    done.responses.push(ParsedResponse { session, ..response });
                }
                LineKind::ApiError => {
                    done.counts.error_lines += 1;
                    let line = &block[line_start..line_end];
                    if let Some(mut record) = parse_api_error(line)
                        && record.error.as_deref() != Some("server_error")
                        && record.at.timestamp_millis() >= self.retained_since_ms
                    {
                        record.session_id.get_or_insert_with(|| stem.to_owned());
                        done.api_errors.push(record);
                    }
                }
                LineKind::Unparsable => done.counts.unparsable_lines += 1,
                LineKind::Other => {}
            }
            pos = line_end + 1;
        }
    }
}

/// The number of conversation `id` in a file's table; a file names one conversation,
/// rarely a few, so a search beats a map.
fn session_number(sessions: &mut Vec<String>, id: &str) -> u32 {
    match sessions.iter().rposition(|known| known == id) {
        Some(number) => number as u32,
        None => {
            sessions.push(id.to_owned());
            (sessions.len() - 1) as u32
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
