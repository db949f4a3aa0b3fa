use std::fs::{self, OpenOptions};
use std::path::Path;

use super::*;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/claude-code/2.1.197/hooks");

fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z").unwrap().with_timezone(&Utc)
}

/// Every payload the real client sent in the captured scenarios.
fn fixture_payloads() -> Vec<(String, Value)> {
    let mut payloads = Vec::new();
    for entry in fs::read_dir(FIXTURES).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".hooks.jsonl") {
            for line in fs::read_to_string(&path).unwrap().lines() {
                let record: Value = serde_json::from_str(line).unwrap();
                payloads.push((path.file_name().unwrap().to_string_lossy().into_owned(), record["stdin"].clone()));
            }
        }
    }
    payloads
}

#[test]
fn every_fixture_payload_becomes_an_event() {
    let payloads = fixture_payloads();
    assert!(payloads.len() > 30);
    for (file, payload) in &payloads {
        let event = HookEvent::from_payload(payload, at(), Some("%0"), Some("/tmp/s,1,0")).unwrap();
        assert_eq!(event.event, payload["hook_event_name"], "{file}");
        assert_eq!(event.session_id.as_deref(), payload["session_id"].as_str());
        assert_eq!(event.tmux_socket.as_deref(), Some("/tmp/s"));
    }
    let limit = payloads
        .iter()
        .map(|(_, p)| HookEvent::from_payload(p, at(), None, None).unwrap())
        .find(|e| e.event == "StopFailure" && e.error.as_deref() == Some("rate_limit"))
        .unwrap();
    assert!(limit.last_message.unwrap().starts_with("You've hit your"));
}

#[test]
fn bad_payloads_are_refused_with_a_reason() {
    assert!(HookEvent::from_payload(&json!([1]), at(), None, None).unwrap_err().contains("not a JSON object"));
    assert!(HookEvent::from_payload(&json!({"x": 1}), at(), None, None).unwrap_err().contains("hook_event_name"));
}

#[test]
fn torn_last_line_waits_for_the_next_read() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("state").join(SPOOL_FILE);
    fs::create_dir(dir.path().join("state")).unwrap();
    let event =
        HookEvent::from_payload(&json!({"hook_event_name": "Stop", "session_id": "s"}), at(), None, None).unwrap();
    append(&spool, &event).unwrap();
    append(&spool, &event).unwrap();
    let mut file = OpenOptions::new().append(true).open(&spool).unwrap();
    file.write_all(b"{\"at\":\"2026-11-21T10:00:00Z\",\"ev").unwrap();
    let first = read_from(&spool, 0).unwrap();
    assert_eq!(first.events.len(), 2);
    file.write_all(b"ent\":\"Stop\"}\nnot json\n").unwrap();
    let second = read_from(&spool, first.next_offset).unwrap();
    assert_eq!(second.events.len(), 1);
    assert_eq!(second.skipped.len(), 1);
    assert_eq!(second.next_offset, fs::metadata(&spool).unwrap().len());
    // A spool replaced by a shorter one is read from its start.
    fs::write(&spool, "").unwrap();
    assert_eq!(read_from(&spool, second.next_offset).unwrap().next_offset, 0);
}

#[test]
fn a_line_torn_by_a_killed_hook_does_not_swallow_the_next_event() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join(SPOOL_FILE);
    let stop =
        HookEvent::from_payload(&json!({"hook_event_name": "Stop", "session_id": "s"}), at(), None, None).unwrap();
    append(&spool, &stop).unwrap();
    // A hook killed in the middle of its write: half a line, no newline.
    OpenOptions::new().append(true).open(&spool).unwrap().write_all(b"{\"at\":\"2026-11-21T10:00:00Z\",\"ev").unwrap();
    let failure =
        HookEvent::from_payload(&json!({"hook_event_name": "StopFailure", "error": "rate_limit"}), at(), None, None)
            .unwrap();
    append(&spool, &failure).unwrap();
    let read = read_from(&spool, 0).unwrap();
    assert_eq!(read.events, [stop, failure], "the event after the torn line is whole");
    assert_eq!(read.skipped.len(), 1, "the torn half is reported: {:?}", read.skipped);
    assert_eq!(read.next_offset, fs::metadata(&spool).unwrap().len());
}

#[test]
fn the_spool_is_never_a_link_a_fifo_or_in_a_dir_others_may_write() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let event = HookEvent::from_payload(&json!({"hook_event_name": "Stop"}), at(), None, None).unwrap();
    let victim = dir.path().join("victim");
    fs::write(&victim, "precious\n").unwrap();
    let spool = dir.path().join(SPOOL_FILE);
    std::os::unix::fs::symlink(&victim, &spool).unwrap();
    let err = append(&spool, &event).unwrap_err().to_string();
    assert!(err.contains("is a symlink: refused"), "{err}");
    assert!(read_from(&spool, 0).is_err(), "a reader does not follow it either");
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
    fs::remove_file(&spool).unwrap();

    let c = std::ffi::CString::new(spool.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let started = std::time::Instant::now();
    let err = append(&spool, &event).unwrap_err().to_string();
    assert!(err.contains("FIFO"), "{err}");
    assert!(read_from(&spool, 0).unwrap_err().to_string().contains("not a regular file"));
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "nothing blocked");
    fs::remove_file(&spool).unwrap();

    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let err = append(&spool, &event).unwrap_err().to_string();
    assert!(err.contains("has mode 777") && err.contains("Fix: chmod 700"), "{err}");
    assert!(!spool.exists());
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
    append(&spool, &event).unwrap();
    assert_eq!(fs::metadata(&spool).unwrap().permissions().mode() & 0o777, 0o600);
}

#[test]
fn install_twice_is_once_and_uninstall_restores_the_original() {
    let original: Value =
        serde_json::from_str(&fs::read_to_string(format!("{FIXTURES}/settings.json")).unwrap()).unwrap();
    let mut settings = original.clone();
    let command = hook_command(Path::new("/usr/local/bin/ccfail"), Path::new("/var/lib/ccfail/events.jsonl"));
    let first = install_into(&mut settings, &command).unwrap();
    assert_eq!(first.added, EVENTS.len());
    let once = settings.clone();
    let second = install_into(&mut settings, &command).unwrap();
    assert_eq!(second, MergeChange::default());
    assert_eq!(settings, once, "installing twice is installing once");
    assert!(missing_events(&settings).is_empty());
    // The probe hooks of the fixture are all still there, in order.
    for (event, groups) in original["hooks"].as_object().unwrap() {
        let now = settings["hooks"][event].as_array().unwrap();
        assert_eq!(&now[..groups.as_array().unwrap().len()], groups.as_array().unwrap().as_slice(), "{event}");
    }
    let removed = uninstall_from(&mut settings).unwrap();
    assert_eq!(removed.removed, EVENTS.len());
    assert_eq!(settings, original);
    assert_eq!(serde_json::to_string(&settings).unwrap(), serde_json::to_string(&original).unwrap(), "key order kept");
}

#[test]
fn a_moved_binary_or_spool_replaces_the_old_entry() {
    let mut settings = json!({"model": "opus"});
    install_into(&mut settings, &hook_command(Path::new("/old/ccfail"), Path::new("/old/events.jsonl"))).unwrap();
    let change =
        install_into(&mut settings, &hook_command(Path::new("/new/ccfail"), Path::new("/new/e.jsonl"))).unwrap();
    assert_eq!(change.replaced, EVENTS.len());
    assert_eq!(change.added, 0);
    let text = settings.to_string();
    assert!(!text.contains("/old/"), "{text}");
    uninstall_from(&mut settings).unwrap();
    assert_eq!(settings, json!({"model": "opus"}));
}

#[test]
fn recognises_only_ccfail_hook_commands() {
    assert!(is_ccfail_hook("/usr/bin/ccfail hook --spool /s/events.jsonl"));
    assert!(is_ccfail_hook("'/home/o p/ccfail' hook --spool '/s p/events.jsonl'"));
    assert!(is_ccfail_hook(&hook_command(Path::new("/it's/ccfail"), Path::new("/s/e.jsonl"))));
    assert!(!is_ccfail_hook("/home/op01/hooks/log_hook.py Stop"));
    assert!(!is_ccfail_hook("ccfail status"));
    assert_eq!(
        hook_command(Path::new("/a b/ccfail"), Path::new("/s/e.jsonl")),
        "'/a b/ccfail' hook --spool /s/e.jsonl"
    );
}
