//! One module per subcommand, each with one entry point:
//! `pub fn run(ctx: &Ctx, args: &XxxArgs) -> Result<ExitCode>`.
//!
//! `doctor` takes [`crate::ctx::Inputs`]: diagnosing a config that does not load is its
//! job, so it cannot require a loaded one. `hook` runs inside Claude Code's turn and
//! loads the config only when it must, so it gets the environment and a way to build
//! the inputs on demand.

pub mod dispatch;
pub mod doctor;
pub mod env;
pub mod generate;
pub mod hook;
pub mod hooks;
pub mod janitor;
pub mod launch;
pub mod quota_check;
pub mod status;
pub mod swap;
pub mod watch_once;
