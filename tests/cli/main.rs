//! Integration tests: the real `ccfail` binary in a sealed environment (see `support`),
//! driving a real tmux server on a private socket, and the Claude Code stand-in that
//! the tests and the demo run as `claude` (see `standin`).

mod bad_input;
mod completions;
mod console;
mod delivery;
mod driver;
mod dry_run;
mod generated;
mod hardening;
mod hooks;
mod init;
mod journal;
mod json;
mod notify;
mod placement;
mod queue;
mod quota_check;
mod readme;
mod recovery;
mod standin;
mod state_concurrency;
mod status_doctor;
mod support;
mod swap;
mod swapops;
mod sweep;
mod task;
mod tmux_layer;
mod units;
