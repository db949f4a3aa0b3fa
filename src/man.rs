//! The man pages, rendered as roff from the clap definition, the exit-code table and the
//! config reference, so they never disagree with `--help`, `src/exit.rs` or the parser.
//!
//! `ccfail.1` is the overview (global options, every command, the exit table once, the
//! environment and files); `ccfail-<command>.1` has the command's real synopsis
//! (`ccfail swap [--to NAME] …`, not `ccfail-swap`), its options, nested commands
//! (`hooks install`) inline, examples and its exit codes; `ccfail-config.5` is
//! [`crate::config::reference`]. Pages only name pages that ship. A command that gets
//! no entry in [`EXAMPLES`] simply has no EXAMPLES section: regenerating never needs a
//! hand edit. Nothing here writes files (`commands::generate` does).

use clap::{Arg, ArgAction, Command};

use crate::config::reference::{self, KEYS, SECTIONS};
use crate::exit::{ExitCode, RESERVED_RANGES};

/// One example of a page: a shell line and what it does.
pub struct Example {
    pub line: &'static str,
    pub what: &'static str,
}

const fn ex(line: &'static str, what: &'static str) -> Example {
    Example { line, what }
}

/// Examples per page (`""` is `ccfail.1`). Every `ccfail …` in them must parse: a test
/// runs each through the CLI.
pub const EXAMPLES: &[(&str, &[Example])] = &[
    (
        "",
        &[
            ex(
                "ccfail doctor --fix",
                "Check the whole setup, each problem with its fix, and create missing shared links.",
            ),
            ex("ccfail status", "Accounts, sessions, queues and the last swap at a glance."),
            ex("ccfail swap --to spare --dry-run", "Show what moving the pool to the account spare would do."),
            ex(
                "source <(ccfail completions bash)",
                "Complete commands, options and account, session, project and task names in bash.",
            ),
        ],
    ),
    (
        "status",
        &[
            ex(
                "ccfail status",
                "Tables of accounts, pool and dedicated sessions, queues, the last swap and the state file.",
            ),
            ex("ccfail status --json > status.json", "The same as one JSON document, for scripts."),
        ],
    ),
    (
        "doctor",
        &[
            ex("ccfail doctor", "Every problem of the setup at once, each with its fix; exit 5 when some remain."),
            ex("ccfail doctor --fix", "Also create the missing shared links and their targets."),
            ex("ccfail --config ~/ccfail-new.yaml doctor", "Check a config before putting it in place."),
        ],
    ),
    (
        "quota-check",
        &[
            ex(
                "ccfail quota-check --dry-run",
                "Decide and report whether an account in use hit its limit; record nothing.",
            ),
            ex(
                "ccfail quota-check --json",
                "The same decision, recorded, as JSON: exit 10 on a confirmed hit, 11 suspected, 12 proactive.",
            ),
        ],
    ),
    (
        "swap",
        &[
            ex(
                "ccfail swap --dry-run",
                "The plan: the target, every session and the conversation id each would resume.",
            ),
            ex("ccfail swap --to spare", "Move every session to the account spare and resume each conversation there."),
            ex(
                "ccfail swap --clear-partial",
                "After repairing the links a failed swap left, clear the partial-swap latch.",
            ),
        ],
    ),
    (
        "hook",
        &[ex(
            "echo '{\"hook_event_name\":\"Stop\",\"session_id\":\"s1\"}' | ccfail hook --spool /tmp/events.jsonl",
            "Append one event to a spool of your own, as a Claude Code hook entry does.",
        )],
    ),
    (
        "hooks",
        &[
            ex("ccfail hooks install --dry-run", "Show the entries each account's settings.json would get."),
            ex("ccfail hooks install", "Merge them in; running it again changes nothing."),
            ex("ccfail hooks uninstall", "Remove exactly those entries."),
        ],
    ),
    (
        "dispatch",
        &[
            ex("ccfail dispatch --dry-run", "The pairing of free sessions and ready tasks; claim and send nothing."),
            ex(
                "ccfail dispatch",
                "Hand the best ready tasks to the free pool sessions (what the timer runs every minute).",
            ),
        ],
    ),
    (
        "watch-once",
        &[
            ex("ccfail watch-once --dry-run", "What one pass would finish, flag, restart, requeue or create."),
            ex("ccfail watch-once --json", "Run the pass and report it as JSON."),
        ],
    ),
    (
        "janitor",
        &[
            ex("ccfail janitor --dry-run", "Every cleanup action, none carried out."),
            ex("ccfail janitor", "Carry them out (what the hourly timer runs)."),
        ],
    ),
    (
        "launch",
        &[
            ex(
                "ccfail launch main --project ~/src/app",
                "Start Claude in the tmux session main, in ~/src/app, on the active account.",
            ),
            ex(
                "ccfail launch scratch --account spare --model opus",
                "Start it on the account spare with the model opus.",
            ),
            ex(
                "ccfail launch pool-3 --pool --resume 0f6c2a1e-8d4b-4c3a-9e2f-7b1d5a6c8e90",
                "Resume a conversation in a session of the pool's range.",
            ),
        ],
    ),
    (
        "env",
        &[
            ex(
                "eval \"$(ccfail env)\"; claude",
                "Run a client of your own on the active account, with the pool's environment.",
            ),
            ex("eval \"$(ccfail env --account spare)\"", "The same for the account spare."),
            ex("ccfail env --json", "The variables and the full start command as JSON."),
        ],
    ),
    (
        "log",
        &[
            ex("ccfail log --since 2h", "What happened in the last two hours, oldest first."),
            ex("ccfail log --kind swap --last 5", "The last five swap entries, with their sessions and outcomes."),
            ex("ccfail log --session pool-3 --json", "Everything about one session, as JSON."),
        ],
    ),
    (
        "task",
        &[
            ex(
                "ccfail task add -p app --priority high Fix the login redirect",
                "Add a task to the project app and print its name (app:<id>).",
            ),
            ex(
                "ccfail task add -p app --file - < task.md",
                "Add a task file read from stdin, checked as dispatch checks it.",
            ),
            ex("ccfail task ls -s failed", "The failed tasks, each with its reason."),
            ex("ccfail task retry app:fix-login", "Send a failed task back to the inbox with its attempts reset."),
            ex("ccfail task cancel app:fix-login", "Cancel it; a claimed one's session is told to stop first."),
        ],
    ),
    (
        "pause",
        &[
            ex("ccfail pause --reason deploy", "Dispatch sends nothing until resume; status shows the reason."),
            ex("ccfail pause -p app", "Pause the dispatch of the project app only."),
            ex("ccfail pause --upkeep", "watch-once no longer creates, starts or recycles pool sessions."),
        ],
    ),
    ("resume", &[ex("ccfail resume --all", "Resume dispatch, every project and upkeep.")]),
    (
        "completions",
        &[
            ex("source <(ccfail completions bash)", "In ~/.bashrc: complete ccfail in bash."),
            ex(
                "ccfail completions zsh > ~/.local/share/zsh/site-functions/_ccfail",
                "For zsh: a dir in $fpath before compinit runs.",
            ),
            ex("ccfail completions fish > ~/.config/fish/completions/ccfail.fish", "For fish."),
        ],
    ),
];

/// Every page: `(file name, roff text)`. `root` is `Cli::command()`.
pub fn pages(mut root: Command) -> Vec<(String, String)> {
    root.build();
    let version = root.get_version().unwrap_or_default().to_owned();
    let subs: Vec<&Command> = visible_subcommands(&root).collect();
    let mut pages = vec![("ccfail.1".to_owned(), root_page(&root, &subs, &version))];
    for sub in &subs {
        pages.push((format!("ccfail-{}.1", sub.get_name()), command_page(sub, &version)));
    }
    pages.push(("ccfail-config.5".to_owned(), config_page(&version)));
    pages
}

fn visible_subcommands(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help")
}

fn root_page(root: &Command, subs: &[&Command], version: &str) -> String {
    let mut page = title("ccfail", "1", version);
    page.push_str(&format!(".SH NAME\nccfail \\- {}\n", esc(&about(root))));
    page.push_str(".SH SYNOPSIS\n");
    page.push_str(&synopsis("ccfail", root, true));
    page.push_str(".br\n\\fBccfail\\fR \\fB\\-\\-version\\fR\n");
    page.push_str(".SH DESCRIPTION\n");
    page.push_str(&paragraphs(&sentence(&about(root))));
    page.push_str(&paragraphs(
        "One binary with one-shot commands, fired by systemd user timers, by operators and by scripts; \
         its memory is one lock-protected JSON state file. Each command has a page of its own; the \
         config file is described in ccfail-config(5).",
    ));
    page.push_str(&options_section("OPTIONS", root.get_arguments()));
    page.push_str(".SH COMMANDS\n");
    for sub in subs {
        page.push_str(&format!(
            ".TP\n\\fBccfail {}\\fR\n{} See \\fBccfail\\-{}\\fR(1).\n",
            esc(sub.get_name()),
            esc(&sentence(&about(sub))),
            esc(sub.get_name())
        ));
    }
    page.push_str(&examples_section(""));
    page.push_str(".SH \"EXIT STATUS\"\nThe same for every command; systemd units and scripts rely on them.\n");
    page.push_str(&exit_codes(ExitCode::ALL.iter().copied()));
    page.push_str(&format!(".TP\nreserved\n{}\n", esc(RESERVED_RANGES)));
    page.push_str(ENVIRONMENT);
    page.push_str(FILES);
    let mut see: Vec<String> = vec!["\\fBccfail\\-config\\fR(5)".to_owned()];
    see.extend(subs.iter().map(|s| format!("\\fBccfail\\-{}\\fR(1)", esc(s.get_name()))));
    see.extend(["\\fBtmux\\fR(1)".to_owned(), "\\fBsystemd.timer\\fR(5)".to_owned()]);
    page.push_str(&format!(".SH \"SEE ALSO\"\n{}\n", see.join(", ")));
    page
}

fn command_page(sub: &Command, version: &str) -> String {
    let name = sub.get_name();
    let path = format!("ccfail {name}");
    let mut page = title(&format!("ccfail-{name}"), "1", version);
    page.push_str(&format!(".SH NAME\nccfail\\-{} \\- {}\n", esc(name), esc(&about(sub))));
    page.push_str(".SH SYNOPSIS\n");
    let nested: Vec<&Command> = visible_subcommands(sub).collect();
    if nested.is_empty() {
        page.push_str(&synopsis(&path, sub, false));
    } else {
        let lines: Vec<String> =
            nested.iter().map(|n| synopsis(&format!("{path} {}", n.get_name()), n, false)).collect();
        page.push_str(&lines.join(".br\n"));
    }
    page.push_str(".SH DESCRIPTION\n");
    page.push_str(&paragraphs(&long_about(sub)));
    let (globals, own): (Vec<&Arg>, Vec<&Arg>) = sub.get_arguments().partition(|a| a.is_global_set());
    page.push_str(&arguments_section(sub));
    page.push_str(&options_section("OPTIONS", own.into_iter()));
    if !nested.is_empty() {
        page.push_str(".SH COMMANDS\n");
        for n in &nested {
            page.push_str(&format!(".SS \"{} {}\"\n", esc(&path), esc(n.get_name())));
            page.push_str(&synopsis(&format!("{path} {}", n.get_name()), n, false));
            page.push_str(".PP\n");
            page.push_str(&paragraphs(&long_about(n)));
            for arg in n.get_arguments().filter(|a| shown(a) && !a.is_global_set() && !is_help(a)) {
                page.push_str(&option_entry(arg));
            }
        }
    }
    page.push_str(&options_section("GLOBAL OPTIONS", globals.into_iter()));
    page.push_str(&examples_section(name));
    page.push_str(".SH \"EXIT STATUS\"\n");
    page.push_str(&exit_codes(ExitCode::ALL.iter().copied().filter(|c| applies(*c, name))));
    page.push_str(".PP\nThe full table is in \\fBccfail\\fR(1).\n");
    page.push_str(".SH \"SEE ALSO\"\n\\fBccfail\\fR(1), \\fBccfail\\-config\\fR(5)\n");
    page
}

/// Whether exit code `code` can end `command`: the codes every command shares, and the
/// ones whose meaning names it (`swap: …`); `quota-check` swaps, so it has the swap's.
fn applies(code: ExitCode, command: &str) -> bool {
    let meaning = code.meaning();
    let owner = meaning.split([':', ' ']).next().unwrap_or_default();
    let owned = matches!(owner, "doctor" | "quota-check" | "swap" | "dispatch" | "watch-once" | "launch");
    !owned || owner == command || (command == "quota-check" && owner == "swap")
}

fn config_page(version: &str) -> String {
    let mut page = title("ccfail-config", "5", version);
    page.push_str(".SH NAME\nccfail\\-config \\- the configuration file of ccfail\n");
    page.push_str(concat!(
        ".SH SYNOPSIS\n",
        "\\fI$XDG_CONFIG_HOME/ccfail/config.yaml\\fR (\\fI~/.config/ccfail/config.yaml\\fR), \\fI/etc/ccfail/config.yaml\\fR\n",
        ".SH DESCRIPTION\n",
        "ccfail reads one YAML file: \\fB\\-\\-config\\fR \\fIPATH\\fR, else \\fB$CCFAIL_CONFIG\\fR, else ",
        "\\fI$XDG_CONFIG_HOME/ccfail/config.yaml\\fR, else \\fI/etc/ccfail/config.yaml\\fR. ",
        "Every key has a default except the ones marked required; a file may be as short as one account.\n",
        ".PP\n",
        "Unknown keys are errors with a suggestion; every problem names its key and line, and all problems ",
        "are reported in one run (\\fBccfail doctor\\fR lists them with the rest of the setup). ",
        "Paths may use \\fB~\\fR, \\fB$VAR\\fR and \\fB${VAR}\\fR and must be absolute after expansion. ",
        "Durations are written \\fB500ms\\fR, \\fB30s\\fR, \\fB5m\\fR, \\fB2h\\fR, \\fB1h30m\\fR, \\fB7d\\fR ",
        "(a bare number is refused). Names (accounts, sessions) use letters, digits, \\fB_\\fR and \\fB\\-\\fR ",
        "(account names also \\fB.\\fR); account names and homes are unique, and the pool's names ",
        "(\\fBprefix\\fR + N) must not collide with dedicated ones.\n",
    ));
    page.push_str(".SH KEYS\n");
    let defaults = reference::defaults();
    for (section, what) in SECTIONS {
        page.push_str(&format!(".SS {}\n{}\n", esc(section), esc(what)));
        for key in KEYS.iter().filter(|k| k.key.split(['.', '[']).next() == Some(section)) {
            let default = if key.required {
                "required".to_owned()
            } else {
                let value = defaults.iter().find(|(k, _)| k == key.key).map(|(_, v)| reference::yaml_text(v));
                format!("default \\fB{}\\fR", esc(&value.unwrap_or_default()))
            };
            page.push_str(&format!(
                ".TP\n\\fB{}\\fR (\\fI{}\\fR, {default})\n{}\n",
                esc(key.key),
                esc(key.kind),
                esc(key.doc)
            ));
        }
    }
    page.push_str(concat!(
        ".SH EXAMPLES\n",
        "Two accounts, a pool of four sessions working on the projects under \\fI~/src\\fR:\n",
        ".PP\n.RS 4\n.nf\n",
    ));
    for line in CONFIG_EXAMPLE.lines() {
        page.push_str(&format!("{}\n", esc(line)));
    }
    page.push_str(concat!(
        ".fi\n.RE\n",
        ".PP\n",
        "The source tree's \\fIexamples/config.yaml\\fR shows every key with its default.\n",
        ".SH FILES\n",
        ".TP\n\\fI~/.config/ccfail/config.yaml\\fR\nThe user's config (under \\fB$XDG_CONFIG_HOME\\fR when set).\n",
        ".TP\n\\fI/etc/ccfail/config.yaml\\fR\nThe system-wide config, the last fallback.\n",
        ".SH \"SEE ALSO\"\n\\fBccfail\\fR(1), \\fBccfail\\-doctor\\fR(1)\n",
    ));
    page
}

/// The example of `ccfail-config(5)`; a test loads it.
const CONFIG_EXAMPLE: &str = "\
accounts:
  - {name: work, home: ~/.claude-accounts/work, priority: 0}
  - {name: spare, home: ~/.claude-accounts/spare, priority: 1}
claude:
  args: [--dangerously-skip-permissions]
  shared: {root: ~/.claude-accounts/shared}
pool:
  autonomous: {min: 2, max: 4, workdir: ~/work}
  dedicated: [{name: main, project: ~/src/app}]
projects: {scan: [~/src]}
notify: {command: [/usr/local/bin/ccfail-notify]}
";

fn title(name: &str, section: &str, version: &str) -> String {
    format!(".TH \"{}\" \"{section}\" \"\" \"ccfail {version}\" \"ccfail manual\"\n", name.to_uppercase())
}

fn about(cmd: &Command) -> String {
    cmd.get_about().map(ToString::to_string).unwrap_or_default().trim_end_matches('.').to_owned()
}

fn long_about(cmd: &Command) -> String {
    let text = cmd.get_long_about().or_else(|| cmd.get_about()).map(ToString::to_string).unwrap_or_default();
    sentence(&text)
}

/// `text` ending with a full stop, as a sentence in running text.
fn sentence(text: &str) -> String {
    let text = text.trim_end();
    if text.ends_with(['.', '!', '?']) || text.ends_with(".)") { text.to_owned() } else { format!("{text}.") }
}

/// Paragraphs of plain text (blank lines part them), escaped.
fn paragraphs(text: &str) -> String {
    let parts: Vec<String> =
        text.split("\n\n").map(|p| esc(&p.split_whitespace().collect::<Vec<_>>().join(" "))).collect();
    format!("{}\n", parts.join("\n.PP\n"))
}

fn shown(arg: &Arg) -> bool {
    !arg.is_hide_set()
}

fn is_help(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Help | ArgAction::HelpShort | ArgAction::HelpLong | ArgAction::Version)
}

/// `ccfail swap [--to NAME] [--dry-run] …`: what is typed, with the command's own options.
fn synopsis(path: &str, cmd: &Command, with_globals: bool) -> String {
    let mut line = format!("\\fB{}\\fR", esc(path));
    for arg in cmd.get_arguments().filter(|a| shown(a) && !is_help(a) && (with_globals || !a.is_global_set())) {
        if arg.is_positional() {
            let value = value_name(arg);
            line.push_str(&if arg.is_required_set() {
                format!(" \\fI{value}\\fR")
            } else {
                format!(" [\\fI{value}\\fR]")
            });
            continue;
        }
        let mut flag = match (arg.get_short(), arg.get_long()) {
            (Some(s), Some(l)) => format!("\\fB\\-{}\\fR|\\fB\\-\\-{}\\fR", esc(&s.to_string()), esc(l)),
            (None, Some(l)) => format!("\\fB\\-\\-{}\\fR", esc(l)),
            (Some(s), None) => format!("\\fB\\-{}\\fR", esc(&s.to_string())),
            (None, None) => continue,
        };
        if takes_value(arg) {
            flag.push_str(&format!(" \\fI{}\\fR", value_name(arg)));
        }
        let repeat = if matches!(arg.get_action(), ArgAction::Count | ArgAction::Append) { "..." } else { "" };
        line.push_str(&if arg.is_required_set() { format!(" {flag}{repeat}") } else { format!(" [{flag}]{repeat}") });
    }
    if visible_subcommands(cmd).next().is_some() {
        line.push_str(" \\fICOMMAND\\fR");
    }
    format!("{line}\n")
}

fn takes_value(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Set | ArgAction::Append)
}

fn value_name(arg: &Arg) -> String {
    let names = arg.get_value_names().map(|n| n.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "));
    esc(&names.unwrap_or_else(|| arg.get_id().as_str().to_uppercase()))
}

fn arguments_section(cmd: &Command) -> String {
    let positionals: Vec<&Arg> = cmd.get_positionals().filter(|a| shown(a)).collect();
    if positionals.is_empty() {
        return String::new();
    }
    let mut out = String::from(".SH ARGUMENTS\n");
    out.extend(positionals.into_iter().map(option_entry));
    out
}

fn options_section<'a>(heading: &str, args: impl Iterator<Item = &'a Arg>) -> String {
    let entries: String = args.filter(|a| shown(a) && !a.is_positional()).map(option_entry).collect();
    if entries.is_empty() { String::new() } else { format!(".SH \"{heading}\"\n{entries}") }
}

fn option_entry(arg: &Arg) -> String {
    let mut head = match (arg.get_short(), arg.get_long()) {
        (Some(s), Some(l)) => format!("\\fB\\-{}\\fR, \\fB\\-\\-{}\\fR", esc(&s.to_string()), esc(l)),
        (None, Some(l)) => format!("\\fB\\-\\-{}\\fR", esc(l)),
        (Some(s), None) => format!("\\fB\\-{}\\fR", esc(&s.to_string())),
        (None, None) => format!("\\fI{}\\fR", value_name(arg)),
    };
    if takes_value(arg) && !arg.is_positional() {
        head.push_str(&format!(" \\fI{}\\fR", value_name(arg)));
    }
    let mut body = esc(&help(arg));
    let values: Vec<String> =
        arg.get_possible_values().iter().filter(|v| !v.is_hide_set()).map(|v| esc(v.get_name())).collect();
    if !values.is_empty() {
        body.push_str(&format!(" One of: {}.", values.join(", ")));
    }
    format!(".TP\n{head}\n{body}\n")
}

fn help(arg: &Arg) -> String {
    let text = arg.get_long_help().or_else(|| arg.get_help()).map(ToString::to_string).unwrap_or_default();
    sentence(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn examples_section(page: &str) -> String {
    let Some((_, examples)) = EXAMPLES.iter().find(|(p, _)| *p == page) else {
        return String::new();
    };
    let mut out = String::from(".SH EXAMPLES\n");
    for example in *examples {
        out.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", esc(example.line), esc(example.what)));
    }
    out
}

fn exit_codes(codes: impl Iterator<Item = ExitCode>) -> String {
    codes.map(|code| format!(".TP\n{}\n{}\n", code.code(), esc(code.meaning()))).collect()
}

/// Escapes text for a roff text line: backslashes, hyphens that are minus signs in
/// options and paths, and a leading `.` or `'` that would read as a request.
pub fn esc(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) { format!("\\&{escaped}") } else { escaped }
}

const ENVIRONMENT: &str = concat!(
    ".SH ENVIRONMENT\n",
    ".TP\nCCFAIL_CONFIG\nThe config file when \\fB\\-\\-config\\fR is not given (absolute).\n",
    ".TP\nXDG_CONFIG_HOME\nThen \\fI$XDG_CONFIG_HOME/ccfail/config.yaml\\fR (default \\fI~/.config\\fR).\n",
    ".TP\nSTATE_DIRECTORY\nThe state dir under systemd, when the config sets no \\fBstate.dir\\fR (not one under the config home).\n",
    ".TP\nXDG_STATE_HOME\nThen \\fI$XDG_STATE_HOME/ccfail\\fR, else \\fI~/.local/state/ccfail\\fR.\n",
    ".TP\nJOURNAL_STREAM\nSet by systemd: log lines carry their syslog priority prefix.\n",
    ".TP\nCCFAIL_COMPLETE\nSet by the completion scripts (\\fBccfail completions\\fR): the run answers a TAB and exits.\n",
    ".TP\nCCFAIL_NOW\nPins the clock (RFC 3339), for tests.\n",
);

const FILES: &str = concat!(
    ".SH FILES\n",
    ".TP\n\\fI~/.config/ccfail/config.yaml\\fR\nThe config (see \\fBccfail\\-config\\fR(5)).\n",
    ".TP\n\\fI/etc/ccfail/config.yaml\\fR\nThe system-wide config, the last fallback.\n",
    ".TP\n\\fI<state dir>/state.json\\fR\nccfail's memory between runs; replaced atomically, mode 0600.\n",
    ".TP\n\\fI<state dir>/history.jsonl\\fR\nThe history \\fBccfail log\\fR shows, one JSON object a line; appended under the lock, mode 0600.\n",
    ".TP\n\\fI<state dir>/state.lock\\fR\nHeld (flock) for every read-modify-write of the state.\n",
);

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;
    use crate::cli::Cli;

    /// The `ccfail …` words of a shell line, up to the first shell operator.
    fn ccfail_words(line: &str) -> Vec<&str> {
        let start = line.find("ccfail ").expect("an example runs ccfail");
        let command = &line[start..];
        let end = command.find(['|', '>', '<', ';', ')', '"']).unwrap_or(command.len());
        command[..end].split_whitespace().collect()
    }

    #[test]
    fn every_example_is_a_command_line_that_parses() {
        for (page, examples) in EXAMPLES {
            assert!(
                page.is_empty() || Cli::command().find_subcommand(page).is_some(),
                "examples for {page}, which is no command"
            );
            for example in *examples {
                let words = ccfail_words(example.line);
                if let Err(err) = Cli::try_parse_from(&words) {
                    panic!("example {:?} ({words:?}) does not parse: {err}", example.line);
                }
            }
        }
    }

    #[test]
    fn synopses_are_what_is_typed() {
        let pages = pages(Cli::command());
        let swap = &pages.iter().find(|(f, _)| f == "ccfail-swap.1").unwrap().1;
        assert!(swap.contains(".SH SYNOPSIS\n\\fBccfail swap\\fR [\\fB\\-\\-to\\fR \\fINAME\\fR]"), "{swap}");
        assert!(!swap.contains("\\-V"), "no -V on a subcommand: {swap}");
        let hooks = &pages.iter().find(|(f, _)| f == "ccfail-hooks.1").unwrap().1;
        assert!(hooks.contains("\\fBccfail hooks install\\fR [\\fB\\-\\-json\\fR]"), "{hooks}");
    }

    #[test]
    fn the_root_page_prints_the_exit_table_once_and_names_only_pages_that_ship() {
        let pages = pages(Cli::command());
        let root = &pages[0].1;
        assert_eq!(root.matches("quota\\-check: an account hit its limit").count(), 1, "{root}");
        let files: Vec<&str> = pages.iter().map(|(f, _)| f.as_str()).collect();
        for (file, text) in &pages {
            let mut rest = text.as_str();
            while let Some(at) = rest.find("\\fBccfail\\-") {
                let name_end = rest[at + 3..].find("\\fR(").expect("a page reference") + at + 3;
                let name = rest[at + 3..name_end].replace("\\-", "-");
                let section = &rest[name_end + 4..name_end + 5];
                assert!(
                    files.contains(&format!("{name}.{section}").as_str()),
                    "{file} names {name}({section}), which does not ship"
                );
                rest = &rest[name_end..];
            }
        }
    }

    #[test]
    fn the_config_example_is_a_valid_config() {
        let env = crate::paths::Env::from_pairs([("HOME", "/home/u")]);
        let loaded = crate::config::Config::from_yaml(CONFIG_EXAMPLE, std::path::Path::new("/e.yaml"), &env);
        assert!(loaded.is_ok(), "{loaded:?}");
    }

    #[test]
    fn escaping_keeps_roff_requests_out_of_text() {
        assert_eq!(esc("--to a\\b"), "\\-\\-to a\\eb");
        assert_eq!(esc(".hidden"), "\\&.hidden");
    }
}
