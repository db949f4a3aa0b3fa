//! `ccfail log`: the history kept in `history.jsonl` in the state dir (swaps with their sessions and outcomes,
//! dispatches, completions, requeues, quota hits, refusals, notifications), filtered by
//! time, kind, session and project; `--json` for scripts (schema in docs/json.md).
//!
//! Read-only like `status`: it reads the history (and `state.json`, for the history an
//! older build kept there) without the lock and never resolves an unfinished swap;
//! lines of the file that do not parse are skipped and named in one warning. The filter is a pure function over the entries ([`select`]).

use anyhow::Result;
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::cli::LogArgs;
use crate::config::HumanDuration;
use crate::ctx::Ctx;
use crate::exit::ExitCode;
use crate::state::HistoryEntry;

/// Entries shown when neither `--since` nor `--last` is given.
pub const DEFAULT_LAST: usize = 50;

/// `--since`: a duration back from now, or an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    Ago(std::time::Duration),
    At(DateTime<Utc>),
}

impl Since {
    pub fn instant(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Since::Ago(span) => now - chrono::Duration::from_std(span).unwrap_or(chrono::Duration::MAX),
            Since::At(at) => at,
        }
    }
}

/// Parses `--since`: `2h`, `1d`, `1h30m`, or `2026-12-02T10:00:00Z`, `2026-12-02 10:00[:00]`,
/// `2026-12-02` (UTC when no offset is written).
pub fn parse_since(text: &str) -> Result<Since, String> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(Since::At(at.with_timezone(&Utc)));
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(Since::At(at.and_utc()));
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(Since::At(day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()));
    }
    HumanDuration::parse(text).map(|d| Since::Ago(d.get())).map_err(|_| {
        format!("{text:?} is neither a duration (2h, 1d, 1h30m) nor a time (2026-12-02T10:00:00Z, 2026-12-02 10:00)")
    })
}

/// What the entries must match.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub since: Option<DateTime<Utc>>,
    pub kinds: Vec<String>,
    pub session: Option<String>,
    pub project: Option<String>,
    pub last: Option<usize>,
}

impl Filter {
    pub fn from_args(args: &LogArgs, now: DateTime<Utc>) -> Filter {
        Filter {
            since: args.since.map(|since| since.instant(now)),
            kinds: args.kind.iter().map(|kind| kind.trim().replace('_', "-")).collect(),
            session: args.session.clone(),
            project: args.project.clone(),
            last: args.last.or(if args.since.is_some() { None } else { Some(DEFAULT_LAST) }),
        }
    }

    fn kind_matches(&self, event: &str) -> bool {
        self.kinds.is_empty()
            || self.kinds.iter().any(|kind| {
                event == kind || event.strip_prefix(kind.as_str()).is_some_and(|rest| rest.starts_with('-'))
            })
    }

    /// An entry names its session and task in fields; entries written before those
    /// fields existed are matched by the name appearing as a word of their detail.
    fn matches(&self, entry: &HistoryEntry) -> bool {
        self.since.is_none_or(|since| entry.at >= since)
            && self.kind_matches(&entry.event)
            && self.session.as_deref().is_none_or(|session| match &entry.session {
                Some(own) => own == session,
                None => mentions(&entry.detail, session) || swap_mentions(entry, session),
            })
            && self.project.as_deref().is_none_or(|project| match entry.project() {
                Some(own) => own == project,
                None => {
                    entry.task.is_none()
                        && entry.detail.split_whitespace().any(|word| word.starts_with(&format!("{project}:")))
                }
            })
    }
}

/// Whether `word` appears in `text` delimited by anything that cannot be part of a name.
fn mentions(text: &str, word: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).any(|part| part == word)
}

/// A swap names its sessions in `data.sessions`.
fn swap_mentions(entry: &HistoryEntry, session: &str) -> bool {
    entry.data.get("sessions").and_then(serde_json::Value::as_array).is_some_and(|sessions| {
        sessions.iter().any(|s| s.get("session").and_then(serde_json::Value::as_str) == Some(session))
    })
}

/// The matching entries, oldest first, and how many matched before `last` cut them.
pub fn select<'h>(history: &'h [HistoryEntry], filter: &Filter) -> (Vec<&'h HistoryEntry>, usize) {
    let matching: Vec<&HistoryEntry> = history.iter().filter(|entry| filter.matches(entry)).collect();
    let total = matching.len();
    let skip = filter.last.map_or(0, |last| total.saturating_sub(last));
    (matching.into_iter().skip(skip).collect(), total)
}

#[derive(Debug, Serialize)]
pub struct LogReport<'h> {
    pub now: DateTime<Utc>,
    /// Entries in the history, whatever the filter.
    pub kept: usize,
    /// Entries that matched the filter (before `--last`).
    pub matched: usize,
    /// Oldest first.
    pub entries: Vec<&'h HistoryEntry>,
}

pub fn run(ctx: &Ctx, args: &LogArgs) -> Result<ExitCode> {
    let history = ctx.state.history()?;
    let filter = Filter::from_args(args, ctx.now());
    let (entries, matched) = select(&history.entries, &filter);
    let report = LogReport { now: ctx.now(), kept: history.entries.len(), matched, entries };
    let notes: Vec<String> = history.skipped_note().into_iter().collect();
    super::report(ctx.log(), &notes, args.json, &report, human)?;
    Ok(ExitCode::Ok)
}

/// One line per entry (`2026-12-02T10:00:03Z  swap-done  a -> b; …`), a swap's sessions
/// indented below it, and a last line when entries were left out.
fn human(report: &LogReport<'_>) -> String {
    let width = report.entries.iter().map(|e| e.event.len()).max().unwrap_or(0);
    let mut out = String::new();
    for entry in &report.entries {
        out.push_str(&format!(
            "{}  {:width$}  {}\n",
            entry.at.to_rfc3339_opts(SecondsFormat::Secs, true),
            entry.event,
            entry.detail
        ));
        for session in entry.data.get("sessions").and_then(serde_json::Value::as_array).into_iter().flatten() {
            let field = |key: &str| session.get(key).and_then(serde_json::Value::as_str);
            let task = field("task").map(|task| format!(" [{task}]")).unwrap_or_default();
            let outcome =
                field("outcome").map_or_else(|| format!("plan {}", field("plan").unwrap_or("-")), str::to_owned);
            out.push_str(&format!("{:22}{:width$}  {}{task}: {outcome}\n", "", "", field("session").unwrap_or("?")));
        }
    }
    if report.entries.is_empty() {
        out.push_str(if report.kept == 0 { "no history yet\n" } else { "no entry matches\n" });
    }
    if report.matched > report.entries.len() {
        out.push_str(&format!(
            "({} of {} matching entries shown; --last N or --since for more)\n",
            report.entries.len(),
            report.matched
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn history() -> Vec<HistoryEntry> {
        let mut dispatched = HistoryEntry::new(at("2026-12-02T08:00:00Z"), "dispatched", "app:t1 to w1");
        dispatched.session("w1").task("app:t1");
        let mut done = HistoryEntry::new(at("2026-12-02T09:00:00Z"), "task-done", "app:t1 by w1 (stop hook)");
        done.session("w1").task("app:t1");
        let old = HistoryEntry::new(at("2026-12-02T09:30:00Z"), "dispatched", "web:t2 to w2");
        let mut swap =
            HistoryEntry::new(at("2026-12-02T10:00:00Z"), "swap-done", "a -> b; 2 sessions relaunched, 0 failed");
        swap.account("b").data(serde_json::json!({"sessions": [{"session": "w1", "outcome": "resumed on b"}, {"session": "w2", "outcome": "fresh start on b"}]}));
        let hit = HistoryEntry::new(at("2026-12-02T09:59:00Z"), "quota-hit", "a: You've hit your limit (hook)");
        vec![dispatched, done, old, hit, swap]
    }

    fn details(filter: &Filter) -> Vec<String> {
        let history = history();
        select(&history, filter).0.iter().map(|e| e.detail.clone()).collect()
    }

    #[test]
    fn since_takes_durations_and_times() {
        let now = at("2026-12-02T10:00:00Z");
        assert_eq!(parse_since("2h").unwrap().instant(now), at("2026-12-02T08:00:00Z"));
        assert_eq!(parse_since("1d").unwrap().instant(now), at("2026-12-01T10:00:00Z"));
        assert_eq!(parse_since("2026-12-02T09:00:00+01:00").unwrap().instant(now), at("2026-12-02T08:00:00Z"));
        assert_eq!(parse_since("2026-12-02 09:15").unwrap().instant(now), at("2026-12-02T09:15:00Z"));
        assert_eq!(parse_since("2026-12-02").unwrap().instant(now), at("2026-12-02T00:00:00Z"));
        let err = parse_since("yesterday").unwrap_err();
        assert!(err.contains("neither a duration") && err.contains("2h"), "{err}");
        assert!(parse_since("30").is_err(), "a bare number is not a duration");
    }

    #[test]
    fn filters_combine() {
        let since = Filter { since: Some(at("2026-12-02T09:00:00Z")), ..Filter::default() };
        assert_eq!(details(&since).len(), 4);
        let kinds = Filter { kinds: vec!["swap".into(), "quota-hit".into()], ..Filter::default() };
        assert_eq!(details(&kinds), ["a: You've hit your limit (hook)", "a -> b; 2 sessions relaunched, 0 failed"]);
        let task_family = Filter { kinds: vec!["task".into()], ..Filter::default() };
        assert_eq!(details(&task_family), ["app:t1 by w1 (stop hook)"]);
        let not_a_family = Filter { kinds: vec!["dispatch".into()], ..Filter::default() };
        assert!(details(&not_a_family).is_empty(), "dispatch is not a prefix of dispatched's family");
        let w2 = Filter { session: Some("w2".into()), ..Filter::default() };
        assert_eq!(
            details(&w2),
            ["web:t2 to w2", "a -> b; 2 sessions relaunched, 0 failed"],
            "by detail, by swap data"
        );
        let w1 = Filter { session: Some("w1".into()), kinds: vec!["dispatched".into()], ..Filter::default() };
        assert_eq!(details(&w1), ["app:t1 to w1"]);
        let web = Filter { project: Some("web".into()), ..Filter::default() };
        assert_eq!(details(&web), ["web:t2 to w2"]);
        let app = Filter { project: Some("app".into()), ..Filter::default() };
        assert_eq!(details(&app).len(), 2);
    }

    #[test]
    fn last_keeps_the_newest_and_counts_the_rest() {
        let history = history();
        let (entries, matched) = select(&history, &Filter { last: Some(2), ..Filter::default() });
        assert_eq!(matched, 5);
        assert_eq!(entries.iter().map(|e| e.event.as_str()).collect::<Vec<_>>(), ["quota-hit", "swap-done"]);
        let report = LogReport { now: at("2026-12-02T10:00:00Z"), kept: 5, matched, entries };
        let text = human(&report);
        assert_eq!(
            text,
            "2026-12-02T09:59:00Z  quota-hit  a: You've hit your limit (hook)\n\
             2026-12-02T10:00:00Z  swap-done  a -> b; 2 sessions relaunched, 0 failed\n\
             \x20                                w1: resumed on b\n\
             \x20                                w2: fresh start on b\n\
             (2 of 5 matching entries shown; --last N or --since for more)\n"
        );
    }
}
