//! The systemd units in `systemd-timers/`: every ExecStart names a real subcommand,
//! every SuccessExitStatus code is a benign code of the exit-code table, timers and the
//! target point at units that exist, and `systemd-analyze verify` is clean.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use ccfail::exit::ExitCode;
use clap::CommandFactory;

fn units() -> BTreeMap<String, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd-timers");
    fs::read_dir(&dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            (path.file_name().unwrap().to_string_lossy().into_owned(), fs::read_to_string(&path).unwrap())
        })
        .collect()
}

fn values<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    text.lines().filter_map(|line| line.strip_prefix(key)?.strip_prefix('=')).collect()
}

#[test]
fn services_run_real_subcommands_and_list_only_benign_codes() {
    let units = units();
    let cli = ccfail::cli::Cli::command();
    let services: Vec<_> = units.iter().filter(|(name, _)| name.ends_with(".service")).collect();
    assert_eq!(services.len(), 4);
    for (name, text) in services {
        let exec = values(text, "ExecStart");
        assert_eq!(exec.len(), 1, "{name}");
        let words: Vec<&str> = exec[0].split_whitespace().collect();
        assert!(words[0].ends_with("/ccfail"), "{name}: {}", exec[0]);
        assert!(cli.find_subcommand(words[1]).is_some(), "{name}: `{}` is not a ccfail subcommand", words[1]);
        assert_eq!(name, &format!("ccfail-{}.service", words[1]));
        assert_eq!(values(text, "Type"), ["oneshot"], "{name}");
        for code in values(text, "SuccessExitStatus").iter().flat_map(|v| v.split_whitespace()) {
            let code: u8 = code.parse().unwrap_or_else(|_| panic!("{name}: {code} is not a number"));
            let known = ExitCode::ALL.iter().find(|c| c.code() == code);
            let known = known.unwrap_or_else(|| panic!("{name}: exit code {code} is not in the table"));
            assert!(known.benign(), "{name}: {code} ({}) is not benign", known.meaning());
        }
        assert!(values(text, "SuccessExitStatus")[0].split_whitespace().any(|c| c == "4"), "{name}: busy is benign");
    }
}

#[test]
fn timers_and_the_target_point_at_existing_units() {
    let units = units();
    let timers: Vec<_> =
        units.iter().filter(|(name, _)| std::path::Path::new(name).extension().is_some_and(|e| e == "timer")).collect();
    assert_eq!(timers.len(), 4);
    for (name, text) in &timers {
        let unit = values(text, "Unit")[0];
        assert!(units.contains_key(unit), "{name}: Unit={unit} does not exist");
        assert_eq!(values(text, "WantedBy"), ["ccfail.target"], "{name}");
    }
    let wanted: Vec<&str> =
        values(&units["ccfail.target"], "Wants").iter().flat_map(|v| v.split_whitespace()).collect();
    let mut timer_names: Vec<&str> = timers.iter().map(|(name, _)| name.as_str()).collect();
    let mut wanted_sorted = wanted.clone();
    timer_names.sort_unstable();
    wanted_sorted.sort_unstable();
    assert_eq!(wanted_sorted, timer_names);
    // Cadences: quota-check and watch-once every 30 s, dispatch every 60 s, janitor hourly.
    assert_eq!(values(&units["ccfail-quota-check.timer"], "OnUnitActiveSec"), ["30s"]);
    assert_eq!(values(&units["ccfail-watch-once.timer"], "OnUnitActiveSec"), ["30s"]);
    assert_eq!(values(&units["ccfail-dispatch.timer"], "OnUnitActiveSec"), ["60s"]);
    assert_eq!(values(&units["ccfail-janitor.timer"], "OnCalendar"), ["hourly"]);
}

/// `systemd-analyze verify` on copies whose ExecStart points at the built binary (it
/// checks that the command exists). Without systemd-analyze on the machine the check is
/// reported and skipped, unless `CCFAIL_REQUIRE_SYSTEMD_ANALYZE` is set (CI sets it).
#[test]
fn systemd_analyze_verify_is_clean() {
    let Ok(version) = Command::new("systemd-analyze").arg("--version").output() else {
        assert!(
            std::env::var_os("CCFAIL_REQUIRE_SYSTEMD_ANALYZE").is_none(),
            "systemd-analyze is required here: apt-get install systemd"
        );
        eprintln!("systemd-analyze not installed: unit files were not verified (apt-get install systemd)");
        return;
    };
    assert!(version.status.success());
    let dir = tempfile::tempdir().unwrap();
    let runtime = dir.path().join("runtime");
    fs::create_dir(&runtime).unwrap();
    let mut names: Vec<PathBuf> = Vec::new();
    for (name, text) in units() {
        let path = dir.path().join(&name);
        fs::write(&path, text.replace("%h/.cargo/bin/ccfail", env!("CARGO_BIN_EXE_ccfail"))).unwrap();
        names.push(path);
    }
    let output = Command::new("systemd-analyze")
        .args(["--user", "verify", "--man=no"])
        .args(&names)
        .env("XDG_RUNTIME_DIR", &runtime)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success() && stderr.trim().is_empty() && stdout.trim().is_empty(), "{stdout}{stderr}");
}

/// Under a unit (here told by `INVOCATION_ID`: the test's cgroup names none), the tmux
/// command that starts the server goes through `systemd-run --user --scope`, without the
/// unit's variables; once the server runs, tmux is called directly. A stand-in
/// `systemd-run` on PATH records its arguments and environment and runs the command.
#[test]
fn under_a_unit_the_server_is_started_in_a_scope_of_its_own() {
    let env = crate::support::TestEnv::new();
    let bin = env.path("fakebin");
    fs::create_dir_all(&bin).unwrap();
    let log = env.path("systemd-run.log");
    let script = format!(
        "#!/bin/sh\nprintf 'args: %s\\n' \"$*\" >> {log}\nenv | grep -E '^(INVOCATION_ID|JOURNAL_STREAM)=' >> {log}\nwhile [ \"$1\" != -- ]; do shift; done\nshift\nexec \"$@\"\n",
        log = log.display()
    );
    let fake = bin.join("systemd-run");
    fs::write(&fake, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let unit = [("PATH", path.as_str()), ("INVOCATION_ID", "0123456789abcdef")];

    env.ccfail_with(&unit, &["watch-once"]).status(0);
    let calls = fs::read_to_string(&log).unwrap_or_else(|_| panic!("systemd-run was never called"));
    let lines: Vec<&str> = calls.lines().collect();
    assert_eq!(lines.len(), 1, "one call, with no unit variables in its environment:\n{calls}");
    let socket = env.socket().display().to_string();
    assert!(lines[0].starts_with("args: --user --scope --collect --quiet --unit=ccfail-tmux-"), "{calls}");
    assert!(lines[0].contains(&format!(" -- tmux -S {socket} new-session -d -s w1 ")), "{calls}");
    let pid = env.tmux().server_pid().unwrap().expect("the server runs");
    assert!(env.tmux().has_session("w2").unwrap(), "the second session was made on the running server");

    // The server runs: later runs never go through systemd-run again.
    env.ccfail_with(&unit, &["watch-once"]).status(0);
    env.tmux().kill_session("w2").unwrap();
    env.ccfail_with(&unit, &["watch-once"]).status(0);
    assert_eq!(fs::read_to_string(&log).unwrap().lines().count(), 1);
    assert_eq!(env.tmux().server_pid().unwrap(), Some(pid));

    // From a shell (no unit), a server is started directly.
    env.tmux().kill_server().unwrap();
    env.ccfail_with(&[("PATH", path.as_str())], &["watch-once"]).status(0);
    assert!(env.tmux().server_pid().unwrap().is_some());
    assert_eq!(fs::read_to_string(&log).unwrap().lines().count(), 1, "a shell's run does not use systemd-run");
}
