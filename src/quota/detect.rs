//! The quota decision: from classified signals of one run and what earlier runs stored,
//! is an account exhausted (confirmed), possibly so (suspected), or not? Sessions may
//! run on different accounts at once, so every signal names the account it is about
//! (the caller attributes it: [`crate::attribution`]) and each account is decided on
//! its own signals with its own prior ([`decide_each`]).
//!
//! Pure: the caller gathers the signals (hook events, transcript error records, pane
//! screens), classifies them with [`super::patterns`], and stores what this returns.
//! Hook and transcript hits are the client's own word and count at once. Pane hits are
//! read off a screen, so they follow the old daemon's defence: enough sessions must
//! show them in one run, and a hit without a reset time must be seen again on the next
//! run. Nothing is detected for an account inside the cooldown after a swap or a move
//! onto it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::patterns::{Classification, Notice};
use super::reset::parse_reset;

/// Where a classified message came from, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    Hook,
    Transcript,
    Pane,
}

/// Which kind of session showed a pane hit; only pane hits are counted by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Pool,
    Dedicated,
    /// A hook event or transcript record (the session is named when known).
    Client,
}

/// One classified message of this run.
#[derive(Debug, Clone)]
pub struct Observed {
    /// The account the session that showed it ran on at `seen_at`.
    pub account: String,
    pub signal: Signal,
    pub origin: Origin,
    /// The tmux session, else the Claude session id, when known.
    pub session: Option<String>,
    /// When the text appeared (hook time, record time, the pane's last activity).
    pub seen_at: DateTime<Utc>,
    pub classification: Classification,
}

/// The hit as stored in state and reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitHit {
    pub signal: Signal,
    pub session: Option<String>,
    /// The pattern family that matched.
    pub pattern: String,
    /// At most 120 characters of the text.
    pub snippet: String,
    /// The reset as the client wrote it.
    pub reset_text: Option<String>,
    /// The reset as an instant, when the text could be parsed.
    pub reset_at: Option<DateTime<Utc>>,
    pub seen_at: DateTime<Utc>,
}

/// A pane hit without a reset time, waiting for the next run to confirm it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspicion {
    pub account: String,
    pub first_seen: DateTime<Utc>,
    pub hit: LimitHit,
}

#[derive(Debug, Clone)]
pub struct Rules {
    pub min_pool_hits: usize,
    pub min_dedicated_hits: usize,
    pub cooldown: Duration,
    /// The zone of a reset time written without one.
    pub zone: Option<Tz>,
    /// How long an account counts as drained when no reset time was given.
    pub unknown_reset: Duration,
}

/// What earlier runs left that one account's decision depends on.
#[derive(Debug, Clone)]
pub struct Prior {
    pub account: String,
    /// The last swap or session move onto the account: nothing is detected for it in
    /// the cooldown after (the screens and events of the sessions that just arrived may
    /// still speak of the account they left).
    pub arrived_at: Option<DateTime<Utc>>,
    /// The account's pending suspicion.
    pub suspicion: Option<Suspicion>,
    /// When the previous quota-check ran: transcript records older than that were
    /// already judged (a first scan or a rebuild reads days of history).
    pub last_check_at: Option<DateTime<Utc>>,
}

/// Without a previous check, how far back a transcript record still speaks of now.
const FIRST_CHECK_LOOKBACK_MINUTES: i64 = 15;

/// How far a client's stamp may run ahead of this host's clock and still be "now".
///
/// A hook event or transcript record stamped later than that is not evidence of the
/// present: it was written by a client whose clock disagrees with ours (another host
/// writing the shared transcripts, a clock stepped back, a test clock pinned in the
/// past). Its true time is unknown, so it is set aside and reported, never counted: a
/// record ten days "ahead" would otherwise drain an account for ten days. A screen is
/// different: it is read now, so a pane's time is never later than `now`.
pub const MAX_CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// No hit (a stored suspicion, if any, is cleared).
    None,
    /// Inside the post-swap cooldown: nothing was detected.
    Cooldown { until: DateTime<Utc> },
    /// A pane hit without a reset: the next run confirms or clears it.
    Suspected { account: String, hit: LimitHit },
    /// The account is exhausted until `drained_until`.
    Confirmed { account: String, hit: LimitHit, drained_until: DateTime<Utc> },
}

#[derive(Debug, Clone)]
pub struct Decision {
    pub outcome: Outcome,
    /// What to store as the pending suspicion (None clears it).
    pub suspicion: Option<Suspicion>,
    /// "Approaching usage limit" notices: recorded and shown, never acted on.
    pub warnings: Vec<LimitHit>,
    /// Client signals stamped more than [`MAX_CLOCK_SKEW`] after `now`: set aside.
    pub ahead_of_clock: Vec<AheadOfClock>,
}

/// A hook event or transcript record stamped after this host's `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AheadOfClock {
    pub signal: Signal,
    pub session: Option<String>,
    pub seen_at: DateTime<Utc>,
}

/// Where `observed` stands against this host's clock: `Ok` with the time to judge it by
/// (a screen is read now, a small skew is now), or `Err` for a client stamp too far
/// ahead to be trusted.
fn judged_time(observed: &Observed, now: DateTime<Utc>) -> Result<DateTime<Utc>, AheadOfClock> {
    match observed.signal {
        Signal::Pane => Ok(observed.seen_at.min(now)),
        Signal::Hook | Signal::Transcript if observed.seen_at > now + MAX_CLOCK_SKEW => {
            Err(AheadOfClock { signal: observed.signal, session: observed.session.clone(), seen_at: observed.seen_at })
        }
        Signal::Hook | Signal::Transcript => Ok(observed.seen_at.min(now)),
    }
}

/// Each account of `priors` decided on the signals about it, in the order of `priors`.
/// Signals about an account `priors` does not name are left out: the caller says so.
pub fn decide_each(observed: &[Observed], priors: &[Prior], rules: &Rules, now: DateTime<Utc>) -> Vec<Decision> {
    priors
        .iter()
        .map(|prior| {
            let group: Vec<Observed> = observed.iter().filter(|o| o.account == prior.account).cloned().collect();
            decide(&group, prior, rules, now)
        })
        .collect()
}

/// One account's decision on `observed`, the signals about it.
pub fn decide(observed: &[Observed], prior: &Prior, rules: &Rules, now: DateTime<Utc>) -> Decision {
    if let Some(arrived) = prior.arrived_at {
        let until = arrived + chrono::Duration::from_std(rules.cooldown).unwrap_or_default();
        if now < until {
            return Decision {
                outcome: Outcome::Cooldown { until },
                suspicion: None,
                warnings: Vec::new(),
                ahead_of_clock: Vec::new(),
            };
        }
    }
    let mut ahead_of_clock = Vec::new();
    let observed: Vec<Observed> = observed
        .iter()
        .filter_map(|o| match judged_time(o, now) {
            Ok(seen_at) => Some(Observed { seen_at, ..o.clone() }),
            Err(ahead) => {
                ahead_of_clock.push(ahead);
                None
            }
        })
        .collect();
    // Transcript records older than the previous check were judged by it (one minute
    // of slack for a record written while that check ran). Which account a signal is
    // about was settled by the caller, at the signal's time.
    let transcripts_since = prior
        .last_check_at
        .map_or(now - chrono::Duration::minutes(FIRST_CHECK_LOOKBACK_MINUTES), |at| at - chrono::Duration::minutes(1));
    let current = |o: &&Observed| match o.signal {
        Signal::Pane | Signal::Hook => true,
        Signal::Transcript => o.seen_at >= transcripts_since,
    };
    let hit_of = |o: &Observed, notice: &Notice| LimitHit {
        signal: o.signal,
        session: o.session.clone(),
        pattern: notice.family.to_owned(),
        snippet: notice.snippet.clone(),
        reset_text: notice.reset_text.clone(),
        reset_at: notice.reset_text.as_deref().and_then(|text| parse_reset(text, o.seen_at, rules.zone).ok()),
        seen_at: o.seen_at,
    };
    let mut hits: Vec<(&Observed, LimitHit)> = Vec::new();
    let mut warnings = Vec::new();
    for o in observed.iter().filter(current) {
        match &o.classification {
            // A notice whose reset has already passed speaks of a limit that is over.
            Classification::Hit(notice) => {
                let hit = hit_of(o, notice);
                if hit.reset_at.is_none_or(|reset| reset > now) {
                    hits.push((o, hit));
                }
            }
            Classification::Warning(notice) => warnings.push(hit_of(o, notice)),
            Classification::Vetoed { .. } | Classification::None => {}
        }
    }
    let account = prior.account.clone();
    let confirmed = |hit: LimitHit| {
        let fallback = hit.seen_at + chrono::Duration::from_std(rules.unknown_reset).unwrap_or_default();
        let drained_until = hit.reset_at.unwrap_or(fallback);
        Outcome::Confirmed { account: account.clone(), hit, drained_until }
    };

    // The client's own word (hooks, transcripts) counts at once.
    if let Some(hit) = best(hits.iter().filter(|(o, _)| o.signal != Signal::Pane).map(|(_, h)| h)) {
        return Decision { outcome: confirmed(hit), suspicion: None, warnings, ahead_of_clock };
    }

    let pane_hits: Vec<&(&Observed, LimitHit)> = hits.iter().filter(|(o, _)| o.signal == Signal::Pane).collect();
    let pool = pane_hits.iter().filter(|(o, _)| o.origin == Origin::Pool).count();
    let dedicated = pane_hits.iter().filter(|(o, _)| o.origin == Origin::Dedicated).count();
    let enough = (rules.min_pool_hits > 0 && pool >= rules.min_pool_hits)
        || (rules.min_dedicated_hits > 0 && dedicated >= rules.min_dedicated_hits);
    let Some(hit) = best(pane_hits.iter().map(|(_, h)| h)).filter(|_| enough) else {
        return Decision { outcome: Outcome::None, suspicion: None, warnings, ahead_of_clock };
    };
    if hit.reset_at.is_some() {
        return Decision { outcome: confirmed(hit), suspicion: None, warnings, ahead_of_clock };
    }
    match &prior.suspicion {
        Some(earlier) if earlier.account == account => {
            Decision { outcome: confirmed(hit), suspicion: None, warnings, ahead_of_clock }
        }
        _ => {
            let suspicion = Suspicion { account: account.clone(), first_seen: hit.seen_at, hit: hit.clone() };
            Decision {
                outcome: Outcome::Suspected { account, hit },
                suspicion: Some(suspicion),
                warnings,
                ahead_of_clock,
            }
        }
    }
}

/// The most useful hit: one with a parsed reset first, then the best signal, then the
/// latest.
fn best<'a>(hits: impl Iterator<Item = &'a LimitHit>) -> Option<LimitHit> {
    hits.max_by(|a, b| {
        (a.reset_at.is_some(), std::cmp::Reverse(a.signal), a.seen_at).cmp(&(
            b.reset_at.is_some(),
            std::cmp::Reverse(b.signal),
            b.seen_at,
        ))
    })
    .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::classify;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn rules() -> Rules {
        Rules {
            min_pool_hits: 2,
            min_dedicated_hits: 1,
            cooldown: Duration::from_secs(300),
            zone: None,
            unknown_reset: Duration::from_secs(5 * 3600),
        }
    }

    fn prior() -> Prior {
        Prior {
            account: "a".to_owned(),
            arrived_at: Some(at("2026-11-21T08:00:00Z")),
            suspicion: None,
            last_check_at: None,
        }
    }

    fn seen(signal: Signal, origin: Origin, text: &str, when: &str) -> Observed {
        Observed {
            account: "a".to_owned(),
            signal,
            origin,
            session: Some(format!("{origin:?}")),
            seen_at: at(when),
            classification: classify(text),
        }
    }

    const NOW: &str = "2026-11-21T10:00:00Z";
    const PARIS: &str = "You've hit your limit · resets 8pm (Europe/Paris)";
    const NO_RESET: &str = "Claude AI usage limit reached";

    #[test]
    fn two_pool_panes_with_a_reset_confirm_in_one_run() {
        let observed = [
            seen(Signal::Pane, Origin::Pool, PARIS, "2026-11-21T09:59:00Z"),
            seen(Signal::Pane, Origin::Pool, PARIS, "2026-11-21T09:59:30Z"),
        ];
        let decision = decide(&observed, &prior(), &rules(), at(NOW));
        let Outcome::Confirmed { account, drained_until, hit } = decision.outcome else {
            panic!("{:?}", decision.outcome)
        };
        assert_eq!(account, "a");
        assert_eq!(drained_until, at("2026-11-21T19:00:00Z"), "8pm Paris is 19:00 UTC in November");
        assert_eq!(hit.reset_text.as_deref(), Some("8pm (Europe/Paris)"));
    }

    #[test]
    fn one_pool_pane_is_not_enough() {
        let observed = [seen(Signal::Pane, Origin::Pool, PARIS, "2026-11-21T09:59:00Z")];
        assert_eq!(decide(&observed, &prior(), &rules(), at(NOW)).outcome, Outcome::None);
    }

    #[test]
    fn a_server_error_mentioning_rate_limits_is_never_a_hit() {
        let text = "API Error: 500 {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"rate limit reached upstream\"}}";
        let observed = [
            seen(Signal::Hook, Origin::Client, text, "2026-11-21T09:59:00Z"),
            seen(Signal::Pane, Origin::Pool, text, "2026-11-21T09:59:00Z"),
            seen(Signal::Pane, Origin::Dedicated, text, "2026-11-21T09:59:00Z"),
        ];
        assert_eq!(decide(&observed, &prior(), &rules(), at(NOW)).outcome, Outcome::None);
    }

    #[test]
    fn pane_hit_without_reset_is_suspected_then_confirmed_or_cleared() {
        let observed = [seen(Signal::Pane, Origin::Dedicated, NO_RESET, "2026-11-21T09:59:00Z")];
        let first = decide(&observed, &prior(), &rules(), at(NOW));
        assert!(matches!(first.outcome, Outcome::Suspected { .. }), "{:?}", first.outcome);
        let suspicion = first.suspicion.clone().unwrap();

        let next = Prior { suspicion: Some(suspicion.clone()), ..prior() };
        let second = decide(&observed, &next, &rules(), at("2026-11-21T10:00:30Z"));
        let Outcome::Confirmed { drained_until, .. } = second.outcome else { panic!("{:?}", second.outcome) };
        assert_eq!(drained_until, at("2026-11-21T14:59:00Z"), "no reset given: seen + 5h");
        assert!(second.suspicion.is_none());

        let clean = decide(&[], &next, &rules(), at("2026-11-21T10:00:30Z"));
        assert_eq!(clean.outcome, Outcome::None);
        assert!(clean.suspicion.is_none(), "a clean run clears the suspicion");
    }

    #[test]
    fn hook_hit_counts_at_once_even_without_reset() {
        let observed = [seen(Signal::Hook, Origin::Client, NO_RESET, "2026-11-21T09:59:00Z")];
        assert!(matches!(decide(&observed, &prior(), &rules(), at(NOW)).outcome, Outcome::Confirmed { .. }));
    }

    #[test]
    fn each_account_is_decided_on_its_own_signals_with_its_own_prior() {
        let on = |account: &str, o: Observed| Observed { account: account.to_owned(), ..o };
        let priors = [
            // a: one pool pane, not enough; b: two, with a reset; c: a pane without a
            // reset it suspected last run; d: a move onto it two minutes ago.
            prior(),
            Prior { account: "b".to_owned(), ..prior() },
            Prior {
                account: "c".to_owned(),
                suspicion: Some(Suspicion {
                    account: "c".to_owned(),
                    first_seen: at("2026-11-21T09:58:00Z"),
                    hit: LimitHit {
                        signal: Signal::Pane,
                        session: None,
                        pattern: "usage_limit_reached".to_owned(),
                        snippet: NO_RESET.to_owned(),
                        reset_text: None,
                        reset_at: None,
                        seen_at: at("2026-11-21T09:58:00Z"),
                    },
                }),
                ..prior()
            },
            Prior { account: "d".to_owned(), arrived_at: Some(at("2026-11-21T09:58:00Z")), ..prior() },
            Prior { account: "e".to_owned(), ..prior() },
        ];
        let observed = [
            on("a", seen(Signal::Pane, Origin::Pool, PARIS, "2026-11-21T09:59:00Z")),
            on("b", seen(Signal::Pane, Origin::Pool, PARIS, "2026-11-21T09:59:00Z")),
            on("b", seen(Signal::Pane, Origin::Pool, PARIS, "2026-11-21T09:59:10Z")),
            on("c", seen(Signal::Pane, Origin::Dedicated, NO_RESET, "2026-11-21T09:59:00Z")),
            on("d", seen(Signal::Hook, Origin::Client, PARIS, "2026-11-21T09:59:00Z")),
            on("e", seen(Signal::Pane, Origin::Dedicated, NO_RESET, "2026-11-21T09:59:00Z")),
            // About an account no prior names: left out.
            on("z", seen(Signal::Hook, Origin::Client, PARIS, "2026-11-21T09:59:00Z")),
        ];
        let decisions = decide_each(&observed, &priors, &rules(), at(NOW));
        assert_eq!(decisions[0].outcome, Outcome::None, "a: one pool pane is not enough");
        let Outcome::Confirmed { account, drained_until, .. } = &decisions[1].outcome else { panic!("{decisions:?}") };
        assert_eq!((account.as_str(), *drained_until), ("b", at("2026-11-21T19:00:00Z")));
        let Outcome::Confirmed { account, .. } = &decisions[2].outcome else { panic!("{decisions:?}") };
        assert_eq!(account, "c", "c's own suspicion confirms it");
        assert!(decisions[2].suspicion.is_none());
        assert_eq!(decisions[3].outcome, Outcome::Cooldown { until: at("2026-11-21T10:03:00Z") });
        let Outcome::Suspected { account, .. } = &decisions[4].outcome else { panic!("{decisions:?}") };
        assert_eq!(account, "e", "c's suspicion does not confirm e");
        assert_eq!(decisions[4].suspicion.as_ref().map(|s| s.account.as_str()), Some("e"));
    }

    #[test]
    fn nothing_is_detected_during_the_cooldown() {
        let observed = [seen(Signal::Hook, Origin::Client, PARIS, "2026-11-21T08:01:00Z")];
        let decision = decide(&observed, &prior(), &rules(), at("2026-11-21T08:02:00Z"));
        assert_eq!(decision.outcome, Outcome::Cooldown { until: at("2026-11-21T08:05:00Z") });
    }

    #[test]
    fn warnings_are_recorded_not_acted_on() {
        let observed =
            [seen(Signal::Pane, Origin::Dedicated, "Approaching usage limit · resets at 2am", "2026-11-21T09:59:00Z")];
        let decision = decide(&observed, &prior(), &rules(), at(NOW));
        assert_eq!(decision.outcome, Outcome::None);
        assert_eq!(decision.warnings.len(), 1);
        assert_eq!(decision.warnings[0].reset_at, Some(at("2026-11-22T02:00:00Z")));
    }

    #[test]
    fn old_transcript_records_were_judged_by_the_previous_check() {
        let record = seen(Signal::Transcript, Origin::Client, PARIS, "2026-11-21T09:40:00Z");
        // First check ever: only the last 15 minutes count.
        assert_eq!(decide(std::slice::from_ref(&record), &prior(), &rules(), at(NOW)).outcome, Outcome::None);
        // The previous check ran at 09:50; 09:40 was already judged, 09:55 was not.
        let checked = Prior { last_check_at: Some(at("2026-11-21T09:50:00Z")), ..prior() };
        assert_eq!(decide(&[record], &checked, &rules(), at(NOW)).outcome, Outcome::None);
        let fresh = seen(Signal::Transcript, Origin::Client, PARIS, "2026-11-21T09:55:00Z");
        assert!(matches!(decide(&[fresh], &checked, &rules(), at(NOW)).outcome, Outcome::Confirmed { .. }));
    }

    #[test]
    fn a_client_stamp_far_ahead_of_this_clock_is_set_aside_not_counted() {
        // Ten days ahead: another host's clock, or a clock pinned in the past. Counting
        // it would drain the account until a reset computed from a time that never was.
        let ahead = seen(Signal::Transcript, Origin::Client, PARIS, "2026-12-01T21:34:54Z");
        let hook = seen(Signal::Hook, Origin::Client, PARIS, "2026-11-21T10:06:00Z");
        let decision = decide(&[ahead, hook], &prior(), &rules(), at(NOW));
        assert_eq!(decision.outcome, Outcome::None);
        let signals: Vec<Signal> = decision.ahead_of_clock.iter().map(|a| a.signal).collect();
        assert_eq!(signals, [Signal::Transcript, Signal::Hook]);
        assert_eq!(decision.ahead_of_clock[0].seen_at, at("2026-12-01T21:34:54Z"));
    }

    #[test]
    fn a_small_skew_is_now() {
        // Two minutes ahead is within the skew: judged as seen now, reset from now.
        let record = seen(Signal::Transcript, Origin::Client, PARIS, "2026-11-21T10:02:00Z");
        let decision = decide(&[record], &prior(), &rules(), at(NOW));
        let Outcome::Confirmed { hit, drained_until, .. } = decision.outcome else { panic!("{decision:?}") };
        assert_eq!(hit.seen_at, at(NOW));
        assert_eq!(drained_until, at("2026-11-21T19:00:00Z"));
        assert!(decision.ahead_of_clock.is_empty());
    }

    #[test]
    fn a_screen_is_read_now_whatever_the_pane_activity_says() {
        // tmux stamps pane activity with the host's clock; the screen is read at `now`.
        let observed = [
            seen(Signal::Pane, Origin::Pool, PARIS, "2026-12-01T21:34:54Z"),
            seen(Signal::Pane, Origin::Pool, PARIS, "2026-12-01T21:34:55Z"),
        ];
        let decision = decide(&observed, &prior(), &rules(), at(NOW));
        let Outcome::Confirmed { hit, drained_until, .. } = decision.outcome else { panic!("{decision:?}") };
        assert_eq!(hit.seen_at, at(NOW));
        assert_eq!(drained_until, at("2026-11-21T19:00:00Z"));
    }

    #[test]
    fn a_notice_whose_reset_has_passed_is_not_a_hit() {
        // Seen at 05:00, "resets 7am (UTC)" meant 07:00; at 10:00 that limit is over.
        let observed = [
            seen(
                Signal::Transcript,
                Origin::Client,
                "You've hit your session limit · resets 7am (UTC)",
                "2026-11-21T05:00:00Z",
            ),
            seen(
                Signal::Pane,
                Origin::Dedicated,
                "You've hit your session limit · resets 7am (UTC)",
                "2026-11-21T05:00:00Z",
            ),
        ];
        assert_eq!(decide(&observed, &prior(), &rules(), at(NOW)).outcome, Outcome::None);
    }

    #[test]
    fn a_hit_with_a_reset_beats_one_without() {
        let observed = [
            seen(Signal::Hook, Origin::Client, NO_RESET, "2026-11-21T09:59:50Z"),
            seen(Signal::Transcript, Origin::Client, PARIS, "2026-11-21T09:59:00Z"),
        ];
        let Outcome::Confirmed { hit, .. } = decide(&observed, &prior(), &rules(), at(NOW)).outcome else { panic!() };
        assert_eq!(hit.signal, Signal::Transcript);
    }
}
