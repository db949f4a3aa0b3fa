//! The placement rules, on small pools written out by hand.

use super::*;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

const NOW: &str = "2026-12-02T10:00:00Z";

fn room(used: Option<f64>) -> Headroom {
    Headroom {
        used,
        left: 1.0 - used.unwrap_or(0.0),
        source: if used.is_some() { Source::Usage } else { Source::Unknown },
    }
}

fn account(name: &str, priority: i64, used: Option<f64>) -> AccountView {
    AccountView {
        name: name.to_owned(),
        priority,
        credentials: true,
        drained_until: None,
        tags: Vec::new(),
        headroom: room(used),
    }
}

fn drained(mut account: AccountView, until: &str) -> AccountView {
    account.drained_until = Some(at(until));
    if at(until) > at(NOW) {
        account.headroom = Headroom { used: Some(1.0), left: 0.0, source: Source::Drained };
    }
    account
}

fn session(name: &str, account: &str, idle: bool) -> SessionView {
    SessionView {
        name: name.to_owned(),
        kind: SessionKind::Pool,
        account: account.to_owned(),
        idle,
        pinned: None,
        moved_at: None,
        displaced_from: None,
    }
}

fn pool(policy: Policy, accounts: Vec<AccountView>, sessions: Vec<SessionView>) -> Pool {
    Pool {
        policy,
        return_to: Return::OnReset,
        ramp: 4,
        cooldown: chrono::TimeDelta::minutes(30),
        accounts,
        pool_tags: Vec::new(),
        sessions,
        active: Some("a".to_owned()),
        now: at(NOW),
    }
}

fn moves(plan: &Plan) -> Vec<(String, String, Why, Vec<String>)> {
    plan.moves.iter().map(|m| (m.from.clone(), m.to.clone(), m.why, m.sessions.clone())).collect()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| (*n).to_owned()).collect()
}

#[test]
fn fill_starts_on_the_preferred_account_and_spread_on_the_roomiest() {
    let accounts = vec![account("a", 0, Some(0.6)), account("b", 1, Some(0.1)), account("c", 2, None)];
    let sessions = vec![session("w1", "a", true), session("w2", "b", true)];
    let fill = pool(Policy::Fill, accounts.clone(), sessions.clone());
    assert_eq!(start_account(&fill, SessionKind::Pool, None).map(|s| s.account).as_deref(), Some("a"));
    let spread = pool(Policy::Spread, accounts, sessions);
    // c's use is unknown (no caps, no warning): all of it counts as left.
    assert_eq!(start_account(&spread, SessionKind::Pool, None).map(|s| s.account).as_deref(), Some("c"));
    assert_eq!(
        start_account(&spread, SessionKind::Dedicated, Some("a")).map(|s| s.account).as_deref(),
        Some("a"),
        "a pin wins"
    );
}

#[test]
fn a_start_skips_drained_logged_out_and_full_accounts_and_may_find_none() {
    let mut logged_out = account("b", 1, None);
    logged_out.credentials = false;
    let accounts = vec![drained(account("a", 0, None), "2026-12-02T12:00:00Z"), logged_out, account("c", 2, Some(1.0))];
    let fill = pool(Policy::Fill, accounts, Vec::new());
    assert_eq!(start_account(&fill, SessionKind::Pool, None), None);
}

#[test]
fn pool_tags_keep_pool_sessions_to_their_accounts_and_leave_dedicated_ones_free() {
    let mut tagged = account("b", 1, None);
    tagged.tags = names(&["pool"]);
    let mut spread = pool(Policy::Fill, vec![account("a", 0, None), tagged], Vec::new());
    spread.pool_tags = names(&["pool"]);
    assert_eq!(start_account(&spread, SessionKind::Pool, None).map(|s| s.account).as_deref(), Some("b"));
    assert_eq!(start_account(&spread, SessionKind::Dedicated, None).map(|s| s.account).as_deref(), Some("a"));
}

#[test]
fn a_limit_on_one_account_moves_only_its_sessions_spread_by_headroom() {
    let accounts = vec![
        drained(account("a", 0, None), "2026-12-02T12:00:00Z"),
        account("b", 1, Some(0.2)),
        account("c", 2, Some(0.2)),
    ];
    let sessions = vec![
        session("w1", "a", false),
        session("w2", "a", true),
        session("w3", "a", true),
        session("w4", "b", true),
        session("w5", "c", false),
    ];
    let plan = plan_moves(&pool(Policy::Spread, accounts, sessions));
    // Idle first; the working one too, its account being drained. b and c are equal:
    // each takes the next on the one left with more room, b first on a tie (priority).
    assert_eq!(
        moves(&plan),
        [
            ("a".to_owned(), "b".to_owned(), Why::Drained, names(&["w2", "w1"])),
            ("a".to_owned(), "c".to_owned(), Why::Drained, names(&["w3"])),
        ]
    );
    assert!(plan.held.is_empty());
}

#[test]
fn the_ramp_bounds_a_run_and_the_rest_wait() {
    let accounts = vec![drained(account("a", 0, None), "2026-12-02T12:00:00Z"), account("b", 1, None)];
    let sessions = (1..=6).map(|i| session(&format!("w{i}"), "a", true)).collect();
    let mut spread = pool(Policy::Spread, accounts, sessions);
    spread.ramp = 4;
    let plan = plan_moves(&spread);
    assert_eq!(plan.moves[0].sessions.len(), 4);
    assert_eq!(plan.held.iter().map(|h| h.session.as_str()).collect::<Vec<_>>(), ["w5", "w6"]);
    assert!(plan.held[0].why.contains("placement.ramp 4"), "{:?}", plan.held);
}

#[test]
fn no_move_takes_an_account_past_its_ceiling() {
    // Each session costs 0.2 of a window (b: 0.4 used by 2 sessions); c has 0.5 left.
    let mut c = account("c", 2, Some(0.3));
    c.headroom.left = 0.5;
    let accounts = vec![drained(account("a", 0, None), "2026-12-02T12:00:00Z"), account("b", 1, Some(0.4)), c];
    let mut sessions: Vec<SessionView> = (1..=4).map(|i| session(&format!("w{i}"), "a", true)).collect();
    sessions.extend([session("b1", "b", false), session("b2", "b", false), session("c1", "c", false)]);
    let plan = plan_moves(&pool(Policy::Spread, accounts, sessions));
    let placed: usize = plan.moves.iter().map(|m| m.sessions.len()).sum();
    // The share per session is the mean of b's 0.4 / 2 and c's 0.3 / 1 = 0.25: b (0.6
    // left) and c (0.5 left) take two each.
    assert_eq!(placed, 4, "{plan:?}");
    for m in &plan.moves {
        let left = if m.to == "b" { 0.6 } else { 0.5 };
        assert!(left - 0.25 * m.sessions.len() as f64 >= 0.0, "{m:?}");
    }
    let mut tight = pool(Policy::Spread, Vec::new(), Vec::new());
    tight.accounts = vec![drained(account("a", 0, None), "2026-12-02T12:00:00Z"), account("b", 1, Some(0.9))];
    tight.sessions = vec![session("w1", "a", true), session("w2", "a", true), session("b1", "b", false)];
    let plan = plan_moves(&tight);
    assert!(plan.moves.is_empty(), "b (0.1 left, 0.9 per session) takes none: {plan:?}");
    assert_eq!(plan.held.len(), 2);
    assert!(plan.held[0].why.contains("no other account has headroom"), "{:?}", plan.held);
}

#[test]
fn a_full_account_gives_up_idle_sessions_and_keeps_working_ones_till_their_turn_ends() {
    let accounts = vec![account("a", 0, Some(1.0)), account("b", 1, None)];
    let sessions = vec![session("w1", "a", false), session("w2", "a", true)];
    let plan = plan_moves(&pool(Policy::Spread, accounts, sessions));
    assert_eq!(moves(&plan), [("a".to_owned(), "b".to_owned(), Why::Full, names(&["w2"]))]);
}

#[test]
fn spread_brings_a_session_back_where_a_limit_drove_it_from_once_reset_and_idle() {
    let accounts = vec![drained(account("a", 0, None), "2026-12-02T09:30:00Z"), account("b", 1, Some(0.3))];
    let mut back = session("w1", "b", true);
    back.displaced_from = Some("a".to_owned());
    let mut busy = session("w2", "b", false);
    busy.displaced_from = Some("a".to_owned());
    let native = session("w3", "b", true);
    let plan = plan_moves(&pool(Policy::Spread, accounts.clone(), vec![back.clone(), busy, native]));
    assert_eq!(moves(&plan), [("b".to_owned(), "a".to_owned(), Why::Return, names(&["w1"]))]);

    let mut never = pool(Policy::Spread, accounts.clone(), vec![back.clone()]);
    never.return_to = Return::Never;
    assert!(plan_moves(&never).moves.is_empty());

    let still_drained = vec![drained(account("a", 0, None), "2026-12-02T11:00:00Z"), account("b", 1, None)];
    assert!(plan_moves(&pool(Policy::Spread, still_drained, vec![back.clone()])).moves.is_empty());
}

#[test]
fn one_move_per_session_per_cooldown_unless_its_account_runs_out() {
    let accounts = vec![drained(account("a", 0, None), "2026-12-02T09:30:00Z"), account("b", 1, None)];
    let mut recent = session("w1", "b", true);
    recent.displaced_from = Some("a".to_owned());
    recent.moved_at = Some(at("2026-12-02T09:45:00Z"));
    assert!(plan_moves(&pool(Policy::Spread, accounts, vec![recent.clone()])).moves.is_empty(), "cooling down");
    let out = vec![account("a", 0, None), drained(account("b", 1, None), "2026-12-02T12:00:00Z")];
    let plan = plan_moves(&pool(Policy::Spread, out, vec![recent]));
    assert_eq!(moves(&plan), [("b".to_owned(), "a".to_owned(), Why::Drained, names(&["w1"]))]);
}

#[test]
fn fill_starts_elsewhere_while_the_preferred_account_is_drained_and_comes_back_after_its_reset() {
    let accounts = vec![drained(account("a", 0, None), "2026-12-02T11:00:00Z"), account("b", 1, None)];
    let start = start_account(&pool(Policy::Fill, accounts, Vec::new()), SessionKind::Pool, None).unwrap();
    assert_eq!(start, Start { account: "b".to_owned(), displaced_from: Some("a".to_owned()) });
    let reset = vec![drained(account("a", 0, None), "2026-12-02T09:30:00Z"), account("b", 1, None)];
    let mut w1 = session("w1", "b", true);
    w1.displaced_from = start.displaced_from;
    let operators = session("w2", "b", true);
    let plan = plan_moves(&pool(Policy::Fill, reset, vec![w1, operators]));
    assert_eq!(moves(&plan), [("b".to_owned(), "a".to_owned(), Why::Return, names(&["w1"]))], "swap --to b stays");
}

#[test]
fn pinned_sessions_never_move() {
    let accounts = vec![drained(account("a", 0, None), "2026-12-02T12:00:00Z"), account("b", 1, None)];
    let mut pinned = session("main", "a", true);
    pinned.kind = SessionKind::Dedicated;
    pinned.pinned = Some("a".to_owned());
    let plan = plan_moves(&pool(Policy::Spread, accounts, vec![pinned]));
    assert!(plan.moves.is_empty());
    assert_eq!(plan.held.len(), 1, "said: it waits for its own account");
    assert!(plan.held[0].why.contains("pinned to a"), "{:?}", plan.held);
}

#[test]
fn spread_balances_by_session_count_when_use_is_unknown() {
    let accounts = vec![account("a", 0, None), account("b", 1, None), account("c", 2, None)];
    let mut spread = pool(Policy::Spread, accounts, Vec::new());
    let mut placed = Vec::new();
    for i in 0..9 {
        let start = start_account(&spread, SessionKind::Pool, None).unwrap();
        placed.push(start.account.clone());
        spread.sessions.push(session(&format!("w{i}"), &start.account, true));
    }
    assert_eq!(placed, ["a", "b", "c", "a", "b", "c", "a", "b", "c"]);
}

#[test]
fn fill_that_never_returns_keeps_starting_on_the_account_the_pool_was_swapped_to() {
    let accounts = vec![account("a", 0, None), account("b", 1, None)];
    let mut fill = pool(Policy::Fill, accounts, Vec::new());
    fill.active = Some("b".to_owned());
    assert_eq!(start_account(&fill, SessionKind::Pool, None).unwrap().account, "a", "on_reset: the preferred");
    fill.return_to = Return::Never;
    assert_eq!(start_account(&fill, SessionKind::Pool, None).unwrap().account, "b", "never: where the swap went");
    fill.accounts[1] = drained(account("b", 1, None), "2026-12-02T12:00:00Z");
    assert_eq!(start_account(&fill, SessionKind::Pool, None).unwrap().account, "a", "unless it ran out");
}
