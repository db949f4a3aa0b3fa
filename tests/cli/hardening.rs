//! Files that cannot be turned against their owner, end to end: the state dir's owner
//! and mode, planted links and FIFOs where ccfail writes, the modes of what it creates,
//! and the small queue cases (a name too long to claim, a task with no title).

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Run, TestEnv};

const PAYLOAD: &str = r#"{"session_id":"s1","hook_event_name":"Stop","last_assistant_message":"done"}"#;

fn hook(env: &TestEnv, spool: &Path) -> (Run, Duration) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ccfail"));
    command.arg("hook").arg("--spool").arg(spool);
    env.seal(&mut command);
    let started = Instant::now();
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(PAYLOAD.as_bytes()).unwrap();
    let run = Run(child.wait_with_output().unwrap());
    (run, started.elapsed())
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_state_dir_others_may_write_is_refused_and_doctor_says_how_to_fix_it() {
    let env = TestEnv::new();
    let state = env.path("state");
    fs::set_permissions(&state, fs::Permissions::from_mode(0o777)).unwrap();
    let fix = format!("chmod 700 {}", state.display());
    env.ccfail(&["janitor"])
        .status(1)
        .stderr_has(&format!(
            "state dir {} has mode 777: other users may change what is in it: refused",
            state.display()
        ))
        .stderr_has(&format!("Fix: {fix}"));
    assert!(!env.path("state/state.json").exists(), "nothing was written there");
    env.ccfail(&["hooks", "install"]).status(1).stderr_has(&fix);
    let doctor = env.ccfail(&["doctor"]);
    doctor.status(5).stdout_has("the state dir has mode 777").stdout_has(&fix);
    let (run, _) = hook(&env, &env.path("state/events.jsonl"));
    run.status(0).stderr_has("refused");
    assert!(!env.path("state/events.jsonl").exists());
    fs::set_permissions(&state, fs::Permissions::from_mode(0o700)).unwrap();
    env.ccfail(&["janitor"]).status(0);
}

#[test]
fn the_hook_never_appends_through_a_link_nor_hangs_on_a_fifo() {
    let env = TestEnv::new();
    let spool = env.path("state/events.jsonl");
    let victim = env.path("victim");
    fs::write(&victim, "precious\n").unwrap();
    std::os::unix::fs::symlink(&victim, &spool).unwrap();
    let (run, _) = hook(&env, &spool);
    run.status(0).stderr_has("is a symlink: refused");
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
    env.ccfail(&["doctor"]).stdout_has("the hook spool is a symlink").stdout_has(&format!("rm {}", spool.display()));
    fs::remove_file(&spool).unwrap();

    let c = std::ffi::CString::new(spool.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let (run, took) = hook(&env, &spool);
    run.status(0).stderr_has("FIFO");
    assert!(took < Duration::from_secs(3), "the hook returned in {took:?}, not blocked on the FIFO");
    env.ccfail(&["doctor"]).stdout_has("the hook spool is not a regular file");
}

#[test]
fn what_a_run_creates_is_private_and_queue_edge_cases_do_not_stick() {
    let env = TestEnv::with_standin();
    let project = env.path("projects/app");
    let inbox = project.join(".agent-queue/inbox");
    fs::create_dir_all(&inbox).unwrap();
    let config = fs::read_to_string(env.config_file()).unwrap().replace("    max: 2\n", "    max: 1\n    min: 1\n");
    env.write_config(&format!(
        "{config}projects:\n  list:\n    - path: {}\ndispatch:\n  session_cooldown: 0s\n  submit_wait: 3s\n  start_wait: 20s\n  prompt: \"Do the task in {{task_path}} (titled {{title}}) [standin work=30]\"\n",
        project.display()
    ));
    fs::write(inbox.join("untitled.md"), "---\npriority: high\n---\nno heading here\n").unwrap();
    let long = format!("{}.md", "t".repeat(247));
    fs::write(inbox.join(&long), "# Long\n").unwrap();
    // A temp file of a writer that died between create and rename.
    let stale = env.path("state/.state.json.tmp-99999999-0");
    fs::write(&stale, "{").unwrap();

    env.ccfail_with(&[("CCFAIL_NOW", "")], &["watch-once"]).status(0);
    let w1 = env.tmux().observe().unwrap().session_pane("w1").unwrap().pane_id.clone();
    env.wait_screen(&w1, "? for shortcuts");
    assert!(!stale.exists(), "the dead writer's temp was removed under the lock");
    let first = env.ccfail_with(&[("CCFAIL_NOW", "")], &["dispatch", "--json"]);
    first.status(0);
    let report = first.json();
    assert_eq!(report["pairs"][0]["task"], "app:untitled", "{report:#}");
    assert_eq!(report["pairs"][0]["outcome"], "sent");
    assert_eq!(report["invalid"][0]["file"], long.as_str());
    assert!(report["invalid"][0]["reason"].as_str().unwrap().contains("rename it to at most 244 bytes"));
    env.wait_screen(&w1, "(titled untitled)");
    // The next pass has nothing to send and does not fail on the long name either.
    env.ccfail_with(&[("CCFAIL_NOW", "")], &["dispatch"]).status(0);
    let markers: Vec<String> = fs::read_dir(&inbox)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".invalid"))
        .collect();
    assert_eq!(markers.len(), 1, "{markers:?}");
    env.ccfail_with(&[("CCFAIL_NOW", "")], &["watch-once"]).status(0);

    let mut seen = 0;
    let mut stack = vec![env.path("state")];
    while let Some(dir) = stack.pop() {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
        for entry in fs::read_dir(&dir).unwrap().filter_map(Result::ok) {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                assert_eq!(mode(&path), 0o600, "{}", path.display());
                seen += 1;
            }
        }
    }
    assert!(env.path("state/queue-heads.json").exists() && env.path("state/checkpoints/w1").is_dir());
    assert!(seen >= 4, "{seen} files checked");
    assert_eq!(mode(&inbox.join(&markers[0])), 0o600);
}
