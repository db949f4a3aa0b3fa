//! Progress of long work (a swap, a pool start) on stderr, as it goes.
//!
//! On a terminal one line is redrawn in place (`\r`, erase line) with the step, the count
//! and the sessions in flight; it is cleared before any other log line and replaced by a
//! last summary line at the end. Elsewhere (a timer's journal, a pipe, a test) each
//! finished session is one `info` line of its own, so the journal tells the story one
//! line per session. `-q` silences both. What a line says is pure ([`bar`],
//! [`session_line`]); only [`Progress`] writes.

use std::io::Write;
use std::time::Duration;

use crate::log::{Level, Logger};

/// The seconds of a step, as the progress lines and `-v` timings print them.
pub fn seconds(took: Duration) -> String {
    if took < Duration::from_millis(10) {
        format!("{:.1} ms", took.as_secs_f64() * 1000.0)
    } else {
        format!("{:.2} s", took.as_secs_f64())
    }
}

/// The redrawn line: `swap a -> b · stopping 3/20 · w4 w5 w6`, cut to `width` columns
/// (never mid-name: the names that do not fit become `+N`).
pub fn bar(title: &str, step: &str, done: usize, total: usize, running: &[String], width: usize) -> String {
    let head = format!("{title} · {step} {done}/{total}");
    let mut line = head.clone();
    for (i, name) in running.iter().enumerate() {
        let rest = running.len() - i - 1;
        let more = if rest > 0 { format!(" +{rest}") } else { String::new() };
        let sep = if i == 0 { " · " } else { " " };
        if line.chars().count() + sep.chars().count() + name.chars().count() + more.chars().count() > width {
            line.push_str(&format!("{sep}+{}", running.len() - i));
            break;
        }
        line.push_str(sep);
        line.push_str(name);
    }
    if line.chars().count() > width { line.chars().take(width).collect() } else { line }
}

/// The journal's line for one finished session: `swap a -> b: w3 stopped (0.81 s) [3/20]`.
pub fn session_line(title: &str, name: &str, what: &str, took: Duration, done: usize, total: usize) -> String {
    format!("{title}: {name} {what} ({}) [{done}/{total}]", seconds(took))
}

/// One piece of long work being reported.
pub struct Progress<'a> {
    log: &'a Logger,
    /// The terminal's width when stderr is one; `None`: one line per session.
    tty: Option<usize>,
    title: String,
    step: String,
    total: usize,
    done: usize,
    running: Vec<String>,
    drawn: bool,
}

impl<'a> Progress<'a> {
    pub fn new(log: &'a Logger, tty: Option<usize>, title: impl Into<String>) -> Progress<'a> {
        Progress {
            log,
            tty,
            title: title.into(),
            step: String::new(),
            total: 0,
            done: 0,
            running: Vec::new(),
            drawn: false,
        }
    }

    fn shown(&self) -> bool {
        self.log.max >= Level::Info
    }

    /// A new step over `total` sessions (`stopping`, `starting on b`).
    pub fn step(&mut self, step: &str, total: usize) {
        self.step = step.to_owned();
        self.total = total;
        self.done = 0;
        self.running.clear();
        self.redraw();
    }

    pub fn begin(&mut self, name: &str) {
        self.running.push(name.to_owned());
        self.redraw();
    }

    /// A session is finished: `what` is its result (`stopped`, `resumed on b`).
    pub fn done(&mut self, name: &str, what: &str, took: Duration) {
        self.running.retain(|n| n != name);
        self.done += 1;
        if self.tty.is_none() && self.shown() {
            self.log.info(&session_line(&self.title, name, what, took, self.done, self.total));
        }
        self.redraw();
    }

    /// A log line at `level` that must not be drawn over.
    pub fn note(&mut self, level: Level, message: &str) {
        self.clear();
        self.log.log(level, message);
        self.redraw();
    }

    /// The work is over: the redrawn line gives way to `summary` (info).
    pub fn finish(&mut self, summary: &str) {
        self.clear();
        self.drawn = false;
        self.tty = None;
        if self.shown() {
            self.log.info(&format!("{}: {summary}", self.title));
        }
    }

    fn clear(&mut self) {
        if self.drawn {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
            self.drawn = false;
        }
    }

    fn redraw(&mut self) {
        let Some(width) = self.tty else { return };
        if !self.shown() || self.step.is_empty() {
            return;
        }
        let line = bar(&self.title, &self.step, self.done, self.total, &self.running, width.saturating_sub(1).max(20));
        let _ = write!(std::io::stderr(), "\r\x1b[2K{line}");
        let _ = std::io::stderr().flush();
        self.drawn = true;
    }
}

impl Drop for Progress<'_> {
    fn drop(&mut self) {
        // An error on the way out: the next line starts clean.
        self.clear();
    }
}

/// The width of the terminal on stderr, `None` when stderr is not a terminal.
pub fn stderr_terminal() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    // SAFETY: TIOCGWINSZ fills a winsize the size of the one passed; stderr is open.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &raw mut size) } == 0;
    Some(if ok && size.ws_col > 0 { usize::from(size.ws_col) } else { 80 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn the_bar_names_the_sessions_in_flight_and_never_cuts_a_name() {
        assert_eq!(
            bar("swap a -> b", "stopping", 3, 20, &names(&["w4", "w5"]), 80),
            "swap a -> b · stopping 3/20 · w4 w5"
        );
        let cut = bar("swap a -> b", "stopping", 3, 20, &names(&["w04", "w05", "w06", "w07"]), 38);
        assert_eq!(cut, "swap a -> b · stopping 3/20 · w04 +3");
        assert!(cut.chars().count() <= 38);
        assert_eq!(bar("swap a -> b", "starting on b", 20, 20, &[], 80), "swap a -> b · starting on b 20/20");
    }

    #[test]
    fn a_session_line_carries_its_result_time_and_count() {
        assert_eq!(
            session_line("swap a -> b", "w3", "stopped", Duration::from_millis(812), 3, 20),
            "swap a -> b: w3 stopped (0.81 s) [3/20]"
        );
        assert_eq!(seconds(Duration::from_micros(350)), "0.3 ms");
    }
}
