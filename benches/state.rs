//! State benchmark: how many history entries a week of a 20-session pool writes, the
//! size of `state.json` and of `history.jsonl` with the history at its bound
//! (`state.history_limit`, default [`HISTORY_LIMIT`]), and what a run costs: load,
//! save, a timer run's read-modify-write with and without an event, the trim at
//! 1.25 × the bound, `log`'s read, and the first save of an older state file (which
//! moves its history array out).
//!
//! Run: `cargo bench --bench state`. The week is simulated, not guessed: 20 pool
//! sessions each take tasks of 20 to 40 minutes (uniform, a fixed LCG) around the clock,
//! every task is dispatched and done and one in 20 is requeued once first; the active
//! account hits its limit four times a day (a quota-hit, a quota-suspected the run
//! before, a swap-started and a swap-done that names the 20 sessions with their
//! outcomes); one task in 200 fails and one in 100 is reported blocked. The state then
//! has the 20 sessions' records and queue memos a real one has. Load is
//! [`StateStore::read`] (what `status` does), save is a locked
//! [`ccfail::state::StateLock::save`] (what every timer run does, fsync included); each
//! is timed over several rounds and the median and the worst are printed.

use std::time::{Duration, Instant};

use ccfail::paths::StatePaths;
use ccfail::state::{
    HISTORY_LIMIT, HistoryEntry, SessionKind, SessionState, SessionStatus, SessionWatch, State, StateStore,
};
use chrono::{DateTime, Utc};
use serde_json::json;

const SESSIONS: usize = 20;
const SWAPS_PER_DAY: i64 = 4;
const ROUNDS: usize = 15;

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn between(&mut self, low: i64, high: i64) -> i64 {
        low + (self.next() % (high - low + 1) as u64) as i64
    }
}

/// A week of events, in time order.
fn week(start: DateTime<Utc>) -> Vec<HistoryEntry> {
    let end = start + chrono::Duration::days(7);
    let mut rng = Lcg(42);
    let mut entries = Vec::new();
    let mut task_no = 0_u32;
    for s in 1..=SESSIONS {
        let session = format!("pool-{s:02}");
        let mut at = start + chrono::Duration::seconds(rng.between(0, 600));
        while at < end {
            task_no += 1;
            let key = format!(
                "proj{:02}:task-{task_no:05}-{}",
                task_no % 12,
                ["fix-tests", "docs", "refactor-api"][task_no as usize % 3]
            );
            let mut dispatched = HistoryEntry::new(at, "dispatched", format!("{key} to {session}"));
            dispatched.session(&session).task(&key);
            entries.push(dispatched);
            let minutes = rng.between(20, 40);
            if task_no.is_multiple_of(20) {
                let mut requeued = HistoryEntry::new(
                    at + chrono::Duration::minutes(minutes / 2),
                    "task-requeued",
                    format!("{key}: the session stalled (no activity for 30m) (attempt 1)"),
                );
                requeued.task(&key);
                entries.push(requeued);
            }
            at += chrono::Duration::minutes(minutes);
            let (event, detail) = if task_no.is_multiple_of(200) {
                ("task-failed", format!("{key}: the client exited (attempt 3 of 3)"))
            } else {
                ("task-done", format!("{key} by {session} (stop hook)"))
            };
            let mut finished = HistoryEntry::new(at, event, detail);
            finished.session(&session).task(&key);
            entries.push(finished);
            if task_no.is_multiple_of(100) {
                let mut blocked =
                    HistoryEntry::new(at, "task-blocked", format!("{key} blocked for 1d by proj00:task-00001"));
                blocked.task(&key);
                entries.push(blocked);
            }
            at += chrono::Duration::seconds(rng.between(30, 90));
        }
    }
    let accounts = ["a", "b", "c"];
    for n in 0..(7 * SWAPS_PER_DAY) {
        let at = start + chrono::Duration::hours(n * 24 / SWAPS_PER_DAY) + chrono::Duration::minutes(17);
        let (from, to) = (accounts[n as usize % 3], accounts[(n as usize + 1) % 3]);
        let mut suspected = HistoryEntry::new(
            at - chrono::Duration::seconds(30),
            "quota-suspected",
            format!("{from}: You've hit your limit · resets 3pm (Europe/Paris)"),
        );
        suspected.account(from);
        let mut hit = HistoryEntry::new(
            at,
            "quota-hit",
            format!("{from}: You've hit your limit · resets 3pm (Europe/Paris) (hook)"),
        );
        hit.account(from).data(json!({"drained_until": at + chrono::Duration::hours(4), "session": "pool-03"}));
        let sessions: Vec<_> = (1..=SESSIONS)
            .map(|s| json!({"session": format!("pool-{s:02}"), "plan": "resume", "task": format!("proj03:task-{:05}-docs", s * 7), "outcome": format!("resumed on {to}; its task told to continue")}))
            .collect();
        let mut started = HistoryEntry::new(
            at,
            "swap-started",
            format!("{from} -> {to} (quota hit: You've hit your limit · resets 3pm)"),
        );
        started.account(to).data(json!({"from": from, "to": to, "sessions": sessions}));
        let mut done = HistoryEntry::new(
            at + chrono::Duration::seconds(25),
            "swap-done",
            format!("{from} -> {to}; {SESSIONS} sessions relaunched, 0 failed"),
        );
        done.account(to).data(json!({"from": from, "to": to, "sessions": sessions}));
        entries.extend([suspected, hit, started, done]);
    }
    entries.sort_by_key(|e| e.at);
    entries
}

fn median_and_worst(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], *times.last().expect("rounds"))
}

fn main() {
    let start = DateTime::parse_from_rfc3339("2026-11-23T00:00:00Z").expect("start").with_timezone(&Utc);
    let week = week(start);
    let mut per_kind = std::collections::BTreeMap::<&str, usize>::new();
    for entry in &week {
        *per_kind.entry(entry.event.as_str()).or_default() += 1;
    }
    println!("a week of a {SESSIONS}-session pool: {} history entries", week.len());
    for (kind, count) in &per_kind {
        println!("  {kind:16} {count}");
    }
    println!(
        "history_limit {HISTORY_LIMIT}: {}",
        if week.len() <= HISTORY_LIMIT { "holds the week" } else { "does NOT hold the week" }
    );

    let mut state = State::fresh();
    for s in 1..=SESSIONS {
        let name = format!("pool-{s:02}");
        let mut session = SessionState::new(SessionKind::Pool);
        session.status = SessionStatus::Working;
        session.task = Some(format!("proj01:task-{s:05}-docs"));
        session.since = Some(start);
        session.last_dispatch = Some(start);
        session.claude_session_id = Some(format!("2301d2b8-93cc-4c6c-acd8-{s:012}"));
        state.sessions.insert(name.clone(), session);
        state.queue.sessions.insert(
            name.clone(),
            SessionWatch {
                pane: Some(format!("%{s}")),
                model: Some("sonnet".to_owned()),
                task_path: Some(
                    format!("/home/op/src/proj01/.agent-queue/inbox/task-{s:05}-docs.md.dispatched").into(),
                ),
                token: Some(format!("ccfail-{s:08x}")),
                delivered: true,
                prompt_id: Some(format!("prompt-{s}")),
                transcript: Some(
                    format!("/home/op/.claude-accounts/shared/projects/-home-op-src-proj01/{s}.jsonl").into(),
                ),
                last_activity: Some(start),
                screen_hash: Some(9_757_796_139_157_668_972),
                transcript_len: Some(123_456),
                ..SessionWatch::default()
            },
        );
    }
    // At the bound: the week, and beyond it the same week again until the limit is full.
    let fill = |count: usize| -> Vec<HistoryEntry> {
        let mut history: Vec<HistoryEntry> = Vec::with_capacity(count);
        while history.len() < count {
            history.extend(week.iter().take(count - history.len()).cloned());
        }
        history
    };
    let event = || {
        let mut entry = HistoryEntry::new(Utc::now(), "dispatched", "proj01:task-99999-docs to pool-01");
        entry.session("pool-01").task("proj01:task-99999-docs");
        entry
    };
    let trim_at = HISTORY_LIMIT + HISTORY_LIMIT / 4;

    let dir = tempfile::tempdir().expect("temp dir");
    let store = StateStore::new(StatePaths::new(dir.path().join("state")), Duration::from_secs(5));
    let history_file = ccfail::history::file(store.paths());
    drop(store.lock().expect("the state dir"));
    let mut timing = Timing::default();
    for round in 0..ROUNDS {
        // The history at the bound, written the way an older build's state.json held
        // it: the first save moves it to history.jsonl.
        let _ = std::fs::remove_file(&history_file);
        let mut document = serde_json::to_value(&state).expect("state");
        document["history"] = serde_json::to_value(fill(HISTORY_LIMIT)).expect("history");
        let old = serde_json::to_string_pretty(&document).expect("old state") + "\n";
        ccfail::state::write_atomically(&store.paths().state_file(), old.as_bytes()).expect("old state");
        if round == 0 {
            let size = std::fs::metadata(store.paths().state_file()).expect("state.json").len();
            println!("an older state.json with the history at the bound: {:.2} MB ({size} bytes)", size as f64 / 1e6);
        }
        timing.migrate.push(time(|| {
            store.update(|_| Ok::<_, ccfail::state::StateError>(())).expect("move");
        }));
        assert_eq!(store.history().expect("history").entries.len(), HISTORY_LIMIT);

        let mut current = state.clone();
        timing.save.push(time(|| store.lock().expect("lock").save(&mut current).expect("save")));
        timing.load.push(time(|| {
            store.read().expect("load");
        }));
        timing.log.push(time(|| {
            assert_eq!(store.history().expect("history").entries.len(), HISTORY_LIMIT);
        }));
        // A timer run that records nothing, and one that records an event (the append,
        // and the count the file's size calls for).
        timing.quiet.push(time(|| store.update(|_| Ok::<_, ccfail::state::StateError>(())).expect("update")));
        timing.update.push(time(|| {
            store
                .update(|state| {
                    state.recorded.push(event());
                    Ok::<_, ccfail::state::StateError>(())
                })
                .expect("update");
        }));
        // Up to 1.25 x the bound, then the run whose event passes it trims.
        store
            .update(|state| {
                state.recorded = fill(trim_at - HISTORY_LIMIT - 1);
                Ok::<_, ccfail::state::StateError>(())
            })
            .expect("fill");
        assert_eq!(store.history().expect("history").entries.len(), trim_at);
        if round == 0 {
            let size = std::fs::metadata(&history_file).expect("history.jsonl").len();
            println!(
                "history.jsonl at 1.25 x the bound ({trim_at} entries): {:.2} MB ({size} bytes)",
                size as f64 / 1e6
            );
        }
        timing.trim.push(time(|| {
            store
                .update(|state| {
                    state.recorded.push(event());
                    Ok::<_, ccfail::state::StateError>(())
                })
                .expect("trim");
        }));
        assert_eq!(store.history().expect("history").entries.len(), HISTORY_LIMIT);
    }
    let size = std::fs::metadata(store.paths().state_file()).expect("state.json").len();
    let history_size = std::fs::metadata(&history_file).expect("history.jsonl").len();
    println!("state.json ({SESSIONS} sessions, no history): {:.1} kB ({size} bytes)", size as f64 / 1e3);
    println!(
        "history.jsonl at the bound ({HISTORY_LIMIT} entries): {:.2} MB ({history_size} bytes)",
        history_size as f64 / 1e6
    );
    let rows = [
        ("load state.json (read, parse)", timing.load),
        ("save state.json (lock, write, fsync)", timing.save),
        ("timer run recording nothing (lock, load, save)", timing.quiet),
        ("timer run recording one event (+ append, fsync, count)", timing.update),
        ("the run that trims 31,251 -> 25,000 (rewrite, fsync)", timing.trim),
        ("log's read of the history at the bound", timing.log),
        ("first save moving an older state's array", timing.migrate),
    ];
    for (what, times) in rows {
        let (median, worst) = median_and_worst(times);
        println!("  {what:56} median {median:?}, worst {worst:?}");
    }
    println!("  ({ROUNDS} rounds each)");
}

#[derive(Default)]
struct Timing {
    load: Vec<Duration>,
    save: Vec<Duration>,
    quiet: Vec<Duration>,
    update: Vec<Duration>,
    trim: Vec<Duration>,
    log: Vec<Duration>,
    migrate: Vec<Duration>,
}

fn time(run: impl FnOnce()) -> Duration {
    let started = Instant::now();
    run();
    started.elapsed()
}
