//! The validated context every command runs in, built once from the raw input.
//!
//! [`Inputs`] is what can be known without reading the config (environment snapshot,
//! config path, clock, logger); [`Ctx`] adds the loaded config, the state store and the
//! tmux handle. Commands receive one of them and never read the environment.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::cli::{Cli, Format};
use crate::clock::Clock;
use crate::config::{Config, ConfigError};
use crate::log::Logger;
use crate::paths::{self, ConfigSource, Env, SocketSource, StatePaths, StateSource};
use crate::state::StateStore;
use crate::tmux::{self, Tmux};

#[derive(Debug, Clone)]
pub struct Inputs {
    pub env: Env,
    pub config_file: PathBuf,
    pub config_source: ConfigSource,
    pub clock: Clock,
    pub log: Logger,
    /// How the timer commands print their report: `--format`, else lines under `-q` or
    /// when stdout is not a terminal (the journal, a pipe), else tables.
    pub format: Format,
    /// `CCFAIL_FAULT`: the fault points a test armed (see [`crate::fault`]).
    pub fault: Option<String>,
    /// `/proc/self/cgroup`: whether this run is a systemd unit's (see [`tmux::under_unit`]).
    pub own_cgroup: Option<String>,
    pub uid: u32,
    /// The width of the terminal on stderr, when it is one: progress redraws a line there.
    pub stderr_tty: Option<usize>,
}

impl Inputs {
    pub fn from_cli(cli: &Cli, env: Env) -> Result<Inputs> {
        let (config_file, config_source) = paths::config_path(cli.config.as_deref(), &env)?;
        let clock = Clock::from_env_value(env.get("CCFAIL_NOW"))?;
        let log = Logger::new(cli.verbose, cli.quiet, env.get("JOURNAL_STREAM").is_some());
        let format = cli.format.unwrap_or(if !cli.quiet && std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Lines
        });
        let fault = crate::fault::from_env_value(env.get("CCFAIL_FAULT"))?;
        let own_cgroup = std::fs::read_to_string("/proc/self/cgroup").ok();
        // SAFETY: geteuid has no preconditions and cannot fail.
        let uid = unsafe { libc::geteuid() };
        let stderr_tty = crate::progress::stderr_terminal();
        Ok(Inputs { env, config_file, config_source, clock, log, format, fault, own_cgroup, uid, stderr_tty })
    }

    /// Whether this run is a systemd unit's process.
    pub fn under_unit(&self) -> bool {
        tmux::under_unit(self.own_cgroup.as_deref(), self.env.get("INVOCATION_ID"), self.env.get("SYSTEMD_EXEC_PID"))
    }

    /// Reads and validates the config file.
    pub fn load_config(&self) -> Result<Config, ConfigError> {
        if !self.config_file.exists() {
            let searched = match self.config_source {
                ConfigSource::Flag | ConfigSource::EnvCcfailConfig => Vec::new(),
                _ => paths::user_config_file(&self.env).into_iter().chain([self.config_file.clone()]).collect(),
            };
            return Err(ConfigError::NotFound {
                file: self.config_file.clone(),
                from: self.config_source.describe(),
                searched,
            });
        }
        Config::load(&self.config_file, &self.env)
    }
}

#[derive(Debug, Clone)]
pub struct Ctx {
    pub inputs: Inputs,
    pub config: Config,
    pub state: StateStore,
    pub state_source: StateSource,
    pub socket_source: SocketSource,
    pub tmux: Tmux,
}

impl Ctx {
    pub fn load(inputs: Inputs) -> Result<Ctx> {
        let config = inputs.load_config()?;
        Ctx::with_config(inputs, config)
    }

    pub fn with_config(inputs: Inputs, config: Config) -> Result<Ctx> {
        let (state_dir, state_source) =
            paths::state_dir(config.state.dir.as_deref(), &inputs.env).context("could not choose the state dir")?;
        let state = StateStore::new(StatePaths::new(state_dir), config.state.lock_wait.get())
            .with_history_limit(config.state.history_limit);
        let (socket, socket_source) = paths::tmux_socket(config.tmux.socket.as_deref(), &inputs.env, inputs.uid);
        let home = tmux::server_home(inputs.under_unit(), &socket);
        let tmux = Tmux::new(&config.tmux.binary, Some(socket), config.tmux.enter_delay.get()).with_server_home(home);
        Ok(Ctx { inputs, config, state, state_source, socket_source, tmux })
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inputs.clock.now()
    }

    pub fn log(&self) -> &Logger {
        &self.inputs.log
    }

    /// Sends a notification (if `notify.command` is set and wants this event); never
    /// fails and never waits past `notify.timeout`.
    pub fn notify(&self, event: &str, summary: impl Into<String>, details: serde_json::Value) {
        let event = crate::notify::Event::new(event, self.now(), summary, details);
        crate::notify::send(&self.config.notify, self.log(), &event);
    }

    /// Progress of long work on stderr (see [`crate::progress`]).
    pub fn progress(&self, title: impl Into<String>) -> crate::progress::Progress<'_> {
        crate::progress::Progress::new(self.log(), self.inputs.stderr_tty, title)
    }

    /// Ends the process here, abruptly, when `CCFAIL_FAULT` names this point.
    pub fn fault(&self, point: &str) {
        crate::fault::hit(self.inputs.fault.as_deref(), point);
    }

    /// Whether `CCFAIL_FAULT` arms this failure point: the step must fail as if the disk
    /// refused it (the run goes on).
    pub fn fault_armed(&self, point: &str) -> bool {
        crate::fault::armed(self.inputs.fault.as_deref(), point)
    }
}
