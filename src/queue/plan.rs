//! Which task goes to which session: pure functions over what a run observed, so the
//! rules are tested without tmux or files and `--dry-run` shows exactly what a run
//! would do.

use std::cmp::Ordering;

use super::{Project, Task};

/// Orders tasks: priority (critical first), then project priority (lower first), then
/// age (oldest first); project and id break the remaining ties so runs agree.
pub fn order(tasks: &mut [&Task], projects: &[Project]) {
    tasks.sort_by(|a, b| compare(a, b, projects));
}

fn compare(a: &Task, b: &Task, projects: &[Project]) -> Ordering {
    a.front
        .priority
        .cmp(&b.front.priority)
        .then(projects[a.project].priority.cmp(&projects[b.project].priority))
        .then(a.modified.cmp(&b.modified))
        .then(projects[a.project].name.cmp(&projects[b.project].name))
        .then(a.id.cmp(&b.id))
}

/// A session that may take a task now.
#[derive(Debug, Clone)]
pub struct FreeSession<'a> {
    pub tags: &'a [String],
}

/// Whether a session with `have` may take a task that needs `need`.
pub fn covers(have: &[String], need: &[String]) -> bool {
    need.iter().all(|tag| have.contains(tag))
}

/// Pairs each free session (in the order given) with the best ready task it covers;
/// `ready` must be in [`order`]. Each task goes to one session, each session gets one.
pub fn pair(sessions: &[FreeSession<'_>], ready: &[&Task]) -> Vec<(usize, usize)> {
    let mut taken = vec![false; ready.len()];
    let mut pairs = Vec::new();
    for (s, session) in sessions.iter().enumerate() {
        if let Some(t) = (0..ready.len()).find(|&t| !taken[t] && covers(session.tags, &ready[t].front.tags)) {
            taken[t] = true;
            pairs.push((s, t));
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::task::{FrontMatter, Priority};
    use chrono::{DateTime, Utc};
    use std::path::PathBuf;

    fn project(name: &str, priority: i64) -> Project {
        Project { name: name.to_owned(), path: PathBuf::from(format!("/p/{name}")), priority }
    }

    fn task(project: usize, id: &str, priority: Priority, age: i64, tags: &[&str]) -> Task {
        Task {
            project,
            id: id.to_owned(),
            front: FrontMatter {
                priority,
                tags: tags.iter().map(|t| (*t).to_owned()).collect(),
                ..FrontMatter::default()
            },
            title: String::new(),
            modified: DateTime::<Utc>::from_timestamp(1_800_000_000 - age, 0).unwrap(),
        }
    }

    #[test]
    fn priority_then_project_then_age() {
        let projects = [project("a", 1), project("b", 0)];
        let tasks = [
            task(0, "a-low-old", Priority::Low, 900, &[]),
            task(0, "a-default-old", Priority::Default, 800, &[]),
            task(1, "b-default-new", Priority::Default, 10, &[]),
            task(0, "a-critical", Priority::Critical, 1, &[]),
            task(1, "b-default-old", Priority::Default, 500, &[]),
            task(0, "a-high", Priority::High, 1, &[]),
        ];
        let mut tasks: Vec<&Task> = tasks.iter().collect();
        order(&mut tasks, &projects);
        let ids: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["a-critical", "a-high", "b-default-old", "b-default-new", "a-default-old", "a-low-old"]);
    }

    #[test]
    fn each_session_gets_the_best_task_it_covers() {
        let tasks = [task(0, "gpu", Priority::Critical, 0, &["gpu"]), task(0, "plain", Priority::Low, 0, &[])];
        let ready: Vec<&Task> = tasks.iter().collect();
        let none: Vec<String> = Vec::new();
        let gpu = vec!["gpu".to_owned()];
        let sessions = [FreeSession { tags: &none }, FreeSession { tags: &gpu }];
        assert_eq!(pair(&sessions, &ready), [(0, 1), (1, 0)]);
        // One task, two sessions: one pairing.
        assert_eq!(pair(&sessions, &ready[1..]), [(0, 0)]);
        assert!(pair(&sessions[..1], &ready[..1]).is_empty());
    }
}
