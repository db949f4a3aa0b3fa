//! Quota detection rules: which texts mean "this account hit its usage limit" and when the
//! limit resets.
//!
//! Pure functions over text the caller already has (a screen, a hook payload, a transcript
//! line) and the time it was seen. Nothing here spawns tmux, reads files or the environment,
//! or asks the clock; gathering signals and deciding what to do about a hit belong to the
//! commands that call these rules.

pub mod patterns;
pub mod reset;

pub use patterns::{Classification, Notice, classify, classify_messages, classify_screen};
pub use reset::{ResetError, parse_reset};
