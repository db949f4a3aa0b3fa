//! `ccfail quota-check`: is an account exhausted (or the active one about to be), since
//! when, until when? One run per timer tick.
//!
//! lock → observe (the running clients and where they run, new hook events, new
//! transcript bytes with the usage windows, one tmux observe, one batched capture of
//! the pool and dedicated panes on every account) → attribute each signal to the
//! account of its session at its time ([`crate::attribution`]) → decide each account
//! ([`crate::quota::detect::decide_each`], pure) → record in state (the placements
//! the clients showed, each account's hit, warning and suspicion) → report. Acting on
//! a confirmed hit (the swap) is not [`check`]'s job.

use anyhow::Result;
use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;

use crate::accounts;
use crate::attribution::{self, SeenClient, Whereabouts};
use crate::cli::QuotaCheckArgs;
use crate::client::{self, RunningClient};
use crate::clock;
use crate::commands;
use crate::config::Policy;
use crate::ctx::Ctx;
use crate::exit::ExitCode;
use crate::hooks;
use crate::pool;
use crate::quota::detect::{self, Decision, LimitHit, Observed, Origin, Outcome, Prior, Rules, Signal};
use crate::quota::{Classification, classify, classify_screen};
use crate::render;
use crate::screen::Screen;
use crate::state::{QuotaCheck, SessionKind, State, StateLock};
use crate::swap::{self, journal::Reason};
use crate::tmux::Observation;
use crate::usage::{self, AccountWindows, ProactiveHit};

/// How long an account counts as drained when the notice gave no reset time: the
/// length of the 5-hour window, the longest a session limit can last.
const UNKNOWN_RESET: std::time::Duration = std::time::Duration::from_secs(5 * 3600);

#[derive(Debug, Serialize)]
pub struct QuotaReport {
    pub at: DateTime<Utc>,
    /// The active account, which `outcome` is about.
    pub account: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Every account confirmed exhausted this run, the active one included.
    pub hits: Vec<AccountHit>,
    /// Every account suspected this run (a pane hit without a reset), the active one
    /// included.
    pub suspected: Vec<AccountSuspected>,
    /// "Approaching usage limit" notices, each with the account it is about.
    pub warnings: Vec<AccountWarning>,
    pub hook_events_read: usize,
    /// Failed-turn records (429s, the legacy limit text) read from new transcript bytes.
    pub transcript_errors_read: usize,
    pub panes_read: usize,
    /// A soft cap passed (only when no hard hit was found).
    pub proactive: Option<ProactiveHit>,
    /// The active account's usage windows.
    pub usage: Option<AccountWindows>,
    pub notes: Vec<String>,
    pub dry_run: bool,
    /// The swap a confirmed hit started (`quota.auto_swap`), if any.
    pub swap: Option<swap::Outcome>,
    /// The sessions placement moved this run (`placement`), and those that wait.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<swap::moves::Tick>,
}

/// An account confirmed exhausted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountHit {
    pub account: String,
    pub hit: LimitHit,
    pub drained_until: DateTime<Utc>,
}

/// An account suspected exhausted: the next run confirms or clears it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountSuspected {
    pub account: String,
    pub hit: LimitHit,
}

/// An "approaching usage limit" notice and the account it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountWarning {
    pub account: String,
    #[serde(flatten)]
    pub warning: LimitHit,
}

pub fn run(ctx: &Ctx, args: &crate::cli::QuotaCheckArgs) -> Result<ExitCode> {
    let lock = ctx.state.lock()?;
    let mut state = lock.load()?;
    if let Some(recovered) = swap::recover(ctx, &lock, &mut state)? {
        ctx.log().warn(&format!("an unfinished swap was resolved first: {}", outcome_word(&recovered)));
    }
    let drained_before: std::collections::BTreeMap<String, Option<DateTime<Utc>>> =
        state.accounts.iter().map(|(name, account)| (name.clone(), account.drained_until)).collect();
    let mut report = check(ctx, &lock, &mut state, args)?;
    if !args.dry_run {
        lock.save(&mut state)?;
        // Every account that ran out, once: a late signal about an account already
        // drained as long (a hook event from before its sessions moved) is not news.
        for AccountHit { account, hit, drained_until } in &report.hits {
            if drained_before.get(account).copied().flatten().is_some_and(|before| before >= *drained_until) {
                continue;
            }
            ctx.notify(
                "quota_hit",
                format!("account {account} hit its limit: {} (drained until {drained_until})", hit.snippet),
                serde_json::json!({ "account": account, "hit": hit, "drained_until": drained_until }),
            );
        }
        if let Some(hit) = &report.proactive {
            ctx.notify(
                "proactive_hit",
                format!(
                    "account {} used {:.0}% of limits.{} ({} of {})",
                    hit.account,
                    hit.fraction * 100.0,
                    hit.cap_kind.config_key(),
                    hit.used,
                    hit.cap
                ),
                serde_json::json!({ "proactive": hit }),
            );
            if ctx.config.quota.proactive_swap && ctx.config.placement.policy == Policy::Fill {
                let reason = Reason::Proactive {
                    detail: format!("{:.0}% of limits.{}", hit.fraction * 100.0, hit.cap_kind.config_key()),
                };
                report.swap = Some(swap::swap(
                    ctx,
                    &lock,
                    &mut state,
                    &swap::Request { to: None, reason, dry_run: false, force: false },
                )?);
            }
        }
        // Under `spread` a limit moves only the sessions on the account that hit it: the
        // placement tick below.
        if let Outcome::Confirmed { hit, .. } = &report.outcome
            && ctx.config.quota.auto_swap
            && ctx.config.placement.policy == Policy::Fill
        {
            let reason = Reason::QuotaHit { snippet: hit.snippet.clone(), reset_at: hit.reset_at };
            // A set latch refuses the swap inside swap(): quota-check never triggers past it.
            report.swap = Some(swap::swap(
                ctx,
                &lock,
                &mut state,
                &swap::Request { to: None, reason, dry_run: false, force: false },
            )?);
        }
    }
    report.placement =
        Some(place(ctx, &lock, &mut state, args.dry_run)?).filter(|t| !t.moves.is_empty() || !t.held.is_empty());
    // After the swap, whose outcome is part of the report; saved again only when what
    // was said changed (a warning appeared or went away).
    let said_before = state.said.get(<QuotaReport as commands::TimerReport>::COMMAND).cloned();
    let journal = commands::journal(&mut state, args.dry_run, &report);
    if !args.dry_run && state.said.get(<QuotaReport as commands::TimerReport>::COMMAND) != said_before.as_ref() {
        lock.save(&mut state)?;
    }
    drop(lock);
    let swap = report.swap.as_ref().map(|outcome| commands::swap::human(ctx, outcome)).unwrap_or_default();
    commands::print_timer(ctx, args.json, &report, &journal, &swap)?;
    if let Some(outcome) = &report.swap {
        let code = commands::swap::exit_code(outcome);
        if code != ExitCode::Ok {
            return Ok(code);
        }
    }
    Ok(exit_code(&report))
}

/// A hit on any account, else a suspicion on any, else a soft cap passed.
fn exit_code(report: &QuotaReport) -> ExitCode {
    if !report.hits.is_empty() {
        ExitCode::QuotaHit
    } else if !report.suspected.is_empty() {
        ExitCode::QuotaSuspected
    } else if report.proactive.is_some() {
        ExitCode::QuotaProactive
    } else {
        ExitCode::Ok
    }
}

/// Placement's part of the run: each account's counted use stored for the start sites,
/// then the moves of this run (none while a swap is unfinished or latched).
fn place(ctx: &Ctx, lock: &StateLock, state: &mut State, dry_run: bool) -> Result<swap::moves::Tick> {
    let now = ctx.now();
    let capped = ctx.config.accounts.iter().any(|a| a.limits != crate::config::SoftLimits::default());
    if capped && !dry_run {
        let roots = usage::transcript_roots(&ctx.config);
        if let Ok(refreshed) = usage::peek(ctx.state.paths(), &roots, &usage::Owners::of(state), now) {
            swap::moves::store_counts(ctx, state, &refreshed.snapshot);
        }
    }
    let tick = swap::moves::tick(ctx, lock, state, dry_run)?;
    if capped && !dry_run {
        lock.save(state)?;
    }
    Ok(tick)
}

/// Observes, decides and records into `state`; the caller saves it.
pub fn check(ctx: &Ctx, lock: &StateLock, state: &mut State, args: &QuotaCheckArgs) -> Result<QuotaReport> {
    let now = ctx.now();
    let config = &ctx.config;
    let mut notes = Vec::new();
    let Some((active, _)) = accounts::active_account(config, Some(state)) else {
        anyhow::bail!("no account is configured");
    };
    let active = active.clone();
    // Nothing recorded yet: hook events and usage from before this first run count for
    // the active account.
    state.timeline = state.timeline_assuming(&active.name);

    let observation = match ctx.tmux.observe() {
        Ok(observation) => observation,
        Err(err) => {
            notes.push(format!("panes not read: {err}"));
            Observation::default()
        }
    };
    // Where every client runs, and what that tells the state: placements of the
    // conversations, the accounts of the sessions.
    let running = client::all_running(config);
    let seen = seen_clients(ctx, &observation, &running);
    let sightings = attribution::sightings(&seen, state, now);
    attribution::apply(state, &sightings);

    let mut observed = Vec::new();
    let spool = ctx.state.paths().dir.join(hooks::SPOOL_FILE);
    let read = hooks::read_from(&spool, state.quota.spool_offset)
        .map_err(|err| anyhow::anyhow!("could not read the hook spool {}: {err}", spool.display()))?;
    notes.extend(read.skipped.iter().map(|line| format!("skipped a hook spool line that does not parse: {line}")));
    let hook_events_read = read.events.len();
    {
        let whereabouts = Whereabouts { state, clients: &seen, active: &active.name };
        for event in &read.events {
            if event.event != "StopFailure" || event.error.as_deref() != Some("rate_limit") {
                continue;
            }
            let tmux_session = event
                .pane
                .as_deref()
                .and_then(|pane| observation.pane_by_id(pane))
                .filter(|_| hooks::from_server(event, ctx.tmux.socket()))
                .map(|pane| pane.session.clone());
            // The client names its own config dir in the transcript path it reports
            // (`<CLAUDE_CONFIG_DIR>/projects/…`, the link not resolved): the surest word.
            let account = account_of_transcript(config, event.transcript_path.as_deref())
                .unwrap_or_else(|| whereabouts.of_hook(tmux_session.as_deref(), event.session_id.as_deref(), event.at));
            observed.push(Observed {
                account: account.to_owned(),
                signal: Signal::Hook,
                origin: Origin::Client,
                session: tmux_session.or_else(|| event.session_id.clone()),
                seen_at: event.at,
                classification: classify(event.last_message.as_deref().unwrap_or_default()),
            });
        }
    }

    // Transcripts: only the bytes appended since the last run are read (usage.bin keeps
    // the cursors), in the same pass that counts usage; decide() ignores records older
    // than the previous check.
    let roots = usage::transcript_roots(config);
    let refreshed = if args.dry_run {
        usage::peek(ctx.state.paths(), &roots, &usage::Owners::of(state), now)
    } else {
        usage::refresh(lock, &roots, &usage::Owners::of(state), now)
    };
    let whereabouts = Whereabouts { state, clients: &seen, active: &active.name };
    let (usage_windows, proactive_hit, transcript_errors_read) = match refreshed {
        Ok(refreshed) => {
            notes.extend(refreshed.report.rebuilt.iter().cloned());
            notes.extend(refreshed.report.warnings.iter().cloned());
            let errors = &refreshed.report.api_errors;
            for record in errors {
                observed.push(Observed {
                    account: whereabouts.of_conversation(record.session_id.as_deref(), record.at).to_owned(),
                    signal: Signal::Transcript,
                    origin: Origin::Client,
                    session: record.session_id.clone(),
                    seen_at: record.at,
                    classification: crate::quota::record::classify_record(record),
                });
            }
            let windows = refreshed.snapshot.windows(&active);
            (Some(windows), refreshed.snapshot.proactive_hit(&active, &config.quota), errors.len())
        }
        Err(err) => {
            notes.push(format!("transcripts not read: {err:#}"));
            (None, None, 0)
        }
    };

    let panes_read = observe_panes(ctx, &observation, &whereabouts, now, &mut observed);

    let zone = config.quota.timezone_tz().or_else(|| clock::local_zone(ctx.inputs.env.get("TZ")));
    let rules = Rules {
        min_pool_hits: config.quota.min_pool_hits,
        min_dedicated_hits: config.quota.min_dedicated_hits,
        cooldown: config.quota.cooldown.get(),
        zone,
        unknown_reset: UNKNOWN_RESET,
    };
    let priors = priors(state, config.accounts.iter().map(|a| a.name.as_str()));
    for o in observed.iter().filter(|o| config.account(&o.account).is_none()) {
        notes.push(format!(
            "{} of {} is about account {:?}, which is not configured: not counted",
            signal_word(o.signal),
            o.session.as_deref().unwrap_or("an unknown session"),
            o.account
        ));
    }
    let decisions = detect::decide_each(&observed, &priors, &rules, now);
    for ahead in decisions.iter().flat_map(|d| &d.ahead_of_clock) {
        notes.push(format!(
            "{} of {} is stamped {} ({}), ahead of this host's clock: set aside, not counted; check the clocks (NTP) of the hosts whose clients write into the account homes",
            signal_word(ahead.signal),
            ahead.session.as_deref().unwrap_or("an unknown session"),
            ahead.seen_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            crate::render::relative(ahead.seen_at, now),
        ));
    }

    // Record, each account on its own.
    state.quota.spool_offset = read.next_offset;
    let mut hits = Vec::new();
    let mut suspected = Vec::new();
    let mut warnings = Vec::new();
    let mut suspicions = Vec::new();
    let mut active_outcome = Outcome::None;
    for (prior, decision) in priors.iter().zip(decisions) {
        let name = prior.account.as_str();
        let Decision { outcome, suspicion, warnings: notices, .. } = decision;
        let account_state = state.accounts.entry(name.to_owned()).or_default();
        if let Some(warning) = notices.last() {
            account_state.last_warning = Some(warning.clone());
        }
        warnings.extend(notices.into_iter().map(|warning| AccountWarning { account: name.to_owned(), warning }));
        match &outcome {
            Outcome::Confirmed { hit, drained_until, .. } => {
                account_state.drained_until = account_state.drained_until.max(Some(*drained_until));
                account_state.last_hit = Some(hit.clone());
                state
                    .record(now, "quota-hit", format!("{name}: {} ({})", hit.snippet, signal_word(hit.signal)))
                    .account(name)
                    .data(serde_json::json!({ "drained_until": drained_until, "session": hit.session }));
                hits.push(AccountHit { account: name.to_owned(), hit: hit.clone(), drained_until: *drained_until });
            }
            Outcome::Suspected { hit, .. } => {
                if state.quota.suspicion_of(name).is_none() {
                    state.record(now, "quota-suspected", format!("{name}: {}", hit.snippet)).account(name);
                }
                suspected.push(AccountSuspected { account: name.to_owned(), hit: hit.clone() });
            }
            Outcome::None | Outcome::Cooldown { .. } => {}
        }
        suspicions.extend(suspicion);
        if name == active.name {
            active_outcome = outcome;
        }
    }
    let proactive = proactive_hit.filter(|_| matches!(active_outcome, Outcome::None));
    let outcome_word = match &active_outcome {
        Outcome::None if proactive.is_some() => "proactive",
        Outcome::None => "none",
        Outcome::Cooldown { .. } => "cooldown",
        Outcome::Suspected { .. } => "suspected",
        Outcome::Confirmed { .. } => "confirmed",
    };
    // A soft cap passed is recorded once, when it starts; the runs after it say it again.
    if let Some(hit) = &proactive
        && state.quota.last_check.as_ref().is_none_or(|check| check.outcome != "proactive")
    {
        state
            .record(
                now,
                "proactive-hit",
                format!(
                    "{}: {:.0}% of limits.{} ({} of {})",
                    hit.account,
                    hit.fraction * 100.0,
                    hit.cap_kind.config_key(),
                    hit.used,
                    hit.cap
                ),
            )
            .account(&hit.account);
    }
    state.quota.suspicions = suspicions;
    state.quota.last_check =
        Some(QuotaCheck { at: now, outcome: outcome_word.to_owned(), account: Some(active.name.clone()) });

    Ok(QuotaReport {
        at: now,
        account: active.name,
        outcome: active_outcome,
        hits,
        suspected,
        warnings,
        hook_events_read,
        transcript_errors_read,
        panes_read,
        proactive,
        usage: usage_windows,
        notes,
        dry_run: args.dry_run,
        swap: None,
        placement: None,
    })
}

/// Each account's prior: its cooldown starts at the last swap onto it or the last move
/// of a session onto it, whichever is later; its own pending suspicion.
fn priors<'a>(state: &State, accounts: impl Iterator<Item = &'a str>) -> Vec<Prior> {
    accounts
        .map(|account| {
            let swapped = state.swap.last.as_ref().filter(|swap| swap.to == account).map(|swap| swap.at);
            let moved = state
                .sessions
                .values()
                .filter(|s| s.account.as_deref() == Some(account))
                .filter_map(|s| s.moved_at)
                .max();
            Prior {
                account: account.to_owned(),
                arrived_at: swapped.max(moved),
                suspicion: state.quota.suspicion_of(account).cloned(),
                last_check_at: state.quota.last_check.as_ref().map(|check| check.at),
            }
        })
        .collect()
}

/// Every running client, with the pool or dedicated session it runs in when it runs in
/// one.
fn seen_clients(ctx: &Ctx, observation: &Observation, running: &[RunningClient]) -> Vec<SeenClient> {
    let names = pool::session_names(ctx);
    let in_sessions = names.iter().filter_map(|(name, _)| {
        let pane = observation.session_pane(name)?;
        Some((name.as_str(), client::client_in_pane(running, &pane.pane_id, pane.pid)?))
    });
    attribution::seen(running, in_sessions)
}

/// The account whose home holds `path` under its `projects/` (as the client wrote it),
/// when one does.
fn account_of_transcript<'c>(config: &'c crate::config::Config, path: Option<&str>) -> Option<&'c str> {
    let path = std::path::Path::new(path?);
    config.accounts.iter().find(|a| path.starts_with(a.home.join("projects"))).map(|a| a.name.as_str())
}

/// Classifies the screens of the pool and dedicated panes, whatever account they run
/// on, in one batched capture; each is about the account its session runs on now.
fn observe_panes(
    ctx: &Ctx,
    observation: &Observation,
    whereabouts: &Whereabouts<'_>,
    now: DateTime<Utc>,
    out: &mut Vec<Observed>,
) -> usize {
    let panes: Vec<_> = pool::session_names(ctx)
        .into_iter()
        .filter_map(|(name, kind)| observation.session_pane(&name).map(|pane| (pane, kind)))
        .collect();
    if panes.is_empty() {
        return 0;
    }
    let ids: Vec<&str> = panes.iter().map(|(pane, _)| pane.pane_id.as_str()).collect();
    let captures = match ctx.tmux.capture(&ids, 0) {
        Ok(captures) => captures,
        Err(err) => {
            ctx.log().warn(&format!("panes not captured: {err}"));
            return 0;
        }
    };
    for (pane, kind) in &panes {
        let Some(text) = captures.get(&pane.pane_id) else { continue };
        let screen = Screen::parse_with_width(text, Some(pane.width as usize));
        let classification = classify_screen(&screen);
        if matches!(classification, Classification::None) {
            continue;
        }
        // The notice appeared at the pane's last output, not when this run read it: a
        // "resets 7am" read at 07:00:20 must not mean tomorrow.
        let seen_at = Utc.timestamp_opt(pane.activity, 0).single().filter(|t| *t <= now).unwrap_or(now);
        out.push(Observed {
            account: whereabouts.of_pane(&pane.session).to_owned(),
            signal: Signal::Pane,
            origin: if *kind == SessionKind::Pool { Origin::Pool } else { Origin::Dedicated },
            session: Some(pane.session.clone()),
            seen_at,
            classification,
        });
    }
    captures.len()
}

fn signal_word(signal: Signal) -> &'static str {
    match signal {
        Signal::Hook => "hook event",
        Signal::Transcript => "transcript",
        Signal::Pane => "pane",
    }
}

impl commands::TimerReport for QuotaReport {
    const COMMAND: &'static str = "quota-check";
    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }
    /// A finding that holds across runs (the same notice on screen, a soft cap passed)
    /// is keyed without the counts and relative times that change every run.
    fn lines(&self) -> Vec<commands::Line> {
        let source = |hit: &LimitHit| {
            let session = hit.session.as_deref().map(|s| format!(" {s}")).unwrap_or_default();
            format!("{}{session}: {:?}", signal_word(hit.signal), hit.snippet)
        };
        let mut lines = Vec::new();
        for suspected in &self.suspected {
            let (account, hit) = (&suspected.account, &suspected.hit);
            lines.push(commands::Line::once(
                format!("suspected {account} {}", hit.snippet),
                format!("account {account} SUSPECTED ({}); the next run confirms or clears it", source(hit)),
            ));
        }
        for AccountHit { account, hit, drained_until } in &self.hits {
            lines.push(commands::Line::once(
                format!("hit {account} {} {drained_until}", hit.snippet),
                format!(
                    "account {account} HIT ITS LIMIT ({}), drained until {}",
                    source(hit),
                    drained_until.format("%Y-%m-%d %H:%M UTC")
                ),
            ));
        }
        for AccountWarning { account, warning } in &self.warnings {
            lines.push(commands::Line::once(
                format!("warning {account} {}", warning.snippet),
                format!("account {account} warned: {}", source(warning)),
            ));
        }
        if let Some(hit) = &self.proactive {
            lines.push(commands::Line::once(
                format!("proactive {} {}", hit.account, hit.cap_kind.config_key()),
                format!(
                    "account {} PROACTIVE: used {} of limits.{} = {} ({:.0}%, threshold {:.0}%)",
                    hit.account,
                    hit.used,
                    hit.cap_kind.config_key(),
                    hit.cap,
                    hit.fraction * 100.0,
                    hit.threshold * 100.0
                ),
            ));
        }
        if let Some(outcome) = &self.swap {
            lines.extend(swap_lines(outcome));
        }
        if let Some(tick) = &self.placement {
            lines.extend(placement_lines(tick));
        }
        if self.dry_run && !lines.is_empty() {
            lines.push(commands::Line::action("dry run: nothing recorded"));
        }
        lines
    }
    fn table(&self) -> String {
        human(self)
    }
}

/// The swap quota-check started, one line per session moved; a refusal that holds is
/// said once.
fn swap_lines(outcome: &swap::Outcome) -> Vec<commands::Line> {
    let sessions = |lines: &mut Vec<commands::Line>, sessions: &[swap::journal::SwapSession]| {
        for s in sessions {
            let result = s.outcome.as_ref().map_or_else(|| "-".to_owned(), ToString::to_string);
            lines.push(commands::Line::action(format!("  {}: {result}", s.name)));
        }
    };
    let mut lines = Vec::new();
    match outcome {
        swap::Outcome::Done { from, to, sessions: list } => {
            lines.push(commands::Line::action(format!("swapped {from} -> {to}")));
            sessions(&mut lines, list);
        }
        swap::Outcome::RolledBack { from, to, reason, sessions: list } => {
            lines.push(commands::Line::action(format!("swap {from} -> {to} FAILED and was rolled back: {reason}")));
            sessions(&mut lines, list);
        }
        swap::Outcome::Partial { reason, .. } => lines.push(commands::Line::action(format!("PARTIAL SWAP: {reason}"))),
        swap::Outcome::Refused { reason, .. } => {
            let key = format!("refused {}", render::without_relative(reason));
            lines.push(commands::Line::once(key, format!("no swap: {reason}")));
        }
        swap::Outcome::Latched { reason, .. } => lines.push(commands::Line::once(
            format!("latched {reason}"),
            format!("no swap: the partial-swap latch is set: {reason}"),
        )),
        swap::Outcome::Planned { .. } => {}
    }
    lines
}

/// Each move, one line per session moved; a session held back is said once.
fn placement_lines(tick: &swap::moves::Tick) -> Vec<commands::Line> {
    let mut lines = Vec::new();
    for moved in &tick.moves {
        let planned = &moved.planned;
        let head = format!(
            "move {} -> {} ({}): {}",
            planned.from,
            planned.to,
            planned.why.describe(),
            planned.sessions.join(", ")
        );
        match &moved.outcome {
            None => lines.push(commands::Line::action(format!("would {head}"))),
            Some(swap::Outcome::Done { sessions, .. }) => {
                lines.push(commands::Line::action(head));
                for s in sessions {
                    let result = s.outcome.as_ref().map_or_else(|| "-".to_owned(), ToString::to_string);
                    lines.push(commands::Line::action(format!("  {}: {result}", s.name)));
                }
            }
            Some(outcome) => {
                lines.push(commands::Line::action(format!("{head}: {}", outcome_word(outcome))));
                lines.extend(swap_lines(outcome).into_iter().skip(1));
            }
        }
    }
    for held in &tick.held {
        lines.push(commands::Line::once(
            format!("held {} {}", held.session, render::without_relative(&held.why)),
            format!("{} stays: {}", held.session, held.why),
        ));
    }
    lines
}

fn human(report: &QuotaReport) -> String {
    let now = report.at;
    let source = |hit: &LimitHit| {
        let session = hit.session.as_deref().map(|s| format!(" {s}")).unwrap_or_default();
        format!("{}{session}: {:?}", signal_word(hit.signal), hit.snippet)
    };
    let mut out = match &report.outcome {
        Outcome::None => format!("quota-check: account {} ok\n", report.account),
        Outcome::Cooldown { until } => {
            format!("quota-check: in the post-swap cooldown until {}: nothing detected\n", render::when(*until, now))
        }
        Outcome::Suspected { account, hit } => {
            format!("quota-check: account {account} SUSPECTED ({}); the next run confirms or clears it\n", source(hit))
        }
        Outcome::Confirmed { account, hit, drained_until } => format!(
            "quota-check: account {account} HIT ITS LIMIT ({})\n  drained until {}{}\n",
            source(hit),
            render::when(*drained_until, now),
            if hit.reset_at.is_none() { " (no reset time given: assumed 5 h)" } else { "" }
        ),
    };
    // The other accounts this run found exhausted or suspected.
    for AccountHit { account, hit, drained_until } in report.hits.iter().filter(|h| h.account != report.account) {
        out.push_str(&format!(
            "  account {account} HIT ITS LIMIT ({})\n    drained until {}{}\n",
            source(hit),
            render::when(*drained_until, now),
            if hit.reset_at.is_none() { " (no reset time given: assumed 5 h)" } else { "" }
        ));
    }
    for suspected in report.suspected.iter().filter(|s| s.account != report.account) {
        out.push_str(&format!(
            "  account {} SUSPECTED ({}); the next run confirms or clears it\n",
            suspected.account,
            source(&suspected.hit)
        ));
    }
    for AccountWarning { account, warning } in &report.warnings {
        let whose = if *account == report.account { String::new() } else { format!(" (account {account})") };
        out.push_str(&format!("  warning{whose}: {}\n", source(warning)));
    }
    if let Some(hit) = &report.proactive {
        out.push_str(&format!(
            "  PROACTIVE: {} used {} of limits.{} = {} ({:.0}%, threshold {:.0}%)\n",
            hit.account,
            hit.used,
            hit.cap_kind.config_key(),
            hit.cap,
            hit.fraction * 100.0,
            hit.threshold * 100.0
        ));
    }
    out.push_str(&format!(
        "  read: {} new hook events, {} new transcript error records, {} panes\n",
        report.hook_events_read, report.transcript_errors_read, report.panes_read
    ));
    if report.dry_run {
        out.push_str("  dry run: nothing recorded\n");
    }
    out
}

fn outcome_word(outcome: &swap::Outcome) -> &'static str {
    match outcome {
        swap::Outcome::Done { .. } => "finished",
        swap::Outcome::RolledBack { .. } => "rolled back",
        swap::Outcome::Partial { .. } => "partial, latch set",
        swap::Outcome::Refused { .. } | swap::Outcome::Latched { .. } | swap::Outcome::Planned { .. } => "not run",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hook_events_transcript_path_names_the_account_whose_home_it_is_under() {
        let account = |name: &str| crate::config::Account {
            name: name.to_owned(),
            home: format!("/homes/{name}").into(),
            ..crate::config::Account::default()
        };
        let config = crate::config::Config { accounts: vec![account("a"), account("ab")], ..Default::default() };
        let of = |path: &str| account_of_transcript(&config, Some(path));
        assert_eq!(of("/homes/ab/projects/-work/c1.jsonl"), Some("ab"), "a home whose name extends another's");
        assert_eq!(of("/homes/a/projects/-work/c1.jsonl"), Some("a"));
        assert_eq!(of("/shared/projects/-work/c1.jsonl"), None, "the shared tree itself says nothing");
        assert_eq!(of("/homes/a/sessions/1.json"), None);
        assert_eq!(account_of_transcript(&config, None), None);
    }
}
