//! Shared pieces of human and JSON output: tables, times, and writing to stdout so that
//! a closed pipe (`ccfail status | head -1`) ends the run quietly.

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use serde::Serialize;
use thiserror::Error;

/// Stdout was closed by the reader; not a failure of ccfail.
#[derive(Debug, Error)]
#[error("stdout closed")]
pub struct ClosedPipe;

/// Writes the report to stdout.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Err(ClosedPipe.into()),
        Err(err) => Err(anyhow::Error::new(err).context("could not write to stdout")),
    }
}

/// The version every JSON document carries unless its command sets its own (docs/json.md).
pub const JSON_VERSION: u32 = 1;

/// One JSON document on stdout, pretty-printed, with a final newline. A document that
/// is an object gets `"version"` as its first field when it has none of its own.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(&versioned(serde_json::to_value(value)?))?;
    text.push('\n');
    print(&text)
}

/// `value` with `"version": JSON_VERSION` first, if it is an object without one.
pub fn versioned(mut value: serde_json::Value) -> serde_json::Value {
    if let Some(object) = value.as_object_mut()
        && !object.contains_key("version")
    {
        object.shift_insert(0, "version".to_owned(), JSON_VERSION.into());
    }
    value
}

/// A table in the house style.
pub fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic).set_header(header);
    table
}

/// `2026-11-21 10:00 UTC (in 3h 12m)` style: absolute and relative to `now`.
pub fn when(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!("{} ({})", at.format("%Y-%m-%d %H:%M UTC"), relative(at, now))
}

/// `text` without the relative times [`when`] adds (`(in 3h 12m)`, `(5m ago)`,
/// `(now)`): a key for a notice that must not count as changed every minute.
pub fn without_relative(text: &str) -> String {
    static RELATIVE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r" ?\((?:in [0-9dhm ]+|[0-9dhm ]+ ago|now)\)").expect("a valid regex")
    });
    RELATIVE.replace_all(text, "").into_owned()
}

/// `in 3h 12m`, `5m ago`, `now`.
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (at - now).num_seconds();
    let span = span(seconds.unsigned_abs());
    match seconds {
        s if s.abs() < 60 => "now".to_owned(),
        s if s > 0 => format!("in {span}"),
        _ => format!("{span} ago"),
    }
}

fn span(seconds: u64) -> String {
    let (days, hours, minutes) = (seconds / 86_400, seconds % 86_400 / 3_600, seconds % 3_600 / 60);
    match (days, hours) {
        (0, 0) => format!("{minutes}m"),
        (0, _) => format!("{hours}h {minutes}m"),
        _ => format!("{days}d {hours}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_read_naturally() {
        let now = DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z").unwrap().with_timezone(&Utc);
        let later = now + chrono::Duration::minutes(192);
        assert_eq!(relative(later, now), "in 3h 12m");
        assert_eq!(relative(now - chrono::Duration::minutes(5), now), "5m ago");
        assert_eq!(relative(now + chrono::Duration::days(2), now), "in 2d 0h");
        assert_eq!(relative(now, now), "now");
        assert_eq!(when(later, now), "2026-11-21 13:12 UTC (in 3h 12m)");
        assert_eq!(
            without_relative(&format!("b: drained until {}, a since {}", when(later, now), when(now, now))),
            "b: drained until 2026-11-21 13:12 UTC, a since 2026-11-21 10:00 UTC"
        );
        assert_eq!(without_relative("x (in 2d 0h) y (5m ago) (kept)"), "x y (kept)");
    }

    #[test]
    fn documents_get_a_version_first_unless_they_have_one() {
        let doc = versioned(serde_json::json!({"at": "now", "sessions": []}));
        assert_eq!(serde_json::to_string(&doc).unwrap(), r#"{"version":1,"at":"now","sessions":[]}"#);
        let own = versioned(serde_json::json!({"a": 1, "version": 2}));
        assert_eq!(own["version"], 2);
        assert_eq!(versioned(serde_json::json!([1, 2])), serde_json::json!([1, 2]), "only objects");
    }
}
