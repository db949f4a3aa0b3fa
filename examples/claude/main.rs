//! A stand-in for the Claude Code client (`claude` 2.1.197 and 2.1.332, see `profile.rs`),
//! used by ccfail's tests and demo in place of the real program.
//!
//! It draws what the real client draws in a tmux pane, writes the same transcript,
//! state file and `.claude.json` trust record, and runs hooks with the same payloads,
//! all as recorded in `tests/fixtures/claude-code/2.1.197/`. What the "server" answers comes
//! from a control file (see `README.md` next to this file). This file parses the
//! command line and the environment once and hands over to print mode or the
//! interactive client; it is a separate program and must not use the ccfail library.

mod app;
mod budget;
mod control;
mod hooks;
mod keys;
mod model;
mod print;
mod profile;
mod screen;
mod state_file;
mod transcript;
mod tty;
mod util;

use std::io::Read;
use std::path::PathBuf;

#[derive(Debug, Default)]
struct Args {
    model: Option<String>,
    skip_permissions: bool,
    permission_mode: Option<String>,
    resume: Option<String>,
    print: bool,
    version: bool,
    prompt: Option<String>,
}

/// Flags that take a value in the real client; skipped with their value when unknown
/// to the stand-in, so `--settings x.json` does not turn `x.json` into a prompt.
const VALUE_FLAGS: [&str; 11] = [
    "--settings",
    "--session-id",
    "--output-format",
    "--input-format",
    "--append-system-prompt",
    "--system-prompt",
    "--allowedTools",
    "--disallowedTools",
    "--mcp-config",
    "--add-dir",
    "--fallback-model",
];

fn parse_args(raw: impl IntoIterator<Item = String>) -> Args {
    let mut args = Args::default();
    let mut it = raw.into_iter().peekable();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value.to_owned())),
            _ => (arg.clone(), None),
        };
        let value = |it: &mut std::iter::Peekable<_>| inline.clone().or_else(|| it.next());
        match flag.as_str() {
            "--model" => args.model = value(&mut it),
            "--dangerously-skip-permissions" => args.skip_permissions = true,
            "--permission-mode" => args.permission_mode = value(&mut it),
            "--resume" | "-r" => args.resume = value(&mut it),
            "-p" | "--print" => args.print = true,
            "-v" | "--version" => args.version = true,
            f if VALUE_FLAGS.contains(&f) => {
                let _ = value(&mut it);
            }
            f if f.starts_with('-') && f.len() > 1 => {}
            _ => {
                if args.prompt.is_none() {
                    args.prompt = Some(arg);
                }
            }
        }
    }
    args
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn main() -> std::process::ExitCode {
    let args = parse_args(std::env::args().skip(1));
    let home = PathBuf::from(env("HOME").unwrap_or_else(|| "/".to_owned()));
    let config_from_env = env("CLAUDE_CONFIG_DIR");
    let config_dir = config_from_env.as_ref().map_or_else(|| home.join(".claude"), PathBuf::from);
    let control_path = control::control_path(env("CLAUDE_STANDIN_CONTROL").as_deref(), &config_dir);
    let retries_env = env("CLAUDE_CODE_MAX_RETRIES").and_then(|v| v.parse().ok());
    let at_start = control::load(&control_path, retries_env);
    let profile = profile::choose(env("CLAUDE_STANDIN_VERSION").as_deref(), at_start.version.as_deref());
    if args.version {
        println!("{} (Claude Code)", profile.version);
        return std::process::ExitCode::SUCCESS;
    }
    let permission_mode = if args.skip_permissions {
        "bypassPermissions"
    } else {
        match args.permission_mode.as_deref() {
            Some(mode) => {
                if let Some(mode) = profile::MODES.iter().find(|m| **m == mode) {
                    mode
                } else {
                    eprintln!(
                        "error: option '--permission-mode <mode>' argument '{mode}' is invalid. Allowed choices are {}.",
                        profile::MODES.join(", ")
                    );
                    return std::process::ExitCode::from(1);
                }
            }
            None => profile.default_mode,
        }
    };
    // As the real client: bypass mode as root only inside a declared sandbox.
    if permission_mode == "bypassPermissions" && tty::is_root() && env("IS_SANDBOX").as_deref() != Some("1") {
        eprintln!("--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons");
        return std::process::ExitCode::from(1);
    }
    let cwd = std::env::current_dir().map_or_else(|_| "/".to_owned(), |p| p.display().to_string());
    let cwd_display = match cwd.strip_prefix(&home.display().to_string()) {
        Some(rest) if home != std::path::Path::new("/") && (rest.is_empty() || rest.starts_with('/')) => {
            format!("~{rest}")
        }
        _ => cwd.clone(),
    };
    let ctx = app::Ctx {
        claude_json: state_file::claude_json_path(&config_dir, config_from_env.is_some(), &home),
        control_path,
        config_dir,
        cwd,
        retries_env,
        flag_model: args.model.clone(),
        permission_mode,
        in_tmux: env("TMUX").is_some(),
        tmux_pane: env("TMUX_PANE"),
        tmux_socket: env("TMUX").and_then(|t| t.split(',').next().map(str::to_owned)),
        mode_from_default: !args.skip_permissions && args.permission_mode.is_none(),
        cwd_display,
    };

    let resume = match &args.resume {
        Some(id) => {
            if let Some(path) = transcript::find(&ctx.config_dir, id) {
                Some((id.clone(), path))
            } else {
                eprintln!("No conversation found with session ID: {id}");
                return std::process::ExitCode::from(1);
            }
        }
        None => None,
    };

    let print_mode = args.print || !tty::is_tty(0);
    let code = if print_mode {
        let prompt = if let Some(prompt) = args.prompt {
            prompt
        } else {
            let mut text = String::new();
            let _ = std::io::stdin().read_to_string(&mut text);
            text.trim_end().to_owned()
        };
        if prompt.is_empty() {
            eprintln!("Error: Input must be provided either through stdin or as a prompt argument when using --print");
            1
        } else {
            print::run(&ctx, resume, &prompt)
        }
    } else {
        app::run(ctx, app::Start { resume, initial_prompt: args.prompt })
    };
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
}
