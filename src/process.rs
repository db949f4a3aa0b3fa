//! What ccfail reads of other processes, from `/proc`: parents, liveness, environment.
//!
//! Used to tie a Claude Code client (its `sessions/<pid>.json`) to the tmux pane it runs
//! in, and to show which `CLAUDE_CONFIG_DIR` a running client was started with.

use std::fs;

/// The parent pid of `pid`, from `/proc/<pid>/stat`.
pub fn parent_of(pid: u32) -> Option<u32> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces or ')': skip to the last ')'.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// Every process's parent, from one pass over `/proc`: for runs that ask about many
/// panes, cheaper than walking `/proc` once per pane.
pub fn parents() -> std::collections::HashMap<u32, u32> {
    let Ok(entries) = fs::read_dir("/proc") else { return Default::default() };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter_map(|pid| Some((pid, parent_of(pid)?)))
        .collect()
}

/// Processes whose parent is `pid` (a pane's shell: the client started from it).
pub fn children(pid: u32) -> Vec<u32> {
    parents().into_iter().filter(|(_, parent)| *parent == pid).map(|(child, _)| child).collect()
}

pub fn is_alive(pid: u32) -> bool {
    pid != 0 && fs::metadata(format!("/proc/{pid}")).is_ok()
}

/// Whether `ancestor` is `pid` itself or one of its ancestors.
pub fn descends_from(pid: u32, ancestor: u32) -> bool {
    let mut current = pid;
    for _ in 0..64 {
        if current == ancestor {
            return true;
        }
        match parent_of(current) {
            Some(parent) if parent != 0 && parent != current => current = parent,
            _ => return false,
        }
    }
    false
}

/// A process's argv, from `/proc/<pid>/cmdline`, when it is ours to read.
pub fn cmdline(pid: u32) -> Option<Vec<String>> {
    let raw = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let argv: Vec<String> =
        raw.split(|b| *b == 0).filter(|a| !a.is_empty()).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
    (!argv.is_empty()).then_some(argv)
}

/// One variable of a process's environment, when it is ours to read.
pub fn env_var(pid: u32, name: &str) -> Option<String> {
    let environ = fs::read(format!("/proc/{pid}/environ")).ok()?;
    environ.split(|b| *b == 0).find_map(|entry| {
        let entry = std::str::from_utf8(entry).ok()?;
        let (key, value) = entry.split_once('=')?;
        (key == name).then(|| value.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_descends_from_its_parent() {
        let me = std::process::id();
        let parent = parent_of(me).expect("parent pid");
        assert!(descends_from(me, parent));
        assert!(descends_from(me, me));
        assert!(!descends_from(parent, me));
        assert!(is_alive(me));
        assert!(!is_alive(0));
    }

    #[test]
    fn reads_own_command_line() {
        let argv = cmdline(std::process::id()).expect("own cmdline");
        assert_eq!(argv.first().map(String::as_str), std::env::args().next().as_deref());
    }

    #[test]
    fn reads_own_environment() {
        assert!(env_var(std::process::id(), "PATH").is_some());
        assert_eq!(env_var(std::process::id(), "CCFAIL_SURELY_UNSET_VARIABLE"), None);
    }
}
