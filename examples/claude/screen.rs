//! What the stand-in draws and how: the layout of every block the captures show, and an
//! inline, Ink-like renderer.
//!
//! The real client does not use the alternate screen. Finished conversation items are
//! printed once and scroll away like ordinary output ("static"); only the bottom part
//! (spinner, input box, footer, menus and dialogs) is redrawn, by moving the cursor up
//! over the previous frame and clearing to the end of the screen. The layout functions
//! here are pure (text in, lines out) and are matched against
//! `tests/fixtures/claude-code/2.1.197/screens/*.txt`; only [`Terminal`] writes bytes.

use std::io::{self, Write};

use crate::util::width;

pub const NBSP: char = '\u{a0}';
pub const SPINNER_GLYPHS: [char; 6] = ['\u{b7}', '\u{2722}', '\u{2733}', '\u{2736}', '\u{273b}', '\u{273d}'];
pub const TIP: &str =
    "Tip: Start with small features or bug fixes, tell Claude to propose a plan, and verify its suggested edits";
pub const FOCUS_NOTICE: &str =
    "tmux focus-events off \u{b7} add 'set -g focus-events on' to ~/.tmux.conf and reattach for focus tracking";
pub const EFFORT: &str = "\u{25cf} high \u{b7} /effort";

/// Width of the right-hand column of the welcome box.
const TIPS_WIDTH: usize = 54;

/// Centres `text` in `width` cells; `left_heavy` puts the odd cell on the left, as the
/// captures show for every centred line but the cwd.
fn center(text: &str, cells: usize, left_heavy: bool) -> String {
    let free = cells.saturating_sub(width(text));
    let left = if left_heavy { free.div_ceil(2) } else { free / 2 };
    format!("{}{}{}", " ".repeat(left), text, " ".repeat(free - left))
}

fn pad_right(text: &str, cells: usize) -> String {
    format!("{}{}", text, " ".repeat(cells.saturating_sub(width(text))))
}

/// The welcome box printed once at start: logo, model line and cwd on the left, the
/// tips on the right. Its width follows the model line, never the terminal.
pub fn welcome_box(model_line: &str, cwd: &str) -> Vec<String> {
    let left = width(model_line).max(width(cwd)).max(13) + 6;
    let total = left + TIPS_WIDTH + 3;
    let title = format!("\u{256d}\u{2500}\u{2500}\u{2500} Claude Code v{} ", crate::profile::current().version);
    let mut lines = vec![format!("{}{}\u{256e}", title, "\u{2500}".repeat(total - 1 - width(&title)))];
    let rule = "\u{2500}".repeat(TIPS_WIDTH - 2);
    let rows: [(String, String); 9] = [
        (String::new(), " Tips for getting started".to_owned()),
        (center("Welcome back!", left, true), " Ask Claude to create a new app or clone a repository".to_owned()),
        (String::new(), format!(" {rule}")),
        (center("\u{2590}\u{259b}\u{2588}\u{2588}\u{2588}\u{259c}\u{258c}", left, true), " What's new".to_owned()),
        (
            center("\u{259d}\u{259c}\u{2588}\u{2588}\u{2588}\u{2588}\u{2588}\u{259b}\u{2598}", left, true),
            " Check the Claude Code changelog for updates".to_owned(),
        ),
        (center("\u{2598}\u{2598} \u{259d}\u{259d}", left, true), String::new()),
        (String::new(), String::new()),
        (center(model_line, left, true), String::new()),
        (center(cwd, left, false), String::new()),
    ];
    for (l, r) in rows {
        lines.push(format!("\u{2502}{}\u{2502}{}\u{2502}", pad_right(&l, left), pad_right(&r, TIPS_WIDTH)));
    }
    lines.push(format!("\u{2570}{}\u{256f}", "\u{2500}".repeat(total - 2)));
    // The blank line under the box belongs to it: the first item then adds its own.
    lines.push(String::new());
    lines
}

/// The 2.1.332 header: a three-row logo (animated by the real client; one frame here), the
/// version, the model line and the cwd (`~` for the home dir), with a blank row each side.
pub fn compact_header(model_line: &str, cwd: &str) -> Vec<String> {
    let logo = [
        " \u{2590}\u{259b}\u{2588}\u{2588}\u{2588}\u{259b}\u{2588} ",
        "\u{259d}\u{259c}\u{2588}\u{2588}\u{2588}\u{2588}\u{2588}\u{2588}\u{2580}",
        " \u{259d}\u{259d}   \u{259d}\u{259d} ",
    ];
    let text = [format!("Claude Code v{}", crate::profile::current().version), model_line.to_owned(), cwd.to_owned()];
    let mut lines = vec![String::new()];
    lines.extend(logo.iter().zip(text).map(|(l, t)| format!("{}  {t}", pad_right(l, 9))));
    lines
}

/// The notice 2.1.332 prints under its header while auto mode is the default it chose.
pub fn auto_mode_notice(cols: usize) -> Vec<String> {
    let mut lines = vec![String::new(), "\u{258e} Auto mode is now Claude Code's default permission mode.".to_owned()];
    let text = "Auto mode lets Claude handle permission prompts automatically. Claude checks each tool call for risky actions and prompt injection before executing, runs the ones it assesses as lower-risk, and blocks the rest.";
    lines.extend(wrap(text, cols.saturating_sub(4)).into_iter().map(|l| format!("\u{258e} {l}")));
    lines.push("\u{258e} https://code.claude.com/docs/en/permission-modes".to_owned());
    lines
}

/// The effort hint 2.1.332 shows right-aligned in the row above the box.
pub fn effort_line(cols: usize) -> String {
    let effort = "\u{25d0} medium \u{b7} /effort";
    format!("{}{effort}", " ".repeat(cols.saturating_sub(2 + width(effort))))
}

/// `text` flush with the right edge as the effort hint stands (two cells from it).
pub fn right_aligned(cols: usize, text: &str) -> String {
    format!("{}{text}", " ".repeat(cols.saturating_sub(2 + width(text))))
}

pub fn rule(cols: usize) -> String {
    "\u{2500}".repeat(cols)
}

/// Greedy word wrap to `cells`; a word longer than a line is cut.
pub fn wrap(text: &str, cells: usize) -> Vec<String> {
    let cells = cells.max(10);
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let mut word = word.to_owned();
            loop {
                let needed = if line.is_empty() { width(&word) } else { width(&line) + 1 + width(&word) };
                if needed <= cells {
                    if !line.is_empty() {
                        line.push(' ');
                    }
                    line.push_str(&word);
                    break;
                }
                if !line.is_empty() {
                    out.push(std::mem::take(&mut line));
                    continue;
                }
                let head: String = word.chars().take(cells).collect();
                word = word.chars().skip(cells).collect();
                out.push(head);
            }
        }
        out.push(line);
    }
    out
}

/// Text under a marker: `first` before the first line, `rest` before the others.
fn marked(text: &str, first: &str, rest: &str, cells: usize) -> Vec<String> {
    wrap(text, cells.saturating_sub(width(first)))
        .into_iter()
        .enumerate()
        .map(|(i, line)| format!("{}{}", if i == 0 { first } else { rest }, line))
        .collect()
}

/// A submitted prompt in the conversation: blank, `❯ <prompt>`.
pub fn prompt_item(prompt: &str) -> Vec<String> {
    let mut lines = vec![String::new()];
    lines
        .extend(prompt.split('\n').enumerate().map(|(i, l)| format!("{}{l}", if i == 0 { "\u{276f} " } else { "  " })));
    lines
}

/// An assistant message: blank, `● <text>` wrapped with a two-cell hanging indent.
pub fn assistant_item(text: &str, cols: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    lines.extend(marked(text, "\u{25cf} ", "  ", cols.saturating_sub(4)));
    lines
}

/// A line hanging off the item above it (no blank before): `  ⎿  <text>`.
pub fn attachment_item(text: &str, cols: usize) -> Vec<String> {
    marked(text, &format!("  \u{23bf} {NBSP}"), "     ", cols.saturating_sub(4))
}

/// `1m 5s` / `17s`, as the turn-duration line prints it.
pub fn format_duration(seconds: u64) -> String {
    if seconds >= 60 { format!("{}m {}s", seconds / 60, seconds % 60) } else { format!("{seconds}s") }
}

/// The end-of-turn line: blank, `✻ <Verb>ed for <N>s`.
pub fn duration_item(verb: &str, seconds: u64) -> Vec<String> {
    vec![String::new(), format!("\u{273b} {verb} for {}", format_duration(seconds))]
}

/// The input box: blank, rule, `❯\u{a0}<input>`, rule. The NO-BREAK SPACE after the
/// chevron is what the real client prints for an empty input.
pub fn input_box(cols: usize, input: &str) -> Vec<String> {
    let mut lines = vec![String::new(), rule(cols)];
    let prefix = format!("\u{276f}{NBSP}");
    let mut first = true;
    for chunk in input.split('\n') {
        let chars: Vec<char> = chunk.chars().collect();
        let room = cols.saturating_sub(2).max(1);
        let pieces: Vec<String> = if chars.is_empty() {
            vec![String::new()]
        } else {
            chars.chunks(room).map(|c| c.iter().collect()).collect()
        };
        for piece in pieces {
            lines.push(format!("{}{piece}", if first { prefix.as_str() } else { "  " }));
            first = false;
        }
    }
    lines.push(rule(cols));
    lines
}

/// The footer under the input box: `left` from column 0, `right` ending two cells
/// before the edge.
pub fn footer(cols: usize, left: &str, right: Option<&str>) -> String {
    match right {
        Some(right) => {
            let gap = cols.saturating_sub(2 + width(left) + width(right)).max(1);
            format!("{left}{}{right}", " ".repeat(gap))
        }
        None => left.to_owned(),
    }
}

pub const FOOTER_IDLE: &str = "  ? for shortcuts \u{b7} \u{2190} for agents";
pub const FOOTER_WORKING: &str = "  esc to interrupt \u{b7} \u{2190} for agents";

/// Slash commands in the order the menu lists them (the capture's order for `/exit`).
pub const SLASH_COMMANDS: [(&str, &str); 10] = [
    ("exit", "Exit the CLI"),
    ("context", "Visualize current context usage as a colored grid"),
    ("memory", "Open a memory file in your editor"),
    ("fork", "Spawn a background agent that inherits the full conversation"),
    ("clear", "Start a new session with empty context; previous session stays on disk (resumable with /resume)"),
    ("compact", "Free up context by summarizing the conversation so far"),
    ("model", "Set the AI model for Claude Code (currently {model})"),
    ("resume", "Resume a previous conversation"),
    ("help", "Show help and available commands"),
    ("quit", "Exit the CLI"),
];

/// Commands matching what is typed after `/`: prefix matches first, then the rest.
pub fn slash_matches(typed: &str) -> Vec<(&'static str, &'static str)> {
    let typed = typed.trim_start_matches('/').split_whitespace().next().unwrap_or("");
    let (mut first, rest): (Vec<_>, Vec<_>) = SLASH_COMMANDS.iter().copied().partition(|(n, _)| n.starts_with(typed));
    first.extend(rest);
    first
}

/// The menu shown below the input box while the input starts with `/` (it replaces
/// the footer): seven commands, name padded to 30 cells.
pub fn slash_menu(typed: &str, model: &str) -> Vec<String> {
    slash_matches(typed)
        .into_iter()
        .take(7)
        .map(|(name, help)| format!("{}{}", pad_right(&format!("/{name}"), 30), help.replace("{model}", model)))
        .collect()
}

/// The spinner line: `✶ Schlepping… (4s · ↓ 5 tokens)`.
pub fn spinner_line(glyph: char, verb: &str, extra: &str, seconds: u64, tokens: u64) -> String {
    format!("{glyph} {verb}\u{2026} ({extra}{} \u{b7} \u{2193} {tokens} tokens)", format_duration(seconds))
}

/// The workspace trust dialog shown before anything else in an untrusted folder.
pub fn trust_dialog(cols: usize, cwd: &str, selected: usize) -> Vec<String> {
    let mut lines =
        vec![String::new(), rule(cols), " Accessing workspace:".to_owned(), String::new(), format!(" {cwd}")];
    lines.push(String::new());
    let check = "Quick safety check: Is this a project you created or one you trust? (Like your own code, a well-known open source project, or work from your team). If not, take a moment to review what's in this folder first.";
    lines.extend(wrap(check, cols.saturating_sub(2)).into_iter().map(|l| format!(" {l}")));
    lines.push(String::new());
    lines.push(" Claude Code'll be able to read, edit, and execute files here.".to_owned());
    lines.push(String::new());
    lines.push(" Security guide".to_owned());
    lines.push(String::new());
    for (i, (option, _)) in trust_options().iter().enumerate() {
        lines.push(format!(" {} {option}", if i == selected { '\u{276f}' } else { ' ' }));
    }
    lines.push(String::new());
    lines.push(" Enter to confirm \u{b7} Esc to cancel".to_owned());
    lines
}

/// The trust dialog's options in screen order, each with whether it trusts the folder:
/// `1. Yes…` first (2.1.197), or `No, exit` first and unnumbered (2.1.332).
pub fn trust_options() -> [(&'static str, bool); 2] {
    if crate::profile::current().trust_no_first {
        [("No, exit", false), ("Yes, I trust this folder", true)]
    } else {
        [("1. Yes, I trust this folder", true), ("2. No, exit", false)]
    }
}

/// The bypass-permissions warning shown at start in bypass mode until accepted once
/// (`skipDangerousModePermissionPrompt`); its default is `No, exit`. Drawn as captured.
pub fn bypass_dialog(cols: usize, selected: usize) -> Vec<String> {
    let mut lines = vec![String::new(), rule(cols)];
    for text in [
        "WARNING: Claude Code running in Bypass Permissions mode",
        "",
        "In Bypass Permissions mode, Claude Code will not ask for your approval before running potentially dangerous commands.",
        "This mode should only be used in a sandboxed container/VM that has restricted internet access and can easily be restored if damaged.",
        "",
        "By proceeding, you accept all responsibility for actions taken while running in Bypass Permissions mode.",
        "",
        "https://code.claude.com/docs/en/security",
        "",
    ] {
        lines.push(if text.is_empty() { String::new() } else { format!("  {text}") });
    }
    for (i, (option, _)) in BYPASS_OPTIONS.iter().enumerate() {
        lines.push(format!("  {} {option}", if i == selected { '\u{276f}' } else { ' ' }));
    }
    lines.push(String::new());
    lines.push("  Enter to confirm \u{b7} Esc to cancel".to_owned());
    lines
}

/// The bypass dialog's options, each with whether it accepts.
pub const BYPASS_OPTIONS: [(&str, bool); 2] = [("No, exit", false), ("Yes, I accept", true)];

/// The 2.1.332 limit message: the client will go on by itself (`again` from the second hit).
pub fn auto_continue_item(reset: &str, again: bool, cols: usize) -> Vec<String> {
    let again = if again { " again" } else { "" };
    assistant_item(&format!("Usage limit reached{again} \u{b7} set to continue automatically at {reset}"), cols)
}

/// The 2.1.332 footer lines above the mode line while parked on a limit.
pub fn limit_footer(reset: &str) -> [String; 2] {
    [
        format!("  \u{26a0} Usage limit reached \u{b7} limit resets {reset}"),
        format!("    Continuing automatically at {reset} \u{b7} Esc to cancel"),
    ]
}

/// The time of day of a limit notice's reset, as the footer prints it: `7am` of `… resets
/// 7am (UTC)`, `12am` when the notice has none.
pub fn reset_label(limit_text: &str) -> String {
    limit_text
        .rsplit_once("resets ")
        .map(|(_, rest)| rest.split(" (").next().unwrap_or(rest).rsplit(", ").next().unwrap_or(rest).trim().to_owned())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "12am".to_owned())
}

/// The Pro plan's usage-limit modal, opened by `/rate-limit-options`.
pub fn limit_modal(cols: usize, selected: usize) -> Vec<String> {
    let mut lines = vec![rule(cols), "  What do you want to do?".to_owned(), String::new()];
    for (i, option) in ["1. Stop and wait for limit to reset", "2. Upgrade your plan"].iter().enumerate() {
        lines.push(format!("  {} {option}", if i == selected { '\u{276f}' } else { ' ' }));
    }
    lines.push(String::new());
    lines.push("  Enter to confirm \u{b7} Esc to cancel".to_owned());
    lines
}

/// The inline renderer: static lines are printed once; the dynamic frame is redrawn.
pub struct Terminal {
    out: io::Stdout,
    fd: i32,
    pub cols: usize,
    pub rows: usize,
    frame: Vec<String>,
    /// Terminal rows the frame on screen occupies (lines can wrap).
    frame_rows: usize,
    /// In the alternate screen (2.1.332): the conversation so far, the frame's part that
    /// flows under it, and the part pinned to the bottom rows; redrawn whole.
    fullscreen: Option<FullScreen>,
}

#[derive(Default)]
struct FullScreen {
    history: Vec<String>,
    top: Vec<String>,
    bottom: Vec<String>,
    drawn: Vec<String>,
}

impl Terminal {
    pub fn new(fd: i32) -> Terminal {
        let mut term =
            Terminal { out: io::stdout(), fd, cols: 200, rows: 50, frame: Vec::new(), frame_rows: 0, fullscreen: None };
        term.refresh_size();
        term
    }

    /// Re-reads the window size (cheap; done before every draw, so SIGWINCH needs no handler).
    pub fn refresh_size(&mut self) {
        if let Some((cols, rows)) = crate::tty::window_size(self.fd) {
            self.cols = cols;
            self.rows = rows;
        }
    }

    fn erase_frame(&self, buf: &mut String) {
        if self.frame_rows > 1 {
            buf.push_str(&format!("\x1b[{}A", self.frame_rows - 1));
        }
        if self.frame_rows > 0 {
            buf.push_str("\r\x1b[J");
        }
    }

    fn rows_of(&self, lines: &[String]) -> usize {
        lines.iter().map(|l| width(l).div_ceil(self.cols.max(1)).max(1)).sum()
    }

    fn flush(&mut self, buf: &str) {
        // A vanished terminal (pane killed) must not crash the shutdown path.
        let _ = self.out.write_all(buf.as_bytes());
        let _ = self.out.flush();
    }

    /// Hides the cursor, as the real client does while it owns the screen.
    pub fn begin(&mut self) {
        self.flush("\x1b[?25l");
    }

    /// Enters the alternate screen: from now on the whole screen is redrawn each frame.
    pub fn enter_fullscreen(&mut self) {
        if self.fullscreen.is_none() {
            self.draw(Vec::new());
            self.fullscreen = Some(FullScreen::default());
            self.flush("\x1b[?1049h\x1b[H\x1b[2J");
        }
    }

    /// The rows of the alternate screen: conversation and `top` from the first row (the
    /// latest that fit), blank rows, then `bottom` ending on the last row.
    fn full_rows(&self, full: &FullScreen) -> Vec<String> {
        let cols = self.cols;
        let cut = |line: &String| -> String {
            let mut used = 0;
            line.chars()
                .take_while(|c| {
                    used += crate::util::width(&c.to_string());
                    used <= cols
                })
                .collect()
        };
        let bottom: Vec<String> = full.bottom.iter().map(cut).collect();
        let room = self.rows.saturating_sub(bottom.len());
        let flow: Vec<String> = full.history.iter().chain(&full.top).map(cut).collect();
        let mut rows: Vec<String> = flow[flow.len().saturating_sub(room)..].to_vec();
        rows.resize(room, String::new());
        rows.extend(bottom);
        rows
    }

    fn redraw_full(&mut self) {
        let Some(full) = self.fullscreen.take() else { return };
        let rows = self.full_rows(&full);
        let mut full = full;
        if rows != full.drawn {
            let mut buf = String::from("\x1b[H");
            for (i, row) in rows.iter().enumerate() {
                buf.push_str(row);
                buf.push_str("\x1b[K");
                if i + 1 < rows.len() {
                    buf.push_str("\r\n");
                }
            }
            self.flush(&buf);
            full.drawn = rows;
        }
        self.fullscreen = Some(full);
    }

    /// Replaces the frame; in the alternate screen `top` flows under the conversation and
    /// `bottom` is pinned to the last rows, inline they are one frame.
    pub fn draw_split(&mut self, top: Vec<String>, bottom: Vec<String>) {
        if let Some(full) = self.fullscreen.as_mut() {
            full.top = top;
            full.bottom = bottom;
            self.redraw_full();
        } else {
            let mut frame = top;
            frame.extend(bottom);
            self.draw(frame);
        }
    }

    /// Prints finished lines above the frame, then redraws the frame under them.
    pub fn print_static(&mut self, lines: &[String]) {
        if lines.is_empty() {
            return;
        }
        if let Some(full) = self.fullscreen.as_mut() {
            full.history.extend(lines.iter().cloned());
            self.redraw_full();
            return;
        }
        let mut buf = String::new();
        self.erase_frame(&mut buf);
        for line in lines {
            buf.push_str(line);
            buf.push_str("\r\n");
        }
        buf.push_str(&self.frame.join("\r\n"));
        self.frame_rows = if self.frame.is_empty() { 0 } else { self.rows_of(&self.frame) };
        self.flush(&buf);
    }

    /// Replaces the frame; a no-op when nothing changed, so idle panes do not flicker.
    pub fn draw(&mut self, frame: Vec<String>) {
        if frame == self.frame {
            return;
        }
        let mut buf = String::new();
        self.erase_frame(&mut buf);
        buf.push_str(&frame.join("\r\n"));
        self.frame_rows = if frame.is_empty() { 0 } else { self.rows_of(&frame) };
        self.frame = frame;
        self.flush(&buf);
    }

    /// Clears screen and scrollback (`/clear`).
    pub fn clear_all(&mut self) {
        if let Some(full) = self.fullscreen.as_mut() {
            full.history.clear();
            full.drawn.clear();
            self.flush("\x1b[2J");
            return;
        }
        self.frame.clear();
        self.frame_rows = 0;
        self.flush("\x1b[2J\x1b[3J\x1b[H");
    }

    /// Leaves the last frame on screen, moves below it and shows the cursor again.
    pub fn finish(&mut self, trailer: &[String]) {
        if self.fullscreen.take().is_some() {
            // Back on the shell's screen, where the command line was typed.
            let mut buf = String::from("\x1b[?1049l");
            for line in trailer {
                buf.push_str(line);
                buf.push_str("\r\n");
            }
            buf.push_str("\x1b[?25h");
            self.flush(&buf);
            return;
        }
        let mut buf = String::from("\r\n");
        if !trailer.is_empty() {
            // The real client prints its parting lines at the bottom of the pane.
            buf.push_str(&format!("\x1b[{};1H", self.rows));
            for line in trailer {
                buf.push_str(line);
                buf.push_str("\r\n");
            }
        }
        buf.push_str("\x1b[?25h");
        self.frame.clear();
        self.frame_rows = 0;
        self.flush(&buf);
    }
}
