//! The interactive client: one event loop that owns the screen, the session and its
//! turns.
//!
//! Start-up is the trust dialog (if the folder is not trusted for this account), then
//! the welcome box, the resumed history and the SessionStart hooks. A turn goes
//! UserPromptSubmit hooks → request (with retries for 500/529) → reply or error →
//! Stop hooks (which hold the turn open) or StopFailure hooks (which do not) → the
//! `✻ <Verb>ed for Ns` line. Everything the turn does is decided by the control file
//! read at submission. The loop is single-threaded: a reader thread only forwards
//! stdin bytes, and every hook is polled, so the spinner keeps moving while hooks run.

use std::collections::VecDeque;
use std::io::Read;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::budget;
use crate::control::{self, Control, Mode, Plan};
use crate::hooks::{self, Effort, Event, HookEnv, HookRun, Payload};
use crate::keys::{Key, KeyParser};
use crate::model::{self, Model};
use crate::profile;
use crate::screen::{self, Terminal};
use crate::state_file::{self, StateFile, Status};
use crate::transcript::{self, ApiError, HistoryItem, QuotaLimits, Transcript, Usage};
use crate::tty::{self, RawMode};
use crate::util::{random_index, uuid_v4};

/// Everything resolved from the command line and environment before the loop starts.
pub struct Ctx {
    pub config_dir: PathBuf,
    pub claude_json: PathBuf,
    pub cwd: String,
    pub control_path: PathBuf,
    pub retries_env: Option<u32>,
    pub flag_model: Option<String>,
    pub permission_mode: &'static str,
    pub in_tmux: bool,
    /// `$TMUX_PANE` and the server socket from `$TMUX`, to name the pane.
    pub tmux_pane: Option<String>,
    pub tmux_socket: Option<String>,
    /// The permission mode is the profile's default (no flag): 2.1.332 then shows its
    /// auto-mode notice.
    pub mode_from_default: bool,
    /// The cwd as the 2.1.332 header prints it (`~/work`).
    pub cwd_display: String,
}

impl Ctx {
    pub fn load_control(&self) -> Control {
        control::load(&self.control_path, self.retries_env)
    }

    pub fn model(&self, control: &Control) -> Model {
        model::resolve(control.plan, self.flag_model.as_deref(), control.model.as_deref())
    }
}

pub const SPINNER_VERBS: [&str; 24] = [
    "Baking",
    "Brewing",
    "Churning",
    "Clauding",
    "Cogitating",
    "Computing",
    "Conjuring",
    "Cooking",
    "Crunching",
    "Deliberating",
    "Finagling",
    "Forging",
    "Herding",
    "Marinating",
    "Meandering",
    "Moseying",
    "Mulling",
    "Noodling",
    "Percolating",
    "Pondering",
    "Ruminating",
    "Schlepping",
    "Simmering",
    "Working",
];

pub const DONE_VERBS: [&str; 10] =
    ["Baked", "Brewed", "Churned", "Cogitated", "Cooked", "Crunched", "Sautéed", "Worked", "Mulled", "Simmered"];

const INTERRUPTED: &str = "Interrupted \u{b7} What should Claude do instead?";
const LOGIN_HINT: &str = "     /login to switch to an API usage-billed account.";
const RATE_LIMIT_MESSAGE: &str = "This request would exceed the rate limit for your organization (mock-org) of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.";
const SERVER_ISSUE: &str = "This is a server-side issue, usually temporary \u{2014} try again in a moment. If it persists, check your inference gateway (127.0.0.1:8765).";
const STOP_HOOK_NOTICE: &str = "Stop hook error occurred \u{b7} ctrl+o to see";
/// How long a second Ctrl-C (or Ctrl-D) on an empty input counts as "again".
const CTRL_C_WINDOW: Duration = Duration::from_secs(2);
/// How long SessionEnd hooks may run once exiting starts.
const SESSION_END_GRACE: Duration = Duration::from_millis(1500);

/// How a request ends, before it is shown.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Reply(String),
    /// Failed: the screen's first line, the transcript error, the HTTP status, and
    /// whether it is the subscription usage limit (shown hanging under the prompt).
    Failed {
        text: String,
        error: ApiError,
        status: u16,
        usage_limit: bool,
    },
}

/// The final outcome of a request in `mode`, after retries (pure; print mode shares it).
pub fn outcome(control: &Control, reply_no: u32) -> Option<Outcome> {
    let failed = |text: String, error, status, usage_limit: bool| {
        let text = match &control.error_text {
            Some(custom) if !usage_limit => custom.clone(),
            _ => text,
        };
        Some(Outcome::Failed { text, error, status, usage_limit })
    };
    match control.mode {
        Mode::Normal => Some(Outcome::Reply(control.reply_text(reply_no))),
        Mode::Limit if control.plan != Plan::Api => failed(control.limit_text.clone(), ApiError::RateLimit, 429, true),
        Mode::Limit | Mode::RateLimitApi if control.plan == Plan::Api => failed(
            format!("API Error: Request rejected (429) \u{b7} {RATE_LIMIT_MESSAGE}"),
            ApiError::RateLimit,
            429,
            false,
        ),
        Mode::Limit | Mode::RateLimitApi => failed(
            format!(
                "API Error: Server is temporarily limiting requests (not your usage limit) \u{b7} {RATE_LIMIT_MESSAGE}"
            ),
            ApiError::RateLimit,
            429,
            false,
        ),
        Mode::ServerError => {
            failed(format!("API Error: 500 Internal server error. {SERVER_ISSUE}"), ApiError::ServerError, 500, false)
        }
        Mode::Overloaded => {
            failed(format!("API Error: 529 Overloaded. {SERVER_ISSUE}"), ApiError::ServerError, 529, false)
        }
        Mode::Crash | Mode::Hang => None,
    }
}

/// The structured limit a usage-limit record carries in profiles that write one.
pub fn quota_limits(control: &Control, usage_limit: bool) -> Option<QuotaLimits> {
    (usage_limit && profile::current().quota_limits).then(|| QuotaLimits {
        rate_limit_type: control.limit_type.clone(),
        resets_at: control.resets_at.unwrap_or_else(|| (crate::util::now_ms() / 1000 / 3600 + 1) * 3600),
    })
}

/// `<session>:@<window>.%<pane>` of the pane the client runs in, asked of its tmux server.
fn pane_name(socket: Option<&str>, pane: Option<&str>) -> Option<String> {
    let pane = pane?;
    let mut command = std::process::Command::new("tmux");
    if let Some(socket) = socket {
        command.args(["-S", socket]);
    }
    let out = command
        .args(["display-message", "-p", "-t", pane, "#{session_name}:#{window_id}.#{pane_id}"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let name = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && !name.is_empty()).then_some(name)
}

/// The status text of a retried error, for the retry line.
pub fn retry_status(mode: Mode) -> Option<&'static str> {
    match mode {
        Mode::ServerError => Some("500 Internal server error"),
        Mode::Overloaded => Some("529 Overloaded"),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    Trust { selected: usize },
    Bypass { selected: usize },
    Main,
    LimitModal { selected: usize },
}

enum Stage {
    PromptHooks(HookRun),
    /// `until` is `None` for a request that never answers (`hang`).
    Request {
        attempt: u32,
        until: Option<Instant>,
    },
    Retry {
        attempt: u32,
        until: Instant,
    },
    StopHooks(HookRun),
}

struct Turn {
    prompt: String,
    prompt_id: String,
    started: Instant,
    control: Control,
    verb: &'static str,
    reply_no: u32,
    stage: Stage,
    user_written: bool,
    /// The usage warning this turn brings up once it answers.
    warning: Option<budget::Warning>,
}

pub struct App {
    ctx: Ctx,
    raw: Option<RawMode>,
    term: Terminal,
    control: Control,
    model: Model,
    session_id: String,
    transcript: Transcript,
    state: StateFile,
    hook_env: HookEnv,
    view: View,
    input: String,
    queued: VecDeque<String>,
    turn: Option<Turn>,
    replies: u32,
    last_prompt_id: Option<String>,
    background: Vec<HookRun>,
    pro_modal_shown: bool,
    notice: Option<&'static str>,
    ctrl_c_at: Option<Instant>,
    idle_since: Instant,
    idle_notified: bool,
    had_turn: bool,
    initial_prompt: Option<String>,
    resumed_history: Option<PathBuf>,
    /// Parked on a usage limit (profiles that continue by themselves): the reset label
    /// and when the client goes on, if it will within the test's time.
    parked: Option<(String, Option<Instant>)>,
    /// `.claude.json` as read at start, and the rewrites still due.
    claude_json_copy: Option<String>,
    started_at: Instant,
    rewrites_due: VecDeque<Duration>,
    /// Usage limits hit in this process (2.1.332 words the second one `again`).
    limits_hit: u32,
    /// The budget's usage warning on screen, and when it goes stale.
    warning: Option<budget::Warning>,
    /// The tmux session the client runs in, for the control file's `log`.
    tmux_session: Option<String>,
}

/// How the interactive client is started.
pub struct Start {
    /// `--resume`: the session id and its transcript.
    pub resume: Option<(String, PathBuf)>,
    /// A prompt given on the command line, submitted once the session is up.
    pub initial_prompt: Option<String>,
}

fn spawn_stdin_reader() -> Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = [0u8; 4096];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) | Err(_) => {
                    // An empty chunk tells the loop the terminal is gone.
                    let _ = tx.send(Vec::new());
                    return;
                }
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        return;
                    }
                }
            }
        }
    });
    rx
}

pub fn run(ctx: Ctx, start: Start) -> i32 {
    let raw = RawMode::enable(0);
    tty::install_signal_handlers();
    let control = ctx.load_control();
    let model = ctx.model(&control);
    let (session_id, transcript, resumed_history) = if let Some((id, path)) = start.resume {
        let transcript = Transcript::resume(path.clone(), &ctx.cwd, &id, "cli", ctx.permission_mode);
        (id, transcript, Some(path))
    } else {
        let id = uuid_v4();
        let transcript = Transcript::new(&ctx.config_dir, &ctx.cwd, &id, "cli", ctx.permission_mode);
        (id, transcript, None)
    };
    let claude_json_copy = std::fs::read_to_string(&ctx.claude_json).ok();
    let trusted = state_file::is_trusted(&ctx.claude_json, &ctx.cwd);
    let bypass_pending =
        ctx.permission_mode == "bypassPermissions" && !state_file::bypass_accepted(&ctx.config_dir, &ctx.claude_json);
    let status = if trusted && !bypass_pending { Status::Idle } else { Status::Waiting("dialog open") };
    let tmux = if profile::current().names_pane {
        pane_name(ctx.tmux_socket.as_deref(), ctx.tmux_pane.as_deref())
    } else {
        None
    };
    let state = StateFile::new(&ctx.config_dir, &session_id, &ctx.cwd, status, tmux);
    let first_view = if !trusted {
        View::Trust { selected: 0 }
    } else if bypass_pending {
        View::Bypass { selected: 0 }
    } else {
        View::Main
    };
    let hook_env =
        HookEnv { config_dir: ctx.config_dir.clone(), project_dir: PathBuf::from(&ctx.cwd), entrypoint: "cli" };
    let mut app = App {
        raw,
        term: Terminal::new(1),
        control,
        model,
        session_id,
        transcript,
        state,
        hook_env,
        view: first_view,
        input: String::new(),
        queued: VecDeque::new(),
        turn: None,
        replies: 0,
        last_prompt_id: None,
        background: Vec::new(),
        pro_modal_shown: false,
        notice: None,
        ctrl_c_at: None,
        idle_since: Instant::now(),
        idle_notified: false,
        had_turn: false,
        initial_prompt: start.initial_prompt,
        resumed_history,
        parked: None,
        claude_json_copy,
        started_at: Instant::now(),
        rewrites_due: profile::current().claude_json_rewrites_ms.iter().map(|ms| Duration::from_millis(*ms)).collect(),
        limits_hit: 0,
        warning: None,
        tmux_session: None,
        ctx,
    };
    if app.control.log.is_some() {
        app.tmux_session = pane_name(app.ctx.tmux_socket.as_deref(), app.ctx.tmux_pane.as_deref())
            .and_then(|name| name.split_once(':').map(|(session, _)| session.to_owned()));
        budget::log(
            &app.control,
            serde_json::json!({
                "event": "start",
                "home": app.ctx.config_dir.display().to_string(),
                "session": app.tmux_session,
                "conversation": app.session_id,
                "resume": app.resumed_history.is_some(),
            }),
        );
    }
    app.term.begin();
    app.rewrite_claude_json();
    if first_view == View::Main {
        app.start_session();
    }
    let code = app.event_loop();
    if let Some(raw) = &app.raw {
        raw.restore();
    }
    code
}

impl App {
    fn event_loop(&mut self) -> i32 {
        let rx = spawn_stdin_reader();
        let mut parser = KeyParser::default();
        loop {
            self.render();
            match rx.recv_timeout(Duration::from_millis(40)) {
                Ok(bytes) if bytes.is_empty() => return self.shutdown("other", false),
                Ok(bytes) => {
                    for key in parser.parse(&bytes) {
                        if let Some(code) = self.on_key(key) {
                            return code;
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return self.shutdown("other", false),
            }
            if tty::pending_signal().is_some() {
                return self.shutdown("other", false);
            }
            self.tick();
        }
    }

    // ----- session ------------------------------------------------------------------

    fn model_line(&self) -> String {
        format!("{} \u{b7} {}", self.model.display, model::billing(self.control.plan))
    }

    /// The welcome box, the resumed history and the SessionStart hooks.
    fn start_session(&mut self) {
        self.view = View::Main;
        self.state.set_status(Status::Idle);
        let mut lines = if profile::current().fullscreen {
            self.term.enter_fullscreen();
            let mut lines = screen::compact_header(&self.model_line(), &self.ctx.cwd_display);
            if self.ctx.mode_from_default && self.ctx.permission_mode == "auto" {
                lines.extend(screen::auto_mode_notice(self.term.cols));
            }
            lines
        } else {
            screen::welcome_box(&self.model_line(), &self.ctx.cwd)
        };
        let source = if let Some(path) = &self.resumed_history {
            lines.extend(self.history_lines(&transcript::history(path)));
            "resume"
        } else {
            "startup"
        };
        self.term.print_static(&lines);
        let mut payload = self.payload(Event::SessionStart);
        payload.source = Some(source);
        if source == "startup" {
            payload.model = Some(self.model.hook_id.clone());
        }
        self.fire_background(Event::SessionStart, &payload);
        self.idle_since = Instant::now();
        if let Some(prompt) = self.initial_prompt.take() {
            self.submit(prompt);
        }
    }

    fn history_lines(&self, items: &[HistoryItem]) -> Vec<String> {
        let cols = self.term.cols;
        let mut lines = Vec::new();
        for item in items {
            match item {
                HistoryItem::Prompt(text) => lines.extend(screen::prompt_item(text)),
                HistoryItem::Reply(text) => lines.extend(screen::assistant_item(text, cols)),
                HistoryItem::Limit(text) => lines.extend(screen::attachment_item(text, cols)),
                HistoryItem::Interrupted => lines.extend(screen::attachment_item(INTERRUPTED, cols)),
                HistoryItem::Duration(ms) => {
                    lines.extend(screen::duration_item(DONE_VERBS[random_index(DONE_VERBS.len())], ms / 1000));
                }
            }
        }
        lines
    }

    fn payload(&self, event: Event) -> Payload {
        Payload {
            session_id: self.session_id.clone(),
            transcript_path: self.transcript.path.display().to_string(),
            cwd: self.ctx.cwd.clone(),
            hook_event_name: event.name(),
            ..Payload::default()
        }
    }

    fn fire_background(&mut self, event: Event, payload: &Payload) {
        let run = HookRun::start(&self.hook_env, event, payload, &self.session_id);
        if !run.is_empty() {
            self.background.push(run);
        }
    }

    /// `/exit`, a signal, or a vanished terminal: SessionEnd hooks (killed after the
    /// grace period), state file removed, the tty handed back.
    fn shutdown(&mut self, reason: &'static str, resume_hint: bool) -> i32 {
        self.render();
        self.state.remove();
        if let Some(turn) = &mut self.turn
            && let Stage::PromptHooks(run) | Stage::StopHooks(run) = &mut turn.stage
        {
            run.kill_all();
        }
        if !matches!(self.view, View::Trust { .. } | View::Bypass { .. }) {
            let mut payload = self.payload(Event::SessionEnd);
            payload.prompt_id = self.last_prompt_id.clone();
            payload.reason = Some(reason);
            let mut run = HookRun::start(&self.hook_env, Event::SessionEnd, &payload, &self.session_id);
            run.wait(SESSION_END_GRACE);
        }
        let trailer = if resume_hint && self.transcript.exists() {
            vec!["Resume this session with:".to_owned(), format!("claude --resume {}", self.session_id)]
        } else {
            Vec::new()
        };
        self.term.finish(&trailer);
        0
    }

    // ----- input --------------------------------------------------------------------

    fn on_key(&mut self, key: Key) -> Option<i32> {
        self.idle_since = Instant::now();
        match self.view {
            View::Trust { selected } => self.on_trust_key(key, selected),
            View::Bypass { selected } => self.on_bypass_key(key, selected),
            View::LimitModal { selected } => {
                // Every key goes to the modal; none reaches the input.
                match key {
                    Key::Up | Key::Down => self.view = View::LimitModal { selected: 1 - selected },
                    Key::Enter | Key::Escape | Key::Char('1' | '2') => self.close_limit_modal(),
                    _ => {}
                }
                None
            }
            View::Main => self.on_main_key(key),
        }
    }

    fn on_trust_key(&mut self, key: Key, selected: usize) -> Option<i32> {
        let options = screen::trust_options();
        let numbered = options[0].0.starts_with("1.");
        let accept = match key {
            Key::Up | Key::Down => {
                self.view = View::Trust { selected: 1 - selected };
                return None;
            }
            Key::Char(c @ ('1' | '2')) if numbered => options[usize::from(c == '2')].1,
            Key::Escape | Key::CtrlC => false,
            Key::Enter => options[selected].1,
            _ => return None,
        };
        if !accept {
            self.state.remove();
            self.term.finish(&[]);
            return Some(1);
        }
        if let Err(err) = state_file::accept_trust(&self.ctx.claude_json, &self.ctx.cwd) {
            eprintln!("claude stand-in: could not record trust in {}: {err}", self.ctx.claude_json.display());
        }
        // Its own copy now holds the trust it just recorded.
        if self.claude_json_copy.is_some() {
            self.claude_json_copy = std::fs::read_to_string(&self.ctx.claude_json).ok();
        }
        // The dialog is dynamic: clearing it leaves the welcome box where it stood.
        self.term.draw(Vec::new());
        if self.ctx.permission_mode == "bypassPermissions"
            && !state_file::bypass_accepted(&self.ctx.config_dir, &self.ctx.claude_json)
        {
            self.view = View::Bypass { selected: 0 };
            return None;
        }
        self.start_session();
        None
    }

    fn on_bypass_key(&mut self, key: Key, selected: usize) -> Option<i32> {
        let accept = match key {
            Key::Up | Key::Down => {
                self.view = View::Bypass { selected: 1 - selected };
                return None;
            }
            Key::Escape | Key::CtrlC => false,
            Key::Enter => screen::BYPASS_OPTIONS[selected].1,
            _ => return None,
        };
        if !accept {
            self.state.remove();
            self.term.finish(&[]);
            return Some(1);
        }
        if let Err(err) = state_file::accept_bypass(&self.ctx.config_dir) {
            eprintln!("claude stand-in: could not record the bypass acceptance: {err}");
        }
        self.term.draw(Vec::new());
        self.start_session();
        None
    }

    /// The start-up rewrites of `.claude.json` that are due.
    fn rewrite_claude_json(&mut self) {
        while self.rewrites_due.front().is_some_and(|at| self.started_at.elapsed() >= *at) {
            self.rewrites_due.pop_front();
            if let Err(err) = state_file::write_back(&self.ctx.claude_json, self.claude_json_copy.as_deref()) {
                eprintln!("claude stand-in: could not write {}: {err}", self.ctx.claude_json.display());
            }
        }
    }

    fn close_limit_modal(&mut self) {
        self.view = View::Main;
        self.state.set_status(Status::Idle);
        if self.ctx.in_tmux {
            self.notice = Some(screen::FOCUS_NOTICE);
        }
    }

    fn on_main_key(&mut self, key: Key) -> Option<i32> {
        if key != Key::CtrlC {
            self.ctrl_c_at = None;
        }
        match key {
            Key::Char(c) => self.input.push(c),
            Key::Backspace => {
                self.input.pop();
            }
            Key::CtrlU => self.input.clear(),
            Key::Up | Key::Down => {}
            Key::Escape => {
                if self.turn.as_ref().is_some_and(|t| !matches!(t.stage, Stage::StopHooks(_))) {
                    self.interrupt();
                } else if self.parked.take().is_none() {
                    self.input.clear();
                }
            }
            Key::CtrlC | Key::CtrlD => {
                if self.turn.is_some() && key == Key::CtrlC {
                    self.interrupt();
                } else if !self.input.is_empty() {
                    self.input.clear();
                } else if self.ctrl_c_at.is_some_and(|t| t.elapsed() < CTRL_C_WINDOW) {
                    return Some(self.shutdown("prompt_input_exit", true));
                } else {
                    self.ctrl_c_at = Some(Instant::now());
                }
            }
            Key::Enter => {
                let text = self.input.trim().to_owned();
                if text.is_empty() {
                    return None;
                }
                if self.turn.is_some() {
                    self.input.clear();
                    self.queued.push_back(text);
                } else if text.starts_with('/') {
                    return self.slash_command(&text);
                } else {
                    self.input.clear();
                    self.submit(text);
                }
            }
        }
        None
    }

    fn slash_command(&mut self, text: &str) -> Option<i32> {
        let typed = text.trim_start_matches('/').split_whitespace().next().unwrap_or("").to_owned();
        self.last_prompt_id = Some(uuid_v4());
        let known = screen::SLASH_COMMANDS.iter().any(|(n, _)| *n == typed) || typed == "rate-limit-options";
        let name = if known {
            typed.clone()
        } else {
            match screen::slash_matches(&typed).first() {
                Some((n, _)) if n.starts_with(&typed) && !typed.is_empty() => (*n).to_owned(),
                _ => typed.clone(),
            }
        };
        match name.as_str() {
            "exit" | "quit" => return Some(self.shutdown("prompt_input_exit", true)),
            "clear" => {
                self.input.clear();
                self.clear_session();
            }
            "rate-limit-options" => {
                self.input.clear();
                self.view = View::LimitModal { selected: 0 };
                self.state.set_status(Status::Waiting("dialog open"));
            }
            _ => {
                self.input.clear();
                let cols = self.term.cols;
                let mut lines = screen::prompt_item(text);
                let known = screen::SLASH_COMMANDS.iter().any(|(n, _)| *n == name);
                let note = if known { "(no content)".to_owned() } else { format!("Unknown slash command: {typed}") };
                lines.extend(screen::attachment_item(&note, cols));
                self.term.print_static(&lines);
            }
        }
        None
    }

    /// `/clear`: SessionEnd `clear`, a new session id, a fresh screen, SessionStart `clear`.
    fn clear_session(&mut self) {
        let mut end = self.payload(Event::SessionEnd);
        end.prompt_id = self.last_prompt_id.clone();
        end.reason = Some("clear");
        self.fire_background(Event::SessionEnd, &end);
        self.session_id = uuid_v4();
        self.transcript =
            Transcript::new(&self.ctx.config_dir, &self.ctx.cwd, &self.session_id, "cli", self.ctx.permission_mode);
        self.state.set_session(&self.session_id);
        self.had_turn = false;
        self.notice = None;
        self.term.clear_all();
        self.term.print_static(&screen::welcome_box(&self.model_line(), &self.ctx.cwd));
        let mut start = self.payload(Event::SessionStart);
        start.prompt_id = self.last_prompt_id.clone();
        start.source = Some("clear");
        self.fire_background(Event::SessionStart, &start);
    }

    // ----- turns --------------------------------------------------------------------

    fn submit(&mut self, prompt: String) {
        let mut control = self.ctx.load_control();
        control::apply_prompt_override(&mut control, &prompt);
        let warning = budget::apply(&mut control, &self.ctx.config_dir, crate::util::now().timestamp());
        budget::log(
            &control,
            serde_json::json!({
                "event": "turn",
                "home": self.ctx.config_dir.display().to_string(),
                "session": self.tmux_session,
                "conversation": self.session_id,
                "mode": control.mode.name(),
                "prompt": prompt.chars().take(200).collect::<String>(),
            }),
        );
        self.model = self.ctx.model(&control);
        self.control = control.clone();
        self.notice = None;
        self.parked = None;
        let prompt_id = uuid_v4();
        self.last_prompt_id = Some(prompt_id.clone());
        self.term.print_static(&screen::prompt_item(&prompt));
        self.state.set_status(Status::Busy);
        let mut payload = self.payload(Event::UserPromptSubmit);
        payload.prompt_id = Some(prompt_id.clone());
        payload.permission_mode = Some(self.ctx.permission_mode.to_owned());
        payload.prompt = Some(prompt.clone());
        let run = HookRun::start(&self.hook_env, Event::UserPromptSubmit, &payload, &self.session_id);
        self.turn = Some(Turn {
            prompt,
            prompt_id,
            started: Instant::now(),
            control,
            verb: SPINNER_VERBS[random_index(SPINNER_VERBS.len())],
            reply_no: 0,
            stage: Stage::PromptHooks(run),
            user_written: false,
            warning,
        });
    }

    fn interrupt(&mut self) {
        let Some(mut turn) = self.turn.take() else { return };
        if let Stage::PromptHooks(run) = &mut turn.stage {
            run.kill_all();
        }
        if turn.user_written {
            self.transcript.interrupted();
        }
        let cols = self.term.cols;
        self.term.print_static(&screen::attachment_item(INTERRUPTED, cols));
        self.state.set_status(Status::Idle);
        self.idle_since = Instant::now();
    }

    fn tick(&mut self) {
        if self.ctrl_c_at.is_some_and(|t| t.elapsed() >= CTRL_C_WINDOW) {
            self.ctrl_c_at = None;
        }
        self.reap_background();
        self.rewrite_claude_json();
        if self.turn.is_none()
            && let Some((_, Some(at))) = &self.parked
            && Instant::now() >= *at
        {
            // The client's own continuation at the reset, in the same conversation.
            self.parked = None;
            self.submit("continue".to_owned());
        }
        if let Some(turn) = self.turn.take() {
            self.turn = self.advance(turn);
        }
        if self.turn.is_none() && self.view == View::Main {
            if let Some(next) = self.queued.pop_front() {
                self.submit(next);
            } else {
                self.maybe_notify_idle();
            }
        }
    }

    /// Moves a turn on; `None` when it ended.
    fn advance(&mut self, mut turn: Turn) -> Option<Turn> {
        let now = Instant::now();
        let cols = self.term.cols;
        match &mut turn.stage {
            Stage::PromptHooks(run) => {
                if !run.poll() {
                    return Some(turn);
                }
                let failures = run.failures();
                let mut lines = Vec::new();
                let mut blocked = false;
                for failure in &failures {
                    let detail = hooks::failure_detail(failure);
                    if failure.code == Some(2) {
                        blocked = true;
                        lines.extend(screen::attachment_item(
                            &format!("UserPromptSubmit operation blocked by hook: {detail}"),
                            cols,
                        ));
                    } else {
                        lines.extend(screen::attachment_item("UserPromptSubmit hook error", cols));
                        lines.extend(screen::attachment_item(
                            &format!("Failed with non-blocking status code: {detail}"),
                            cols,
                        ));
                    }
                }
                self.term.print_static(&lines);
                if blocked {
                    self.state.set_status(Status::Idle);
                    self.idle_since = now;
                    return None;
                }
                self.transcript.user_prompt(&turn.prompt, &turn.prompt_id, true);
                turn.user_written = true;
                turn.stage = Stage::Request { attempt: 0, until: self.request_deadline(&turn.control, now) };
                Some(turn)
            }
            Stage::Request { attempt, until } => {
                if until.is_none_or(|u| now < u) {
                    return Some(turn);
                }
                if turn.control.mode == Mode::Crash {
                    self.crash();
                }
                if retry_status(turn.control.mode).is_some() && *attempt < turn.control.retries {
                    let delay = Duration::from_secs_f64(turn.control.retry_delay_seconds);
                    turn.stage = Stage::Retry { attempt: *attempt + 1, until: now + delay };
                    return Some(turn);
                }
                self.replies += 1;
                turn.reply_no = self.replies;
                match outcome(&turn.control, turn.reply_no) {
                    Some(Outcome::Reply(text)) => {
                        self.warning = turn.warning.take();
                        self.term.print_static(&screen::assistant_item(&text, cols));
                        let usage = Usage::for_reply(turn.reply_no);
                        self.transcript.assistant_reply(&text, &self.model.api_id, usage);
                        let mut payload = self.payload(Event::Stop);
                        payload.prompt_id = Some(turn.prompt_id.clone());
                        payload.permission_mode = Some(self.ctx.permission_mode.to_owned());
                        payload.effort = Some(Effort { level: "high" });
                        payload.stop_hook_active = Some(false);
                        payload.last_assistant_message = Some(text);
                        payload.background_tasks = Some(Vec::new());
                        payload.session_crons = Some(Vec::new());
                        turn.stage =
                            Stage::StopHooks(HookRun::start(&self.hook_env, Event::Stop, &payload, &self.session_id));
                        Some(turn)
                    }
                    Some(Outcome::Failed { text, error, status, usage_limit }) => {
                        let auto_continue = usage_limit && profile::current().auto_continue;
                        let mut lines = if usage_limit {
                            screen::attachment_item(&text, cols)
                        } else {
                            screen::assistant_item(&text, cols)
                        };
                        if usage_limit && turn.control.plan == Plan::Max && !auto_continue {
                            lines.push(LOGIN_HINT.to_owned());
                        }
                        if auto_continue {
                            // As captured: the notice, then the message; from the second
                            // hit on, the message (`again`) first.
                            let reset = screen::reset_label(&text);
                            let message = screen::auto_continue_item(&reset, self.limits_hit > 0, cols);
                            lines = if self.limits_hit > 0 {
                                let mut first = message;
                                first.extend(lines);
                                first
                            } else {
                                lines.extend(message);
                                lines
                            };
                            let at = turn.control.auto_continue_seconds.map(|s| now + Duration::from_secs_f64(s));
                            self.parked = Some((reset, at));
                        }
                        if usage_limit {
                            self.limits_hit += 1;
                            self.warning = None;
                        }
                        self.term.print_static(&lines);
                        let quota = quota_limits(&turn.control, usage_limit);
                        self.transcript.api_error(&text, error, status, quota.as_ref());
                        let mut payload = self.payload(Event::StopFailure);
                        payload.prompt_id = Some(turn.prompt_id.clone());
                        payload.effort = Some(Effort { level: "high" });
                        payload.error = Some(error.name());
                        payload.last_assistant_message = Some(text);
                        self.fire_background(Event::StopFailure, &payload);
                        let open_modal = usage_limit && turn.control.plan == Plan::Pro && !self.pro_modal_shown;
                        self.finish_turn(&turn, open_modal);
                        None
                    }
                    None => Some(turn),
                }
            }
            Stage::Retry { attempt, until } => {
                if now >= *until {
                    turn.stage = Stage::Request { attempt: *attempt, until: self.request_deadline(&turn.control, now) };
                }
                Some(turn)
            }
            Stage::StopHooks(run) => {
                if !run.poll() {
                    return Some(turn);
                }
                let failures = run.failures();
                if !failures.is_empty() {
                    let count = run.len();
                    let mut lines = screen::assistant_item(
                        &format!("Ran {count} stop hook{} (ctrl+o to expand)", if count == 1 { "" } else { "s" }),
                        cols,
                    );
                    for failure in &failures {
                        lines.extend(screen::attachment_item(
                            &format!(
                                "Stop hook error: Failed with non-blocking status code: {}",
                                hooks::failure_detail(failure)
                            ),
                            cols,
                        ));
                    }
                    self.term.print_static(&lines);
                    self.notice = Some(STOP_HOOK_NOTICE);
                }
                self.finish_turn(&turn, false);
                None
            }
        }
    }

    fn request_deadline(&self, control: &Control, now: Instant) -> Option<Instant> {
        (control.mode != Mode::Hang).then(|| now + Duration::from_secs_f64(control.work_seconds))
    }

    fn finish_turn(&mut self, turn: &Turn, open_modal: bool) {
        let elapsed = turn.started.elapsed();
        let verb = DONE_VERBS[random_index(DONE_VERBS.len())];
        if !profile::current().fullscreen {
            self.term.print_static(&screen::duration_item(verb, elapsed.as_secs()));
        } else if self.parked.is_none() {
            // 2.1.332: `✻ Worked for 2s · done 11:36 PM`; a limit ends without one.
            let mut lines = screen::duration_item(verb, elapsed.as_secs());
            if let Some(last) = lines.last_mut() {
                last.push_str(&format!(" \u{b7} done {}", crate::util::clock_time()));
            }
            self.term.print_static(&lines);
        }
        self.transcript.turn_duration(elapsed.as_millis() as u64);
        self.transcript.last_prompt(&turn.prompt);
        self.had_turn = true;
        self.idle_notified = false;
        self.idle_since = Instant::now();
        if open_modal {
            self.pro_modal_shown = true;
            self.view = View::LimitModal { selected: 0 };
            self.state.set_status(Status::Waiting("dialog open"));
        } else {
            self.state.set_status(Status::Idle);
        }
    }

    /// `crash` mode: die like an OOM kill, leaving the state file and firing nothing.
    /// The tty is restored first only so the pane's shell stays usable for the test.
    fn crash(&mut self) -> ! {
        if let Some(raw) = &self.raw {
            raw.restore();
        }
        self.term.finish(&[]);
        tty::kill_self()
    }

    fn reap_background(&mut self) {
        let cols = self.term.cols;
        let mut lines = Vec::new();
        self.background.retain_mut(|run| {
            if !run.poll() {
                return true;
            }
            for failure in run.failures() {
                let label = match (run.event, run.source) {
                    (Event::SessionStart, Some(source)) => format!("SessionStart:{source} hook error"),
                    (event, _) => format!("{} hook error", event.name()),
                };
                lines.extend(screen::attachment_item(&label, cols));
                lines.extend(screen::attachment_item(
                    &format!("Failed with non-blocking status code: {}", hooks::failure_detail(&failure)),
                    cols,
                ));
            }
            false
        });
        self.term.print_static(&lines);
    }

    fn maybe_notify_idle(&mut self) {
        if !self.had_turn
            || self.idle_notified
            || self.idle_since.elapsed().as_secs_f64() < self.control.idle_notification_seconds
        {
            return;
        }
        self.idle_notified = true;
        let mut payload = self.payload(Event::Notification);
        payload.prompt_id = self.last_prompt_id.clone();
        payload.message = Some("Claude is waiting for your input".to_owned());
        payload.notification_type = Some("idle_prompt");
        self.fire_background(Event::Notification, &payload);
    }

    // ----- drawing ------------------------------------------------------------------

    fn render(&mut self) {
        self.term.refresh_size();
        if profile::current().fullscreen && self.view == View::Main {
            let (top, bottom) = self.full_frame();
            self.term.draw_split(top, bottom);
            return;
        }
        let frame = self.frame();
        self.term.draw(frame);
    }

    /// 2.1.332's session screen: what flows under the conversation (the reply's bullet
    /// while it streams) and what is pinned to the bottom rows (spinner, effort hint, box,
    /// footer lines).
    fn full_frame(&self) -> (Vec<String>, Vec<String>) {
        let cols = self.term.cols;
        let mut top = Vec::new();
        let mut bottom = Vec::new();
        if let Some(turn) = &self.turn {
            let block = self.turn_block(turn);
            // the block is [blank, "●"]? then [blank, spinner, tip…]: keep the bullet in the
            // flow, the spinner line at the bottom, no tip
            if matches!(turn.stage, Stage::Request { .. }) && turn.control.mode == Mode::Normal {
                top.extend(block.iter().take(2).cloned());
            }
            if let Some(spinner) = block.iter().rev().find(|l| l.starts_with(screen::SPINNER_GLYPHS)) {
                bottom.push(spinner.clone());
            }
        }
        let warning = self.current_warning();
        let mut input = screen::input_box(cols, &self.input);
        input[0] = match warning {
            // As captured: the usage warning takes the effort hint's place.
            Some(text) => screen::right_aligned(cols, text),
            None => screen::effort_line(cols),
        };
        bottom.extend(input);
        if self.input.starts_with('/') && !self.input.contains(' ') {
            bottom.extend(screen::slash_menu(&self.input, &self.model.display));
            return (top, bottom);
        }
        let mode = profile::mode_footer(self.ctx.permission_mode).unwrap_or("  ? for shortcuts");
        if let Some((reset, _)) = self.parked.as_ref().filter(|_| self.turn.is_none()) {
            bottom.extend(screen::limit_footer(reset));
        }
        let working = if self.turn.is_some() { " \u{b7} esc to interrupt" } else { "" };
        // As captured: with the usage warning up, the mode line drops `← for agents`.
        let agents = if warning.is_some() { "" } else { " \u{b7} \u{2190} for agents" };
        bottom.push(if self.ctrl_c_at.is_some() {
            "  Press Ctrl-C again to exit".to_owned()
        } else {
            format!("{mode}{working}{agents}")
        });
        (top, bottom)
    }

    fn frame(&self) -> Vec<String> {
        let cols = self.term.cols;
        match self.view {
            View::Trust { selected } => screen::trust_dialog(cols, &self.ctx.cwd, selected),
            View::Bypass { selected } => screen::bypass_dialog(cols, selected),
            View::LimitModal { selected } => {
                let mut frame = screen::prompt_item("/rate-limit-options");
                frame.push(String::new());
                frame.extend(screen::limit_modal(cols, selected));
                frame
            }
            View::Main => {
                let mut frame = self.turn.as_ref().map(|t| self.turn_block(t)).unwrap_or_default();
                frame.extend(screen::input_box(cols, &self.input));
                if self.input.starts_with('/') && !self.input.contains(' ') {
                    frame.extend(screen::slash_menu(&self.input, &self.model.display));
                } else if let Some((reset, _)) = self.parked.as_ref().filter(|_| self.turn.is_none()) {
                    frame.extend(screen::limit_footer(reset));
                } else {
                    frame.push(self.footer());
                }
                frame
            }
        }
    }

    fn footer(&self) -> String {
        let working = self.turn.is_some();
        let mode = profile::mode_footer(self.ctx.permission_mode);
        let with_interrupt;
        let left = if self.ctrl_c_at.is_some() {
            "  Press Ctrl-C again to exit"
        } else if let Some(mode) = mode {
            if working {
                with_interrupt = format!("{mode} \u{b7} esc to interrupt");
                with_interrupt.as_str()
            } else {
                mode
            }
        } else if working {
            screen::FOOTER_WORKING
        } else {
            screen::FOOTER_IDLE
        };
        // As captured: an API-key session drops the effort hint from the idle footer.
        let right = self
            .notice
            .or(self.current_warning())
            .or((working || self.control.plan != Plan::Api).then_some(screen::EFFORT));
        screen::footer(self.term.cols, left, right)
    }

    /// The budget's usage warning while its window lasts.
    fn current_warning(&self) -> Option<&str> {
        self.warning
            .as_ref()
            .filter(|(_, stale_at)| crate::util::now().timestamp() < *stale_at)
            .map(|(text, _)| text.as_str())
    }

    fn turn_block(&self, turn: &Turn) -> Vec<String> {
        let elapsed = turn.started.elapsed();
        let seconds = elapsed.as_secs();
        let glyph = screen::SPINNER_GLYPHS[(elapsed.as_millis() / 120) as usize % screen::SPINNER_GLYPHS.len()];
        let cols = self.term.cols;
        match &turn.stage {
            Stage::PromptHooks(_) => {
                vec![String::new(), screen::spinner_line(glyph, turn.verb, "", seconds, 0)]
            }
            Stage::Request { .. } => {
                let mut lines = Vec::new();
                let expected = Usage::for_reply(self.replies + 1).output_tokens;
                let tokens = if turn.control.mode == Mode::Normal { (seconds + 1).min(expected) } else { seconds + 1 };
                if turn.control.mode == Mode::Normal {
                    // The reply being streamed: its bullet shows before any text.
                    lines.extend([String::new(), "\u{25cf}".to_owned()]);
                }
                lines.extend([String::new(), screen::spinner_line(glyph, turn.verb, "", seconds, tokens)]);
                lines.extend(screen::attachment_item(screen::TIP, cols));
                lines
            }
            Stage::Retry { attempt, until } => {
                let left = until.saturating_duration_since(Instant::now()).as_secs_f64().ceil().max(1.0) as u64;
                let status = retry_status(turn.control.mode).unwrap_or("API error");
                vec![
                    String::new(),
                    format!(
                        "\u{273b} {status} \u{b7} Retrying in {left}s \u{b7} attempt {attempt}/{}",
                        turn.control.retries
                    ),
                ]
            }
            Stage::StopHooks(_) => {
                let tokens = Usage::for_reply(turn.reply_no).output_tokens;
                vec![
                    String::new(),
                    screen::spinner_line(glyph, turn.verb, "running stop hook \u{b7} ", seconds, tokens),
                ]
            }
        }
    }
}
