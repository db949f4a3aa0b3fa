//! One module per subcommand, each with one entry point:
//! `pub fn run(ctx: &Ctx, args: &XxxArgs) -> Result<ExitCode>`.
//!
//! `doctor` alone takes [`crate::ctx::Inputs`]: diagnosing a config that does not load is
//! its job, so it cannot require a loaded one.

pub mod doctor;
pub mod generate;
pub mod status;
