//! The command-line surface: clap types only, no logic.
//!
//! `///` comments are the help text. Every subcommand listed here works; new ones are
//! added together with their `commands/<name>.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueHint};

use crate::complete::{Names, names};

/// Keeps a pool of Claude Code sessions in tmux working across several accounts.
#[derive(Debug, Parser)]
#[command(name = "ccfail", version, about, long_about = None, after_long_help = crate::exit::table_text())]
pub struct Cli {
    /// Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]
    #[arg(long, global = true, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub config: Option<PathBuf>,

    /// More log lines on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Quiet: only what was done and what is wrong (warnings, errors); no tables, nothing
    /// at all when nothing happened.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// How quota-check, watch-once, dispatch and janitor print their report: `table` (the
    /// full picture), `lines` (one line per action, nothing when nothing happened: what
    /// the journal gets) [default: table on a terminal, else lines]
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    #[command(subcommand)]
    pub command: Command,
}

/// The report style of the timer commands (see `--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Lines,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show accounts, sessions, queues, the last swap and the state file at a glance.
    Status(StatusArgs),
    /// Check the config, tmux, the claude binary, account homes, shared links and the state file.
    Doctor(DoctorArgs),
    /// Set up from your account homes: write the config, link the shared dirs and the
    /// active link, install the hooks, run doctor and print the next command.
    ///
    /// Writes $CCFAIL_CONFIG or --config when set, else $XDG_CONFIG_HOME/ccfail/config.yaml
    /// (~/.config/ccfail/config.yaml). Running it again with the same arguments changes
    /// nothing; a config that differs is replaced only with --force (kept as .bak).
    /// Without --account, finishes the setup of the existing config.
    Init(InitArgs),
    /// Detect whether an account in use hit its usage limit; record it in state.
    ///
    /// Reads new hook events and the screens of the pool and dedicated sessions; server
    /// errors and "not your usage limit" texts never count.
    QuotaCheck(QuotaCheckArgs),
    /// Move every session to another account and resume each conversation there.
    ///
    /// Chooses the target (--to, else the eligible account with the lowest priority),
    /// stops Claude in every pool and dedicated pane, flips the active link, ensures the
    /// shared links, and resumes each conversation with `claude --resume <id>` on the
    /// target. Journaled: a crash at any point is finished or rolled back by the next run.
    Swap(SwapArgs),
    /// Record one Claude Code hook event (run by Claude Code; see `hooks install`).
    ///
    /// Reads the hook's JSON payload on stdin and appends one line to the events
    /// spool. Never takes the state lock, prints nothing on stdout and exits 0 even on
    /// bad input (problems go to stderr), so Claude Code is never disturbed.
    Hook(HookArgs),
    /// Install or remove ccfail's entries in every account's settings.json.
    Hooks(HooksArgs),
    /// Hand the best ready tasks of every project to the free pool sessions (one pass).
    ///
    /// A task is claimed by renaming inbox/<id>.md to <id>.md.dispatched, the claim is
    /// saved, then the prompt is typed and checked; a prompt that does not arrive is
    /// undone. Invalid tasks get a .invalid marker, blocked ones a .blocked marker.
    Dispatch(DispatchArgs),
    /// Watch every pool and dedicated session once: finish done tasks, flag stalled
    /// sessions, requeue the tasks of dead ones, keep the pool's sessions alive, write
    /// checkpoints. Dedicated sessions are only observed.
    WatchOnce(WatchOnceArgs),
    /// Clean up: orphaned claims back to the inbox, old done tasks archived, old
    /// checkpoints pruned, the read part of the hook spool freed, old history dropped,
    /// long-blocked tasks reported once.
    Janitor(JanitorArgs),
    /// Start Claude in a tmux session, creating the session if needed, and wait for its
    /// input box (for scripts).
    Launch(LaunchArgs),
    /// Print the environment Claude needs for an account, as export lines for eval.
    Env(EnvArgs),
    /// Show the history (history.jsonl in the state dir): swaps with their sessions and
    /// outcomes, dispatches, completions, requeues, quota hits, refusals and notifications.
    ///
    /// Oldest first; without --since or --last, the last 50 matching entries. Read-only:
    /// answers while another run holds the state lock.
    Log(LogArgs),
    /// Say what ccfail cannot see: an account has quota again (`undrain`), or has none
    /// until a time (`drain`). Recorded in the history.
    Account(AccountArgs),
    /// Print the shell script that completes ccfail's commands, options and names.
    ///
    /// The script asks ccfail itself at each TAB, so account, session, project and task
    /// names come from the config: `source <(ccfail completions bash)` in ~/.bashrc, or
    /// install the file `completions/` holds for the shell.
    Completions(CompletionsArgs),
    /// Write the man pages (for packagers; the repo commits them).
    #[command(hide = true)]
    Generate(GenerateArgs),
    // -- tasks lane: the operator's queue commands.
    /// Add, list, show, retry and cancel tasks of the projects' queues.
    ///
    /// Every move takes the state lock and is one rename inside the project, so a task
    /// exists under exactly one name at every instant.
    Task(TaskArgs),
    /// Pause dispatch (of the whole pool, or of projects) or pool upkeep, until `resume`.
    ///
    /// Kept in the state and shown by `status`. A paused dispatch sends no task (of
    /// those projects); paused upkeep means watch-once creates, respawns, starts and
    /// recycles no pool session (it still observes them and finishes, requeues and fails
    /// their tasks), so a pool stopped on purpose stays stopped.
    Pause(PauseArgs),
    /// Resume what `pause` paused.
    Resume(ResumeArgs),
    // -- end of the tasks lane.
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print one JSON document (schema in docs/json.md) instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Show the status again every SECS seconds [default: 2]: redrawn in place on a
    /// terminal, printed anew on a pipe. Ends with Ctrl-C.
    #[arg(long, value_name = "SECS", num_args = 0..=1, default_missing_value = "2",
          value_parser = clap::value_parser!(u64).range(1..=3600), conflicts_with = "json")]
    pub watch: Option<u64>,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print one JSON document (schema in docs/json.md) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Repair what is safe to repair: create missing shared links and their targets,
    /// install ccfail's hooks (merged), create a missing active link.
    #[arg(long)]
    pub fix: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// An account: NAME=HOME, its Claude Code config dir, logged in once (repeat; the
    /// first is preferred).
    #[arg(long = "account", value_name = "NAME=HOME")]
    pub accounts: Vec<String>,
    /// Where every home's projects/, session-env/ and file-history/ are shared [default:
    /// $XDG_DATA_HOME/ccfail/shared, ~/.local/share/ccfail/shared]
    #[arg(long, value_name = "DIR")]
    pub shared_root: Option<PathBuf>,
    /// The link kept pointing at the active account's home [default: ~/.claude, unless it
    /// is a real dir or one of the homes]
    #[arg(long, value_name = "PATH", conflicts_with = "no_active_link")]
    pub active_link: Option<PathBuf>,
    /// No active link.
    #[arg(long)]
    pub no_active_link: bool,
    /// The Claude Code client (claude.binary) [default: claude as found on $PATH, written
    /// as its path when outside the system dirs]
    #[arg(long, value_name = "PATH")]
    pub claude: Option<PathBuf>,
    /// Pool sessions (pool.autonomous.max) [default: the config's, 4]
    #[arg(long, value_name = "N")]
    pub pool: Option<u32>,
    /// Where pool sessions start (pool.autonomous.workdir) [default: $HOME]
    #[arg(long, value_name = "DIR")]
    pub workdir: Option<PathBuf>,
    /// A project whose .agent-queue/ feeds the pool (projects.list; repeat).
    #[arg(long = "project", value_name = "DIR")]
    pub projects: Vec<PathBuf>,
    /// Replace an existing config that differs (the old one is kept as <file>.bak).
    #[arg(long)]
    pub force: bool,
    /// Print the config and every step, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct QuotaCheckArgs {
    /// Print one JSON document (schema in docs/json.md) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Decide and report, but record nothing in state.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct SwapArgs {
    /// The account to move to [default: the eligible account with the lowest priority]
    #[arg(long, value_name = "NAME", add = names(Names::Account))]
    pub to: Option<String>,
    /// Print the plan (sessions, ids, commands) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print one JSON document (schema in docs/json.md) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Re-check the active link and every shared link; clear the partial-swap latch if
    /// they are sound, else say what is still wrong.
    #[arg(long, conflicts_with_all = ["to", "dry_run"])]
    pub clear_partial: bool,
    /// Use the --to account even though it is drained (its reset time is a hint, not a
    /// promise); warns and records it in the history. Never overrides the latch, an
    /// account without credentials or the active one.
    #[arg(long, requires = "to")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct AccountArgs {
    #[command(subcommand)]
    pub action: AccountAction,
}

#[derive(Debug, Subcommand)]
pub enum AccountAction {
    /// The account has quota again: clear its drain, so a swap may choose it.
    Undrain(AccountUndrainArgs),
    /// The account has no quota until --until: no swap chooses it before then (only
    /// `swap --to NAME --force`).
    Drain(AccountDrainArgs),
}

#[derive(Debug, Args)]
pub struct AccountUndrainArgs {
    /// The account, as named in the config.
    #[arg(value_name = "NAME", add = names(Names::Account))]
    pub name: String,
    /// Print one JSON document instead of text (schema in docs/json.md).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AccountDrainArgs {
    /// The account, as named in the config.
    #[arg(value_name = "NAME", add = names(Names::Account))]
    pub name: String,
    /// Until when: an RFC 3339 time (2026-12-02T19:00:00Z) or a duration from now (90m, 5h)
    #[arg(long, value_name = "T", default_value = "5h", value_parser = crate::commands::account::parse_until)]
    pub until: crate::commands::account::Until,
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DispatchArgs {
    /// Print one JSON document (schema in docs/json.md) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Show the pairing of sessions and tasks; claim, send and mark nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct WatchOnceArgs {
    /// Print one JSON document (schema in docs/json.md) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Show what would be done; move, start and record nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct JanitorArgs {
    /// Print one JSON document (schema in docs/json.md) instead of text.
    #[arg(long)]
    pub json: bool,
    /// List every action and carry out none.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct LaunchArgs {
    /// The tmux session (created when missing).
    #[arg(add = names(Names::Session))]
    pub session: String,
    /// Folder Claude starts in [default: a dedicated session's project, else $HOME]
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub project: Option<PathBuf>,
    /// Resume this conversation (claude --resume ID).
    #[arg(long, value_name = "ID")]
    pub resume: Option<String>,
    /// Account to start on [default: the active account]
    #[arg(long, value_name = "NAME", add = names(Names::Account))]
    pub account: Option<String>,
    /// Model to start with (claude --model M).
    #[arg(long, value_name = "M")]
    pub model: Option<String>,
    /// Allow a name in the pool's range.
    #[arg(long)]
    pub pool: bool,
    /// Print one JSON document (schema in docs/json.md) instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    /// Account [default: the active account]
    #[arg(long, value_name = "NAME", add = names(Names::Account))]
    pub account: Option<String>,
    /// Print one JSON document (schema in docs/json.md) instead of export lines.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only entries since then: a duration back from now (`2h`, `1d`, `1h30m`) or a time
    /// (`2026-12-02T10:00:00Z`, `2026-12-02 10:00`, `2026-12-02`; UTC unless an offset is given).
    #[arg(long, value_name = "WHEN", value_parser = crate::commands::log::parse_since)]
    pub since: Option<crate::commands::log::Since>,
    /// Only entries of this kind (swap-done, dispatched, task-failed, ...); a family name such as
    /// `swap`, `task` or `quota` takes every kind it starts. Repeat for several.
    #[arg(long, value_name = "KIND")]
    pub kind: Vec<String>,
    /// Only entries about this tmux session.
    #[arg(long, value_name = "NAME", add = names(Names::Session))]
    pub session: Option<String>,
    /// Only entries about a task of this project.
    #[arg(long, value_name = "NAME", add = names(Names::Project))]
    pub project: Option<String>,
    /// At most the last N matching entries [default: 50 unless --since is given]
    #[arg(long, value_name = "N")]
    pub last: Option<usize>,
    /// Print one JSON document (schema in docs/json.md) instead of lines.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct HookArgs {
    /// The events spool to append to [default: events.jsonl in the state dir]
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub spool: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct HooksArgs {
    #[command(subcommand)]
    pub action: HooksAction,
}

#[derive(Debug, Subcommand)]
pub enum HooksAction {
    /// Merge hook entries for SessionStart, UserPromptSubmit, Stop, StopFailure,
    /// Notification and SessionEnd into each account's settings.json, keeping every
    /// other key and hook. Running it twice changes nothing the second time.
    Install(HooksChangeArgs),
    /// Remove exactly the entries `hooks install` added.
    Uninstall(HooksChangeArgs),
}

#[derive(Debug, Args)]
pub struct HooksChangeArgs {
    /// Print one JSON document (schema in docs/json.md) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Show what would change and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

// -- tasks lane: `task`, `pause`, `resume`.
#[derive(Debug, Args)]
pub struct TaskArgs {
    #[command(subcommand)]
    pub action: TaskAction,
}

#[derive(Debug, Subcommand)]
pub enum TaskAction {
    /// Add a task to a project's inbox and print its name (project:id).
    ///
    /// The content comes from --file (a task file, or - for stdin) or from the other
    /// options. It is checked exactly as dispatch checks it: a task dispatch would mark
    /// invalid is refused and nothing is written. The file appears whole or not at all.
    Add(TaskAddArgs),
    /// List tasks with their state; for each waiting one, why it waits.
    Ls(TaskLsArgs),
    /// Show one task: state, front matter, why it waits, reasons, its session, its
    /// history, the file.
    Show(TaskRefArgs),
    /// Send a failed task back to the inbox with its attempts reset (its reason is kept
    /// in the history); an invalid one is checked again and its marker cleared.
    Retry(TaskRefArgs),
    /// Cancel a task: to failed/ with the reason "cancelled by operator".
    ///
    /// A claimed task is moved first; then Escape is pressed in its session (ending the
    /// turn), the claim is released and the session marked failed, so dispatch sends it
    /// nothing and the next watch-once recycles it (/exit and a fresh client).
    Cancel(TaskRefArgs),
}

#[derive(Debug, Args)]
pub struct TaskAddArgs {
    /// The project [default: the only registered one]
    #[arg(long, short, value_name = "NAME", add = names(Names::Project))]
    pub project: Option<String>,
    /// The task's id: the file is inbox/<ID>.md [default: the file's name, else one made from the title]
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// Read the whole task file (front matter and body) from PATH, or from stdin with -.
    #[arg(long, short, value_name = "PATH", value_hint = ValueHint::FilePath, conflicts_with_all = ["title", "body", "priority", "tags", "depends_on", "model"])]
    pub file: Option<PathBuf>,
    /// The title (the words are joined with spaces).
    #[arg(value_name = "TITLE")]
    pub title: Vec<String>,
    /// The body below the front matter.
    #[arg(long, value_name = "TEXT")]
    pub body: Option<String>,
    /// The priority [default: default]
    #[arg(long, value_enum, value_name = "PRIORITY")]
    pub priority: Option<TaskPriority>,
    /// A capability the session needs (repeat for more).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// A task that must be done first, as project:id or id (repeat for more).
    #[arg(long = "depends-on", value_name = "TASK", add = names(Names::Task))]
    pub depends_on: Vec<String>,
    /// The model for this task (overrides dispatch.models).
    #[arg(long, value_name = "M")]
    pub model: Option<String>,
    /// Print one JSON document instead of the name.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TaskLsArgs {
    /// Only this project (repeat for more).
    #[arg(long, short, value_name = "NAME", add = names(Names::Project))]
    pub project: Vec<String>,
    /// Only tasks in this state (repeat for more) [default: all but done]
    #[arg(long, short, value_enum, value_name = "STATE")]
    pub state: Vec<TaskState>,
    /// Print one JSON document instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// A task's `priority:` (dispatch sends critical first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TaskPriority {
    Critical,
    High,
    Default,
    Low,
}

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// In the inbox, its dependencies met.
    Pending,
    /// In the inbox, waiting for its dependencies.
    Blocked,
    /// Claimed by a session (inbox/T.md.dispatched).
    Claimed,
    /// In done/ (or its archive).
    Done,
    /// In failed/.
    Failed,
    /// In the inbox, never sent: see its reason.
    Invalid,
}

#[derive(Debug, Args)]
pub struct TaskRefArgs {
    /// The task: project:id, or id when one project has it.
    #[arg(value_name = "TASK", add = names(Names::Task))]
    pub task: String,
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PauseArgs {
    /// Pause the dispatch of this project only (repeat for more).
    #[arg(long, short, value_name = "NAME", conflicts_with = "upkeep", add = names(Names::Project))]
    pub project: Vec<String>,
    /// Pause pool upkeep (watch-once creating, starting and recycling pool sessions).
    #[arg(long)]
    pub upkeep: bool,
    /// Why, shown by status.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// Resume the dispatch of this project (repeat for more).
    #[arg(long, short, value_name = "NAME", conflicts_with_all = ["upkeep", "all"], add = names(Names::Project))]
    pub project: Vec<String>,
    /// Resume pool upkeep.
    #[arg(long, conflicts_with = "all")]
    pub upkeep: bool,
    /// Resume everything: dispatch, every project, upkeep.
    #[arg(long)]
    pub all: bool,
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}
// -- end of the tasks lane.

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(subcommand)]
    pub what: Generate,
}

#[derive(Debug, Subcommand)]
pub enum Generate {
    /// Man pages: ccfail.1, one page per subcommand and ccfail-config.5.
    Man {
        /// Directory to write the pages into.
        #[arg(long, value_name = "DIR", default_value = "man", value_hint = ValueHint::DirPath)]
        out: PathBuf,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
