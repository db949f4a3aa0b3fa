use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::*;

fn project(root: &Path, name: &str) -> Project {
    let path = root.join(name);
    fs::create_dir_all(path.join(".agent-queue/inbox")).unwrap();
    Project { name: name.to_owned(), path, priority: 0 }
}

fn write(project: &Project, name: &str, text: &str) {
    fs::write(project.inbox().join(name), text).unwrap();
}

#[test]
fn only_md_files_are_tasks_and_bad_ones_are_invalid_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path(), "app");
    write(&p, "good.md", "---\ntitle: Good\npriority: high\n---\nbody\n");
    for other in
        ["notes.txt", "x.md.dispatched", "y.md.blocked", ".hidden.md", ".good.md.swp", "good.md~", "z.md.delegated"]
    {
        write(&p, other, "");
    }
    write(&p, "broken.md", "---\npriority: soon\n---\n");
    write(&p, "$(touch x).md", "hi");
    let scan = scan(std::slice::from_ref(&p));
    let ids: Vec<&str> = scan.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["good"]);
    assert_eq!(scan.tasks[0].title, "Good");
    let mut invalid: Vec<(&str, &str)> = scan.invalid.iter().map(|i| (i.name.as_str(), i.reason.as_str())).collect();
    invalid.sort_unstable();
    assert_eq!(invalid[0].0, "$(touch x).md");
    assert!(invalid[0].1.contains("id"), "{invalid:?}");
    assert_eq!(invalid[1].0, "broken.md");
    assert!(invalid[1].1.contains("priority"), "{invalid:?}");
    assert_eq!(scan.claimed, [(0, "x".to_owned())]);
    assert_eq!(scan.blocked_markers.len(), 1);
}

#[test]
fn hostile_names_are_marked_beside_themselves_and_nothing_escapes() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path(), "app");
    let outside = dir.path().join("secret.md");
    fs::write(&outside, "---\ntitle: outside\n---\n").unwrap();
    std::os::unix::fs::symlink(&outside, p.inbox().join("link.md")).unwrap();
    let names: [&[u8]; 7] = [
        b"a'quote\".md",
        b"with space.md",
        b"new\nline.md",
        b"-rf.md",
        "\u{e9}t\u{e9}.md".as_bytes(),
        b"\xff\xfe.md",
        b"..md",
    ];
    for name in names {
        fs::write(p.inbox().join(std::ffi::OsStr::from_bytes(name)), "x").unwrap();
    }
    let scan = scan(std::slice::from_ref(&p));
    // A leading '-' is a safe name (it is never an argument of anything); `..md` is hidden.
    let ids: Vec<&str> = scan.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["-rf"]);
    assert_eq!(scan.invalid.len(), names.len() - 2 + 1);
    let link = scan.invalid.iter().find(|i| i.name == "link.md").unwrap();
    assert!(link.reason.contains("symlink"), "{}", link.reason);
    for invalid in &scan.invalid {
        let marker = invalid.marker(std::slice::from_ref(&p));
        assert_eq!(marker.parent().unwrap(), p.inbox(), "the marker stays in the inbox");
        assert!(mark(&marker, &invalid.reason).unwrap());
        assert!(!mark(&marker, "again").unwrap(), "written once");
    }
    assert_eq!(fs::read_to_string(&outside).unwrap(), "---\ntitle: outside\n---\n", "the link's target is untouched");
    // Marked files stay where they are and are reported as marked.
    let again = super::scan(std::slice::from_ref(&p));
    assert!(again.invalid.iter().all(|i| i.marked));
    assert!(again.stale_markers.is_empty());
}

#[test]
fn a_huge_body_is_not_read_beyond_the_front_matter() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path(), "app");
    let mut text = String::from("---\ntitle: Big\n---\n");
    text.push_str(&"x".repeat(10 * 1024 * 1024));
    write(&p, "big.md", &text);
    let mut unclosed = String::from("---\ntitle: never closed\n");
    unclosed.push_str(&"y: 1\n".repeat(20_000));
    write(&p, "unclosed.md", &unclosed);
    let scan = scan(std::slice::from_ref(&p));
    assert_eq!(scan.tasks.len(), 1);
    assert_eq!(scan.tasks[0].title, "Big");
    assert!(scan.invalid[0].reason.contains("KiB"), "{}", scan.invalid[0].reason);
}

#[test]
fn moves_never_replace_and_each_name_is_one_rename() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path(), "app");
    write(&p, "t.md", "one");
    claim(&p, "t").unwrap();
    assert_eq!(locate(&p, "t"), Location::Claimed);
    assert!(claim(&p, "t").is_err(), "claiming twice fails");
    // A new t.md arrives while the first is out: returning keeps both.
    write(&p, "t.md", "two");
    assert_eq!(unclaim(&p, "t").unwrap(), p.inbox().join("t.2.md"));
    assert_eq!(fs::read_to_string(p.inbox().join("t.md")).unwrap(), "two");
    claim(&p, "t").unwrap();
    assert_eq!(complete(&p, "t").unwrap(), p.done().join("t.md"));
    assert_eq!(locate(&p, "t"), Location::Done);
    fs::rename(p.inbox().join("t.2.md"), p.inbox().join("t.md")).unwrap();
    claim(&p, "t").unwrap();
    assert_eq!(complete(&p, "t").unwrap(), p.done().join("t.2.md"), "an id done twice keeps both files");
    write(&p, "f.md", "");
    claim(&p, "f").unwrap();
    fail(&p, "f", "because").unwrap();
    assert_eq!(fs::read_to_string(p.failed().join("f.md.reason")).unwrap(), "because\n");
    assert_eq!(locate(&p, "f"), Location::Failed);
    let archived = archive(&p, std::ffi::OsStr::new("t.md"), "2026-11").unwrap();
    assert_eq!(archived, p.done().join("archive/2026-11/t.md"));
    assert_eq!(locate(&p, "t"), Location::Done, "archived counts as done");
}

#[test]
fn dependencies_look_in_done_and_the_archive_and_refuse_escapes() {
    let dir = tempfile::tempdir().unwrap();
    let a = project(dir.path(), "a");
    let b = project(dir.path(), "b");
    fs::create_dir_all(b.done().join("archive/2026-10")).unwrap();
    fs::create_dir_all(a.done()).unwrap();
    fs::write(a.done().join("x.md"), "").unwrap();
    fs::write(b.done().join("archive/2026-10/y.md"), "").unwrap();
    fs::write(dir.path().join("z.md"), "").unwrap();
    let projects = [a, b];
    let mut deps = Dependencies::new(&projects);
    let front = |list: &[&str]| FrontMatter {
        depends_on: list.iter().map(|s| (*s).to_owned()).collect(),
        ..Default::default()
    };
    assert!(deps.unmet(1, &front(&["a:x", "b:y", "y"])).is_empty());
    let unmet = deps.unmet(0, &front(&["a:nope", "c:x", "../../z:x", "a:../../z"]));
    let whys: Vec<&str> = unmet.iter().map(|u| u.why.as_str()).collect();
    assert_eq!(
        whys,
        [
            "no such task: a has no nope.md in inbox/, done/ or failed/",
            "no such project",
            "refused: not a safe project:id",
            "refused: not a safe project:id"
        ]
    );
}

#[test]
fn the_head_cache_is_reused_until_a_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path(), "app");
    write(&p, "a.md", "---\npriority: low\n---\n");
    write(&p, "b.md", "---\npriority: high\n---\n");
    let projects = std::slice::from_ref(&p);
    let (_, cache, changed) = scan_cached(projects, &HeadCache::default());
    assert!(changed);
    assert_eq!(cache.len(), 2);
    let (scan, cache, changed) = scan_cached(projects, &cache);
    assert!(!changed, "nothing read again");
    assert_eq!(scan.tasks.len(), 2);
    write(&p, "a.md", "---\npriority: critical\n---\n");
    fs::remove_file(p.inbox().join("b.md")).unwrap();
    let (scan, cache, changed) = scan_cached(projects, &cache);
    assert!(changed);
    assert_eq!(cache.len(), 1);
    assert_eq!(scan.tasks[0].front.priority, task::Priority::Critical);
}

#[test]
fn a_name_too_long_to_claim_is_invalid_and_marked_once() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path(), "app");
    // 250 bytes with ".md": `.dispatched` would make it 261, past NAME_MAX.
    let long = format!("{}.md", "t".repeat(247));
    let fits = format!("{}.md", "f".repeat(241));
    write(&p, &long, "# Long\n");
    write(&p, &fits, "# Fits\n");
    let scan = scan(std::slice::from_ref(&p));
    assert_eq!(scan.tasks.iter().map(|t| t.id.len()).collect::<Vec<_>>(), [241], "244 bytes still claim");
    assert_eq!(scan.invalid.len(), 1);
    let invalid = &scan.invalid[0];
    assert_eq!(
        invalid.reason,
        "the file name is 250 bytes: claimed it would be \".dispatched\" longer, past the 255 a name may have; \
         rename it to at most 244 bytes"
    );
    let marker = invalid.marker(std::slice::from_ref(&p));
    assert!(mark(&marker, &invalid.reason).unwrap(), "the marker's own name fits");
    assert!(marker.file_name().unwrap().len() <= 255);
    let again = super::scan(std::slice::from_ref(&p));
    assert!(again.invalid[0].marked && again.stale_markers.is_empty(), "one marker, found again");
    claim(&p, &"f".repeat(241)).unwrap();
    // Once the task is renamed to a shorter name, its marker is stale.
    fs::rename(p.inbox().join(&long), p.inbox().join("short.md")).unwrap();
    assert_eq!(super::scan(std::slice::from_ref(&p)).stale_markers, [marker]);
}

#[test]
fn a_task_without_a_title_is_called_by_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path(), "app");
    write(&p, "no-title.md", "---\npriority: high\n---\njust a body, no heading\n");
    write(&p, "blank-title.md", "---\ntitle: \"  \"\n---\n");
    let scan = scan(std::slice::from_ref(&p));
    let mut titles: Vec<(&str, &str)> = scan.tasks.iter().map(|t| (t.id.as_str(), t.title.as_str())).collect();
    titles.sort_unstable();
    assert_eq!(titles, [("blank-title", "blank-title"), ("no-title", "no-title")]);
}

#[test]
fn done_failed_and_archive_links_are_refused_and_what_ccfail_makes_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let p = project(dir.path(), "app");
    for id in ["a", "b", "c"] {
        write(&p, &format!("{id}.md"), "x");
        claim(&p, id).unwrap();
    }
    std::os::unix::fs::symlink(outside.path(), p.done()).unwrap();
    std::os::unix::fs::symlink(outside.path(), p.failed()).unwrap();
    let err = complete(&p, "a").unwrap_err().to_string();
    assert!(err.contains("done is a symlink: refused"), "{err}");
    let err = fail(&p, "b", "why").unwrap_err().to_string();
    assert!(err.contains("failed is a symlink: refused"), "{err}");
    assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 0, "nothing went out of the project");
    assert_eq!(locate(&p, "a"), Location::Claimed, "the task keeps its name");

    fs::remove_file(p.done()).unwrap();
    fs::remove_file(p.failed()).unwrap();
    complete(&p, "a").unwrap();
    fail(&p, "b", "why").unwrap();
    assert_eq!(mode(&p.done()), 0o700);
    assert_eq!(mode(&p.failed()), 0o700);
    assert_eq!(mode(&p.failed().join("b.md.reason")), 0o600);
    std::os::unix::fs::symlink(outside.path(), p.done().join("archive")).unwrap();
    let err = archive(&p, std::ffi::OsStr::new("a.md"), "2026-11").unwrap_err().to_string();
    assert!(err.contains("archive is a symlink: refused"), "{err}");
    assert!(!archived_ids(&p.done()).contains("a"));
    fs::remove_file(p.done().join("archive")).unwrap();
    archive(&p, std::ffi::OsStr::new("a.md"), "2026-11").unwrap();
    assert_eq!(mode(&p.done().join("archive/2026-11")), 0o700);
    let marker = blocked_marker(&p, "c");
    mark(&marker, "x").unwrap();
    assert_eq!(mode(&marker), 0o600);
}
