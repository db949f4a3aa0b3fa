use std::path::{Path, PathBuf};

use super::*;

fn env() -> Env {
    Env::from_pairs([("HOME", "/home/op"), ("POOL_ROOT", "/srv/pool")])
}

fn load(text: &str) -> Result<Config, Vec<ConfigProblem>> {
    Config::from_yaml(text, Path::new("test.yaml"), &env()).map_err(|err| match err {
        ConfigError::Invalid { problems, .. } => problems,
        other => panic!("unexpected error {other}"),
    })
}

const MINIMAL: &str = "accounts:\n  - name: a\n    home: ~/acct/a\n";

#[test]
fn minimal_config_gets_the_documented_defaults() {
    let config = load(MINIMAL).unwrap();
    assert_eq!(config.accounts[0].home, PathBuf::from("/home/op/acct/a"));
    assert_eq!(config.claude.binary, "claude");
    assert_eq!(config.claude.shared.entries, ["projects", "session-env", "file-history"]);
    assert_eq!(config.tmux.enter_delay.get(), std::time::Duration::from_millis(500));
    assert_eq!(config.state.lock_wait.get(), std::time::Duration::from_secs(5));
    assert_eq!(config.pool.autonomous.prefix, "pool-");
    assert_eq!(config.quota, QuotaConfig::default());
    assert_eq!(
        (config.quota.window_5h_threshold, config.quota.min_pool_hits, config.quota.min_dedicated_hits),
        (0.9, 2, 1)
    );
    assert_eq!(config.quota.cooldown.get(), std::time::Duration::from_secs(300));
    assert_eq!(config.accounts[0].weekly_reset, None);
}

#[test]
fn weekly_reset_and_quota_thresholds_are_read_and_checked() {
    let text = "accounts:\n  - name: a\n    home: /a\n    weekly_reset: Mon 09:00 Europe/Paris\nquota:\n  window_5h_threshold: 0.8\n";
    let config = load(text).unwrap();
    assert_eq!(config.accounts[0].weekly_reset.unwrap().to_string(), "Mon 09:00 Europe/Paris");
    assert_eq!(config.quota.window_5h_threshold, 0.8);
    assert_eq!(config.quota.window_week_threshold, 0.9);

    // The bad reset is on the last account: an account that fails to parse is dropped
    // before the semantic checks, which would shift the index of the accounts after it.
    let text = "accounts:\n  - name: a\n    home: /a\n    limits:\n      weekly_tokens: 0\n  - name: b\n    home: /b\n    weekly_reset: Mon 9am Paris\nquota:\n  window_5h_threshold: 90\n  window_week_treshold: 0.5\n";
    let problems = load(text).unwrap_err();
    let found: Vec<_> = problems.iter().map(|p| (p.key.as_str(), p.line)).collect();
    assert_eq!(
        found,
        [
            ("accounts[0].limits.weekly_tokens", Some(5)),
            ("accounts[1].weekly_reset", Some(8)),
            ("quota.window_5h_threshold", Some(10)),
            ("quota.window_week_treshold", Some(11)),
        ],
        "{problems:?}"
    );
    assert!(problems[1].message.contains("Mon 09:00 Europe/Paris"), "{}", problems[1].message);
    assert!(problems[2].message.contains("at most 1"), "{}", problems[2].message);
    assert!(problems[3].message.contains("did you mean \"window_week_threshold\""), "{}", problems[3].message);
}

#[test]
fn unknown_key_names_line_and_suggests() {
    let problems =
        load("accounts:\n  - name: a\n    home: /a\n    priorty: 2\ntmux:\n  sockett: /tmp/s\n").unwrap_err();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(problems[0].key, "accounts[0].priorty");
    assert_eq!(problems[0].line, Some(4));
    assert!(problems[0].message.contains("did you mean \"priority\""), "{}", problems[0].message);
    assert_eq!(problems[1].key, "tmux.sockett");
    assert_eq!(problems[1].line, Some(6));
    assert!(problems[1].message.contains("did you mean \"socket\""));
}

#[test]
fn unknown_section_is_reported_with_suggestion() {
    let problems = load(&format!("{MINIMAL}pools:\n  dedicated: []\n")).unwrap_err();
    assert_eq!(problems[0].key, "pools");
    assert_eq!(problems[0].line, Some(4));
    assert!(problems[0].message.contains("did you mean \"pool\""));
}

#[test]
fn wrong_type_and_bad_duration_are_both_reported() {
    let text = format!("{MINIMAL}pool:\n  autonomous:\n    max: many\nstate:\n  lock_wait: 5 minutes\n");
    let problems = load(&text).unwrap_err();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(problems[0].key, "pool.autonomous.max");
    assert_eq!(problems[0].line, Some(6));
    assert!(problems[0].message.contains("invalid type"), "{}", problems[0].message);
    assert_eq!(problems[1].key, "state.lock_wait");
    assert_eq!(problems[1].line, Some(8));
    assert!(problems[1].message.contains("unknown unit") || problems[1].message.contains("not a duration"));
}

#[test]
fn bare_number_duration_asks_for_a_unit() {
    let problems = load(&format!("{MINIMAL}tmux:\n  enter_delay: 500\n")).unwrap_err();
    assert!(problems[0].message.contains("has no unit"), "{}", problems[0].message);
}

#[test]
fn duplicate_accounts_are_refused() {
    let text = "accounts:\n  - name: a\n    home: /h/a\n  - name: a\n    home: /h/a/\n";
    let problems = load(text).unwrap_err();
    let keys: Vec<_> = problems.iter().map(|p| (p.key.as_str(), p.line)).collect();
    assert_eq!(keys, [("accounts[1].name", Some(4)), ("accounts[1].home", Some(5))]);
    assert!(problems[0].message.contains("already the name of accounts[0]"));
    assert!(problems[1].message.contains("already the home of accounts[0]"));
}

#[test]
fn dedicated_name_colliding_with_the_pool_is_refused() {
    let text = format!(
        "{MINIMAL}pool:\n  autonomous:\n    prefix: w\n    start_index: 1\n    max: 3\n  dedicated:\n    - name: w2\n      project: /p\n    - name: w4\n      project: /p\n"
    );
    let problems = load(&text).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].key, "pool.dedicated[0].name");
    assert_eq!(problems[0].line, Some(10));
    assert!(problems[0].message.contains("also a pool session name"));
}

#[test]
fn names_unusable_as_tmux_targets_are_refused() {
    let text = format!(
        "{MINIMAL}pool:\n  autonomous:\n    prefix: 'w.'\n    max: 1\n  dedicated:\n    - name: 'my:session'\n      project: /p\n"
    );
    let problems = load(&text).unwrap_err();
    let keys: Vec<_> = problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["pool.autonomous.prefix", "pool.dedicated[0].name"]);
}

#[test]
fn pool_range_must_be_sane() {
    let text = format!("{MINIMAL}pool:\n  autonomous:\n    start_index: 4294967295\n    max: 2000\n    min: 3000\n");
    let keys: Vec<_> = load(&text).unwrap_err().into_iter().map(|p| p.key).collect();
    assert!(keys.contains(&"pool.autonomous.max".to_owned()));
    assert!(keys.contains(&"pool.autonomous.start_index".to_owned()));
    assert!(keys.contains(&"pool.autonomous.min".to_owned()));
}

#[test]
fn paths_expand_home_and_variables_and_must_be_absolute() {
    let text = "accounts:\n  - name: a\n    home: $POOL_ROOT/a\n  - name: b\n    home: ${POOL_ROOT}/b\n  - name: c\n    home: relative/c\n  - name: d\n    home: $NOPE/d\n";
    let problems = load(text).unwrap_err();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(problems[0].key, "accounts[2].home");
    assert!(problems[0].message.contains("absolute"));
    assert_eq!(problems[1].key, "accounts[3].home");
    assert!(problems[1].message.contains("$NOPE"));
}

#[test]
fn every_problem_is_reported_in_one_run() {
    let text = "accounts:\n  - name: a\n    hom: /a\n  - name: a b\n    home: /b\ntmux:\n  enter_delay: soon\nstate:\n  lockwait: 5s\n";
    let problems = load(text).unwrap_err();
    let keys: Vec<_> = problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        ["accounts[0]", "accounts[0].hom", "accounts[1].name", "tmux.enter_delay", "state.lockwait"],
        "{problems:?}"
    );
}

#[test]
fn syntax_error_names_the_line() {
    let problems = load("accounts:\n  - name: a\n   home: /x\n").unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].message.contains("not valid YAML"));
    assert_eq!(problems[0].line, Some(3));
}

#[test]
fn top_level_must_be_a_mapping_and_accounts_a_list() {
    assert!(load("- a\n- b\n").unwrap_err()[0].message.contains("mapping"));
    assert!(load("accounts: a\n").unwrap_err()[0].message.contains("list of accounts"));
}

#[test]
fn empty_file_asks_for_an_account() {
    let problems = load("").unwrap_err();
    assert_eq!(problems[0].key, "accounts");
}

#[test]
fn shipped_example_config_is_valid() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/config.yaml");
    let env = Env::from_pairs([("HOME", "/home/op")]);
    let config = Config::load(Path::new(file), &env).unwrap_or_else(|err| panic!("{err}"));
    assert!(config.accounts.len() >= 2);
}

#[test]
fn pool_names_cover_the_range() {
    let config =
        load(&format!("{MINIMAL}pool:\n  autonomous:\n    prefix: p\n    start_index: 3\n    max: 2\n")).unwrap();
    let names: Vec<_> = config.pool.autonomous.names().collect();
    assert_eq!(names, ["p3", "p4"]);
    assert!(config.pool.autonomous.contains("p4"));
    assert!(!config.pool.autonomous.contains("p5"));
    assert!(!config.pool.autonomous.contains("p"));
    assert!(!config.pool.autonomous.contains("p03x"));
}

#[test]
fn problems_of_later_accounts_keep_their_index_when_an_earlier_one_does_not_parse() {
    let text = "accounts:\n  - name: a\n    home: /a\n    priority: high\n  - name: b\n    home: relative/b\n  - name: b\n    home: /c\n";
    let problems = load(text).unwrap_err();
    let keys: Vec<_> = problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["accounts[0].priority", "accounts[1].home", "accounts[2].name"], "{problems:?}");
    assert!(problems[2].message.contains("already the name of accounts[1]"));
    assert_eq!(problems[1].line, Some(6));
}

#[test]
fn queue_sections_have_defaults_and_rules() {
    let config = load(MINIMAL).unwrap();
    assert_eq!(config.dispatch.max_attempts, 3);
    assert_eq!(config.dispatch.models.critical.as_deref(), Some("opus"));
    assert_eq!(config.dispatch.models.low.as_deref(), Some("sonnet"));
    assert_eq!(config.watch.stall_after.get(), std::time::Duration::from_secs(1800));
    assert_eq!(config.checkpoint.keep, 5);
    assert_eq!(config.janitor.orphan_after.get(), std::time::Duration::from_secs(600));

    let text = format!(
        "{MINIMAL}dispatch:\n  prompt: \"do {{id}} {{nope}}\"\n  max_attempts: 0\n  models: {{critical: \"opus; rm\"}}\n  modles: {{}}\nwatch:\n  stall_after: 2h\n  restart_after: 1h\n  done_file: relative/{{id}}\ncheckpoint:\n  keep: 0\n"
    );
    let problems = load(&text).unwrap_err();
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    for key in [
        "dispatch.prompt",
        "dispatch.max_attempts",
        "dispatch.models.critical",
        "dispatch.modles",
        "watch.restart_after",
        "watch.done_file",
        "checkpoint.keep",
    ] {
        assert!(keys.contains(&key), "{key} missing from {problems:#?}");
    }
    let typo = problems.iter().find(|p| p.key == "dispatch.modles").unwrap();
    assert!(typo.message.contains("did you mean \"models\""), "{}", typo.message);
    assert_eq!(
        problems.iter().filter(|p| p.key == "dispatch.prompt").count(),
        2,
        "unknown {{nope}} and no {{task_path}}"
    );

    let ok = format!("{MINIMAL}watch:\n  done_file: \"{{project_path}}/.agent-queue/{{id}}.done\"\n");
    assert_eq!(load(&ok).unwrap().watch.done_file.as_deref(), Some("{project_path}/.agent-queue/{id}.done"));
}

/// What a sweep of damaged copies of `examples/config.yaml` found.
#[derive(Debug, Default)]
struct Sweep {
    mutations: usize,
    accepted: usize,
    rejected: usize,
    /// Indexes of the mutations whose load panicked.
    panics: Vec<usize>,
    slowest: std::time::Duration,
    slowest_index: usize,
    /// Problems that name no line inside the file, with the mutation's index.
    without_position: Vec<(usize, String)>,
}

impl std::fmt::Display for Sweep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "mutations {}, accepted {}, rejected {}, panics {}, max time {:.1} ms (#{}), errors without a position {}",
            self.mutations,
            self.accepted,
            self.rejected,
            self.panics.len(),
            self.slowest.as_secs_f64() * 1000.0,
            self.slowest_index,
            self.without_position.len()
        )
    }
}

fn sweep(seed: u64, count: usize) -> Sweep {
    use crate::yaml::mutation::{Rng, mutate};
    let base = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/config.yaml")).unwrap();
    let env = Env::from_pairs([("HOME", "/home/op")]);
    let mut rng = Rng::new(seed);
    let mut found = Sweep { mutations: count, ..Sweep::default() };
    for index in 0..count {
        let text = mutate(&base, &mut rng);
        let lines = 1 + text.iter().filter(|b| **b == b'\n').count();
        let started = std::time::Instant::now();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Config::from_bytes(&text, Path::new("mutated.yaml"), &env)
        }));
        let took = started.elapsed();
        if took > found.slowest {
            (found.slowest, found.slowest_index) = (took, index);
        }
        match result {
            Err(_) => found.panics.push(index),
            Ok(Ok(_)) => found.accepted += 1,
            Ok(Err(ConfigError::Invalid { problems, .. })) => {
                found.rejected += 1;
                for problem in problems.iter().filter(|p| !p.line.is_some_and(|line| (1..=lines).contains(&line))) {
                    found.without_position.push((index, problem.to_string()));
                }
            }
            Ok(Err(other)) => found.without_position.push((index, other.to_string())),
        }
    }
    found
}

const SWEEP_SEED: u64 = 0x00cc_fa11_5eed;

#[test]
fn damaged_configs_are_refused_quickly_and_every_problem_has_a_line() {
    let found = sweep(SWEEP_SEED, 300);
    println!("{found}");
    assert!(found.panics.is_empty(), "seed {SWEEP_SEED:#x}: mutations {:?} panicked", found.panics);
    assert!(found.slowest < std::time::Duration::from_secs(1), "seed {SWEEP_SEED:#x}: {found}");
    assert!(found.without_position.is_empty(), "seed {SWEEP_SEED:#x}: {:#?}", found.without_position);
    assert!(found.rejected > found.mutations / 2, "the mutations must mostly break the file: {found}");
}

/// The long sweep: `cargo test --lib -- --ignored --nocapture config_mutation_sweep`;
/// `CCFAIL_MUTATIONS` and `CCFAIL_MUTATION_SEED` change its size and seed.
#[test]
#[ignore = "long: 2000 mutations; run by hand"]
fn config_mutation_sweep() {
    let count = std::env::var("CCFAIL_MUTATIONS").ok().and_then(|n| n.parse().ok()).unwrap_or(2000);
    let seed = std::env::var("CCFAIL_MUTATION_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or(SWEEP_SEED);
    let found = sweep(seed, count);
    println!("seed {seed}: {found}");
    for (index, problem) in found.without_position.iter().take(20) {
        println!("  #{index}: {problem}");
    }
    assert!(found.panics.is_empty() && found.without_position.is_empty(), "{found}");
    assert!(found.slowest < std::time::Duration::from_secs(1), "{found}");
}

#[test]
fn documents_at_the_limits_are_read_or_refused_within_a_second() {
    let many_keys: String = (0..2_400).map(|i| format!("k{i}: {i}\n")).collect();
    let many_bad: String = format!(
        "accounts:\n{}",
        (0..600).map(|i| format!("  - {{name: a{i}, home: /a{i}, priority: x}}\n")).collect::<String>()
    );
    let many_twice: String = format!("{MINIMAL}tmux:\n{}", "  binary: tmux\n".repeat(2_400));
    let long_text = format!("{MINIMAL}swap:\n  continue_prompt: {}\n", "x".repeat(250 * 1024));
    let too_long = format!("{MINIMAL}swap:\n  continue_prompt: {}\n", "x".repeat(300 * 1024));
    let many_items = format!("{MINIMAL}projects:\n  scan:\n{}", "    - /x\n".repeat(6_000));
    for (name, text, needle) in [
        ("many unknown keys", many_keys.as_str(), "more unknown keys"),
        ("many bad values", many_bad.as_str(), "stopped after"),
        ("many repeated keys", many_twice.as_str(), "given twice"),
        ("a long value", long_text.as_str(), ""),
        ("past the size limit", too_long.as_str(), "bytes is more than"),
        ("past the node limit", many_items.as_str(), "more than 5000 values"),
    ] {
        let started = std::time::Instant::now();
        let result = Config::from_yaml(text, Path::new("big.yaml"), &env());
        let took = started.elapsed();
        println!("{name}: {took:?}");
        assert!(took < std::time::Duration::from_secs(1), "{name}: {took:?}");
        match result {
            Ok(_) => assert!(needle.is_empty(), "{name}: accepted"),
            Err(err) => {
                assert!(err.to_string().contains(needle), "{name}: {}", err.to_string().lines().last().unwrap());
            }
        }
    }
}

#[test]
fn the_go_daemons_keys_name_what_ccfail_has_instead() {
    let text = "accounts:\n  - name: a\n    home: /a\n    limits:\n      hourly_msgs: 50\n      weekly_msgs: 900\nquota:\n  reactivate_cooldown: 5h\npool:\n  shared_projects_dir: /srv/shared\nwatcher:\n  interval: 30s\n  idle_timeout: 2m\n  done_signal_dir: /tmp/done\n  colour: blue\n";
    let problems = load(text).unwrap_err();
    let found: Vec<_> = problems.iter().map(|p| (p.key.as_str(), p.line)).collect();
    assert_eq!(
        found,
        [
            ("accounts[0].limits.hourly_msgs", Some(5)),
            ("accounts[0].limits.weekly_msgs", Some(6)),
            ("quota.reactivate_cooldown", Some(8)),
            ("pool.shared_projects_dir", Some(10)),
            ("watcher", Some(11)),
            ("watcher.interval", Some(12)),
            ("watcher.idle_timeout", Some(13)),
            ("watcher.done_signal_dir", Some(14)),
        ],
        "{problems:#?}"
    );
    for (key, names) in [
        ("accounts[0].limits.hourly_msgs", "five_hour_messages"),
        ("accounts[0].limits.weekly_msgs", "weekly_messages"),
        ("quota.reactivate_cooldown", "has none"),
        ("pool.shared_projects_dir", "claude.shared.root"),
        ("watcher", "ccfail's is watch"),
        ("watcher.interval", "ccfail-watch-once.timer"),
        ("watcher.idle_timeout", "watch.idle_grace"),
        ("watcher.done_signal_dir", "watch.done_file"),
    ] {
        let problem = problems.iter().find(|p| p.key == key).unwrap();
        assert!(problem.message.contains("Go daemon") && problem.message.contains(names), "{problem}");
    }
}

#[test]
fn the_go_daemons_http_server_and_notifiers_name_what_replaces_them() {
    let text = format!(
        "{MINIMAL}http:\n  listen: 127.0.0.1:8080\ntelegram:\n  token: x\n  chat_id: 1\nemail:\n  to: ops@example.com\nnotify:\n  smtp: {{host: mail}}\n"
    );
    let problems = load(&text).unwrap_err();
    let keys: Vec<_> = problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["http", "telegram", "email", "notify.smtp"], "{problems:#?}");
    assert!(problems[0].message.contains("ccfail status --json") && problems[0].message.contains("MIGRATING.md"));
    for problem in &problems[1..] {
        assert!(problem.message.contains("notify.command"), "{problem}");
        assert!(problem.line.is_some(), "{problem}");
    }
}

#[test]
fn claude_env_is_read_literally_and_its_names_checked() {
    let good = format!(
        "{MINIMAL}claude:\n  env:\n    ANTHROPIC_BASE_URL: http://127.0.0.1:8765\n    IS_SANDBOX: \"1\"\n    NO_EXPAND: $HOME/x\n"
    );
    let config = load(&good).unwrap();
    assert_eq!(config.claude.env["ANTHROPIC_BASE_URL"], "http://127.0.0.1:8765");
    assert_eq!(config.claude.env["IS_SANDBOX"], "1");
    assert_eq!(config.claude.env["NO_EXPAND"], "$HOME/x", "values are literal");
    let bad = format!("{MINIMAL}claude:\n  env:\n    CLAUDE_CONFIG_DIR: /x\n    1BAD: y\n");
    let problems = load(&bad).unwrap_err();
    let keys: Vec<_> = problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["claude.env.CLAUDE_CONFIG_DIR", "claude.env.1BAD"], "{problems:?}");
    assert_eq!(problems[0].line, Some(6), "the key names its line");
}

#[test]
fn a_binary_given_as_a_path_is_expanded_and_a_name_is_kept() {
    let config =
        load(&format!("{MINIMAL}claude:\n  binary: ~/.local/bin/claude\ntmux:\n  binary: $POOL_ROOT/tmux\n")).unwrap();
    assert_eq!(config.claude.binary, "/home/op/.local/bin/claude");
    assert_eq!(config.tmux.binary, "/srv/pool/tmux");
    assert_eq!(load(MINIMAL).unwrap().claude.binary, "claude");
    let problems = load(&format!("{MINIMAL}claude:\n  binary: $NOPE/claude\n")).unwrap_err();
    assert!(problems.iter().any(|p| p.key == "claude.binary" && p.message.contains("NOPE")), "{problems:?}");
}
