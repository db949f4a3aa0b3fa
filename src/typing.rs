//! Typing into a pane so that exactly ccfail's text is submitted, and reading only what
//! appeared after it.
//!
//! A run killed between typing and Enter leaves its text in the client's input box or on
//! the shell's command line; the next text typed there would be appended to it (one
//! prompt holding two tasks, a start command with a garbled flag). So every line is
//! typed by one protocol: clear the line (`C-e C-u`: end of line, kill to its start, as
//! both readline shells and Claude Code's box take it), check it is empty, type the text
//! literally, check that exactly that text is there, and only then press Enter. A check
//! that fails leaves the line cleared and says what it saw.
//!
//! Screens are read from the line ccfail typed on: [`after_typed`] drops everything above
//! it, so stale text on the screen (an old error, an `echo`) never decides.
//!
//! This module owns the keys; it does not judge whether a prompt *arrived* (that is
//! [`crate::delivery`]) or what a client is doing (that is [`crate::screen`]).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::screen;
use crate::tmux::Tmux;

/// The keys that empty a line: end of line, then kill to its start.
pub const CLEAR_KEYS: [&str; 2] = ["C-e", "C-u"];

/// How long a cleared or typed line may take to show.
const SHOW_WAIT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(30);

/// Text as compared on screen: no whitespace (the client and tmux wrap it).
pub fn signature(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The lines after the last one that ends with `typed` (whitespace ignored): what the
/// pane printed after ccfail typed that line. `None` when the line is not on screen.
pub fn after_typed(text: &str, typed: &str) -> Option<String> {
    let want = signature(typed);
    let keep = want.chars().count().min(48);
    let tail: String = want.chars().skip(want.chars().count() - keep).collect();
    if tail.is_empty() {
        return None;
    }
    let lines: Vec<&str> = text.lines().collect();
    let index = lines.iter().rposition(|line| signature(line).ends_with(&tail))?;
    Some(lines[index + 1..].join("\n"))
}

/// The last non-blank line of a capture: a shell's command line.
fn last_line(text: &str) -> &str {
    text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim_end()
}

/// A shell line holding nothing but its prompt: `$`, `user@host:~/w$`, `%`, `#`, `>`, `❯`.
pub fn is_bare_prompt(line: &str) -> bool {
    let line = line.trim_end();
    line.chars().count() <= 160 && line.ends_with(['$', '#', '%', '>', '❯'])
}

/// Types `text` on the pane's shell line and presses Enter, by the protocol above.
pub fn shell_line(tmux: &Tmux, pane: &str, text: &str, enter_delay: Duration) -> Result<()> {
    tmux.send_keys(pane, &CLEAR_KEYS)?;
    let prompt = poll(tmux, pane, |screen| is_bare_prompt(last_line(screen)).then(|| last_line(screen).to_owned()))
        .map_err(|seen| {
            anyhow::anyhow!(
                "pane {pane}: the shell line could not be cleared (it shows {:?}); nothing was typed",
                last_line(&seen)
            )
        })?;
    let want = signature(&prompt) + &signature(text);
    tmux.send_literal(pane, text)?;
    if let Err(seen) = poll(tmux, pane, |screen| (signature(last_line(screen)) == want).then_some(())) {
        let _ = tmux.send_keys(pane, &CLEAR_KEYS);
        bail!(
            "pane {pane}: the shell line shows {:?} instead of the command typed; it was cleared, Enter not pressed",
            last_line(&seen)
        );
    }
    std::thread::sleep(enter_delay);
    tmux.send_keys(pane, &["Enter"])?;
    Ok(())
}

/// Polls one pane until `check` accepts its visible text; the last text on timeout.
fn poll<T>(tmux: &Tmux, pane: &str, check: impl Fn(&str) -> Option<T>) -> std::result::Result<T, String> {
    let started = Instant::now();
    loop {
        let text = tmux.capture_one(pane).unwrap_or_default();
        if let Some(found) = check(&text) {
            return Ok(found);
        }
        if started.elapsed() >= SHOW_WAIT {
            return Err(text);
        }
        std::thread::sleep(POLL);
    }
}

/// What the input box holds in a capture (`None`: no box on screen).
fn box_text(text: &str) -> Option<String> {
    screen::parse(text).input_box().map(|b| b.text.clone())
}

/// Types each prompt into its pane's Claude Code input box and presses Enter where
/// exactly that prompt is in the box: every box is cleared and checked empty first, all
/// panes in one tmux call per step. Returns, per item, `Ok` (Enter pressed) or why not.
/// `before_enter` runs once between the checks and Enter (a crash point for the tests).
pub fn box_prompts(
    tmux: &Tmux,
    items: &[(&str, &str)],
    enter_delay: Duration,
    before_enter: impl Fn(),
) -> Vec<Result<(), String>> {
    let mut results: Vec<Option<Result<(), String>>> = vec![None; items.len()];
    let panes: Vec<&str> = items.iter().map(|(pane, _)| *pane).collect();
    // 1. Clear every box, and check each is empty (a second round for a stubborn one).
    let mut cleared = vec![false; items.len()];
    for round in 0..2 {
        let todo: Vec<&str> = (0..items.len()).filter(|&i| !cleared[i]).map(|i| panes[i]).collect();
        if todo.is_empty() {
            break;
        }
        if let Err(err) = tmux.send_keys_many(&todo, &CLEAR_KEYS) {
            for i in (0..items.len()).filter(|&i| !cleared[i]) {
                results[i] = Some(Err(format!("could not clear the input box: {err}")));
            }
            return finish(results);
        }
        let seen = poll_many(tmux, &todo, |_, text| box_text(text).is_some_and(|t| t.is_empty()), round == 1);
        for i in 0..items.len() {
            if let Some(ok) = seen.get(panes[i]).map(|(ok, _)| *ok) {
                cleared[i] = ok;
            }
            if round == 1 && !cleared[i] && results[i].is_none() {
                let shows = seen.get(panes[i]).and_then(|(_, t)| box_text(t));
                results[i] = Some(Err(match shows {
                    Some(text) => format!("the input box still holds {text:?} after clearing; nothing typed"),
                    None => "no input box on screen; nothing typed".to_owned(),
                }));
            }
        }
    }
    // 2. Type into the empty boxes, all in one call.
    let typed: Vec<usize> = (0..items.len()).filter(|&i| cleared[i]).collect();
    let sends: Vec<(&str, &str)> = typed.iter().map(|&i| items[i]).collect();
    if let Err(err) = tmux.send_literal_many(&sends) {
        // tmux stops at a pane that is gone: the check below tells which got their text.
        let _ = err;
    }
    // 3. Exactly the prompt in the box, or cleared again and reported.
    let want: BTreeMap<&str, String> = typed.iter().map(|&i| (items[i].0, signature(items[i].1))).collect();
    let typed_panes: Vec<&str> = typed.iter().map(|&i| panes[i]).collect();
    let seen =
        poll_many(tmux, &typed_panes, |pane, text| box_text(text).is_some_and(|t| signature(&t) == want[pane]), true);
    let mut enter = Vec::new();
    let mut wrong = Vec::new();
    for &i in &typed {
        match seen.get(panes[i]) {
            Some((true, _)) => enter.push(panes[i]),
            other => {
                let shows = other.and_then(|(_, t)| box_text(t)).unwrap_or_default();
                wrong.push(panes[i]);
                results[i] = Some(Err(format!(
                    "the input box shows {shows:?}, not the prompt typed; it was cleared, Enter not pressed"
                )));
            }
        }
    }
    let _ = tmux.send_keys_many(&wrong, &CLEAR_KEYS);
    if !enter.is_empty() {
        std::thread::sleep(enter_delay);
        before_enter();
        match tmux.send_keys_many(&enter, &["Enter"]) {
            Ok(()) => {
                for &i in &typed {
                    results[i].get_or_insert(Ok(()));
                }
            }
            Err(err) => {
                for &i in &typed {
                    results[i].get_or_insert(Err(format!("pressing Enter: {err}")));
                }
            }
        }
    }
    finish(results)
}

fn finish(results: Vec<Option<Result<(), String>>>) -> Vec<Result<(), String>> {
    results.into_iter().map(|r| r.unwrap_or_else(|| Err("not typed".to_owned()))).collect()
}

/// Polls several panes in one capture per round until `check` holds for each (or the
/// wait ends when `full_wait`, else after a short settle). Pane → (held, last text).
fn poll_many(
    tmux: &Tmux,
    panes: &[&str],
    check: impl Fn(&str, &str) -> bool,
    full_wait: bool,
) -> BTreeMap<String, (bool, String)> {
    let wait = if full_wait { SHOW_WAIT } else { SHOW_WAIT / 6 };
    let started = Instant::now();
    let mut seen: BTreeMap<String, (bool, String)> = BTreeMap::new();
    loop {
        let pending: Vec<&str> = panes.iter().copied().filter(|p| !seen.get(*p).is_some_and(|(ok, _)| *ok)).collect();
        if pending.is_empty() {
            return seen;
        }
        let captures = tmux.capture(&pending, 0).unwrap_or_default();
        for pane in &pending {
            let text = captures.get(*pane).cloned().unwrap_or_default();
            let ok = check(pane, &text);
            seen.insert((*pane).to_owned(), (ok, text));
        }
        if started.elapsed() >= wait {
            return seen;
        }
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_follows_the_typed_line_is_read() {
        let screen = "$ echo \"No conversation found with session ID: demo\"\nNo conversation found with session ID: demo\n$ CLAUDE_CONFIG_DIR=/h/b claude --resume 16f0303f-a5ff-4bff-aa41-ae805466f957\n╭───╮\n│ welcome │\n";
        let after =
            after_typed(screen, "CLAUDE_CONFIG_DIR=/h/b claude --resume 16f0303f-a5ff-4bff-aa41-ae805466f957").unwrap();
        assert!(!after.contains("No conversation"), "{after}");
        assert!(after.contains("welcome"));
        assert_eq!(after_typed(screen, "something never typed"), None);
        // The newest of two identical lines counts.
        let twice = "$ go\nold output\n$ go\nnew output\n";
        assert_eq!(after_typed(twice, "go").unwrap(), "new output");
    }

    #[test]
    fn a_bare_prompt_is_a_prompt_and_leftover_text_is_not() {
        assert!(is_bare_prompt("$"));
        assert!(is_bare_prompt("op@host:~/work$"));
        assert!(is_bare_prompt("❯"));
        assert!(!is_bare_prompt("$ --model sonnet"));
        assert_eq!(last_line("a\n$ x\n\n\n"), "$ x");
        assert_eq!(signature(" a b\n c "), "abc");
    }
}
