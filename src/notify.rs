//! Telling the operator that something needs them.
//!
//! For now a warning on stderr (the journal under systemd) and an entry in the state
//! history that `status` shows; `notify.command` will hook in here, so every "notified"
//! of the task queue goes through [`notify`].

use chrono::{DateTime, Utc};

use crate::log::Logger;
use crate::state::State;

/// Logs `detail` as a warning and records it as `event` in the state history.
pub fn notify(log: &Logger, state: &mut State, now: DateTime<Utc>, event: &str, detail: &str) {
    log.warn(&format!("{event}: {detail}"));
    state.record(now, event, detail);
}
