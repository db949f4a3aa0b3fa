//! Which account each observed thing belongs to, now that sessions may run on different
//! accounts at once: the running clients a command sees (and the placements and
//! session accounts they make known), and every quota signal of a quota-check run.
//!
//! Pure: the caller observes (the clients' state files under each account home, the
//! tmux panes they run in) into [`SeenClient`]s, asks here, and applies what comes back
//! to the state. It never reads files or tmux, and decides nothing about limits.
//!
//! The rules:
//! * A client runs on the account whose home holds its state file. A conversation
//!   whose latest placement names another account (or that has none) is placed on the
//!   client's account from now, or from its session's recorded move when that is later
//!   than its latest placement (the move is when it changed).
//! * A signal is about the account its session ran on at the signal's time. A screen
//!   is read now: its session's account now. A hook event of one of our panes: that
//!   session's account now, unless the session moved after the event; then, and for
//!   events of no known pane, its conversation's. A conversation's account at an
//!   instant: its placement then, else its running client's (unless that client's
//!   session moved after the instant), else the timeline's (the account the pool was
//!   on then), else the active account.

use chrono::{DateTime, Utc};

use crate::client::RunningClient;
use crate::state::{Placement, State};
use crate::usage;

/// A running client as a command saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenClient {
    /// The pool or dedicated tmux session it runs in, when it runs in one.
    pub tmux_session: Option<String>,
    /// Its conversation (`sessionId` of its state file).
    pub session_id: String,
    /// The account whose home holds its state file.
    pub account: String,
}

/// Every running client, with the tmux session `in_sessions` found it in (a session
/// name and the client in its pane, as [`crate::client::client_in_pane`] matched them).
pub fn seen<'a>(
    running: &[RunningClient],
    in_sessions: impl IntoIterator<Item = (&'a str, &'a RunningClient)>,
) -> Vec<SeenClient> {
    let mut seen: Vec<SeenClient> = running
        .iter()
        .map(|c| SeenClient { tmux_session: None, session_id: c.state.session_id.clone(), account: c.account.clone() })
        .collect();
    for (name, client) in in_sessions {
        if let Some(i) = running.iter().position(|c| c.file == client.file) {
            seen[i].tmux_session = Some(name.to_owned());
        }
    }
    seen
}

/// What the running clients make known: placements to add and session accounts to set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sightings {
    pub placements: Vec<Placement>,
    /// `(tmux session, account)`: `sessions.<name>.account` to set.
    pub session_accounts: Vec<(String, String)>,
}

/// What `clients`, seen at `now`, add to what `state` knows.
pub fn sightings(clients: &[SeenClient], state: &State, now: DateTime<Utc>) -> Sightings {
    let mut out = Sightings::default();
    for client in clients {
        let latest = state.placements.iter().filter(|p| p.session_id == client.session_id).max_by_key(|p| p.since);
        let already = out.placements.iter().any(|p| p.session_id == client.session_id);
        if !already && latest.is_none_or(|p| p.account != client.account) {
            let moved_at = client
                .tmux_session
                .as_deref()
                .and_then(|name| state.sessions.get(name))
                .filter(|session| session.account.as_deref() == Some(client.account.as_str()))
                .and_then(|session| session.moved_at)
                .filter(|moved| *moved <= now && latest.is_none_or(|p| *moved > p.since));
            out.placements.push(Placement {
                session_id: client.session_id.clone(),
                account: client.account.clone(),
                since: moved_at.unwrap_or(now),
            });
        }
        if let Some(name) = &client.tmux_session
            && let Some(session) = state.sessions.get(name)
            && session.account.as_deref() != Some(client.account.as_str())
            && !out.session_accounts.iter().any(|(known, _)| known == name)
        {
            out.session_accounts.push((name.clone(), client.account.clone()));
        }
    }
    out
}

/// Applies `sightings` to `state`; returns how many placements were added.
pub fn apply(state: &mut State, sightings: &Sightings) -> usize {
    let mut added = 0;
    for placement in &sightings.placements {
        added += usize::from(state.place(&placement.session_id, &placement.account, placement.since));
    }
    for (name, account) in &sightings.session_accounts {
        if let Some(session) = state.sessions.get_mut(name) {
            session.account = Some(account.clone());
        }
    }
    added
}

/// Who runs where, as one quota-check run knows it.
#[derive(Debug, Clone, Copy)]
pub struct Whereabouts<'a> {
    pub state: &'a State,
    pub clients: &'a [SeenClient],
    /// The answer when nothing else is known.
    pub active: &'a str,
}

impl<'a> Whereabouts<'a> {
    /// The account tmux session `name` runs on now: its client's, else the one state
    /// recorded for it.
    pub fn session_now(&self, name: &str) -> Option<&'a str> {
        self.clients
            .iter()
            .find(|c| c.tmux_session.as_deref() == Some(name))
            .map(|c| c.account.as_str())
            .or_else(|| self.state.sessions.get(name).and_then(|s| s.account.as_deref()))
    }

    /// Whether tmux session `name` moved to another account after `at`.
    fn moved_after(&self, name: &str, at: DateTime<Utc>) -> bool {
        self.state.sessions.get(name).and_then(|s| s.moved_at).is_some_and(|moved| moved > at)
    }

    /// The account of a screen of tmux session `name`, read now.
    pub fn of_pane(&self, name: &str) -> &'a str {
        self.session_now(name).unwrap_or(self.active)
    }

    /// The account of a hook event stamped `at`, from the pane of tmux session
    /// `tmux_session` (when it was one of ours) and about conversation `session_id`.
    pub fn of_hook(&self, tmux_session: Option<&str>, session_id: Option<&str>, at: DateTime<Utc>) -> &'a str {
        tmux_session
            .filter(|name| !self.moved_after(name, at))
            .and_then(|name| self.session_now(name))
            .unwrap_or_else(|| self.of_conversation(session_id, at))
    }

    /// The account conversation `session_id` ran on at `at` (a transcript record's).
    pub fn of_conversation(&self, session_id: Option<&str>, at: DateTime<Utc>) -> &'a str {
        let placed = session_id.and_then(|id| usage::placed_at(&self.state.placements, id, at));
        let running = || {
            let id = session_id?;
            let client = self.clients.iter().find(|c| c.session_id == id)?;
            let moved = client.tmux_session.as_deref().is_some_and(|name| self.moved_after(name, at));
            (!moved).then_some(client.account.as_str())
        };
        let pool_then = || usage::owner_at(&usage::Owners { timeline: &self.state.timeline, placements: &[] }, "", at);
        placed.or_else(running).or_else(pool_then).unwrap_or(self.active)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ActiveSpan, SessionKind, SessionState};

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn client(tmux: Option<&str>, id: &str, account: &str) -> SeenClient {
        SeenClient { tmux_session: tmux.map(str::to_owned), session_id: id.to_owned(), account: account.to_owned() }
    }

    fn session(account: Option<&str>, moved_at: Option<&str>) -> SessionState {
        SessionState {
            account: account.map(str::to_owned),
            moved_at: moved_at.map(at),
            ..SessionState::new(SessionKind::Pool)
        }
    }

    const NOW: &str = "2026-11-21T10:00:00Z";

    #[test]
    fn seen_clients_carry_the_session_they_were_found_in() {
        let running = |account: &str, pid: u32, id: &str| RunningClient {
            account: account.to_owned(),
            file: format!("/homes/{account}/sessions/{pid}.json").into(),
            state: crate::client::ClientState {
                pid,
                session_id: id.to_owned(),
                cwd: String::new(),
                status: "idle".to_owned(),
                waiting_for: None,
                updated_at: None,
                tmux: None,
            },
        };
        let clients = [running("a", 10, "c1"), running("b", 10, "c2"), running("b", 11, "c3")];
        // The same pid under two homes are two clients; the match is by state file.
        let matched = running("b", 10, "c2");
        let seen = seen(&clients, [("w2", &matched)]);
        assert_eq!(seen, [client(None, "c1", "a"), client(Some("w2"), "c2", "b"), client(None, "c3", "b")]);
    }

    #[test]
    fn clients_place_their_conversations_and_name_their_sessions_accounts() {
        let mut state = State::fresh();
        state.place("c1", "a", at("2026-11-21T06:00:00Z"));
        state.place("c2", "a", at("2026-11-21T06:00:00Z"));
        state.sessions.insert("w1".to_owned(), session(Some("a"), None));
        state.sessions.insert("w2".to_owned(), session(Some("b"), Some("2026-11-21T09:00:00Z")));
        state.sessions.insert("w3".to_owned(), session(None, None));
        let clients = [
            client(Some("w1"), "c1", "a"), // as recorded: nothing to add
            client(Some("w2"), "c2", "b"), // moved to b at 09:00: placed from the move
            client(Some("w3"), "c3", "b"), // new conversation, session account unknown
            client(None, "c4", "a"),       // not in one of our sessions
            client(None, "c4", "b"),       // the same conversation twice: the first counts
        ];
        let seen = sightings(&clients, &state, at(NOW));
        let placed: Vec<(&str, &str, DateTime<Utc>)> =
            seen.placements.iter().map(|p| (p.session_id.as_str(), p.account.as_str(), p.since)).collect();
        assert_eq!(placed, [("c2", "b", at("2026-11-21T09:00:00Z")), ("c3", "b", at(NOW)), ("c4", "a", at(NOW))]);
        assert_eq!(seen.session_accounts, [("w3".to_owned(), "b".to_owned())]);
        assert_eq!(apply(&mut state, &seen), 3);
        assert_eq!(state.sessions["w3"].account.as_deref(), Some("b"));
        assert_eq!(sightings(&clients[..4], &state, at(NOW)), Sightings::default(), "seen again: nothing new");
    }

    #[test]
    fn signals_are_about_the_account_their_session_ran_on_then() {
        let mut state = State::fresh();
        state.timeline = vec![
            ActiveSpan { account: "a".to_owned(), since: at("2026-11-21T06:00:00Z") },
            ActiveSpan { account: "c".to_owned(), since: at("2026-11-21T09:30:00Z") },
        ];
        // c1 ran on a, moved to b at 09:00 with its session w1.
        state.place("c1", "a", at("2026-11-21T06:00:00Z"));
        state.place("c1", "b", at("2026-11-21T09:00:00Z"));
        state.sessions.insert("w1".to_owned(), session(Some("b"), Some("2026-11-21T09:00:00Z")));
        // w2 runs c2 on b, never placed (first seen this run); w3 is recorded on d, no
        // client seen in it.
        state.sessions.insert("w2".to_owned(), session(Some("a"), None));
        state.sessions.insert("w3".to_owned(), session(Some("d"), None));
        let clients = [client(Some("w1"), "c1", "b"), client(Some("w2"), "c2", "b")];
        let whereabouts = Whereabouts { state: &state, clients: &clients, active: "c" };
        let t = at;

        // Screens, read now.
        assert_eq!(whereabouts.of_pane("w1"), "b");
        assert_eq!(whereabouts.of_pane("w2"), "b", "its client's account beats the recorded one");
        assert_eq!(whereabouts.of_pane("w3"), "d");
        assert_eq!(whereabouts.of_pane("w9"), "c", "nothing known: the active account");

        // Hook events: the session's account, unless it moved after the event.
        assert_eq!(whereabouts.of_hook(Some("w1"), Some("c1"), t("2026-11-21T09:10:00Z")), "b");
        assert_eq!(whereabouts.of_hook(Some("w1"), Some("c1"), t("2026-11-21T08:50:00Z")), "a", "before its move");
        assert_eq!(whereabouts.of_hook(Some("w2"), Some("c2"), t("2026-11-21T08:50:00Z")), "b");
        assert_eq!(whereabouts.of_hook(None, Some("c1"), t("2026-11-21T08:50:00Z")), "a", "no pane: by conversation");

        // Transcript records: the placement then, else the running client, else the
        // timeline then, else the active account.
        assert_eq!(whereabouts.of_conversation(Some("c1"), t("2026-11-21T08:59:59Z")), "a");
        assert_eq!(whereabouts.of_conversation(Some("c1"), t("2026-11-21T09:40:00Z")), "b", "not the timeline's c");
        assert_eq!(whereabouts.of_conversation(Some("c2"), t("2026-11-21T09:40:00Z")), "b", "its client");
        assert_eq!(whereabouts.of_conversation(Some("c7"), t("2026-11-21T09:00:00Z")), "a", "the pool then");
        assert_eq!(whereabouts.of_conversation(None, t("2026-11-21T09:40:00Z")), "c");
        assert_eq!(whereabouts.of_conversation(None, t("2026-11-21T05:00:00Z")), "c", "before the timeline");
        // A record of c1's from before any placement, while its session has since
        // moved: not its client's account now, the pool's then.
        assert_eq!(whereabouts.of_conversation(Some("c1"), t("2026-11-21T05:59:00Z")), "c");
    }
}
