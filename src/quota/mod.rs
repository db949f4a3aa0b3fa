//! Quota detection rules: which texts mean "this account hit its usage limit", when the
//! limit resets, and what one run's signals decide.
//!
//! Pure functions over what the caller already has (a screen, a hook payload, a transcript
//! line, the time it was seen, what earlier runs stored). Nothing here spawns tmux, reads
//! files or the environment, or asks the clock; gathering signals and storing the decision
//! belong to the `quota-check` command.

pub mod detect;
pub mod patterns;
pub mod record;
pub mod reset;

pub use patterns::{Classification, Notice, classify, classify_messages, classify_screen};
pub use reset::{ResetError, parse_reset};
