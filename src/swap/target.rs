//! Choosing the account to swap to (pure).
//!
//! `--to NAME` must name an eligible account (`--force` lets it be a drained one);
//! otherwise the choice is automatic: every
//! account other than the active one whose credentials exist and whose drained-until has
//! passed, lowest priority first, then the one drained longest ago (never drained counts
//! as longest). A swap never targets an account drained at the time, which with the
//! post-swap cooldown is what makes ping-pong impossible.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::render;

/// What the choice needs to know of one account.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub name: String,
    pub priority: i64,
    pub credentials: bool,
    pub drained_until: Option<DateTime<Utc>>,
}

/// Why an account cannot be the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum Ineligible {
    Active,
    Drained { until: DateTime<Utc> },
    NotLoggedIn,
}

/// No account can take the pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub requested: Option<String>,
    pub unknown_requested: bool,
    pub accounts: Vec<(String, Ineligible)>,
    #[serde(skip)]
    pub now: DateTime<Utc>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(name) = &self.requested {
            if self.unknown_requested {
                return write!(f, "no account named {name:?} in the config");
            }
            if let Some((_, why)) = self.accounts.iter().find(|(n, _)| n == name) {
                return write!(f, "account {name} cannot take the pool: {}", describe(why, self.now));
            }
        }
        write!(f, "no account can take the pool:")?;
        for (name, why) in &self.accounts {
            write!(f, "\n  {name}: {}", describe(why, self.now))?;
        }
        Ok(())
    }
}

fn describe(why: &Ineligible, now: DateTime<Utc>) -> String {
    match why {
        Ineligible::Active => "it is the active account".to_owned(),
        Ineligible::Drained { until } => format!("drained until {}", render::when(*until, now)),
        Ineligible::NotLoggedIn => "not logged in (no .credentials.json)".to_owned(),
    }
}

pub fn choose(
    candidates: &[Candidate],
    active: &str,
    requested: Option<&str>,
    force: bool,
    now: DateTime<Utc>,
) -> Result<String, Refusal> {
    let verdict = |c: &Candidate| -> Option<Ineligible> {
        if c.name == active {
            Some(Ineligible::Active)
        } else if let Some(until) = c.drained_until.filter(|until| *until > now) {
            Some(Ineligible::Drained { until })
        } else if !c.credentials {
            Some(Ineligible::NotLoggedIn)
        } else {
            None
        }
    };
    let refusal = |requested: Option<&str>, unknown: bool| Refusal {
        requested: requested.map(str::to_owned),
        unknown_requested: unknown,
        accounts: candidates.iter().filter_map(|c| verdict(c).map(|why| (c.name.clone(), why))).collect(),
        now,
    };
    if let Some(name) = requested {
        return match candidates.iter().find(|c| c.name == name) {
            None => Err(refusal(requested, true)),
            // `--force` overrides a drain only: never the active account, never one
            // without credentials.
            Some(c) if force && matches!(verdict(c), Some(Ineligible::Drained { .. })) && c.credentials => {
                Ok(c.name.clone())
            }
            Some(c) if verdict(c).is_some() => Err(refusal(requested, false)),
            Some(c) => Ok(c.name.clone()),
        };
    }
    candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| verdict(c).is_none())
        // Never drained sorts before any past drain, then the oldest drain first.
        .min_by_key(|(i, c)| (c.priority, c.drained_until, *i))
        .map(|(_, c)| c.name.clone())
        .ok_or_else(|| refusal(None, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn candidate(name: &str, priority: i64, drained: Option<&str>) -> Candidate {
        Candidate { name: name.to_owned(), priority, credentials: true, drained_until: drained.map(at) }
    }

    const NOW: &str = "2026-11-21T10:00:00Z";

    #[test]
    fn lowest_priority_then_drained_longest_ago() {
        let accounts = [
            candidate("a", 0, None),
            candidate("b", 1, Some("2026-11-21T09:00:00Z")),
            candidate("c", 1, Some("2026-11-20T09:00:00Z")),
            candidate("d", 2, None),
        ];
        assert_eq!(choose(&accounts, "a", None, false, at(NOW)).unwrap(), "c");
        let accounts =
            [candidate("a", 0, None), candidate("b", 1, Some("2026-11-21T09:00:00Z")), candidate("c", 1, None)];
        assert_eq!(choose(&accounts, "a", None, false, at(NOW)).unwrap(), "c", "never drained first");
    }

    #[test]
    fn drained_and_logged_out_accounts_are_never_chosen() {
        let mut b = candidate("b", 0, None);
        b.credentials = false;
        let accounts = [candidate("a", 0, None), b, candidate("c", 0, Some("2026-11-21T19:00:00Z"))];
        let refusal = choose(&accounts, "a", None, false, at(NOW)).unwrap_err();
        let text = refusal.to_string();
        assert!(
            text.contains("b: not logged in") && text.contains("c: drained until 2026-11-21 19:00 UTC (in 9h 0m)"),
            "{text}"
        );
    }

    #[test]
    fn requested_target_must_be_eligible() {
        let accounts = [candidate("a", 0, None), candidate("b", 1, Some("2026-11-21T19:00:00Z"))];
        let err = choose(&accounts, "a", Some("b"), false, at(NOW)).unwrap_err();
        assert_eq!(err.to_string(), "account b cannot take the pool: drained until 2026-11-21 19:00 UTC (in 9h 0m)");
        assert!(choose(&accounts, "a", Some("a"), false, at(NOW)).unwrap_err().to_string().contains("active account"));
        assert!(
            choose(&accounts, "a", Some("zz"), false, at(NOW)).unwrap_err().to_string().contains("no account named")
        );
        assert_eq!(
            choose(&accounts, "a", Some("b"), false, at("2026-11-21T20:00:00Z")).unwrap(),
            "b",
            "the drain has passed"
        );
    }

    #[test]
    fn force_overrides_a_drain_and_nothing_else() {
        let mut c = candidate("c", 0, Some("2026-11-21T19:00:00Z"));
        c.credentials = false;
        let accounts = [candidate("a", 0, None), candidate("b", 1, Some("2026-11-21T19:00:00Z")), c];
        assert_eq!(choose(&accounts, "a", Some("b"), true, at(NOW)).unwrap(), "b");
        assert!(choose(&accounts, "a", Some("a"), true, at(NOW)).is_err(), "never the active account");
        assert!(choose(&accounts, "a", Some("c"), true, at(NOW)).is_err(), "never one without credentials");
        assert!(choose(&accounts, "a", None, true, at(NOW)).is_err(), "no automatic choice of a drained account");
    }
}
