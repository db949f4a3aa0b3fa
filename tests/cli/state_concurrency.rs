//! Many processes doing read-modify-write on one state file: no update is lost and the
//! file always parses.
//!
//! The parent test re-runs this test binary as children (`hammer_child`, ignored in a
//! normal run), each appending its own history entries under the lock, while the
//! parent keeps reading the file without the lock.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use ccfail::paths::StatePaths;
use ccfail::state::{State, StateError, StateStore};
use chrono::Utc;

const PROCESSES: usize = 24;
const UPDATES_EACH: usize = 25;

fn store(dir: PathBuf) -> StateStore {
    // Generous wait: 24 writers each fsyncing must never be "busy" here.
    StateStore::new(StatePaths::new(dir), Duration::from_secs(60))
}

#[test]
fn concurrent_writers_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let state_dir = dir.path().join("state");
    let store = Arc::new(store(state_dir.clone()));
    // Each child counts its updates in its own session record, and records one history
    // entry per update (600 in all, within the default bound).
    let done = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let reader = {
        let (store, done, reads) = (store.clone(), done.clone(), reads.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                store.read().unwrap_or_else(|err| panic!("a reader saw a broken state file: {err}"));
                reads.fetch_add(1, Ordering::Relaxed);
            }
        })
    };

    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..PROCESSES)
        .map(|i| {
            Command::new(&exe)
                .args(["--exact", "state_concurrency::hammer_child", "--ignored", "--quiet", "--test-threads=1"])
                .env("CCFAIL_HAMMER_DIR", &state_dir)
                .env("CCFAIL_HAMMER_ID", i.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn child")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "a child failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    done.store(true, Ordering::Relaxed);
    reader.join().unwrap();

    let state: State = store.read().unwrap();
    let total: usize =
        state.sessions.values().map(|s| s.task.as_deref().unwrap_or("0").parse::<usize>().unwrap()).sum();
    let writers: BTreeSet<_> = state.sessions.keys().collect();
    println!(
        "processes={PROCESSES} updates={} counted={total} lost={} unlocked_reads={}",
        PROCESSES * UPDATES_EACH,
        PROCESSES * UPDATES_EACH - total,
        reads.load(Ordering::Relaxed)
    );
    assert_eq!(writers.len(), PROCESSES);
    assert_eq!(total, PROCESSES * UPDATES_EACH, "lost updates");
    // Every update's history entry was appended to history.jsonl exactly once, whole.
    let history = store.history().unwrap();
    assert!(history.skipped.is_empty(), "{:?}", history.skipped_note());
    let details: BTreeSet<&str> = history.entries.iter().map(|e| e.detail.as_str()).collect();
    assert_eq!((history.entries.len(), details.len()), (PROCESSES * UPDATES_EACH, PROCESSES * UPDATES_EACH));
    assert!(reads.load(Ordering::Relaxed) > 0);
}

/// One child: `UPDATES_EACH` read-modify-writes, each incrementing its own counter
/// (kept in a session record's `task` field) and bumping a shared history.
#[test]
#[ignore = "run as a child process by concurrent_writers_lose_no_update"]
fn hammer_child() {
    let dir = PathBuf::from(std::env::var("CCFAIL_HAMMER_DIR").expect("CCFAIL_HAMMER_DIR"));
    let id = std::env::var("CCFAIL_HAMMER_ID").expect("CCFAIL_HAMMER_ID");
    let store = store(dir);
    for _ in 0..UPDATES_EACH {
        store
            .update(|state| {
                let session = state.sessions.entry(format!("writer-{id}")).or_insert(ccfail::state::SessionState {
                    task: Some("0".to_owned()),
                    ..ccfail::state::SessionState::new(ccfail::state::SessionKind::Pool)
                });
                let count: usize = session.task.as_deref().unwrap_or("0").parse().unwrap();
                session.task = Some((count + 1).to_string());
                state.record(Utc::now(), "hammer", format!("{id}:{count}"));
                Ok::<_, StateError>(())
            })
            .expect("update");
    }
}
