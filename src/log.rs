//! Log lines on stderr: one line per event, `ccfail: <level>: <message>`.
//!
//! Under systemd (`JOURNAL_STREAM` set) each line starts with its syslog priority
//! (`<3>` error, `<4>` warning, `<6>` info, `<7>` debug) so `journalctl -p warning`
//! filters. Stdout is left to the report.
//!
//! What the journal gets from the timers must stay readable at a 30 s cadence: a warning
//! that holds every run (the same invalid task, a drained account) is said once, then
//! again only when it changes or after it went away and came back. [`said`] decides that
//! from the fingerprints the previous run left in state; it is pure, the caller stores
//! the fingerprints it returns.

use std::collections::BTreeSet;

use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error = 3,
    Warning = 4,
    Info = 6,
    Debug = 7,
}

impl Level {
    fn word(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info => "info",
            Level::Debug => "debug",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Logger {
    /// The most detailed level printed.
    pub max: Level,
    pub journal: bool,
}

impl Logger {
    /// `-q` keeps what is wrong (errors and warnings); default adds info; `-v` adds debug.
    pub fn new(verbose: u8, quiet: bool, journal: bool) -> Logger {
        let max = match (quiet, verbose) {
            (true, _) => Level::Warning,
            (false, 0) => Level::Info,
            (false, _) => Level::Debug,
        };
        Logger { max, journal }
    }

    pub fn line(&self, level: Level, message: &str) -> String {
        let prefix = if self.journal { format!("<{}>", level as u8) } else { String::new() };
        format!("{prefix}ccfail: {}: {message}", level.word())
    }

    pub fn log(&self, level: Level, message: &str) {
        if level <= self.max {
            let _ = writeln!(std::io::stderr(), "{}", self.line(level, message));
        }
    }

    pub fn error(&self, message: &str) {
        self.log(Level::Error, message);
    }
    pub fn warn(&self, message: &str) {
        self.log(Level::Warning, message);
    }
    pub fn info(&self, message: &str) {
        self.log(Level::Info, message);
    }
    pub fn debug(&self, message: &str) {
        self.log(Level::Debug, message);
    }
}

/// Fingerprints kept per command: past this many distinct standing warnings the
/// surplus is said again on later runs, which is noisy but loses nothing.
pub const SAID_LIMIT: usize = 256;

/// A short, stable fingerprint of a warning's key (FNV-1a, 64 bits, in hex): stable
/// across builds, unlike std's hasher, since it is kept in state.
pub fn fingerprint(key: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Which of `keys` are to be said this run: those whose fingerprint the previous run
/// (`before`) did not leave. Returns one flag per key and the fingerprints to keep for
/// the next run (every key of this run, bounded by [`SAID_LIMIT`]), so a warning that
/// goes away and comes back is said again.
pub fn said(before: &[String], keys: &[&str]) -> (Vec<bool>, Vec<String>) {
    let before: BTreeSet<&str> = before.iter().map(String::as_str).collect();
    let mut seen = BTreeSet::new();
    let mut now = Vec::new();
    let mut fresh = Vec::with_capacity(keys.len());
    for key in keys {
        let print = fingerprint(key);
        // Said once a run too: the same notice twice in one report is one line.
        let first = seen.insert(print.clone());
        fresh.push(first && !before.contains(print.as_str()));
        if first && now.len() < SAID_LIMIT {
            now.push(print);
        }
    }
    (fresh, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_standing_warning_is_said_once_until_it_changes_or_comes_back() {
        let (fresh, kept) = said(&[], &["invalid a/x.md: bad front matter"]);
        assert_eq!(fresh, [true]);
        let (fresh, kept) = said(&kept, &["invalid a/x.md: bad front matter"]);
        assert_eq!(fresh, [false], "the same warning the next run is not said");
        let (fresh, kept) = said(&kept, &["invalid a/x.md: unsafe id", "invalid a/y.md: bad"]);
        assert_eq!(fresh, [true, true], "a changed warning and a new one are said");
        let (fresh, kept) = said(&kept, &[]);
        assert!(fresh.is_empty() && kept.is_empty(), "gone: forgotten");
        assert_eq!(said(&kept, &["invalid a/y.md: bad"]).0, [true], "back: said again");
        assert_eq!(said(&[], &["x", "x"]).0, [true, false], "twice in one run: said once");
        assert_eq!(fingerprint("x"), fingerprint("x"));
        assert_ne!(fingerprint("x"), fingerprint("y"));
    }

    #[test]
    fn the_fingerprints_kept_are_bounded() {
        let keys: Vec<String> = (0..SAID_LIMIT + 10).map(|i| format!("warning {i}")).collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let (fresh, kept) = said(&[], &keys);
        assert_eq!(kept.len(), SAID_LIMIT);
        assert!(fresh.iter().all(|f| *f));
        let (fresh, _) = said(&kept, &keys);
        assert_eq!(fresh.iter().filter(|f| **f).count(), 10, "only the surplus is said again");
    }

    #[test]
    fn journal_lines_carry_the_syslog_priority() {
        let logger = Logger::new(0, false, true);
        assert_eq!(logger.line(Level::Warning, "x"), "<4>ccfail: warning: x");
        assert_eq!(Logger::new(0, false, false).line(Level::Error, "y"), "ccfail: error: y");
    }

    #[test]
    fn quiet_and_verbose_set_the_threshold() {
        assert_eq!(Logger::new(3, true, false).max, Level::Warning);
        assert_eq!(Logger::new(0, false, false).max, Level::Info);
        assert_eq!(Logger::new(1, false, false).max, Level::Debug);
    }
}
