//! Why a task is not running: the answer `task ls`, `task show` and dispatch's summary
//! give, from the same rules dispatch applies, as a pure function over what a run saw
//! (the ordered ready tasks, the pool's tags and free sessions, the pauses, a drained
//! active account). It decides nothing dispatch does not decide itself: dispatch pairs
//! exactly the tasks this calls [`Wait::Next`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::plan::covers;
use super::{Project, Task, Unmet};
use crate::render;
use crate::state::PauseState;

/// Why one task waits (or where it goes next).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Wait {
    /// Its dependencies are not met (each with why: not done yet, no such task, …).
    Blocked { unmet: Vec<Unmet> },
    /// `pool.autonomous.max` is 0: no session will ever take it.
    NoPool,
    /// No pool session has these tags (`pool.autonomous.tags`).
    Tags { missing: Vec<String> },
    /// Dispatch is paused for the whole pool (`project` null) or for its project.
    Paused { project: Option<String>, since: DateTime<Utc> },
    /// The active account is drained: nothing is dispatched until `until`.
    Drained { account: String, until: DateTime<Utc> },
    /// Every session that could take it is busy, cooling down or failed; `ahead` tasks
    /// go first.
    NoFreeSession { ahead: usize, free: usize, pool: u32 },
    /// The next dispatch sends it to `session`.
    Next { session: String },
}

impl Wait {
    /// One line for people, relative to `now`.
    pub fn text(&self, now: DateTime<Utc>) -> String {
        match self {
            Wait::Blocked { unmet } => {
                let list: Vec<String> = unmet.iter().map(|u| format!("{} ({})", u.entry, u.why)).collect();
                format!("blocked by {}", list.join(", "))
            }
            Wait::NoPool => "no pool sessions (pool.autonomous.max is 0)".to_owned(),
            Wait::Tags { missing } => {
                format!("needs tags [{}] that no pool session has (pool.autonomous.tags)", missing.join(", "))
            }
            Wait::Paused { project: None, since } => {
                format!("dispatch is paused since {} (ccfail resume)", render::when(*since, now))
            }
            Wait::Paused { project: Some(project), since } => format!(
                "dispatch is paused for {project} since {} (ccfail resume --project {project})",
                render::when(*since, now)
            ),
            Wait::Drained { account, until } => {
                format!("the active account {account} is drained until {}", render::when(*until, now))
            }
            Wait::NoFreeSession { ahead: 0, pool, .. } => {
                format!("no free pool session: all {pool} busy, cooling down, failed or not running")
            }
            Wait::NoFreeSession { ahead, free, .. } => {
                format!("no free session left for it: {ahead} ready task(s) go first to the {free} free one(s)")
            }
            Wait::Next { session } => format!("next dispatch sends it to {session}"),
        }
    }

    /// Whether the task goes out with the next dispatch.
    pub fn is_next(&self) -> bool {
        matches!(self, Wait::Next { .. })
    }
}

/// What a run saw of the pool, for [`explain`].
#[derive(Debug, Clone)]
pub struct Pool<'a> {
    /// `pool.autonomous.max`.
    pub max: u32,
    /// `pool.autonomous.tags`: every pool session has these.
    pub tags: &'a [String],
    /// The sessions dispatch would hand a task now, in its order.
    pub free: &'a [String],
    /// The active account and its drained-until, when that is still ahead.
    pub drained: Option<(&'a str, DateTime<Utc>)>,
}

/// For each ready task (in [`super::plan::order`]), why it waits or where it goes: the
/// pairing [`super::plan::pair`] makes when every session has the pool's tags, with the
/// tasks of paused projects left out of it.
pub fn explain(ready: &[&Task], projects: &[Project], pool: &Pool<'_>, pause: &PauseState) -> Vec<Wait> {
    let mut sent = 0;
    ready
        .iter()
        .map(|task| {
            let project = &projects[task.project].name;
            if pool.max == 0 {
                return Wait::NoPool;
            }
            if !covers(pool.tags, &task.front.tags) {
                let missing = task.front.tags.iter().filter(|t| !pool.tags.contains(t)).cloned().collect();
                return Wait::Tags { missing };
            }
            if let Some(paused) = pause.dispatch_of(project) {
                let project = pause.dispatch.is_none().then(|| project.clone());
                return Wait::Paused { project, since: paused.since };
            }
            if let Some((account, until)) = pool.drained {
                return Wait::Drained { account: account.to_owned(), until };
            }
            match pool.free.get(sent) {
                Some(session) => {
                    sent += 1;
                    Wait::Next { session: session.clone() }
                }
                None => Wait::NoFreeSession { ahead: sent, free: pool.free.len(), pool: pool.max },
            }
        })
        .collect()
}

/// `1 needs tags [gpu] that no session has; 2 wait for a free session`: the reasons
/// ready tasks were not sent, counted, for dispatch's one-line summary.
pub fn summary(waits: &[Wait]) -> String {
    let mut tags: BTreeMap<String, usize> = BTreeMap::new();
    let (mut busy, mut paused, mut drained, mut no_pool) = (0, BTreeMap::<String, usize>::new(), 0, 0);
    for wait in waits {
        match wait {
            Wait::Tags { missing } => *tags.entry(missing.join(", ")).or_default() += 1,
            Wait::NoFreeSession { .. } => busy += 1,
            Wait::Paused { project, .. } => {
                *paused.entry(project.clone().unwrap_or_else(|| "the whole pool".to_owned())).or_default() += 1;
            }
            Wait::Drained { .. } => drained += 1,
            Wait::NoPool => no_pool += 1,
            Wait::Blocked { .. } | Wait::Next { .. } => {}
        }
    }
    let verb = |n: usize, one: &str, many: &str| if n == 1 { one.to_owned() } else { many.to_owned() };
    let mut parts = Vec::new();
    for (list, n) in tags {
        parts.push(format!("{n} {} tags [{list}] that no session has", verb(n, "needs", "need")));
    }
    if busy > 0 {
        parts.push(format!("{busy} {} for a free session", verb(busy, "waits", "wait")));
    }
    for (scope, n) in paused {
        parts.push(format!("{n} held by the pause of {scope}"));
    }
    if drained > 0 {
        parts.push(format!("{drained} held while the active account is drained"));
    }
    if no_pool > 0 {
        parts.push(format!("{no_pool} with no pool to run on (pool.autonomous.max is 0)"));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::task::{FrontMatter, Priority};
    use crate::state::Pause;
    use std::path::PathBuf;

    fn task(project: usize, id: &str, tags: &[&str]) -> Task {
        Task {
            project,
            id: id.to_owned(),
            front: FrontMatter {
                priority: Priority::Default,
                tags: tags.iter().map(|t| (*t).to_owned()).collect(),
                ..FrontMatter::default()
            },
            title: String::new(),
            modified: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    fn projects() -> Vec<Project> {
        ["api", "web"].iter().map(|n| Project { name: (*n).to_owned(), path: PathBuf::from(n), priority: 0 }).collect()
    }

    #[test]
    fn each_ready_task_gets_one_reason_and_the_free_sessions_go_in_order() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let tasks = [task(0, "gpu", &["gpu"]), task(0, "a", &[]), task(1, "b", &[]), task(0, "c", &[])];
        let ready: Vec<&Task> = tasks.iter().collect();
        let free = ["w1".to_owned()];
        let mut pause = PauseState::default();
        pause.projects.insert("web".to_owned(), Pause { since: now, reason: None, logged: false });
        let pool = Pool { max: 2, tags: &[], free: &free, drained: None };
        let waits = explain(&ready, &projects(), &pool, &pause);
        assert_eq!(waits[0], Wait::Tags { missing: vec!["gpu".to_owned()] });
        assert_eq!(waits[1], Wait::Next { session: "w1".to_owned() });
        assert_eq!(waits[2], Wait::Paused { project: Some("web".to_owned()), since: now });
        assert_eq!(waits[3], Wait::NoFreeSession { ahead: 1, free: 1, pool: 2 });
        assert_eq!(
            summary(&waits),
            "1 needs tags [gpu] that no session has; 1 waits for a free session; 1 held by the pause of web"
        );
        assert!(waits[0].text(now).contains("needs tags [gpu]"));
    }

    #[test]
    fn a_pause_of_the_pool_and_a_drained_account_hold_every_task_that_could_run() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let tasks = [task(0, "a", &[]), task(1, "b", &["gpu"])];
        let ready: Vec<&Task> = tasks.iter().collect();
        let free = ["w1".to_owned(), "w2".to_owned()];
        let gpu = ["gpu".to_owned()];
        let pause =
            PauseState { dispatch: Some(Pause { since: now, reason: None, logged: true }), ..Default::default() };
        let pool = Pool { max: 2, tags: &gpu, free: &free, drained: None };
        let waits = explain(&ready, &projects(), &pool, &pause);
        assert!(waits.iter().all(|w| matches!(w, Wait::Paused { project: None, .. })), "{waits:?}");
        let pool = Pool { drained: Some(("a", now)), ..pool };
        let waits = explain(&ready, &projects(), &pool, &PauseState::default());
        assert!(waits.iter().all(|w| matches!(w, Wait::Drained { .. })), "{waits:?}");
        let none = Pool { max: 0, tags: &[], free: &[], drained: None };
        assert_eq!(explain(&ready, &projects(), &none, &PauseState::default())[0], Wait::NoPool);
    }
}
