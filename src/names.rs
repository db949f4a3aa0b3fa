//! The rules for names that end up in paths or tmux targets.
//!
//! Task ids, account names and session names are typed by people and scripts; they are
//! checked here before any path is joined or any tmux target is built from them.

/// `[A-Za-z0-9._-]+` and not `.` or `..`: safe as one path component.
pub fn is_safe_component(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// `[A-Za-z0-9_-]+`: a tmux session name that tmux keeps as given. tmux rewrites `.`
/// and `:` in session names (they separate window and pane in a target), so a name
/// with them would never be found again.
pub fn is_tmux_session_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
}

/// A model name as Claude Code's `--model` takes it (`opus`, `claude-sonnet-4-5`,
/// `sonnet[1m]`): it ends up on a command line, so nothing a shell would interpret.
pub fn is_model_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('-')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':' | b'[' | b']'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_components() {
        for ok in ["task-1", "a.b_c", "T.md", "..x"] {
            assert!(is_safe_component(ok), "{ok}");
        }
        for bad in ["", ".", "..", "a/b", "../x", "a b", "$(x)", "é", "a\nb"] {
            assert!(!is_safe_component(bad), "{bad:?}");
        }
    }

    #[test]
    fn tmux_session_names() {
        assert!(is_tmux_session_name("pool-12"));
        assert!(is_tmux_session_name("main_work"));
        for bad in ["", "a.b", "a:b", "a b", "x/y"] {
            assert!(!is_tmux_session_name(bad), "{bad:?}");
        }
    }
}
