//! The incremental scan against a real (small) tree, run after run, and attribution.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::*;
use crate::state::StateStore;

const NOW: &str = "2026-11-21T10:00:00Z";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

/// An assistant line as Claude Code writes it (one per content block of a response).
fn assistant(id: &str, request: &str, timestamp: &str, output: u64) -> String {
    format!(
        r#"{{"parentUuid":"p","isSidechain":false,"message":{{"model":"claude-sonnet-4-5","id":"{id}","type":"message","role":"assistant","content":[{{"type":"text","text":"a \"usage\" word"}}],"usage":{{"input_tokens":3,"cache_creation_input_tokens":100,"cache_read_input_tokens":1000,"output_tokens":{output},"service_tier":"standard"}}}},"requestId":"{request}","type":"assistant","uuid":"u","timestamp":"{timestamp}"}}"#
    ) + "\n"
}

fn user(text: &str) -> String {
    format!(
        r#"{{"type":"user","message":{{"role":"user","content":"{text}"}},"timestamp":"2026-11-21T09:00:00.000Z"}}"#
    ) + "\n"
}

struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
    state: StateStore,
}

impl Tree {
    fn new() -> Tree {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("shared/projects");
        fs::create_dir_all(root.join("-home-op-app/s1/subagents")).unwrap();
        let state = StateStore::new(StatePaths::new(dir.path().join("state")), Duration::from_secs(1));
        Tree { root, state, _dir: dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.root.join("-home-op-app").join(name)
    }

    fn write(&self, name: &str, text: &str) {
        fs::write(self.path(name), text).unwrap();
        touch(&self.path(name));
    }

    fn append(&self, name: &str, text: &str) {
        OpenOptions::new().append(true).open(self.path(name)).unwrap().write_all(text.as_bytes()).unwrap();
        touch(&self.path(name));
    }

    fn refresh_at(&self, now: &str, timeline: &[ActiveSpan]) -> Refreshed {
        self.refresh_owned(now, &Owners { timeline, placements: &[] })
    }

    fn refresh_owned(&self, now: &str, owners: &Owners<'_>) -> Refreshed {
        let lock = self.state.lock().unwrap();
        refresh(&lock, std::slice::from_ref(&self.root), owners, at(now)).unwrap()
    }

    fn refresh(&self) -> Refreshed {
        self.refresh_at(NOW, &[])
    }
}

/// Stamps a file as modified just before the pinned `NOW`, whatever the machine's clock
/// says, so the "not modified since the retention start" rule sees what a live tree
/// would show.
fn touch(path: &Path) {
    let modified = SystemTime::from(at("2026-11-21T09:59:00Z"));
    File::options().write(true).open(path).unwrap().set_modified(modified).unwrap();
}

fn totals(refreshed: &Refreshed) -> (u64, u64) {
    let totals = refreshed.snapshot.totals();
    (totals.messages, totals.tokens.output)
}

#[test]
fn runs_read_only_new_bytes_and_count_each_response_once() {
    let tree = Tree::new();
    // r1 is one response written as two lines (two content blocks), and copied again
    // into the subagent transcript; c.jsonl ends with a torn line.
    tree.write(
        "s1.jsonl",
        &[
            user("hi"),
            assistant("m1", "q1", "2026-11-21T09:00:01.000Z", 10),
            assistant("m1", "q1", "2026-11-21T09:00:02.000Z", 10),
            assistant("m2", "q2", "2026-11-21T09:01:00.000Z", 20),
        ]
        .concat(),
    );
    tree.write(
        "s1/subagents/agent-1.jsonl",
        &(assistant("m1", "q1", "2026-11-21T09:00:01.000Z", 10) + &assistant("m3", "q3", "2026-11-21T09:02:00Z", 30)),
    );
    let torn = assistant("m4", "q4", "2026-11-21T09:03:00.000Z", 40);
    let (head, tail) = torn.split_at(torn.len() / 2);
    tree.write("c.jsonl", &(user("x") + head));

    let first = tree.refresh();
    assert_eq!(totals(&first), (3, 60), "{:?}", first.report);
    assert_eq!(first.report.counts.files_read, 3);
    assert_eq!(first.report.counts.response_lines, 5);
    assert_eq!(first.report.responses_duplicate, 2, "m1's second block and its copy in the subagent file");
    assert!(first.report.saved);
    assert!(tree.state.paths().usage_file().exists());

    // The torn line is completed: only the appended bytes are read.
    tree.append("c.jsonl", tail);
    let second = tree.refresh();
    assert_eq!(totals(&second), (4, 100));
    assert_eq!(second.report.counts.files_read, 1);
    assert_eq!(second.report.counts.files_unchanged, 2);
    assert_eq!(second.report.counts.bytes_read, tail.len() as u64 + head.len() as u64);

    // Nothing new: nothing read, nothing written.
    let third = tree.refresh();
    assert_eq!(totals(&third), (4, 100));
    assert_eq!((third.report.counts.files_read, third.report.counts.bytes_read), (0, 0));
    assert!(!third.report.saved);

    // s1.jsonl is rewritten shorter: read again from the start. Its old responses stay
    // counted (usage happened), the new one is added.
    tree.write("s1.jsonl", &assistant("m5", "q5", "2026-11-21T09:04:00.000Z", 50));
    let fourth = tree.refresh();
    assert_eq!(totals(&fourth), (5, 150));
    assert_eq!(fourth.report.counts.files_rescanned, 1);

    // The subagent file is replaced by another inode of a larger size holding a copy
    // of m3 and a new m6.
    let replacement = tree.path("s1/subagents/.agent-1.tmp");
    fs::write(
        &replacement,
        assistant("m3", "q3", "2026-11-21T09:02:00Z", 30)
            + &user(&"long ".repeat(100))
            + &assistant("m6", "q6", "2026-11-21T09:05:00Z", 60),
    )
    .unwrap();
    touch(&replacement);
    fs::rename(&replacement, tree.path("s1/subagents/agent-1.jsonl")).unwrap();
    let fifth = tree.refresh();
    assert_eq!(totals(&fifth), (6, 210));
    assert_eq!(fifth.report.counts.files_rescanned, 1);
    assert_eq!(fifth.report.responses_duplicate, 1);
}

#[test]
fn long_lines_many_bytes_and_lines_without_ids() {
    let tree = Tree::new();
    // A response line longer than the 1 MiB read buffer, and enough bytes overall for
    // the reads to be spread over threads.
    let big_text = "x".repeat(3 << 20);
    let long = assistant("m1", "q1", "2026-11-21T09:00:00Z", 1).replace("a \\\"usage\\\" word", &big_text);
    assert!(long.len() > 3 << 20);
    tree.write("long.jsonl", &(user(&"y".repeat(5 << 20)) + &long + &user("z")));
    for i in 0..3 {
        tree.write(
            &format!("pad-{i}.jsonl"),
            &(user(&"p".repeat(4 << 20)) + &assistant(&format!("p{i}"), "q", "2026-11-21T09:00:00Z", 10)),
        );
    }
    // No requestId: counted, once, however often the file is read again.
    let no_ids = r#"{"type":"assistant","timestamp":"2026-11-21T09:30:00Z","message":{"model":"m","usage":{"output_tokens":100}}}"#;
    tree.write("no-ids.jsonl", &format!("{no_ids}\n{no_ids}\n"));
    let first = tree.refresh();
    assert!(first.report.counts.bytes_read > 16 << 20);
    assert_eq!(totals(&first), (5, 131));
    assert_eq!(first.report.responses_duplicate, 1, "the identical line without ids");

    tree.write("no-ids.jsonl", &format!("{}{no_ids}\n", user("rewritten")));
    let second = tree.refresh();
    assert_eq!(second.report.counts.files_rescanned, 1);
    assert_eq!(totals(&second), (5, 131));
}

#[test]
fn a_file_rewritten_in_place_with_more_bytes_is_read_again() {
    let tree = Tree::new();
    tree.write("a.jsonl", &assistant("m1", "q1", "2026-11-21T09:00:00Z", 1));
    assert_eq!(totals(&tree.refresh()), (1, 1));
    // Same inode, larger, different first bytes: the cursor's offset is meaningless.
    let mut file = OpenOptions::new().write(true).truncate(true).open(tree.path("a.jsonl")).unwrap();
    file.write_all((user("rewritten") + &assistant("m2", "q2", "2026-11-21T09:01:00Z", 2)).as_bytes()).unwrap();
    drop(file);
    touch(&tree.path("a.jsonl"));
    let refreshed = tree.refresh();
    assert_eq!(totals(&refreshed), (2, 3));
    assert_eq!(refreshed.report.counts.files_rescanned, 1);
}

#[test]
fn old_files_are_not_opened_and_old_responses_are_pruned() {
    let tree = Tree::new();
    tree.write("old.jsonl", &assistant("m0", "q0", "2026-11-01T09:00:00Z", 7));
    let old = SystemTime::from(at("2026-11-01T09:00:01Z"));
    File::options().write(true).open(tree.path("old.jsonl")).unwrap().set_modified(old).unwrap();
    tree.write("new.jsonl", &assistant("m1", "q1", "2026-11-20T09:00:00Z", 1));
    let first = tree.refresh();
    assert_eq!(first.report.counts.files_skipped_old, 1);
    assert_eq!(totals(&first), (1, 1));

    // Nine days later the response of 2026-11-20 is out of the retention period.
    let later = tree.refresh_at("2026-11-29T10:00:00Z", &[]);
    assert_eq!(later.report.responses_pruned, 1);
    assert_eq!(totals(&later), (0, 0));
    assert_eq!(later.snapshot.retained_since, at("2026-11-21T10:00:00Z"));
}

#[test]
fn a_corrupt_usage_file_or_a_clock_gone_back_is_rebuilt() {
    let tree = Tree::new();
    tree.write("a.jsonl", &assistant("m1", "q1", "2026-11-21T09:00:00Z", 5));
    assert_eq!(totals(&tree.refresh()), (1, 5));
    let usage_file = tree.state.paths().usage_file();
    fs::write(&usage_file, "{\"version\":1,\"files\":{").unwrap();
    let rebuilt = tree.refresh();
    assert!(rebuilt.report.rebuilt.as_deref().unwrap().contains("usage.bin"), "{:?}", rebuilt.report);
    assert_eq!(totals(&rebuilt), (1, 5));
    assert!(rebuilt.report.saved);

    // A later run pruned nothing, but one that ran in the future did: going back to
    // NOW would miss what that run dropped, so the file is rebuilt.
    tree.write("b.jsonl", &assistant("m2", "q2", "2026-11-14T11:00:00Z", 1));
    assert_eq!(totals(&tree.refresh()), (2, 6));
    tree.refresh_at("2026-11-23T10:00:00Z", &[]);
    let back = tree.refresh();
    assert!(back.report.rebuilt.as_deref().unwrap().contains("clock"), "{:?}", back.report);
    assert_eq!(totals(&back), (2, 6));
}

#[test]
fn peek_reads_without_writing() {
    let tree = Tree::new();
    tree.write("a.jsonl", &assistant("m1", "q1", "2026-11-21T09:00:00Z", 5));
    let owners = Owners { timeline: &[], placements: &[] };
    let peeked = peek(tree.state.paths(), std::slice::from_ref(&tree.root), &owners, at(NOW)).unwrap();
    assert_eq!(totals(&peeked), (1, 5));
    assert!(!peeked.report.saved);
    assert!(!tree.state.paths().usage_file().exists());
}

#[test]
fn the_timeline_attributes_each_response_to_the_account_active_then() {
    let tree = Tree::new();
    tree.write(
        "a.jsonl",
        &[
            assistant("m0", "q0", "2026-11-21T05:59:59.999Z", 1), // before the first entry
            assistant("m1", "q1", "2026-11-21T06:00:00Z", 10),    // work, from its first instant
            assistant("m2", "q2", "2026-11-21T08:59:00Z", 20),
            assistant("m3", "q3", "2026-11-21T09:00:00Z", 30), // spare
            assistant("m4", "q4", "2026-11-21T09:30:00Z", 40), // work again
        ]
        .concat(),
    );
    let span = |account: &str, since: &str| ActiveSpan { account: account.to_owned(), since: at(since) };
    // Out of order on purpose: the snapshot sorts the timeline.
    let timeline = [
        span("spare", "2026-11-21T09:00:00Z"),
        span("work", "2026-11-21T06:00:00Z"),
        span("work", "2026-11-21T09:20:00Z"),
    ];
    let snapshot = tree.refresh_at(NOW, &timeline).snapshot;
    let outputs = |responses: &[Response]| responses.iter().map(|r| r.tokens.output).collect::<Vec<_>>();
    assert_eq!(outputs(snapshot.responses("work")), [10, 20, 40]);
    assert_eq!(outputs(snapshot.responses("spare")), [30]);
    assert_eq!(outputs(snapshot.unattributed()), [1]);
    assert_eq!(snapshot.responses("nobody"), []);

    let account = |name: &str| Account {
        name: name.to_owned(),
        limits: crate::config::SoftLimits { five_hour_messages: Some(3), ..Default::default() },
        ..Account::default()
    };
    let work = snapshot.windows(&account("work"));
    let block = work.five_hour.as_ref().unwrap();
    assert_eq!(block.start, at("2026-11-21T06:00:00Z"));
    assert_eq!(block.totals.messages, 3);
    assert_eq!(work.weekly.totals.tokens.output, 70);
    let hit = snapshot.proactive_hit(&account("work"), &QuotaConfig::default()).unwrap();
    assert_eq!((hit.cap_kind, hit.used, hit.cap), (CapKind::FiveHourMessages, 3, 3));
    assert_eq!(snapshot.proactive_hit(&account("spare"), &QuotaConfig::default()), None);
}

/// `line` with `"sessionId"` first, as the client writes it in every line.
fn in_conversation(id: &str, line: &str) -> String {
    line.replacen('{', &format!(r#"{{"sessionId":"{id}","#), 1)
}

#[test]
fn a_conversation_moved_mid_window_counts_to_each_account_in_turn() {
    let tree = Tree::new();
    // c1 ran on a, moved to b at 08:00 while the pool stayed on a, and stays on b after
    // the pool went to c at 09:00. Its file names it; so do its lines.
    tree.write(
        "c1.jsonl",
        &[
            assistant("m1", "q1", "2026-11-21T07:00:00Z", 1),
            in_conversation("c1", &assistant("m2", "q2", "2026-11-21T07:59:59.999Z", 2)),
            assistant("m3", "q3", "2026-11-21T08:00:00Z", 4),
            assistant("m4", "q4", "2026-11-21T09:30:00Z", 8),
        ]
        .concat(),
    );
    // The line's sessionId wins over the file name: before c1's first placement it
    // follows the timeline, after it c1's account.
    tree.write(
        "s1/subagents/agent-1.jsonl",
        &[
            in_conversation("c1", &assistant("m5", "q5", "2026-11-21T06:10:00Z", 16)),
            in_conversation("c1", &assistant("m6", "q6", "2026-11-21T08:45:00Z", 32)),
        ]
        .concat(),
    );
    // c2 has no placement: it follows the timeline.
    tree.write(
        "c2.jsonl",
        &(assistant("m7", "q7", "2026-11-21T08:30:00Z", 64) + &assistant("m8", "q8", "2026-11-21T09:30:00Z", 128)),
    );
    let span = |account: &str, since: &str| ActiveSpan { account: account.to_owned(), since: at(since) };
    let timeline = [span("a", "2026-11-21T06:00:00Z"), span("c", "2026-11-21T09:00:00Z")];
    let place = |account: &str, since: &str| Placement {
        session_id: "c1".to_owned(),
        account: account.to_owned(),
        since: at(since),
    };
    // Out of order on purpose, with another conversation's span between.
    let placements = [
        place("b", "2026-11-21T08:00:00Z"),
        Placement { session_id: "c9".to_owned(), account: "c".to_owned(), since: at("2026-11-21T06:00:00Z") },
        place("a", "2026-11-21T06:30:00Z"),
    ];
    let owners = Owners { timeline: &timeline, placements: &placements };
    let outputs = |snapshot: &UsageSnapshot, account: &str| {
        snapshot.responses(account).iter().map(|r| r.tokens.output).collect::<Vec<_>>()
    };
    // The first run reads the transcripts, the second loads usage.bin: the same answer.
    for run in 0..2 {
        let refreshed = tree.refresh_owned(NOW, &owners);
        assert_eq!(refreshed.report.responses_new, if run == 0 { 8 } else { 0 });
        let snapshot = &refreshed.snapshot;
        assert_eq!(outputs(snapshot, "a"), [16, 1, 2, 64], "run {run}");
        assert_eq!(outputs(snapshot, "b"), [4, 32, 8], "run {run}");
        assert_eq!(outputs(snapshot, "c"), [128], "run {run}");
        assert!(snapshot.unattributed().is_empty());
    }
    assert_eq!(owner_at(&owners, "c1", at("2026-11-21T08:00:00Z")), Some("b"));
    assert_eq!(owner_at(&owners, "c1", at("2026-11-21T06:10:00Z")), Some("a"), "the timeline before c1's first");
    assert_eq!(owner_at(&owners, "c2", at("2026-11-21T09:30:00Z")), Some("c"));
    assert_eq!(placed_at(&placements, "c2", at("2026-11-21T09:30:00Z")), None);
    assert_eq!(owner_at(&Owners { timeline: &[], placements: &[] }, "c1", at(NOW)), None);
}

#[test]
fn attribute_picks_the_last_entry_at_or_before() {
    let span = |account: &str, since: &str| ActiveSpan { account: account.to_owned(), since: at(since) };
    let timeline = [span("a", "2026-11-21T06:00:00Z"), span("b", "2026-11-21T08:00:00Z")];
    let ms = |text: &str| at(text).timestamp_millis();
    assert_eq!(attribute(&timeline, ms("2026-11-21T05:00:00Z")), None);
    assert_eq!(attribute(&timeline, ms("2026-11-21T06:00:00Z")), Some("a"));
    assert_eq!(attribute(&timeline, ms("2026-11-21T07:59:59Z")), Some("a"));
    assert_eq!(attribute(&timeline, ms("2026-11-21T08:00:00Z")), Some("b"));
    assert_eq!(attribute(&[], 0), None);
}

#[test]
fn transcript_roots_are_each_shared_tree_once() {
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("shared/projects");
    fs::create_dir_all(&shared).unwrap();
    let mut accounts = Vec::new();
    for name in ["a", "b"] {
        let home = dir.path().join(name);
        fs::create_dir_all(&home).unwrap();
        std::os::unix::fs::symlink(&shared, home.join("projects")).unwrap();
        accounts.push(Account { name: name.to_owned(), home, ..Account::default() });
    }
    accounts.push(Account { name: "c".to_owned(), home: dir.path().join("missing"), ..Account::default() });
    let config = Config { accounts, ..Config::default() };
    assert_eq!(transcript_roots(&config), [shared.canonicalize().unwrap()]);
}
