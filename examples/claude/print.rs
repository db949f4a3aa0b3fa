//! Print mode (`claude -p <prompt>`): one turn, no screen, the reply or the error text
//! on stdout, exit 0 on a reply and 1 on any error (`tests/fixtures/claude-code/2.1.197/print/`).
//!
//! Hooks fire as in the interactive client but are waited for, since nothing else
//! runs; the transcript is written with print mode's `sdk-cli` entrypoint and queue
//! lines, and without the interactive header lines.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::app::{Ctx, Outcome, outcome, retry_status};
use crate::control::{self, Mode};
use crate::hooks::{self, Effort, Event, HookEnv, HookRun, Payload};
use crate::transcript::{Transcript, Usage};
use crate::tty;
use crate::util::uuid_v4;

/// Sleeps `seconds`, returning false early if a terminating signal arrives.
fn sleep_unless_signalled(seconds: f64) -> bool {
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    while Instant::now() < until {
        if tty::pending_signal().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20).min(until.saturating_duration_since(Instant::now())));
    }
    tty::pending_signal().is_none()
}

pub fn run(ctx: &Ctx, resume: Option<(String, PathBuf)>, prompt: &str) -> i32 {
    tty::install_signal_handlers();
    let mut control = ctx.load_control();
    control::apply_prompt_override(&mut control, prompt);
    // Print mode shows no footer, so a usage warning has nowhere to go.
    let _ = crate::budget::apply(&mut control, &ctx.config_dir, crate::util::now().timestamp());
    let model = ctx.model(&control);
    let (session_id, mut transcript, source) = if let Some((id, path)) = resume {
        let transcript = Transcript::resume(path, &ctx.cwd, &id, "sdk-cli", ctx.permission_mode);
        (id, transcript, "resume")
    } else {
        let id = uuid_v4();
        let transcript = Transcript::new(&ctx.config_dir, &ctx.cwd, &id, "sdk-cli", ctx.permission_mode);
        (id, transcript, "startup")
    };
    let env =
        HookEnv { config_dir: ctx.config_dir.clone(), project_dir: PathBuf::from(&ctx.cwd), entrypoint: "sdk-cli" };
    let transcript_path = transcript.path.display().to_string();
    let base = |event: Event| Payload {
        session_id: session_id.clone(),
        transcript_path: transcript_path.clone(),
        cwd: ctx.cwd.clone(),
        hook_event_name: event.name(),
        ..Payload::default()
    };
    let mut start = base(Event::SessionStart);
    start.source = Some(source);
    if source == "startup" {
        start.model = Some(model.hook_id.clone());
    }
    HookRun::start(&env, Event::SessionStart, &start, &session_id).wait(Duration::from_secs(600));

    let prompt_id = uuid_v4();
    let mut submit = base(Event::UserPromptSubmit);
    submit.prompt_id = Some(prompt_id.clone());
    submit.permission_mode = Some(ctx.permission_mode.to_owned());
    submit.prompt = Some(prompt.to_owned());
    let mut run = HookRun::start(&env, Event::UserPromptSubmit, &submit, &session_id);
    run.wait(Duration::from_secs(600));
    if let Some(blocked) = run.failures().iter().find(|f| f.code == Some(2)) {
        eprintln!("UserPromptSubmit operation blocked by hook: {}", hooks::failure_detail(blocked));
        return 1;
    }

    crate::budget::log(
        &control,
        serde_json::json!({
            "event": "turn",
            "home": ctx.config_dir.display().to_string(),
            "session": null,
            "conversation": session_id,
            "mode": control.mode.name(),
            "prompt": prompt.chars().take(200).collect::<String>(),
        }),
    );
    transcript.queue_operations(prompt);
    transcript.user_prompt(prompt, &prompt_id, false);
    let mut attempt = 0;
    loop {
        if control.mode == Mode::Hang {
            while sleep_unless_signalled(1.0) {}
            return end_session(&env, base(Event::SessionEnd), &prompt_id, &session_id, 1);
        }
        if !sleep_unless_signalled(control.work_seconds) {
            return end_session(&env, base(Event::SessionEnd), &prompt_id, &session_id, 1);
        }
        if control.mode == Mode::Crash {
            tty::kill_self();
        }
        if retry_status(control.mode).is_some() && attempt < control.retries {
            attempt += 1;
            if !sleep_unless_signalled(control.retry_delay_seconds) {
                return end_session(&env, base(Event::SessionEnd), &prompt_id, &session_id, 1);
            }
            continue;
        }
        break;
    }
    // Print mode has no session-wide reply counter to continue; each run is reply 1.
    let code = match outcome(&control, 1) {
        Some(Outcome::Reply(text)) => {
            transcript.assistant_reply(&text, &model.api_id, Usage::for_reply(1));
            let mut stop = base(Event::Stop);
            stop.prompt_id = Some(prompt_id.clone());
            stop.permission_mode = Some(ctx.permission_mode.to_owned());
            stop.effort = Some(Effort { level: "high" });
            stop.stop_hook_active = Some(false);
            stop.last_assistant_message = Some(text.clone());
            stop.background_tasks = Some(Vec::new());
            stop.session_crons = Some(Vec::new());
            HookRun::start(&env, Event::Stop, &stop, &session_id).wait(Duration::from_secs(600));
            println!("{text}");
            0
        }
        Some(Outcome::Failed { text, error, status, usage_limit }) => {
            transcript.api_error(&text, error, status, crate::app::quota_limits(&control, usage_limit).as_ref());
            let mut failure = base(Event::StopFailure);
            failure.prompt_id = Some(prompt_id.clone());
            failure.effort = Some(Effort { level: "high" });
            failure.error = Some(error.name());
            failure.last_assistant_message = Some(text.clone());
            HookRun::start(&env, Event::StopFailure, &failure, &session_id).wait(Duration::from_secs(600));
            println!("{text}");
            1
        }
        None => 1,
    };
    transcript.last_prompt(prompt);
    end_session(&env, base(Event::SessionEnd), &prompt_id, &session_id, code)
}

fn end_session(env: &HookEnv, mut payload: Payload, prompt_id: &str, session_id: &str, code: i32) -> i32 {
    payload.prompt_id = Some(prompt_id.to_owned());
    payload.reason = Some("other");
    HookRun::start(env, Event::SessionEnd, &payload, session_id).wait(Duration::from_millis(1500));
    code
}
