//! Reading a captured Claude Code pane: where the input box is, which lines belong to the
//! latest exchange, what the client is doing, and the session id it printed on exit.
//!
//! The layout knowledge lives here and nowhere else (see `tests/fixtures/claude-code/2.1.197/`,
//! captured from client 2.1.197): the conversation at the top, then the input box (a
//! full-width `─` rule, the `❯ ` input line, another rule, a footer), blank below. Dialogs
//! (trust, permission, the Pro plan's `/rate-limit-options`) replace the box with a rule and
//! their own text.
//!
//! Pure: text in, [`Screen`] out. Capturing the pane is `tmux`'s job; deciding whether a
//! message is a limit notice is `quota`'s. This module must not learn about either.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

/// What the client in the pane appears to be doing, judged from the screen alone. The
/// client's own `sessions/<pid>.json` and the hooks are better signals; this is the last
/// resort and the only one that sees dialogs and a client that has exited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenActivity {
    /// The input box under a spinner line (`✶ Schlepping… (4s · …)`), a retry line (`✻ 529
    /// Overloaded · Retrying…`), or under a prompt nothing has answered yet.
    Working,
    /// The input box and no turn running: whatever the footer says (it names the permission
    /// mode, a limit notice, …).
    Idle,
    /// A tool permission question (`Do you want to proceed?`) holds the keyboard.
    WaitingPermission,
    /// A dialog holds the keyboard: anything typed goes to it, so press Escape first.
    Modal(ModalKind),
    /// The first start in a folder under this config dir: `Yes, I trust this folder`.
    TrustDialog,
    /// The client has exited (`Resume this session with:`) or never started; a shell prompt
    /// is the last thing on the screen.
    Shell,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModalKind {
    /// The Pro plan opens `/rate-limit-options` by itself at the first limit hit.
    RateLimitOptions,
    /// `Detected a custom API key in your environment`.
    ApiKeyPrompt,
    /// `WARNING: Claude Code running in Bypass Permissions mode` (its default is `No, exit`).
    BypassPermissions,
    Other,
}

/// The input box: rule, `❯ ` line(s), rule, footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputBox {
    pub top_rule: usize,
    /// The `❯` line; what is typed may go on below it up to `bottom_rule`.
    pub input_line: usize,
    pub bottom_rule: usize,
    /// What is typed in the box (empty when idle), lines joined with `\n`.
    pub text: String,
    /// The footer lines under the box, up to the first blank line.
    pub footer: Range<usize>,
}

/// Where the latest exchange's lines begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeStart {
    /// At the latest `❯ <prompt>` line (slash commands such as the client's own
    /// `/rate-limit-options` do not start an exchange: they talk to no model).
    Prompt,
    /// Just below a line that ends an older client's screen: its welcome banner's bottom
    /// edge, a rule of an older box or dialog, `Resume this session with:`, `No conversation
    /// found`. Nothing above it belongs to the client now running.
    AfterBoundary,
    /// Neither is visible: the prompt scrolled off the top, so every visible line belongs to
    /// the exchange (a newer prompt would be visible below it).
    TopOfCapture,
}

/// Where the latest exchange's lines end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeEnd {
    /// At the input box's top rule: the normal case.
    InputBox,
    /// No box: a dialog replaced it; its top rule ends the exchange (the Pro limit modal, a
    /// permission question, the trust dialog).
    DialogTop,
    /// No box and no rule: the last non-blank line ends it (a client that printed and left).
    EndOfText,
}

/// The lines of the latest exchange and how their edges were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub lines: Range<usize>,
    pub start: ExchangeStart,
    pub end: ExchangeEnd,
}

/// A parsed capture. Line indices refer to [`Screen::lines`].
#[derive(Debug, Clone)]
pub struct Screen {
    lines: Vec<String>,
    width: Option<usize>,
    input_box: Option<InputBox>,
    exchange: Exchange,
    activity: ScreenActivity,
    resume_id: Option<String>,
    latest_prompt: Option<String>,
    dialog: Option<Dialog>,
}

/// Shortest run of `─` taken for a rule: the box is as wide as the pane, and a pane narrower
/// than this cannot show Claude Code usefully anyway.
const MIN_RULE_CHARS: usize = 10;

/// Glyphs that open a block of the conversation: assistant text or tool call (`●`, `⏺` in
/// older clients), tool output or notice (`⎿`), prompt (`❯`), spinner and status (`✻` …).
const BLOCK_MARKERS: &[char] = &['●', '⏺', '⎿', '❯', '✻', '✶', '✳', '✢', '✽', '·'];
const SPINNER_GLYPHS: &str = "✻✶✳✢✽·*";

static RESUME_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*claude\s+--resume\s+(?<id>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\s*$")
        .expect("resume regex")
});

/// A slash command as typed at the prompt: one word after `/`, so `/home/op01/…` is a prompt.
static SLASH_COMMAND: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^/[A-Za-z][A-Za-z0-9_:-]*(?:\s|$)").expect("slash regex"));

static SPINNER_WORKING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^[{SPINNER_GLYPHS}]\s+(?:\S+…|.*\b(?i:retrying)\b)")).expect("working spinner regex")
});

/// The last line of a shell prompt: `$`, `user@host:~/work$`, zsh's `%`, root's `#`.
static SHELL_PROMPT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[$#%>❯]$").expect("shell prompt regex"));

static PERMISSION_QUESTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*Do you want to (?:proceed|make this edit|create|allow|run|fetch)\b").expect("permission regex")
});

/// Parses a `tmux capture-pane -p` (with or without `-J`, with or without scrollback).
/// The pane width is taken from the widest rule; see [`Screen::parse_with_width`].
pub fn parse(text: &str) -> Screen {
    Screen::parse_with_width(text, None)
}

impl Screen {
    /// Like [`parse`], with the pane width when the caller knows it (`#{pane_width}`); it
    /// tells a line that tmux wrapped at the pane edge from one that simply ended.
    pub fn parse_with_width(text: &str, width: Option<usize>) -> Screen {
        let lines: Vec<String> = text.split('\n').map(|line| line.trim_end().to_owned()).collect();
        let width = width
            .or_else(|| lines.iter().filter(|l| is_rule(l)).map(|l| l.chars().count()).max())
            .filter(|w| *w >= MIN_RULE_CHARS);
        // A box with a newer frame below it (a dialog's rule, a new client's banner) belongs
        // to a client that has exited; the newer frame is what the pane shows now.
        let input_box = find_input_box(&lines)
            .filter(|b| !lines[b.bottom_rule + 1..].iter().any(|l| is_rule(l) || l.starts_with('╭')));
        let exchange_end = match &input_box {
            Some(input) => (input.top_rule, ExchangeEnd::InputBox),
            None => match lines.iter().rposition(|l| is_rule(l) || is_dialog_rule(l)) {
                Some(rule) => (rule, ExchangeEnd::DialogTop),
                None => (lines.iter().rposition(|l| !l.trim().is_empty()).map_or(0, |i| i + 1), ExchangeEnd::EndOfText),
            },
        };
        let (start, start_kind, latest_prompt_line) = find_exchange_start(&lines, exchange_end.0);
        let exchange = Exchange { lines: start..exchange_end.0, start: start_kind, end: exchange_end.1 };
        let latest_prompt = latest_prompt_line.map(|line| prompt_text(&lines, line, width));
        let resume_id = lines.iter().rev().find_map(|l| RESUME_LINE.captures(l).map(|c| c["id"].to_lowercase()));
        let activity = judge_activity(&lines, input_box.as_ref(), &exchange);
        let dialog = match (&input_box, activity) {
            (None, ScreenActivity::Shell) | (Some(_), _) => None,
            (None, _) => {
                let region = &lines[exchange.lines.end.min(lines.len())..];
                dialog_kind(region).map(|kind| Dialog { kind, options: dialog_options(region) })
            }
        };
        Screen { lines, width, input_box, exchange, activity, resume_id, latest_prompt, dialog }
    }

    /// The capture's lines, trailing blanks trimmed.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// The pane width as given or as inferred from the rules.
    pub fn width(&self) -> Option<usize> {
        self.width
    }

    pub fn input_box(&self) -> Option<&InputBox> {
        self.input_box.as_ref()
    }

    pub fn exchange(&self) -> &Exchange {
        &self.exchange
    }

    pub fn exchange_lines(&self) -> &[String] {
        &self.lines[self.exchange.lines.clone()]
    }

    /// The latest exchange as logical messages, the prompt itself left out: each message is
    /// one block of the conversation (a `●`/`⎿`/`✻` line and its continuation lines) joined
    /// into one line. Wrapping is undone both ways it happens: the client's own word-wrap
    /// (continuations indented, joined with a space) and tmux's wrap at the pane edge in a
    /// capture without `-J` (the previous line fills the width, joined without one).
    pub fn exchange_messages(&self) -> Vec<String> {
        blocks(&self.lines[self.exchange.lines.clone()], self.width)
            .into_iter()
            .filter(|block| !block.starts_with('❯'))
            .collect()
    }

    /// The footer under the input box (notices such as a usage warning live there), empty
    /// when there is no box.
    pub fn footer(&self) -> Vec<&str> {
        self.input_box
            .as_ref()
            .map_or_else(Vec::new, |b| self.lines[b.footer.clone()].iter().map(String::as_str).collect())
    }

    pub fn activity(&self) -> ScreenActivity {
        self.activity
    }

    /// The dialog that holds the keyboard instead of the input box, with its options.
    pub fn dialog(&self) -> Option<&Dialog> {
        self.dialog.as_ref()
    }

    /// The id from the last `claude --resume <uuid>` line the client printed on exit
    /// (lower-cased), for relaunching a session whose id is not otherwise known.
    pub fn resume_id(&self) -> Option<&str> {
        self.resume_id.as_deref()
    }

    /// The latest prompt of the running client (slash commands included), continuation lines
    /// joined: lets a caller check that the prompt it sent arrived.
    pub fn latest_prompt(&self) -> Option<&str> {
        self.latest_prompt.as_deref()
    }
}

fn is_rule(line: &str) -> bool {
    line.starts_with('─') && line.chars().count() >= MIN_RULE_CHARS && line.chars().all(|c| c == '─')
}

/// The top edge 2.1.332 draws over a modal in place of the box (`▔▔▔…`).
fn is_dialog_rule(line: &str) -> bool {
    line.starts_with('▔') && line.chars().count() >= MIN_RULE_CHARS && line.chars().all(|c| c == '▔')
}

/// The `❯` line at column 0 (the input box and history prompts; dialog choices are indented).
fn is_prompt_line(line: &str) -> bool {
    line.starts_with('❯')
}

/// Text after `❯` and the space (or NBSP) the client puts after it.
fn after_prompt_glyph(line: &str) -> &str {
    line.strip_prefix('❯').unwrap_or(line).trim()
}

/// The last rule / `❯` line / rule sequence. The last one wins, so an older box left on
/// screen by an exited client above a newer one does not count.
fn find_input_box(lines: &[String]) -> Option<InputBox> {
    (1..lines.len()).rev().find_map(|input_line| {
        if !is_prompt_line(&lines[input_line]) || !is_rule(&lines[input_line - 1]) {
            return None;
        }
        let bottom_rule = (input_line + 1..lines.len()).find(|&i| is_rule(&lines[i]) || is_prompt_line(&lines[i]))?;
        if !is_rule(&lines[bottom_rule]) {
            return None;
        }
        let text = std::iter::once(after_prompt_glyph(&lines[input_line]))
            .chain(lines[input_line + 1..bottom_rule].iter().map(|l| l.trim()))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_owned();
        let footer_end = (bottom_rule + 1..lines.len()).find(|&i| lines[i].trim().is_empty()).unwrap_or(lines.len());
        Some(InputBox { top_rule: input_line - 1, input_line, bottom_rule, text, footer: bottom_rule + 1..footer_end })
    })
}

/// A line above which nothing belongs to the client now running.
fn is_boundary(line: &str) -> bool {
    is_rule(line)
        || is_dialog_rule(line)
        || line.starts_with('╰')
        || line.contains("Resume this session with:")
        || line.starts_with("No conversation found with session ID")
}

/// Scans up from `end` for the line that opens the latest exchange. Returns its index, how it
/// was found, and the latest prompt line of any kind (slash commands included).
fn find_exchange_start(lines: &[String], end: usize) -> (usize, ExchangeStart, Option<usize>) {
    let mut latest_prompt = None;
    for index in (0..end).rev() {
        let line = &lines[index];
        if is_prompt_line(line) && !after_prompt_glyph(line).is_empty() {
            latest_prompt.get_or_insert(index);
            if !SLASH_COMMAND.is_match(after_prompt_glyph(line)) {
                return (index, ExchangeStart::Prompt, latest_prompt);
            }
        } else if is_boundary(line) {
            return (index + 1, ExchangeStart::AfterBoundary, latest_prompt);
        }
    }
    (0, ExchangeStart::TopOfCapture, latest_prompt)
}

fn prompt_text(lines: &[String], prompt_line: usize, width: Option<usize>) -> String {
    let block = blocks(&lines[prompt_line..], width).into_iter().next().unwrap_or_default();
    after_prompt_glyph(&block).to_owned()
}

fn starts_block(line: &str) -> bool {
    line.trim_start().starts_with(BLOCK_MARKERS)
}

/// Splits lines into conversation blocks and joins each into one line (see
/// [`Screen::exchange_messages`]). Blank lines always end a block.
fn blocks(lines: &[String], width: Option<usize>) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    let mut previous: &str = "";
    for line in lines {
        if line.trim().is_empty() {
            blocks.extend(current.take());
            previous = "";
            continue;
        }
        if let (Some(block), Some(separator)) = (current.as_mut(), continuation(previous, line, width)) {
            block.push_str(separator);
            block.push_str(if separator.is_empty() { line } else { line.trim_start() });
        } else {
            blocks.extend(current.take());
            current = Some(line.trim_start().to_owned());
        }
        previous = line;
    }
    blocks.extend(current);
    blocks
}

/// Whether `line` goes on the block that `previous` belongs to, and with what separator.
fn continuation(previous: &str, line: &str, width: Option<usize>) -> Option<&'static str> {
    let previous_chars = previous.chars().count();
    let at_col_0 = !line.starts_with(char::is_whitespace);
    match width {
        // tmux wrapped a line that filled the pane; the cut may fall inside a word.
        Some(width) if previous_chars == width => return Some(""),
        // …or right after a space, which the capture then trimmed from the line's end.
        Some(width) if previous_chars + 1 == width && at_col_0 && !line.starts_with(['❯', '●', '⏺', '─']) => {
            return Some(" ");
        }
        _ => {}
    }
    // The client's own word-wrap indents continuation lines under the block's text.
    (!previous.is_empty() && !at_col_0 && !starts_block(line)).then_some(" ")
}

fn judge_activity(lines: &[String], input_box: Option<&InputBox>, exchange: &Exchange) -> ScreenActivity {
    // What came after the client's last frame: below the box's footer, or below the dialog.
    let after_client = input_box.map_or(exchange.lines.end, |b| b.footer.end);
    let tail = &lines[after_client.min(lines.len())..];
    let last_text = lines.iter().rev().find(|l| !l.trim().is_empty()).map(|l| l.trim());
    let shell_below = tail.iter().any(|l| l.contains("Resume this session with:"))
        || tail.iter().rev().find(|l| !l.trim().is_empty()).is_some_and(|l| SHELL_PROMPT.is_match(l.trim()));

    match input_box {
        Some(_) if shell_below => ScreenActivity::Shell,
        // The box is up: the client is working when the exchange's status line is a spinner
        // (or a retry), or when a prompt was just taken and nothing answered it yet; else it
        // is idle. The footer is never read: it changes with the permission mode and the
        // version (`? for shortcuts`, `⏵⏵ auto mode on`, `⏵⏵ bypass permissions on`, a
        // limit notice), while this structure has held in every capture.
        Some(_) => {
            let exchange_lines = &lines[exchange.lines.clone()];
            let status = exchange_lines
                .iter()
                .rev()
                .find(|l| l.starts_with(|c| SPINNER_GLYPHS.contains(c)) && l.chars().nth(1) == Some(' '));
            let unanswered = exchange.start == ExchangeStart::Prompt && prompt_is_all(exchange_lines);
            if status.is_some_and(|s| SPINNER_WORKING.is_match(s)) || unanswered {
                ScreenActivity::Working
            } else {
                ScreenActivity::Idle
            }
        }
        None => {
            let region = &lines[exchange.lines.end.min(lines.len())..];
            if last_text.is_some_and(|l| SHELL_PROMPT.is_match(l))
                || region.iter().any(|l| l.contains("Resume this session with:"))
            {
                return ScreenActivity::Shell;
            }
            match dialog_kind(region) {
                Some(DialogKind::Trust) => ScreenActivity::TrustDialog,
                Some(DialogKind::Permission) => ScreenActivity::WaitingPermission,
                Some(DialogKind::ApiKey) => ScreenActivity::Modal(ModalKind::ApiKeyPrompt),
                Some(DialogKind::RateLimitOptions) => ScreenActivity::Modal(ModalKind::RateLimitOptions),
                Some(DialogKind::BypassPermissions) => ScreenActivity::Modal(ModalKind::BypassPermissions),
                Some(DialogKind::Other) => ScreenActivity::Modal(ModalKind::Other),
                None => ScreenActivity::Unknown,
            }
        }
    }
}

/// Whether the exchange holds nothing but its prompt: the client took it and has not drawn
/// anything for it yet (the spinner follows within a frame).
fn prompt_is_all(exchange: &[String]) -> bool {
    let Some((first, rest)) = exchange.split_first() else { return false };
    is_prompt_line(first) && rest.iter().all(|l| l.trim().is_empty() || (l.starts_with("  ") && !starts_block(l)))
}

/// What a dialog is about, from its text: the words that name it, not where its options sit.
fn dialog_kind(region: &[String]) -> Option<DialogKind> {
    let has = |needle: &str| region.iter().any(|l| l.to_lowercase().contains(needle));
    if has("accessing workspace:") || has("i trust this folder") || has("do you trust the files") {
        Some(DialogKind::Trust)
    } else if has("bypass permissions mode") {
        Some(DialogKind::BypassPermissions)
    } else if has("do you want to use this api key?") {
        Some(DialogKind::ApiKey)
    } else if has("what do you want to do?") || has("wait for limit to reset") || has("wait for the limit") {
        Some(DialogKind::RateLimitOptions)
    } else if region.iter().any(|l| PERMISSION_QUESTION.is_match(l)) {
        Some(DialogKind::Permission)
    } else if has("esc to cancel") || has("enter to confirm") {
        Some(DialogKind::Other)
    } else {
        None
    }
}

/// What a dialog asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogKind {
    /// Trust the folder (first start in it under this config dir).
    Trust,
    /// `--dangerously-skip-permissions` without `skipDangerousModePermissionPrompt`.
    BypassPermissions,
    /// The Pro plan's `/rate-limit-options`.
    RateLimitOptions,
    ApiKey,
    /// A tool permission question.
    Permission,
    Other,
}

/// One choice of a dialog as drawn: ` ❯ 1. Yes, I trust this folder`, `   No, exit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogOption {
    /// The number the client drew before it (`1.`), when it drew one.
    pub number: Option<u32>,
    /// The option's words, number and selector left out.
    pub text: String,
    /// The selector `❯` is on it.
    pub selected: bool,
}

/// A dialog that replaced the input box: what it asks and its options in screen order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    pub kind: DialogKind,
    pub options: Vec<DialogOption>,
}

/// What ccfail wants of a dialog it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Trust the folder, accept bypass mode, wait for the limit: go on working.
    GoOn,
}

static OPTION_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?<n>\d{1,2})\.\s+").expect("option number regex"));

/// The options of the dialog below `start`: the line with the indented selector `❯` and
/// its neighbours drawn at the same indent, numbered or not.
fn dialog_options(region: &[String]) -> Vec<DialogOption> {
    let Some((at, column)) = region.iter().enumerate().find_map(|(i, line)| {
        let column = line.find('❯')?;
        (column > 0 && line[..column].trim().is_empty()).then_some((i, column))
    }) else {
        return Vec::new();
    };
    // Each option line: `column` spaces, then `❯ ` or two spaces, then the text.
    let option_at = |line: &str| -> Option<(bool, String)> {
        let head = line.get(..column)?;
        if !head.trim().is_empty() {
            return None;
        }
        let rest = &line[column..];
        let (selected, text) = match rest.strip_prefix('❯') {
            Some(text) => (true, text),
            None => (false, rest.strip_prefix("  ")?),
        };
        let text = text.trim_start_matches([' ', '\u{a0}']);
        // A deeper indent is an option's description, not an option.
        let indent = rest.len() - rest.trim_start().len();
        (!text.is_empty() && (selected || indent == 2)).then(|| (selected, text.trim_end().to_owned()))
    };
    let mut first = at;
    while first > 0 && !region[first - 1].trim().is_empty() && option_at(&region[first - 1]).is_some() {
        first -= 1;
    }
    let mut options = Vec::new();
    for line in &region[first..] {
        if line.trim().is_empty() {
            break;
        }
        match option_at(line) {
            Some((selected, text)) => {
                let (number, text) = match OPTION_NUMBER.captures(&text) {
                    Some(caps) => (caps["n"].parse().ok(), text[caps.get(0).map_or(0, |m| m.end())..].to_owned()),
                    None => (None, text),
                };
                options.push(DialogOption { number, text, selected });
            }
            // a description line under an option
            None if line.starts_with(&" ".repeat(column + 3)) => {}
            None => break,
        }
    }
    options
}

impl Dialog {
    /// The option that means `answer`, by its words: "Yes, I trust this folder", "Yes, I
    /// accept", "Stop and wait for limit to reset". `None` when no option means it (then
    /// nothing is pressed).
    pub fn option_for(&self, answer: Answer) -> Option<usize> {
        let Answer::GoOn = answer;
        let words = |o: &DialogOption| o.text.to_lowercase();
        let is_no = |t: &str| t.starts_with("no") || t.contains("exit") || t.contains("upgrade");
        match self.kind {
            DialogKind::Trust | DialogKind::BypassPermissions | DialogKind::Permission | DialogKind::ApiKey => {
                self.options.iter().position(|o| {
                    let t = words(o);
                    t.starts_with("yes") && !is_no(&t)
                })
            }
            // "Wait here, then continue automatically" (2.1.332) over "Stop and wait".
            DialogKind::RateLimitOptions => {
                let fits = |word: &str| {
                    self.options.iter().position(|o| {
                        let t = words(o);
                        t.contains(word) && !is_no(&t)
                    })
                };
                fits("continue").or_else(|| fits("wait"))
            }
            DialogKind::Other => None,
        }
    }

    /// The index of the option the selector is on.
    pub fn selected(&self) -> Option<usize> {
        self.options.iter().position(|o| o.selected)
    }

    /// The arrow keys that move the selector to option `target` (none when it is there).
    pub fn keys_to(&self, target: usize) -> Vec<&'static str> {
        let from = self.selected().unwrap_or(0);
        let key = if target < from { "Up" } else { "Down" };
        std::iter::repeat_n(key, from.abs_diff(target)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/claude-code/2.1.197");

    fn read_fixture(relative: &str) -> String {
        let path = format!("{FIXTURES}/{relative}");
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read fixture {path}: {e}"))
    }

    /// What a fixture screen must parse to.
    struct Expected {
        name: &'static str,
        has_box: bool,
        activity: ScreenActivity,
        start: ExchangeStart,
        end: ExchangeEnd,
        latest_prompt: Option<&'static str>,
        resume_id: Option<&'static str>,
        /// A text the exchange's messages must contain (the notice or error), or `None`
        /// when the exchange holds no client message of interest.
        message_with: Option<&'static str>,
    }

    const fn expect(
        name: &'static str,
        has_box: bool,
        activity: ScreenActivity,
        start: ExchangeStart,
        end: ExchangeEnd,
        latest_prompt: Option<&'static str>,
    ) -> Expected {
        Expected { name, has_box, activity, start, end, latest_prompt, resume_id: None, message_with: None }
    }

    impl Expected {
        const fn message(self, text: &'static str) -> Self {
            Expected { message_with: Some(text), ..self }
        }
        const fn resume(self, id: &'static str) -> Self {
            Expected { resume_id: Some(id), ..self }
        }
    }

    fn screen_fixtures() -> Vec<Expected> {
        use ExchangeEnd::{DialogTop, EndOfText, InputBox as Box};
        use ExchangeStart::{AfterBoundary, Prompt, TopOfCapture};
        use ScreenActivity::*;
        let limit_5h = "⎿ You've hit your session limit · resets 7am (UTC)";
        let limit_7d = "⎿ You've hit your weekly limit · resets Nov 24, 7am (UTC)";
        vec![
            expect("tui_key_dialog_apikey", false, Modal(ModalKind::ApiKeyPrompt), TopOfCapture, DialogTop, None),
            expect("tui_key_dialog_trust", false, TrustDialog, TopOfCapture, DialogTop, None),
            expect("tui_key_slow_done", true, Idle, Prompt, Box, Some("hello (slow)"))
                .message("● Working slowly on purpose"),
            expect("tui_key_slow_working_1", true, Working, Prompt, Box, Some("hello (slow)"))
                .message("✶ Schlepping… (1s"),
            expect("tui_key_slow_working_2", true, Working, Prompt, Box, Some("hello (slow)"))
                .message("✶ Schlepping… (4s"),
            expect("tui_key_tool_permission", false, WaitingPermission, Prompt, DialogTop, Some("hello"))
                .message("● Bash(touch mock-tool-marker.txt)"),
            expect("tui_resume_acct2_noshare", false, Shell, AfterBoundary, EndOfText, None),
            expect("tui_resume_acct3_symlink_dialog_trust", false, TrustDialog, TopOfCapture, DialogTop, None),
            expect("tui_resume_acct3_symlink_loaded", true, Idle, Prompt, Box, Some("continue"))
                .message("● Hello from the mock Anthropic server (reply 12"),
            expect("tui_sub_max20x_api_error", true, Idle, Prompt, Box, Some("hello"))
                .message("● API Error: 500 Internal server error."),
            expect("tui_sub_max20x_api_error_working", true, Working, Prompt, Box, Some("hello"))
                .message("✻ 500 Internal server error · Retrying in 2s"),
            expect("tui_sub_max20x_idle_fresh", true, Idle, AfterBoundary, Box, None),
            expect("tui_sub_max20x_normal", true, Idle, Prompt, Box, Some("hello"))
                .message("● Hello from the mock Anthropic server (reply 5"),
            expect("tui_sub_max20x_normal_after_exit", true, Shell, Prompt, Box, Some("hello"))
                .message("● Hello from the mock Anthropic server (reply 5")
                .resume("16f0303f-a5ff-4bff-aa41-ae805466f957"),
            expect("tui_sub_max20x_normal_dialog_trust", false, TrustDialog, TopOfCapture, DialogTop, None),
            expect("tui_sub_max20x_overloaded", true, Idle, Prompt, Box, Some("hello"))
                .message("● API Error: 529 Overloaded."),
            expect("tui_sub_max20x_overloaded_working", true, Working, Prompt, Box, Some("hello"))
                .message("✻ 529 Overloaded · Retrying in 2s"),
            expect("tui_sub_max20x_rl_5h_plain", true, Idle, Prompt, Box, Some("hello")).message(limit_5h),
            expect("tui_sub_max20x_rl_5h_plain_after_exit", true, Shell, Prompt, Box, Some("hello"))
                .message(limit_5h)
                .resume("63d48add-314a-4243-aa06-a7877be5ab5b"),
            expect("tui_sub_max20x_rl_7d_plain", true, Idle, Prompt, Box, Some("hello")).message(limit_7d),
            expect("tui_sub_max20x_rl_api", true, Idle, Prompt, Box, Some("hello"))
                .message("(mock-org) of 50 requests per minute. For details, refer to: https://docs.claude.com"),
            // The modal sits where the box was; the client typed /rate-limit-options itself,
            // which must not hide the limit notice of the exchange before it.
            expect(
                "tui_sub_pro_rl_5h_plain",
                false,
                Modal(ModalKind::RateLimitOptions),
                Prompt,
                DialogTop,
                Some("/rate-limit-options"),
            )
            .message(limit_5h),
            expect("tui_sub_pro_rl_5h_plain_after_enter", true, Idle, Prompt, Box, Some("hello")).message(limit_5h),
            expect("tui_sub_pro_rl_7d_plain_after_esc", true, Idle, Prompt, Box, Some("hello")).message(limit_7d),
        ]
    }

    #[track_caller]
    fn check(file: &str, screen: &Screen, want: &Expected) {
        assert_eq!(screen.input_box().is_some(), want.has_box, "{file}: input box");
        assert_eq!(screen.activity(), want.activity, "{file}: activity");
        assert_eq!(screen.exchange().start, want.start, "{file}: exchange start");
        assert_eq!(screen.exchange().end, want.end, "{file}: exchange end");
        assert_eq!(screen.latest_prompt(), want.latest_prompt, "{file}: latest prompt");
        assert_eq!(screen.resume_id(), want.resume_id, "{file}: resume id");
        let messages = screen.exchange_messages();
        match want.message_with {
            Some(text) => assert!(
                messages.iter().any(|m| m.split_whitespace().collect::<Vec<_>>().join(" ").contains(text)),
                "{file}: no message contains {text:?} in {messages:#?}"
            ),
            None => assert!(
                messages.iter().all(|m| !m.starts_with(['●', '⎿'])),
                "{file}: unexpected client message in {messages:#?}"
            ),
        }
        // every dialog ccfail answers has an option that means "go on", found by its words
        if let ScreenActivity::TrustDialog
        | ScreenActivity::Modal(ModalKind::RateLimitOptions | ModalKind::BypassPermissions) = want.activity
        {
            let dialog = screen.dialog().unwrap_or_else(|| panic!("{file}: no dialog parsed"));
            let yes = dialog.option_for(Answer::GoOn).unwrap_or_else(|| panic!("{file}: no yes in {dialog:?}"));
            assert!(dialog.selected().is_some(), "{file}: no selector in {dialog:?}");
            assert!(!dialog.options[yes].text.to_lowercase().contains("exit"), "{file}: {dialog:?}");
        }
        if want.start == ExchangeStart::Prompt {
            let first = &screen.lines()[screen.exchange().lines.start];
            assert!(first.starts_with("❯ "), "{file}: exchange opens at {first:?}");
        }
        if let Some(input) = screen.input_box() {
            // the box is the last thing of the client's frame: nothing but blank or footer
            // (or, after an exit, the shell) below it
            assert!(input.top_rule < input.input_line && input.input_line < input.bottom_rule, "{file}");
        }
    }

    #[test]
    fn every_fixture_screen_parses_as_expected() {
        let expected = screen_fixtures();
        let mut seen = 0;
        for entry in std::fs::read_dir(format!("{FIXTURES}/screens")).expect("screens dir") {
            let path = entry.expect("dir entry").path();
            let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let stem = file.trim_end_matches(".txt").trim_end_matches(".hist");
            let want = expected
                .iter()
                .find(|e| e.name == stem)
                .unwrap_or_else(|| panic!("screens/{file} has no row in screen_fixtures(); add one"));
            check(&file, &parse(&std::fs::read_to_string(&path).expect("fixture")), want);
            seen += 1;
        }
        assert_eq!(seen, 2 * expected.len(), "every row has a .txt and a .hist.txt");
    }

    /// Screens captured by the hook experiments: a Stop hook holding the turn, hook errors
    /// printed into the conversation, and the usage limit hit under a hook-logging client.
    #[test]
    fn hook_experiment_screens_parse_as_expected() {
        use ExchangeEnd::InputBox as Box;
        use ExchangeStart::Prompt;
        use ScreenActivity::{Idle, Working};
        let cases = [
            (
                "hooks/f_sleep_Stop_3s_after_turn_hook.txt",
                expect("", true, Working, Prompt, Box, Some("hello")).message("✢ Meandering… (running stop hook"),
            ),
            (
                "hooks/g_out_after_turn.txt",
                expect("", true, Idle, Prompt, Box, Some("hello"))
                    .message("⎿ Stop hook error: Failed with non-blocking status code"),
            ),
            (
                "hooks/b_rl5h_after_limit.txt",
                expect("", true, Idle, Prompt, Box, Some("hello"))
                    .message("⎿ You've hit your limit · resets 8am (UTC)"),
            ),
        ];
        for (file, want) in &cases {
            check(file, &parse(&read_fixture(file)), want);
        }
    }

    const WIDE: usize = 60;

    /// A client frame as the fixtures show it: conversation, blank, box, footer, blank rows.
    fn frame(width: usize, conversation: &[&str]) -> String {
        let rule = "─".repeat(width);
        let mut lines: Vec<String> = conversation.iter().map(|l| (*l).to_owned()).collect();
        lines.extend([String::new(), rule.clone(), "❯\u{a0}".to_owned(), rule, "  ? for shortcuts".to_owned()]);
        lines.extend(std::iter::repeat_n(String::new(), 5));
        lines.join("\n")
    }

    fn messages(text: &str) -> Vec<String> {
        parse(text).exchange_messages().iter().map(|m| m.split_whitespace().collect::<Vec<_>>().join(" ")).collect()
    }

    const NOTICE: &str = "  ⎿  You've hit your session limit · resets 7am (UTC)";
    const HINT: &str = "     /login to switch to an API usage-billed account.";
    const JOINED: &str =
        "⎿ You've hit your session limit · resets 7am (UTC) /login to switch to an API usage-billed account.";

    #[test]
    fn a_stale_limit_scrolled_above_a_newer_exchange_is_not_in_the_exchange() {
        let text = frame(
            WIDE,
            &[
                "❯ hello",
                NOTICE,
                HINT,
                "",
                "✻ Churned for 0s",
                "",
                "❯ hello again",
                "",
                "● Hello back.",
                "",
                "✻ Baked for 1s",
            ],
        );
        let screen = parse(&text);
        assert_eq!(screen.latest_prompt(), Some("hello again"));
        assert_eq!(messages(&text), ["● Hello back.", "✻ Baked for 1s"]);
    }

    #[test]
    fn a_stale_limit_of_an_exited_client_does_not_reach_a_new_one() {
        // after a swap: the old client's last frame, its exit, the relaunch under another account
        let old = frame(WIDE, &["❯ hello", NOTICE, HINT]);
        let relaunch = "Resume this session with:\nclaude --resume 63d48add-314a-4243-aa06-a7877be5ab5b\n$ claude --resume 63d48add-314a-4243-aa06-a7877be5ab5b";
        let banner = "╭─── Claude Code ───╮\n│ Welcome back! │\n╰───────────────────╯\n";

        let fresh = format!("{old}\n{relaunch}\n{banner}\n{}", frame(WIDE, &[]));
        let screen = parse(&fresh);
        assert_eq!(screen.exchange().start, ExchangeStart::AfterBoundary);
        assert_eq!(screen.activity(), ScreenActivity::Idle);
        assert!(messages(&fresh).is_empty(), "{:?}", messages(&fresh));
        assert_eq!(screen.resume_id(), Some("63d48add-314a-4243-aa06-a7877be5ab5b"));

        let trust = format!(
            "{old}\n{relaunch}\n\n{}\n Accessing workspace:\n\n ❯ 1. Yes, I trust this folder\n   2. No, exit\n\n Enter to confirm · Esc to cancel",
            "─".repeat(WIDE)
        );
        let screen = parse(&trust);
        assert_eq!(screen.activity(), ScreenActivity::TrustDialog);
        assert_eq!(screen.exchange().start, ExchangeStart::AfterBoundary);
        assert!(messages(&trust).iter().all(|m| !m.contains("hit your")), "{:?}", messages(&trust));
    }

    /// Cuts a line the way tmux shows a line wider than the pane without `-J`: at the pane
    /// edge, inside words, trailing spaces of each row trimmed.
    fn tmux_wrap(line: &str, width: usize) -> Vec<String> {
        let chars: Vec<char> = line.chars().collect();
        chars.chunks(width).map(|row| row.iter().collect::<String>().trim_end().to_owned()).collect()
    }

    #[test]
    fn a_limit_notice_wrapped_in_a_narrow_pane_is_joined_back() {
        let width = 24;
        // the client's own word-wrap: continuation rows indented under the text
        let client_wrapped = frame(
            width,
            &[
                "❯ hello",
                "  ⎿  You've hit your",
                "     session limit ·",
                "     resets 7am (UTC)",
                "     /login to switch to",
                "     an API usage-billed",
                "     account.",
            ],
        );
        assert_eq!(messages(&client_wrapped), [JOINED]);

        // tmux's wrap at the pane edge, as `capture-pane -p` shows it without -J
        let mut rows = vec!["❯ hello".to_owned()];
        rows.extend(tmux_wrap(NOTICE, width));
        rows.extend(tmux_wrap(HINT, width));
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let tmux_wrapped = frame(width, &rows);
        assert!(rows.iter().any(|r| r.chars().count() == width - 1), "the cut falls after a space somewhere");
        assert_eq!(messages(&tmux_wrapped), [JOINED]);

        // `capture-pane -J` joins tmux's rows back into the original lines
        let joined = frame(width, &["❯ hello", NOTICE, HINT]);
        assert_eq!(messages(&joined), [JOINED]);
    }

    #[test]
    fn width_given_by_the_caller_overrides_the_rules() {
        let rows = tmux_wrap(NOTICE, 20);
        let text = format!("❯ hello\n{}\n", rows.join("\n"));
        let screen = Screen::parse_with_width(&text, Some(20));
        assert_eq!(screen.width(), Some(20));
        assert_eq!(
            screen
                .exchange_messages()
                .iter()
                .map(|m| m.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>(),
            ["⎿ You've hit your session limit · resets 7am (UTC)"]
        );
        assert_eq!(screen.exchange().end, ExchangeEnd::EndOfText);
    }

    #[test]
    fn slash_commands_do_not_open_an_exchange_but_are_the_latest_prompt() {
        let text = frame(WIDE, &["❯ hello", NOTICE, "", "❯ /model", "  ⎿  Set model to Opus"]);
        let screen = parse(&text);
        assert_eq!(screen.latest_prompt(), Some("/model"));
        assert_eq!(&screen.lines()[screen.exchange().lines.start], "❯ hello");
        // …whereas a prompt that starts with a path is a prompt
        let text = frame(WIDE, &["❯ hello", NOTICE, "", "❯ /home/op01/work/notes.md please", "", "● Done."]);
        assert_eq!(parse(&text).latest_prompt(), Some("/home/op01/work/notes.md please"));
        assert_eq!(messages(&text), ["● Done."]);
    }

    #[test]
    fn a_long_prompt_is_joined_and_typed_input_is_read() {
        let rule = "─".repeat(WIDE);
        let text = format!(
            "❯ please read the queue file and do the\n  first task in it\n\n● On it.\n\n{rule}\n❯ /exit\n  now\n{rule}\n  footer one\n  footer two\n\nmore"
        );
        let screen = parse(&text);
        assert_eq!(screen.latest_prompt(), Some("please read the queue file and do the first task in it"));
        let input = screen.input_box().expect("box");
        assert_eq!(input.text, "/exit\nnow");
        assert_eq!(screen.footer(), ["  footer one", "  footer two"]);
        assert_eq!(screen.activity(), ScreenActivity::Idle, "the footer's words do not matter");
    }

    #[test]
    fn a_usage_warning_in_the_footer_is_in_the_footer_not_the_exchange() {
        let text = frame(WIDE, &["❯ hello", "", "● Hi."]).replace(
            "  ? for shortcuts",
            "  ? for shortcuts · ← for agents          Approaching usage limit · resets at 2am",
        );
        let screen = parse(&text);
        assert_eq!(screen.activity(), ScreenActivity::Idle);
        assert!(screen.footer()[0].contains("Approaching usage limit"));
        assert_eq!(messages(&text), ["● Hi."]);
    }

    /// The footer of every permission mode and version, and the 2.1.332 limit footers: none
    /// changes what the box's structure says.
    #[test]
    fn activity_does_not_depend_on_the_footer() {
        let footers = [
            "  ? for shortcuts · ← for agents",
            "  ⏵⏵ auto mode on (shift+tab to cycle)",
            "  ⏵⏵ bypass permissions on (shift+tab to cycle)",
            "  ⏸ plan mode on (shift+tab to cycle)",
            "  ⏵⏵ accept edits on (shift+tab to cycle)",
            "  ⚠ Usage limit reached · limit resets 12am",
            "  Continuing automatically at 12am · Esc to cancel",
            "",
        ];
        for footer in footers {
            let fresh = frame(WIDE, &["╰──────────╯"]).replace("  ? for shortcuts", footer);
            assert_eq!(parse(&fresh).activity(), ScreenActivity::Idle, "fresh client, footer {footer:?}");
            let done =
                frame(WIDE, &["❯ hello", "", "● Hi.", "", "✻ Baked for 1s"]).replace("  ? for shortcuts", footer);
            assert_eq!(parse(&done).activity(), ScreenActivity::Idle, "turn done, footer {footer:?}");
            let no_done_line = frame(WIDE, &["❯ hello", "", "● Hi."]).replace("  ? for shortcuts", footer);
            assert_eq!(parse(&no_done_line).activity(), ScreenActivity::Idle, "answered, footer {footer:?}");
            let working = frame(WIDE, &["❯ hello", "", "●", "", "✶ Schlepping… (4s · ↓ 5 tokens)"])
                .replace("  ? for shortcuts", footer);
            assert_eq!(parse(&working).activity(), ScreenActivity::Working, "spinner, footer {footer:?}");
            let taken = frame(WIDE, &["❯ hello"]).replace("  ? for shortcuts", footer);
            assert_eq!(parse(&taken).activity(), ScreenActivity::Working, "prompt just taken, footer {footer:?}");
        }
    }

    fn dialog_screen(body: &[&str]) -> Screen {
        let mut lines = vec!["$ claude".to_owned(), String::new(), "─".repeat(WIDE)];
        lines.extend(body.iter().map(|l| (*l).to_owned()));
        lines.extend(std::iter::repeat_n(String::new(), 4));
        parse(&lines.join("\n"))
    }

    #[test]
    fn trust_dialogs_of_either_order_are_answered_by_their_words() {
        let numbered_yes_first = [
            " Accessing workspace:",
            "",
            " /home/op01/work",
            "",
            " ❯ 1. Yes, I trust this folder",
            "   2. No, exit",
            "",
            " Enter to confirm · Esc to cancel",
        ];
        let unnumbered_no_first = [
            " Accessing workspace:",
            "",
            " /home/op01/work",
            "",
            " ❯ No, exit",
            "   Yes, I trust this folder",
            "",
            " Enter to confirm · Esc to cancel",
        ];
        let numbered_no_first =
            [" Accessing workspace:", "", " ❯ 1. No, exit", "   2. Yes, I trust this folder", "", " Enter to confirm"];
        for (body, want, keys) in [
            (&numbered_yes_first[..], 0, vec![]),
            (&unnumbered_no_first[..], 1, vec!["Down"]),
            (&numbered_no_first[..], 1, vec!["Down"]),
        ] {
            let screen = dialog_screen(body);
            assert_eq!(screen.activity(), ScreenActivity::TrustDialog, "{body:?}");
            let dialog = screen.dialog().expect("a dialog");
            assert_eq!(dialog.kind, DialogKind::Trust);
            assert_eq!(dialog.options.len(), 2, "{:?}", dialog.options);
            let yes = dialog.option_for(Answer::GoOn).expect("a yes option");
            assert_eq!(yes, want, "{body:?}");
            assert!(dialog.options[yes].text.starts_with("Yes"));
            assert_eq!(dialog.keys_to(yes), keys);
        }
        let numbered = dialog_screen(&numbered_yes_first).dialog().cloned().expect("dialog");
        assert_eq!(numbered.options[1].number, Some(2));
        assert_eq!(numbered.options[1].text, "No, exit");
        assert_eq!(dialog_screen(&unnumbered_no_first).dialog().expect("dialog").options[0].number, None);
    }

    #[test]
    fn the_bypass_permissions_dialog_is_answered_yes_i_accept() {
        let screen = dialog_screen(&[
            " WARNING: Claude Code running in Bypass Permissions mode",
            "",
            " In Bypass Permissions mode, Claude Code will not ask for your approval before running potentially",
            " dangerous commands.",
            "",
            " ❯ 1. No, exit",
            "   2. Yes, I accept",
            "",
            " Enter to confirm · Esc to cancel",
        ]);
        assert_eq!(screen.activity(), ScreenActivity::Modal(ModalKind::BypassPermissions));
        let dialog = screen.dialog().expect("dialog");
        assert_eq!(dialog.option_for(Answer::GoOn), Some(1));
        assert_eq!(dialog.keys_to(1), ["Down"]);
    }

    #[test]
    fn the_rate_limit_options_are_answered_wait_and_an_unknown_dialog_not_at_all() {
        let screen = dialog_screen(&[
            "  What do you want to do?",
            "",
            "  ❯ 1. Upgrade your plan",
            "    2. Stop and wait for limit to reset",
            "",
            "  Enter to confirm · Esc to cancel",
        ]);
        assert_eq!(screen.activity(), ScreenActivity::Modal(ModalKind::RateLimitOptions));
        assert_eq!(screen.dialog().expect("dialog").option_for(Answer::GoOn), Some(1));
        let other = dialog_screen(&["  Pick a theme", "", "  ❯ 1. Dark", "    2. Light", "", "  Esc to cancel"]);
        assert_eq!(other.dialog().expect("dialog").option_for(Answer::GoOn), None);
    }

    #[test]
    fn option_descriptions_are_not_options() {
        let screen = dialog_screen(&[
            " Do you want to proceed?",
            " ❯ 1. Yes",
            "      runs the command once",
            "   2. Yes, and always allow access to work/ from this project",
            "   3. No",
            "",
            " Esc to cancel · Tab to amend",
        ]);
        let dialog = screen.dialog().expect("dialog");
        assert_eq!(dialog.kind, DialogKind::Permission);
        let texts: Vec<_> = dialog.options.iter().map(|o| o.text.as_str()).collect();
        assert_eq!(texts, ["Yes", "Yes, and always allow access to work/ from this project", "No"]);
    }

    #[test]
    fn odd_captures_do_not_panic() {
        for text in ["", "\n\n\n", "❯", "─────────────────", "❯ hi\n", "──────────\n❯\n", "$ ", "\u{a0}❯\u{a0}"]
        {
            let screen = parse(text);
            let _ = screen.exchange_messages();
            let _ = screen.footer();
        }
        assert_eq!(parse("").activity(), ScreenActivity::Unknown);
        assert_eq!(parse("user@host:~/work$").activity(), ScreenActivity::Shell);
    }
}
