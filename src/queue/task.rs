//! A task file's content: the optional YAML front matter and the title. Pure: bytes in,
//! [`Parsed`] out; reading the file is the caller's job.

use serde::{Deserialize, Serialize};

use crate::names::{is_model_name, is_safe_component};

/// The most of a task file that is read: front matter longer than this is refused
/// (the body is never read, only its path is sent).
pub const HEAD_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Critical,
    High,
    #[default]
    Default,
    Low,
}

impl Priority {
    pub fn word(self) -> &'static str {
        match self {
            Priority::Critical => "critical",
            Priority::High => "high",
            Priority::Default => "default",
            Priority::Low => "low",
        }
    }
}

/// The front matter fields ccfail reads; any other field is kept in the file and ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub priority: Priority,
    /// Capabilities the session must have (`pool.autonomous.tags`).
    pub tags: Vec<String>,
    /// `project:id` (or `id` for this project), met when `done/<id>.md` exists there.
    pub depends_on: Vec<String>,
    /// Overrides `dispatch.models` for this task.
    pub model: Option<String>,
    /// Accepted for compatibility; every pool session is Claude Code, so always met.
    pub needs_claude_code: Option<bool>,
}

/// What a task file's head says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub front: FrontMatter,
    /// The front matter's title, else the first `# heading`, else empty.
    pub title: String,
}

/// Parses the first bytes of a task file (at most [`HEAD_BYTES`]); `complete` says
/// whether they are the whole file. `Err` is the reason the task is invalid.
pub fn parse(head: &[u8], complete: bool) -> Result<Parsed, String> {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // A cut inside a multi-byte character at the end of the head is not an error.
        Err(err) if !complete && err.error_len().is_none() => std::str::from_utf8(&head[..err.valid_up_to()]).unwrap(),
        Err(err) => return Err(format!("not UTF-8 text (byte {})", err.valid_up_to())),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (front, body) = match split_front_matter(text) {
        FrontSplit::None => (FrontMatter::default(), text),
        FrontSplit::Unclosed if !complete => {
            return Err(format!("the front matter is not closed within the first {} KiB", HEAD_BYTES / 1024));
        }
        FrontSplit::Unclosed => return Err("the front matter opened with --- is never closed (--- or ...)".to_owned()),
        FrontSplit::Some(yaml, body) => (parse_yaml(yaml)?, body),
    };
    check(&front)?;
    let title = front.title.clone().filter(|t| !t.trim().is_empty()).or_else(|| heading(body)).unwrap_or_default();
    Ok(Parsed { front, title })
}

enum FrontSplit<'a> {
    None,
    Unclosed,
    Some(&'a str, &'a str),
}

fn split_front_matter(text: &str) -> FrontSplit<'_> {
    let Some(rest) = text.strip_prefix("---\n").or_else(|| text.strip_prefix("---\r\n")) else {
        return FrontSplit::None;
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        let trimmed = line.trim_end_matches(['\n', '\r']);
        if trimmed == "---" || trimmed == "..." {
            return FrontSplit::Some(&rest[..offset], &rest[offset + line.len()..]);
        }
        offset += line.len();
    }
    FrontSplit::Unclosed
}

/// The front matter within the same bounds as the config; lines are counted in the task
/// file (the opening `---` is line 1). Fields ccfail does not know are left alone.
fn parse_yaml(yaml: &str) -> Result<FrontMatter, String> {
    use crate::yaml::{self, LIMITS, ProblemKind, Value};
    if yaml.trim().is_empty() {
        return Ok(FrontMatter::default());
    }
    let at = |line: usize| line + 1;
    let tree = yaml::parse(yaml, LIMITS).map_err(|p| match p.kind {
        ProblemKind::Document(message) => format!("front matter line {}: {message}", at(p.position.line)),
        _ => format!("front matter: {p}"),
    })?;
    match tree.value {
        Value::Null => return Ok(FrontMatter::default()),
        Value::Map(_) => {}
        _ => return Err("front matter must be a mapping of fields (title: …, priority: …)".to_owned()),
    }
    let read = yaml::read::<FrontMatter>(&tree, false);
    let reasons: Vec<String> = read
        .problems
        .iter()
        .map(|p| match &p.kind {
            ProblemKind::Value(message) | ProblemKind::Document(message) => {
                format!("front matter line {}: field {}: {message}", at(p.position.line), p.path)
            }
            ProblemKind::UnknownKey | ProblemKind::Duplicate { .. } => format!("front matter: {p}"),
        })
        .collect();
    match read.value {
        Some(front) if reasons.is_empty() => Ok(front),
        _ => Err(reasons.join("; ")),
    }
}

fn check(front: &FrontMatter) -> Result<(), String> {
    if let Some(model) = &front.model
        && !is_model_name(model)
    {
        return Err(format!("front matter field model: {model:?} is not a model name"));
    }
    for tag in &front.tags {
        if !is_safe_component(tag) {
            return Err(format!("front matter field tags: {tag:?} may only use letters, digits, '.', '_' and '-'"));
        }
    }
    Ok(())
}

fn heading(body: &str) -> Option<String> {
    body.lines().find_map(|line| line.strip_prefix("# ")).map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// One `depends_on` entry, checked before any path is built from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dependency<'a> {
    /// Both parts are safe names; `project` is `None` for "this project".
    On { project: Option<&'a str>, id: &'a str },
    /// A part is not a safe name (`../../x:y`): never looked up, the task stays blocked.
    Refused(&'a str),
}

pub fn dependency(entry: &str) -> Dependency<'_> {
    let (project, id) = match entry.split_once(':') {
        Some((project, id)) => (Some(project), id),
        None => (None, entry),
    };
    let id = id.strip_suffix(".md").unwrap_or(id);
    if project.is_some_and(|p| !is_safe_component(p)) || !is_safe_component(id) {
        return Dependency::Refused(entry);
    }
    Dependency::On { project, id }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_field_and_keeps_unknown_ones_out_of_the_way() {
        let text = "---\ntitle: Fix the login\npriority: critical\ntags: [rust, db]\ndepends_on: [app:schema]\nmodel: opus\nneeds_claude_code: true\nowner: bob\n---\n# Heading\nbody\n";
        let parsed = parse(text.as_bytes(), true).unwrap();
        assert_eq!(parsed.title, "Fix the login");
        assert_eq!(parsed.front.priority, Priority::Critical);
        assert_eq!(parsed.front.tags, ["rust", "db"]);
        assert_eq!(parsed.front.depends_on, ["app:schema"]);
        assert_eq!(parsed.front.model.as_deref(), Some("opus"));
    }

    #[test]
    fn no_front_matter_means_defaults_and_the_heading_is_the_title() {
        let parsed = parse(b"# Do the thing\n\nplease\n", true).unwrap();
        assert_eq!(parsed.front, FrontMatter::default());
        assert_eq!(parsed.title, "Do the thing");
        assert_eq!(parse(b"---\n---\nno heading\n", true).unwrap().title, "");
    }

    #[test]
    fn broken_front_matter_says_why() {
        let cases: [(&[u8], &str); 6] = [
            (b"---\ntitle: [unclosed\n---\n", "front matter"),
            (b"---\npriority: urgent\n---\n", "priority"),
            (b"---\ntitle: x\n", "never closed"),
            (b"---\n- a\n- b\n---\n", "mapping"),
            (b"---\nmodel: \"opus; rm -rf ~\"\n---\n", "model"),
            (b"\xff\xfe", "UTF-8"),
        ];
        for (text, needle) in cases {
            let err = parse(text, true).unwrap_err();
            assert!(err.contains(needle), "{err} lacks {needle}");
        }
        assert!(parse(b"---\ntitle: x\n", false).unwrap_err().contains("KiB"));
    }

    #[test]
    fn damaged_front_matter_is_refused_quickly_and_never_panics() {
        use crate::yaml::mutation::{Rng, mutate};
        let base = b"---\ntitle: Fix the login\npriority: critical\ntags: [rust, db]\ndepends_on: [app:schema]\nmodel: opus\nneeds_claude_code: true\nowner: bob\n---\n# Heading\nbody\n";
        let mut rng = Rng::new(0x7a5c);
        let (mut refused, mut slowest) = (0, std::time::Duration::ZERO);
        for index in 0..100 {
            let text = mutate(base, &mut rng);
            let head = &text[..text.len().min(HEAD_BYTES)];
            let started = std::time::Instant::now();
            let result = std::panic::catch_unwind(|| parse(head, head.len() == text.len()));
            slowest = slowest.max(started.elapsed());
            match result {
                Err(payload) => panic!("mutation {index} panicked: {payload:?}"),
                Ok(Err(reason)) => {
                    refused += 1;
                    assert!(!reason.is_empty(), "mutation {index}");
                }
                Ok(Ok(_)) => {}
            }
        }
        assert!(slowest < std::time::Duration::from_secs(1), "{slowest:?}");
        assert!(refused > 20, "the mutations must break some: {refused}");
    }

    #[test]
    fn a_bad_field_is_named_with_its_line_in_the_task_file() {
        let err = parse(b"---\ntitle: x\ntags: [a]\npriority: urgent\n---\n", true).unwrap_err();
        assert!(err.starts_with("front matter line 4: field priority: unknown variant"), "{err}");
        let err = parse(b"---\ntitle: x\n---\nb: 1\n", true).map(|p| p.title);
        assert_eq!(err.as_deref(), Ok("x"), "the body is never read as YAML");
        let err = parse(b"---\na: &a [x, x]\nb: [*a, *a, *a]\nc: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n---\n", true)
            .unwrap_err();
        assert!(err.contains("line 4") && err.contains("nested more than"), "{err}");
    }

    #[test]
    fn dependencies_are_checked_before_use() {
        assert_eq!(dependency("app:schema"), Dependency::On { project: Some("app"), id: "schema" });
        assert_eq!(dependency("schema.md"), Dependency::On { project: None, id: "schema" });
        for bad in ["../../x:y", "app:../y", "a/b:c", ":x", "app:", "app:.."] {
            assert_eq!(dependency(bad), Dependency::Refused(bad), "{bad}");
        }
    }
}
