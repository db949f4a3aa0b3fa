//! Usage windows from Claude Code transcripts. [`windows`] is the pure window math and
//! the proactive-hit rule; the incremental transcript reader lands next.

pub mod windows;
