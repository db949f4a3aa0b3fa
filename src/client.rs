//! What Claude Code itself writes that ccfail reads: the per-process state file
//! `<config dir>/sessions/<pid>.json` and the transcript location.
//!
//! The state file is the client's own word on whether it is busy, idle or waiting, and
//! gives its session id without reading the screen; it is the first signal everywhere.
//! The format follows the captures in `tests/fixtures/claude-code/2.1.197/`.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::process;

/// `sessions/<pid>.json` as the client writes it; unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientState {
    pub pid: u32,
    pub session_id: String,
    #[serde(default)]
    pub cwd: String,
    /// `busy`, `idle` or `waiting`.
    #[serde(default)]
    pub status: String,
    /// With `waiting`: `permission prompt`, `dialog open`, …
    #[serde(default)]
    pub waiting_for: Option<String>,
    #[serde(default)]
    pub updated_at: Option<u64>,
    /// Since 2.1.332: the pane the client runs in, `<session>:@<window>.%<pane>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmux: Option<String>,
}

impl ClientState {
    /// The tmux pane id (`%3`) the client named in its `tmux` field.
    pub fn tmux_pane(&self) -> Option<&str> {
        let (_, pane) = self.tmux.as_deref()?.rsplit_once('.')?;
        (pane.len() > 1 && pane.starts_with('%') && pane[1..].bytes().all(|b| b.is_ascii_digit())).then_some(pane)
    }
}

/// A client state file found under an account home.
#[derive(Debug, Clone, Serialize)]
pub struct RunningClient {
    pub account: String,
    pub file: PathBuf,
    pub state: ClientState,
}

/// Every client state file under `home/sessions/` whose process is still alive. Files
/// left by a crashed client (the client removes its file only on a clean exit) are
/// skipped, as are files that do not parse.
pub fn running_clients(account: &str, home: &Path) -> Vec<RunningClient> {
    let Ok(entries) = fs::read_dir(home.join("sessions")) else {
        return Vec::new();
    };
    let mut clients: Vec<RunningClient> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .filter_map(|file| {
            let state: ClientState = serde_json::from_slice(&fs::read(&file).ok()?).ok()?;
            process::is_alive(state.pid).then(|| RunningClient { account: account.to_owned(), file, state })
        })
        .collect();
    clients.sort_by_key(|c| c.state.pid);
    clients
}

/// The running clients of every configured account.
pub fn all_running(config: &crate::config::Config) -> Vec<RunningClient> {
    config.accounts.iter().flat_map(|a| running_clients(&a.name, &a.home)).collect()
}

/// The client running inside pane `pane_id`, whose first process is `pane_pid`.
///
/// A client that names its pane (`tmux`, since 2.1.332) is in that pane and no other; the
/// process tree confirms it where `/proc` lets us read it, because pane ids repeat across
/// tmux servers (an operator's own server has a `%3` too). A client that does not name
/// its pane is in the pane its process descends from.
pub fn client_in_pane<'a>(clients: &'a [RunningClient], pane_id: &str, pane_pid: u32) -> Option<&'a RunningClient> {
    clients.iter().find(|c| {
        let descends = process::descends_from(c.state.pid, pane_pid);
        match c.state.tmux_pane() {
            Some(named) => named == pane_id && (descends || process::parent_of(c.state.pid).is_none()),
            None => descends,
        }
    })
}

/// The transcript folder name of a working dir: every character outside
/// `[A-Za-z0-9]` becomes `-`.
pub fn project_slug(cwd: &str) -> String {
    cwd.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/claude-code/2.1.197/transcripts");

    #[test]
    fn reads_the_real_client_state_files() {
        let busy: ClientState = serde_json::from_str(
            &fs::read_to_string(format!("{FIXTURES}/tui_key_slow_working_2.session-state.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(busy.status, "busy");
        assert_eq!(busy.session_id, "48091773-0cb4-4fd0-abec-b6d3054cfda3");
        let waiting: ClientState = serde_json::from_str(
            &fs::read_to_string(format!("{FIXTURES}/tui_key_tool_permission.session-state.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(waiting.status, "waiting");
        assert_eq!(waiting.waiting_for.as_deref(), Some("permission prompt"));
    }

    #[test]
    fn a_client_that_names_its_pane_is_in_that_pane_only() {
        let home = tempfile::tempdir().unwrap();
        fs::create_dir_all(home.path().join("sessions")).unwrap();
        let me = std::process::id();
        let named = format!(
            "{{\"pid\":{me},\"sessionId\":\"s1\",\"cwd\":\"/w\",\"status\":\"idle\",\"tmux\":\"pool-1:@2.%7\"}}"
        );
        fs::write(home.path().join(format!("sessions/{me}.json")), named).unwrap();
        let clients = running_clients("a", home.path());
        assert_eq!(clients[0].state.tmux_pane(), Some("%7"));
        assert!(client_in_pane(&clients, "%7", me).is_some());
        assert!(client_in_pane(&clients, "%8", me).is_none(), "it names another pane");
        let parent = process::parent_of(me).unwrap();
        assert!(client_in_pane(&clients, "%7", parent).is_some(), "an ancestor's pane");
        // the same pane id on another tmux server: the process does not descend from it
        assert!(client_in_pane(&clients, "%7", 999_999_999).is_none());
        for odd in ["", "pool-1", "pool-1:@2.", "pool-1:@2.%x", "%"] {
            let state = ClientState { tmux: Some(odd.to_owned()), ..clients[0].state.clone() };
            assert_eq!(state.tmux_pane(), None, "{odd:?}");
        }
    }

    #[test]
    fn reads_the_pane_the_newest_client_names() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/claude-code/2.1.332/transcripts");
        let state: ClientState =
            serde_json::from_str(&fs::read_to_string(format!("{dir}/tui_max20x_rl_5h.session-state.json")).unwrap())
                .unwrap();
        assert_eq!(state.status, "idle");
        let named = state.tmux.as_deref().expect("2.1.332 names its pane");
        assert!(named.contains(":@"), "{named}");
        assert!(state.tmux_pane().is_some_and(|p| p.starts_with('%')), "{named}");
    }

    #[test]
    fn slug_matches_the_client() {
        assert_eq!(project_slug("/home/op01/work"), "-home-op01-work");
        assert_eq!(project_slug("/srv/my_app.v2"), "-srv-my-app-v2");
    }

    #[test]
    fn stale_files_of_dead_processes_are_skipped() {
        let home = tempfile::tempdir().unwrap();
        fs::create_dir_all(home.path().join("sessions")).unwrap();
        let me = std::process::id();
        let live = format!("{{\"pid\":{me},\"sessionId\":\"s1\",\"cwd\":\"/w\",\"status\":\"idle\"}}");
        fs::write(home.path().join(format!("sessions/{me}.json")), live).unwrap();
        fs::write(home.path().join("sessions/999999999.json"), "{\"pid\":999999999,\"sessionId\":\"s2\"}").unwrap();
        fs::write(home.path().join("sessions/garbage.json"), "{").unwrap();
        let clients = running_clients("a", home.path());
        assert_eq!(clients.len(), 1);
        assert_eq!(clients[0].state.session_id, "s1");
        assert!(client_in_pane(&clients, "%0", me).is_some());
    }
}
