//! The exit-code table: the one place where ccfail decides what number a run ends with.
//!
//! systemd units list the benign codes in `SuccessExitStatus=`, scripts branch on them,
//! and the README and the man page print this table. Codes are never reused for another
//! meaning; later subcommands take numbers from the ranges reserved below. Nothing
//! outside `main.rs` calls `std::process::exit`.

use std::fmt;

/// How a run ended, as a number for the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything asked for was done.
    Ok,
    /// Something failed; the message says what and where.
    Error,
    /// The command line was wrong (clap's own code).
    Usage,
    /// The configuration file could not be read or is invalid.
    ConfigInvalid,
    /// The state lock was held by another run past the wait; nothing was done.
    Busy,
    /// `doctor` found problems that are still there.
    ProblemsFound,
    /// `quota-check` confirmed that an account hit its limit (recorded in state).
    QuotaHit,
    /// `quota-check` saw a limit notice that the next run must confirm.
    QuotaSuspected,
    /// `quota-check` found usage past a soft cap (a proactive hit).
    QuotaProactive,
    /// `swap`: no account can take the pool (each one's reason is listed).
    SwapNoTarget,
    /// `swap`: refused while the partial-swap latch is set.
    SwapLatched,
    /// `swap`: failed and was rolled back; the active account is unchanged.
    SwapRolledBack,
    /// `swap`: could neither finish nor roll back; the partial-swap latch is now set.
    SwapPartial,
    /// `swap` (or `quota-check`'s swap): done, but some sessions could not be relaunched.
    SwapRelaunchFailed,
    /// `dispatch` could not deliver a prompt; the claim was undone.
    DispatchFailed,
    /// `watch-once` could not restart or recreate a session.
    WatchUnrecovered,
    /// `launch` refused a pool session name without `--pool`.
    LaunchRefused,
    /// `launch` started Claude but it never reached its input box.
    LaunchFailed,
}

impl ExitCode {
    /// Every code, in table order.
    pub const ALL: [ExitCode; 18] = [
        ExitCode::Ok,
        ExitCode::Error,
        ExitCode::Usage,
        ExitCode::ConfigInvalid,
        ExitCode::Busy,
        ExitCode::ProblemsFound,
        ExitCode::QuotaHit,
        ExitCode::QuotaSuspected,
        ExitCode::QuotaProactive,
        ExitCode::SwapNoTarget,
        ExitCode::SwapLatched,
        ExitCode::SwapRolledBack,
        ExitCode::SwapPartial,
        ExitCode::SwapRelaunchFailed,
        ExitCode::DispatchFailed,
        ExitCode::WatchUnrecovered,
        ExitCode::LaunchRefused,
        ExitCode::LaunchFailed,
    ];

    pub fn code(self) -> u8 {
        match self {
            ExitCode::Ok => 0,
            ExitCode::Error => 1,
            ExitCode::Usage => 2,
            ExitCode::ConfigInvalid => 3,
            ExitCode::Busy => 4,
            ExitCode::ProblemsFound => 5,
            ExitCode::QuotaHit => 10,
            ExitCode::QuotaSuspected => 11,
            ExitCode::QuotaProactive => 12,
            ExitCode::SwapNoTarget => 13,
            ExitCode::SwapLatched => 14,
            ExitCode::SwapRolledBack => 15,
            ExitCode::SwapPartial => 16,
            ExitCode::SwapRelaunchFailed => 17,
            ExitCode::DispatchFailed => 20,
            ExitCode::WatchUnrecovered => 21,
            ExitCode::LaunchRefused => 22,
            ExitCode::LaunchFailed => 23,
        }
    }

    /// What the code means, one line, for `--help`, the README and the man page.
    pub fn meaning(self) -> &'static str {
        match self {
            ExitCode::Ok => "success",
            ExitCode::Error => "error: the message names the file or session and what to do",
            ExitCode::Usage => "usage: the command line was not understood",
            ExitCode::ConfigInvalid => "the configuration is invalid (every problem is listed)",
            ExitCode::Busy => "skipped: another ccfail run held the state lock (benign for timers)",
            ExitCode::ProblemsFound => "doctor found problems that remain",
            ExitCode::QuotaHit => "quota-check: an account hit its limit (recorded in state)",
            ExitCode::QuotaSuspected => "quota-check: a limit notice awaits confirmation by the next run",
            ExitCode::QuotaProactive => "quota-check: usage passed a soft cap (proactive hit recorded)",
            ExitCode::SwapNoTarget => "swap: no account can take the pool (each one's reason is listed)",
            ExitCode::SwapLatched => "swap: refused while the partial-swap latch is set",
            ExitCode::SwapRolledBack => "swap: failed and rolled back; the active account is unchanged",
            ExitCode::SwapPartial => "swap: could neither finish nor roll back; the partial-swap latch is set",
            ExitCode::SwapRelaunchFailed => {
                "swap: done, the target is active, but some sessions could not be relaunched (listed, and in status)"
            }
            ExitCode::DispatchFailed => {
                "dispatch: a prompt could not be delivered (claim undone, session marked failed)"
            }
            ExitCode::WatchUnrecovered => "watch-once: a session could not be restarted or recreated",
            ExitCode::LaunchRefused => "launch: refused, the name belongs to the pool (pass --pool)",
            ExitCode::LaunchFailed => "launch: Claude did not reach its input box",
        }
    }

    /// Whether a systemd timer run ending with this code is a success.
    pub fn benign(self) -> bool {
        matches!(
            self,
            ExitCode::Ok | ExitCode::Busy | ExitCode::QuotaHit | ExitCode::QuotaSuspected | ExitCode::QuotaProactive
        )
    }
}

impl fmt::Display for ExitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code.code())
    }
}

/// A value clap could not check when it parsed (it names something in the config: an
/// account) is wrong: the run ends as clap's own usage errors do, exit 2, with clap's
/// message and the values that would do (rendered by the one error printer).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid value '{value}' for '{arg}' (possible values: {})", .valid.join(", "))]
pub struct UsageError {
    /// The subcommand path, such as `["swap"]` or `["account", "undrain"]`.
    pub subcommand: Vec<String>,
    /// The argument as clap shows it: `--to <NAME>`, `<NAME>`.
    pub arg: String,
    pub value: String,
    pub valid: Vec<String>,
}

impl UsageError {
    /// An unknown account name given to `arg` of `subcommand`.
    pub fn unknown_account(config: &crate::config::Config, subcommand: &[&str], arg: &str, value: &str) -> UsageError {
        UsageError {
            subcommand: subcommand.iter().map(|s| (*s).to_owned()).collect(),
            arg: arg.to_owned(),
            value: value.to_owned(),
            valid: config.accounts.iter().map(|a| a.name.clone()).collect(),
        }
    }

    /// The message exactly as clap prints an invalid value, with the subcommand's usage.
    pub fn render(&self) -> String {
        use clap::CommandFactory;
        use clap::error::{ContextKind, ContextValue, ErrorKind};
        let mut command = crate::cli::Cli::command();
        command.build();
        let mut target = &command;
        for name in &self.subcommand {
            match target.find_subcommand(name) {
                Some(sub) => target = sub,
                None => break,
            }
        }
        let mut err = clap::Error::new(ErrorKind::InvalidValue).with_cmd(target);
        err.insert(ContextKind::InvalidArg, ContextValue::String(self.arg.clone()));
        err.insert(ContextKind::InvalidValue, ContextValue::String(self.value.clone()));
        err.insert(ContextKind::ValidValue, ContextValue::Strings(self.valid.clone()));
        err.render().to_string()
    }
}

/// Ranges kept free for the subcommands still to come, so their codes never collide.
pub const RESERVED_RANGES: &str = "18-19 swap, 24-29 dispatch, watch-once and janitor";

/// The table as plain text, for `--help` and the man page.
pub fn table_text() -> String {
    let mut out = String::from("Exit codes:\n");
    for code in ExitCode::ALL {
        out.push_str(&format!("  {:>2}  {}\n", code.code(), code.meaning()));
    }
    out.push_str(&format!("  reserved: {RESERVED_RANGES}\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_usage_matches_clap() {
        let codes: HashSet<u8> = ExitCode::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(codes.len(), ExitCode::ALL.len());
        // clap exits with 2 on a usage error; the table must say the same.
        assert_eq!(ExitCode::Usage.code(), 2);
    }

    #[test]
    fn table_lists_every_code() {
        let text = table_text();
        for code in ExitCode::ALL {
            assert!(text.contains(code.meaning()), "{text}");
        }
    }
}
