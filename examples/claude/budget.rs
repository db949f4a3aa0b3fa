//! The account's turn budget: a "server" that refuses turns past `budget.turns` in each
//! window of `budget.window_seconds`, counted per account home across every stand-in
//! process of that home.
//!
//! Windows are aligned to multiples of `window_seconds` since the epoch, so every process
//! agrees on them without talking to each other. The count lives in `standin-budget` in
//! the account home (`<window start> <turns>`), read and rewritten under an exclusive
//! `flock` on that file, so many clients submitting at once never lose a turn. A refused
//! turn is answered like `mode: limit` with the window's end as its reset; a turn that
//! brings the use to `warn_at` or more leaves the client's usage warning up.
//! The window math and the texts are pure; [`take_turn`] is the only effect.

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};

use crate::control::{Control, Mode, Plan};
use crate::profile;

/// How long a refused request takes at most (the server answers a 429 at once).
pub const REFUSAL_SECONDS: f64 = 0.2;

/// The counter file in the account home.
pub const COUNTER_FILE: &str = "standin-budget";

/// `budget` of the control file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    pub turns: u32,
    pub window_seconds: i64,
    /// Fraction of `turns` from which the usage warning shows; `None` = never.
    pub warn_at: Option<f64>,
}

/// The window holding `now` (epoch seconds): its start and end.
pub fn window(now: i64, window_seconds: i64) -> (i64, i64) {
    let size = window_seconds.max(1);
    let start = now.div_euclid(size) * size;
    (start, start + size)
}

/// What the budget says about one more turn, given the count stored for `stored_window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The turn runs; `used` turns of the window are taken with it.
    Accepted { used: u32, resets_at: i64 },
    /// Past the budget: refused until `resets_at`.
    Refused { resets_at: i64 },
}

/// The verdict and the count to store back (pure). A stored count of an older window
/// counts as zero.
pub fn decide(budget: &Budget, now: i64, stored: Option<(i64, u32)>) -> (Verdict, (i64, u32)) {
    let (start, end) = window(now, budget.window_seconds);
    let used = stored.filter(|(window, _)| *window == start).map_or(0, |(_, used)| used);
    if used >= budget.turns {
        (Verdict::Refused { resets_at: end }, (start, used))
    } else {
        (Verdict::Accepted { used: used + 1, resets_at: end }, (start, used + 1))
    }
}

/// Parses the counter file's `<window start> <turns>`; anything else is no count.
pub fn parse_counter(text: &str) -> Option<(i64, u32)> {
    let mut parts = text.split_whitespace();
    let window = parts.next()?.parse().ok()?;
    let used = parts.next()?.parse().ok()?;
    Some((window, used))
}

/// Takes one turn from the budget of the account home `config_dir` at `now`, under an
/// exclusive lock on its counter file. If the file cannot be used the turn runs (and the
/// reason goes to stderr): a broken counter must not wedge a test in a limit.
pub fn take_turn(config_dir: &Path, budget: &Budget, now: i64) -> Verdict {
    let path = config_dir.join(COUNTER_FILE);
    let result = (|| -> std::io::Result<Verdict> {
        let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path)?;
        // SAFETY: flock on a descriptor this function owns; released when `file` closes.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut text = String::new();
        file.read_to_string(&mut text)?;
        let (verdict, (window, used)) = decide(budget, now, parse_counter(&text));
        file.seek(SeekFrom::Start(0))?;
        file.set_len(0)?;
        file.write_all(format!("{window} {used}\n").as_bytes())?;
        Ok(verdict)
    })();
    result.unwrap_or_else(|err| {
        eprintln!("claude stand-in: budget counter {} unusable ({err}); the turn runs", path.display());
        let (_, end) = window(now, budget.window_seconds);
        Verdict::Accepted { used: 0, resets_at: end }
    })
}

/// The reset as the client prints it, in UTC: `7am`, `3:45pm`; with the date
/// (`Dec 4, 11:45pm`) when the reset is more than a day after `now`.
pub fn reset_text(resets_at: i64, now: i64) -> String {
    let at: DateTime<Utc> = Utc.timestamp_opt(resets_at, 0).single().unwrap_or_default();
    let time = if at.format("%M").to_string() == "00" {
        at.format("%-I%P").to_string()
    } else {
        at.format("%-I:%M%P").to_string()
    };
    if resets_at - now > 24 * 3600 { format!("{}, {time}", at.format("%b %-d")) } else { time }
}

/// The window's name in the limit and warning texts: `limit_type` as each profile words it.
fn window_name(limit_type: &str, fullscreen_profile: bool) -> &'static str {
    match limit_type {
        "seven_day" => "weekly",
        "seven_day_opus" => "Opus",
        "seven_day_sonnet" => "Sonnet",
        _ if fullscreen_profile => "5-hour",
        _ => "session",
    }
}

/// The usage-limit line of a refused turn: 2.1.197 `You've hit your session limit ·
/// resets 3:45pm (UTC)`, 2.1.332 `You've hit your 5-hour limit · resets 3:45pm (UTC)`.
pub fn limit_text(limit_type: &str, fullscreen_profile: bool, resets_at: i64, now: i64) -> String {
    format!(
        "You've hit your {} limit \u{b7} resets {} (UTC)",
        window_name(limit_type, fullscreen_profile),
        reset_text(resets_at, now)
    )
}

/// The usage warning: `You've used 92% of your 5-hour limit · resets 2:45am (UTC)`, on Pro
/// with ` · /upgrade to keep using Claude Code` (as captured for 2.1.332).
pub fn warning_text(used: u32, budget: &Budget, plan: Plan, limit_type: &str, resets_at: i64, now: i64) -> String {
    let percent = u64::from(used) * 100 / u64::from(budget.turns.max(1));
    let upgrade = if plan == Plan::Pro { " \u{b7} /upgrade to keep using Claude Code" } else { "" };
    format!(
        "You've used {percent}% of your {} limit \u{b7} resets {} (UTC){upgrade}",
        window_name(limit_type, true),
        reset_text(resets_at, now)
    )
}

/// Whether `used` of the budget is at or past its warning fraction.
pub fn warns(budget: &Budget, used: u32) -> bool {
    budget.warn_at.is_some_and(|at| f64::from(used) >= at * f64::from(budget.turns))
}

/// A usage warning on screen: its text and when it goes stale (the window's end).
pub type Warning = (String, i64);

/// Applies the budget to a turn about to be sent with `control` at `now`: a normal turn
/// past the budget becomes the usage limit, answered within [`REFUSAL_SECONDS`], resetting (and, in profiles that continue by
/// themselves, continuing) at the window's end. Returns the warning to show once the turn
/// has answered, if it brings the use to the warning fraction. Turns of other modes (a
/// test's `mode: limit`, a server error) are neither counted nor refused.
pub fn apply(control: &mut Control, config_dir: &Path, now: i64) -> Option<Warning> {
    let budget = control.budget?;
    if control.mode != Mode::Normal {
        return None;
    }
    let fullscreen = profile::current().fullscreen;
    match take_turn(config_dir, &budget, now) {
        Verdict::Refused { resets_at } => {
            control.mode = Mode::Limit;
            // The server refuses at once: no work, whatever the turn asked for.
            control.work_seconds = control.work_seconds.min(REFUSAL_SECONDS);
            control.limit_text = limit_text(&control.limit_type, fullscreen, resets_at, now);
            control.resets_at = Some(resets_at);
            if control.auto_continue_seconds.is_none() {
                control.auto_continue_seconds = Some((resets_at - now).max(0) as f64);
            }
            None
        }
        Verdict::Accepted { used, resets_at } => warns(&budget, used)
            .then(|| (warning_text(used, &budget, control.plan, &control.limit_type, resets_at, now), resets_at)),
    }
}

/// Appends one event to the control file's `log` (a JSON line, written with one
/// `write(2)` in append mode so lines of many processes never interleave).
pub fn log(control: &Control, mut event: serde_json::Value) {
    let Some(path) = &control.log else { return };
    if let Some(fields) = event.as_object_mut() {
        fields.insert("t".to_owned(), serde_json::json!(crate::util::now_ms()));
        fields.insert("pid".to_owned(), serde_json::json!(std::process::id()));
    }
    let line = format!("{event}\n");
    let written =
        OpenOptions::new().create(true).append(true).open(path).and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(err) = written {
        eprintln!("claude stand-in: could not append to the log {}: {err}", path.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUDGET: Budget = Budget { turns: 2, window_seconds: 60, warn_at: Some(0.5) };

    #[test]
    fn windows_are_aligned_to_multiples_of_their_size() {
        assert_eq!(window(1_796_179_013, 60), (1_796_178_960, 1_796_179_020));
        assert_eq!(window(1_796_178_960, 60), (1_796_178_960, 1_796_179_020));
        assert_eq!(window(7 * 3600 - 1, 5 * 3600), (5 * 3600, 10 * 3600));
        assert_eq!(window(-1, 60), (-60, 0));
    }

    #[test]
    fn turns_past_the_budget_are_refused_until_the_window_ends() {
        let now = 1_796_179_013;
        let (first, stored) = decide(&BUDGET, now, None);
        assert_eq!(first, Verdict::Accepted { used: 1, resets_at: 1_796_179_020 });
        let (second, stored) = decide(&BUDGET, now, Some(stored));
        assert_eq!(second, Verdict::Accepted { used: 2, resets_at: 1_796_179_020 });
        let (third, stored) = decide(&BUDGET, now + 6, Some(stored));
        assert_eq!(third, Verdict::Refused { resets_at: 1_796_179_020 });
        assert_eq!(stored, (1_796_178_960, 2), "a refusal takes nothing");
        let (next, stored) = decide(&BUDGET, now + 7, Some(stored));
        assert_eq!(next, Verdict::Accepted { used: 1, resets_at: 1_796_179_080 });
        assert_eq!(stored, (1_796_179_020, 1));
    }

    #[test]
    fn the_counter_file_round_trips_and_garbage_is_no_count() {
        assert_eq!(parse_counter("1796178960 7\n"), Some((1_796_178_960, 7)));
        assert_eq!(parse_counter(""), None);
        assert_eq!(parse_counter("x 7"), None);
    }

    fn at(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text).unwrap().timestamp()
    }

    #[test]
    fn resets_read_like_the_clients() {
        let now = at("2026-12-02T00:10:00Z");
        assert_eq!(reset_text(at("2026-12-02T02:45:03Z"), now), "2:45am");
        assert_eq!(reset_text(at("2026-12-02T07:00:00Z"), now), "7am");
        assert_eq!(reset_text(at("2026-12-02T12:00:00Z"), now), "12pm");
        assert_eq!(reset_text(at("2026-12-02T15:45:00Z"), now), "3:45pm");
        assert_eq!(reset_text(at("2026-12-03T00:05:00Z"), now), "12:05am", "within a day: no date");
        assert_eq!(reset_text(at("2026-12-04T23:45:00Z"), now), "Dec 4, 11:45pm");
    }

    #[test]
    fn limit_and_warning_texts_follow_the_captures() {
        let now = at("2026-12-01T23:45:00Z");
        let reset = at("2026-12-02T02:45:03Z");
        assert_eq!(
            limit_text("five_hour", false, at("2026-12-02T15:45:00Z"), now),
            "You've hit your session limit · resets 3:45pm (UTC)"
        );
        assert_eq!(limit_text("five_hour", true, reset, now), "You've hit your 5-hour limit · resets 2:45am (UTC)");
        assert_eq!(
            limit_text("seven_day", true, at("2026-12-04T23:45:00Z"), now),
            "You've hit your weekly limit · resets Dec 4, 11:45pm (UTC)"
        );
        let budget = Budget { turns: 25, window_seconds: 18000, warn_at: Some(0.9) };
        assert_eq!(
            warning_text(23, &budget, Plan::Max, "five_hour", reset, now),
            "You've used 92% of your 5-hour limit · resets 2:45am (UTC)"
        );
        assert_eq!(
            warning_text(23, &budget, Plan::Pro, "five_hour", at("2026-12-02T02:46:00Z"), now),
            "You've used 92% of your 5-hour limit · resets 2:46am (UTC) · /upgrade to keep using Claude Code"
        );
        assert!(!warns(&budget, 22) && warns(&budget, 23));
        assert!(!warns(&Budget { warn_at: None, ..budget }, 25));
    }

    #[test]
    fn many_processes_at_once_never_lose_a_turn() {
        let dir = tempfile::tempdir().unwrap();
        let budget = Budget { turns: 1000, window_seconds: 3600, warn_at: None };
        let now = 1_796_169_600;
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let home = dir.path().to_path_buf();
                std::thread::spawn(move || {
                    for _ in 0..25 {
                        let _ = take_turn(&home, &budget, now);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let text = std::fs::read_to_string(dir.path().join(COUNTER_FILE)).unwrap();
        assert_eq!(parse_counter(&text), Some((now - now % 3600, 200)));
    }
}
