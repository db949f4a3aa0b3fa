//! Log lines on stderr: one line per event, `ccfail: <level>: <message>`.
//!
//! Under systemd (`JOURNAL_STREAM` set) each line starts with its syslog priority
//! (`<3>` error, `<4>` warning, `<6>` info, `<7>` debug) so `journalctl -p warning`
//! filters. Stdout is left to the report.

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
    /// `-q` keeps errors only; default adds warnings and info; `-v` adds debug.
    pub fn new(verbose: u8, quiet: bool, journal: bool) -> Logger {
        let max = match (quiet, verbose) {
            (true, _) => Level::Error,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_lines_carry_the_syslog_priority() {
        let logger = Logger::new(0, false, true);
        assert_eq!(logger.line(Level::Warning, "x"), "<4>ccfail: warning: x");
        assert_eq!(Logger::new(0, false, false).line(Level::Error, "y"), "ccfail: error: y");
    }

    #[test]
    fn quiet_and_verbose_set_the_threshold() {
        assert_eq!(Logger::new(3, true, false).max, Level::Error);
        assert_eq!(Logger::new(0, false, false).max, Level::Info);
        assert_eq!(Logger::new(1, false, false).max, Level::Debug);
    }
}
