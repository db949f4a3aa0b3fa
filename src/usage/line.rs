//! What one transcript line says about usage. Only lines that mention `"usage"` get
//! here (the reader finds them by substring search); this module decides whether one
//! is a response and extracts its dedup key, timestamp, tokens and conversation id
//! (`sessionId`).
//!
//! Two parsers, one meaning. The fast one walks the line's JSON structure itself,
//! reading only the top-level `type`, `timestamp`, `requestId`, `sessionId`,
//! `isApiErrorMessage` and `message.{id, model, usage}` and skipping every other value (the content
//! blocks: most of the bytes) by jumping from quote to quote with `memchr`. Whenever
//! the line is not what Claude Code writes (an escaped id, a duplicate key, an
//! unexpected type, trailing bytes), it gives up and the line goes to serde, whose
//! answer is the reference; a test checks they agree on real and generated lines.
//! The fast walker checks the structure it walks, not every scalar inside the values
//! it skips: a line whose usage fields are intact counts even if its content is odd.
//! Nothing here reads files or knows about accounts.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::windows::Tokens;

/// One assistant line with usage, reduced to what the windows need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedResponse {
    /// Hash of `message.id` + `requestId` (or of the whole line when either is missing).
    pub key: u64,
    pub at_ms: i64,
    pub tokens: Tokens,
    /// The conversation it belongs to, as an index into the table of whoever holds the
    /// response: the parser leaves 0, the reader numbers the ids of one scan, the store
    /// the ids it keeps.
    pub session: u32,
}

/// What one line that mentions `"usage"` turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind<'a> {
    /// A response and the line's `sessionId`, when it has one.
    Response(ParsedResponse, Option<Cow<'a, str>>),
    /// A failed turn (`isApiErrorMessage` or model `<synthetic>`): zero usage, not a response.
    ApiError,
    /// Valid, but not an assistant line with usage.
    Other,
    Unparsable,
}

/// The fields of a transcript line that usage needs; everything else is skipped.
#[derive(Default, Deserialize)]
struct Line<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "requestId", borrow, default)]
    request_id: Option<Cow<'a, str>>,
    #[serde(rename = "sessionId", borrow, default)]
    session_id: Option<Cow<'a, str>>,
    #[serde(rename = "isApiErrorMessage", default)]
    api_error: Option<bool>,
    #[serde(borrow, default)]
    message: Option<Message<'a>>,
}

#[derive(Default, Deserialize)]
struct Message<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    model: Option<Cow<'a, str>>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    output_tokens: Option<u64>,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
}

/// A failed turn's record, as the quota detection reads it: the client writes the text
/// the screen shows, with `error` (`rate_limit` for any 429, `server_error` for 500 and
/// 529) and `apiErrorStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiErrorRecord {
    pub at: chrono::DateTime<chrono::Utc>,
    pub session_id: Option<String>,
    pub error: Option<String>,
    pub status: Option<u16>,
    pub text: String,
    /// Since 2.1.332: the structured limit (`quotaLimits`), when the record has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota: Option<QuotaLimits>,
}

/// `quotaLimits` of an error record: which limit and its exact reset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotaLimits {
    /// `five_hour`, `seven_day`, `seven_day_opus`, …
    pub rate_limit_type: Option<String>,
    /// `resetsAt`: epoch seconds (milliseconds and RFC 3339 text are read too).
    pub resets_at: Option<chrono::DateTime<chrono::Utc>>,
    /// `status` when present (`rejected`, `allowed_warning`, …).
    pub status: Option<String>,
}

impl QuotaLimits {
    fn from_value(value: &serde_json::Value) -> Option<QuotaLimits> {
        let object = value.as_object()?;
        let text = |key: &str| object.get(key).and_then(serde_json::Value::as_str).map(str::to_owned);
        let resets_at = object.get("resetsAt").and_then(|v| match v {
            serde_json::Value::Number(n) => {
                let n = n.as_i64()?;
                let seconds = if n > 100_000_000_000 { n / 1000 } else { n };
                chrono::DateTime::from_timestamp(seconds, 0)
            }
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        });
        Some(QuotaLimits { rate_limit_type: text("rateLimitType"), resets_at, status: text("status") })
    }
}

/// Reads an API-error line in full (they are rare, so serde's cost does not matter).
pub fn parse_api_error(line: &[u8]) -> Option<ApiErrorRecord> {
    let value: serde_json::Value = serde_json::from_slice(line).ok()?;
    let at = value.get("timestamp")?.as_str()?.parse().ok()?;
    let text = value
        .pointer("/message/content")?
        .as_array()?
        .iter()
        .find_map(|block| block.get("text").and_then(serde_json::Value::as_str))?
        .to_owned();
    Some(ApiErrorRecord {
        at,
        session_id: value.get("sessionId").and_then(serde_json::Value::as_str).map(str::to_owned),
        error: value.get("error").and_then(serde_json::Value::as_str).map(str::to_owned),
        status: value.get("apiErrorStatus").and_then(serde_json::Value::as_u64).and_then(|s| u16::try_from(s).ok()),
        text,
        quota: value.get("quotaLimits").and_then(QuotaLimits::from_value),
    })
}

/// Parses one transcript line (without its newline).
pub fn parse_line(line: &[u8]) -> LineKind<'_> {
    match walk_line(line) {
        Some(fields) => classify(fields, line),
        None => parse_line_with_serde(line),
    }
}

/// The reference parser: serde over the whole line.
fn parse_line_with_serde(line: &[u8]) -> LineKind<'_> {
    match serde_json::from_slice::<Line<'_>>(line) {
        Ok(fields) => classify(fields, line),
        Err(_) => LineKind::Unparsable,
    }
}

fn classify<'a>(parsed: Line<'a>, line: &[u8]) -> LineKind<'a> {
    let Some(message) = parsed.message.filter(|_| parsed.kind.as_deref() == Some("assistant")) else {
        return LineKind::Other;
    };
    if parsed.api_error == Some(true) || message.model.as_deref() == Some("<synthetic>") {
        return LineKind::ApiError;
    }
    let Some(usage) = message.usage else { return LineKind::Other };
    let Some(at_ms) = parsed.timestamp.as_deref().and_then(parse_timestamp_ms) else {
        return LineKind::Unparsable;
    };
    let key = match (message.id.as_deref(), parsed.request_id.as_deref()) {
        (Some(id), Some(request)) if !id.is_empty() && !request.is_empty() => {
            stable_hash(&[b"id\0", id.as_bytes(), b"\0", request.as_bytes()])
        }
        _ => stable_hash(&[b"line\0", line]),
    };
    let tokens = Tokens {
        input: usage.input_tokens.unwrap_or(0),
        output: usage.output_tokens.unwrap_or(0),
        cache_creation: usage.cache_creation_input_tokens.unwrap_or(0),
        cache_read: usage.cache_read_input_tokens.unwrap_or(0),
    };
    LineKind::Response(ParsedResponse { key, at_ms, tokens, session: 0 }, parsed.session_id)
}

/// The fast parser: fills [`Line`] by walking the JSON structure; `None` when the line
/// is not shaped as Claude Code writes it and needs [`parse_line_with_serde`].
fn walk_line(bytes: &[u8]) -> Option<Line<'_>> {
    let mut walker = Walker { bytes, pos: 0 };
    let mut line = Line::default();
    let mut seen = Seen::default();
    walker.object(|walker, key| {
        match key {
            b"type" => {
                seen.first(0)?;
                line.kind = walker.string_or_null()?.map(Cow::Borrowed);
            }
            b"timestamp" => {
                seen.first(1)?;
                line.timestamp = walker.string_or_null()?.map(Cow::Borrowed);
            }
            b"requestId" => {
                seen.first(2)?;
                line.request_id = walker.string_or_null()?.map(Cow::Borrowed);
            }
            b"isApiErrorMessage" => {
                seen.first(3)?;
                line.api_error = walker.bool_or_null()?;
            }
            b"sessionId" => {
                seen.first(5)?;
                line.session_id = walker.string_or_null()?.map(Cow::Borrowed);
            }
            b"message" => {
                seen.first(4)?;
                line.message = walker.message()?;
            }
            _ => walker.skip_value()?,
        }
        Some(())
    })?;
    walker.skip_whitespace();
    (walker.pos == bytes.len()).then_some(line)
}

/// Which fields were already read: a second one makes serde decide.
#[derive(Default)]
struct Seen(u8);

impl Seen {
    fn first(&mut self, bit: u8) -> Option<()> {
        let mask = 1 << bit;
        if self.0 & mask != 0 {
            return None;
        }
        self.0 |= mask;
        Some(())
    }
}

/// A position in a line being walked.
struct Walker<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Walker<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.skip_whitespace();
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        let found = self.bytes.get(self.pos..).is_some_and(|rest| rest.starts_with(word));
        if found {
            self.pos += word.len();
        }
        found
    }

    /// `{ "key": value, … }`, calling `field` at each value.
    fn object(&mut self, mut field: impl FnMut(&mut Walker<'a>, &'a [u8]) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        self.skip_whitespace();
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(());
        }
        loop {
            self.skip_whitespace();
            let key = self.plain_bytes()?;
            self.eat(b':')?;
            self.skip_whitespace();
            field(self, key)?;
            self.skip_whitespace();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// The bytes of a string without escapes (a key needs no UTF-8 check to be compared).
    fn plain_bytes(&mut self) -> Option<&'a [u8]> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.pos + 1;
        let len = memchr::memchr2(b'"', b'\\', &self.bytes[start..])?;
        if self.bytes[start + len] != b'"' {
            return None;
        }
        self.pos = start + len + 1;
        Some(&self.bytes[start..start + len])
    }

    /// A string without escapes, borrowed from the line.
    fn plain_string(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.plain_bytes()?).ok()
    }

    fn string_or_null(&mut self) -> Option<Option<&'a str>> {
        if self.literal(b"null") { Some(None) } else { self.plain_string().map(Some) }
    }

    fn bool_or_null(&mut self) -> Option<Option<bool>> {
        if self.literal(b"true") {
            Some(Some(true))
        } else if self.literal(b"false") {
            Some(Some(false))
        } else {
            self.literal(b"null").then_some(None)
        }
    }

    /// `message`: its id, model and usage; the content is skipped.
    fn message(&mut self) -> Option<Option<Message<'a>>> {
        if self.literal(b"null") {
            return Some(None);
        }
        let mut message = Message::default();
        let mut seen = Seen::default();
        self.object(|walker, key| {
            match key {
                b"id" => {
                    seen.first(0)?;
                    message.id = walker.string_or_null()?.map(Cow::Borrowed);
                }
                b"model" => {
                    seen.first(1)?;
                    message.model = walker.string_or_null()?.map(Cow::Borrowed);
                }
                b"usage" => {
                    seen.first(2)?;
                    if !walker.literal(b"null") {
                        let start = walker.pos;
                        walker.skip_container()?;
                        message.usage = Some(serde_json::from_slice(&walker.bytes[start..walker.pos]).ok()?);
                    }
                }
                _ => walker.skip_value()?,
            }
            Some(())
        })?;
        Some(Some(message))
    }

    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' | b'[' => self.skip_container(),
            _ => {
                let start = self.pos;
                while !matches!(self.peek(), None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')) {
                    self.pos += 1;
                }
                (self.pos > start).then_some(())
            }
        }
    }

    /// From an opening quote to just after the closing one, jumping between quotes and
    /// backslashes: the bulk of a line is string content.
    fn skip_string(&mut self) -> Option<()> {
        self.pos += 1;
        loop {
            self.pos += memchr::memchr2(b'"', b'\\', self.bytes.get(self.pos..)?)?;
            if self.bytes[self.pos] == b'"' {
                self.pos += 1;
                return Some(());
            }
            // A backslash and the byte it escapes (`\uXXXX` continues with plain hex).
            self.pos += 2;
        }
    }

    /// From `{` or `[` to just after its matching close.
    fn skip_container(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'"' => self.skip_string()?,
                b'{' | b'[' => {
                    depth += 1;
                    self.pos += 1;
                }
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    self.pos += 1;
                    if depth == 0 {
                        return Some(());
                    }
                }
                _ => self.pos += 1,
            }
        }
    }
}

/// `2026-11-21T05:48:51.461Z` (what Claude Code writes) without allocating; any other
/// RFC 3339 form through chrono.
pub fn parse_timestamp_ms(text: &str) -> Option<i64> {
    fast_utc_timestamp_ms(text.as_bytes())
        .or_else(|| chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp_millis()))
}

fn fast_utc_timestamp_ms(b: &[u8]) -> Option<i64> {
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        b[range].iter().try_fold(0i64, |n, c| c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0')))
    };
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut millis = 0;
    let rest = &b[19..];
    let zone = match rest.first() {
        Some(b'.') => {
            let fraction = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if fraction == 0 {
                return None;
            }
            for (i, c) in rest[1..=fraction].iter().take(3).enumerate() {
                millis += i64::from(c - b'0') * [100, 10, 1][i];
            }
            &rest[1 + fraction..]
        }
        _ => rest,
    };
    if zone != b"Z" {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if day > days_in_month(year, month) {
        return None;
    }
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A 64-bit hash that is the same in every build and on every machine (it is stored in
/// `usage.bin`): FNV-1a over the parts, then the SplitMix64 finalizer so that keys
/// differing in a few bytes spread over all 64 bits.
pub fn stable_hash(parts: &[&[u8]]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for part in parts {
        for byte in *part {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(0x100_0000_01b3);
        }
    }
    hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/claude-code/2.1.197/transcripts");

    fn lines_of(file: &str) -> Vec<LineKind<'static>> {
        let text = std::fs::read(format!("{FIXTURES}/{file}")).unwrap();
        text.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(|line| owned(parse_line(line))).collect()
    }

    fn owned(kind: LineKind<'_>) -> LineKind<'static> {
        match kind {
            LineKind::Response(response, session) => {
                LineKind::Response(response, session.map(|s| Cow::Owned(s.into_owned())))
            }
            LineKind::ApiError => LineKind::ApiError,
            LineKind::Other => LineKind::Other,
            LineKind::Unparsable => LineKind::Unparsable,
        }
    }

    #[test]
    fn reads_the_real_clients_response_line() {
        let kinds = lines_of("tui_key_normal.jsonl");
        let responses: Vec<_> = kinds
            .iter()
            .filter_map(|k| match k {
                LineKind::Response(r, session) => Some((*r, session.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(responses.len(), 1);
        let (response, session) = responses[0].clone();
        assert_eq!(session.as_deref(), Some("48091773-0cb4-4fd0-abec-b6d3054cfda3"));
        assert_eq!(response.tokens, Tokens { input: 42, output: 12, cache_creation: 0, cache_read: 0 });
        assert_eq!(response.at_ms, parse_timestamp_ms("2026-11-21T05:48:51.461Z").unwrap());
        assert_eq!(response.key, stable_hash(&[b"id\0", b"msg_mock_1", b"\0", b"req_mock_7e079b6a6bd542c4b5f1"]));
        assert!(!kinds.contains(&LineKind::Unparsable));
    }

    #[test]
    fn limit_error_lines_are_not_responses() {
        for file in ["tui_sub_max20x_rl_5h_plain.jsonl", "print_sub_rl_7d_plain.jsonl", "print_sub_api_error.jsonl"] {
            let kinds = lines_of(file);
            assert!(kinds.contains(&LineKind::ApiError), "{file}");
            assert!(!kinds.iter().any(|k| matches!(k, LineKind::Response(..))), "{file}");
        }
    }

    #[test]
    fn a_line_without_ids_is_keyed_by_its_bytes() {
        let line = br#"{"type":"assistant","timestamp":"2026-11-21T05:48:51Z","message":{"model":"m","usage":{"input_tokens":1,"output_tokens":2}}}"#;
        let LineKind::Response(response, _) = parse_line(line) else { panic!() };
        assert_eq!(response.key, stable_hash(&[b"line\0", line]));
        assert_eq!(response.tokens, Tokens { input: 1, output: 2, cache_creation: 0, cache_read: 0 });
    }

    #[test]
    fn other_lines_and_broken_lines() {
        assert_eq!(parse_line(br#"{"type":"user","message":{"usage":{"input_tokens":1}}}"#), LineKind::Other);
        assert_eq!(parse_line(br#"{"type":"assistant","message":{"id":"x"}}"#), LineKind::Other);
        assert_eq!(parse_line(br#"{"type":"assistant","message":{"usage":{"input_tokens":"#), LineKind::Unparsable);
        // Escaped text and ids parse too (borrowed where possible, owned otherwise).
        let line = br#"{"type":"assistant","requestId":"r\u0031","timestamp":"2026-11-21T05:48:51.4619Z","message":{"id":"m","usage":{"output_tokens":5},"content":[{"text":"\"usage\" \\ \n"}]}}"#;
        let LineKind::Response(response, _) = parse_line(line) else { panic!() };
        assert_eq!(response.key, stable_hash(&[b"id\0", b"m", b"\0", b"r1"]));
        assert_eq!(response.at_ms % 1000, 461);
        // A line without a usable timestamp cannot be placed in a window.
        let line = br#"{"type":"assistant","timestamp":"yesterday","message":{"id":"m","usage":{}}}"#;
        assert_eq!(parse_line(line), LineKind::Unparsable);
    }

    #[test]
    fn timestamps_agree_with_chrono() {
        for text in [
            "2026-11-21T05:48:51.461Z",
            "2026-11-21T05:48:51Z",
            "2024-02-29T23:59:59.999Z",
            "1970-01-01T00:00:00.000Z",
            "2000-03-01T00:00:00.1Z",
        ] {
            let expected = chrono::DateTime::parse_from_rfc3339(text).unwrap().timestamp_millis();
            assert_eq!(fast_utc_timestamp_ms(text.as_bytes()), Some(expected), "{text}");
        }
        assert_eq!(fast_utc_timestamp_ms(b"2023-02-29T00:00:00Z"), None);
        assert_eq!(fast_utc_timestamp_ms(b"2026-11-21T05:48:51+01:00"), None);
        assert_eq!(parse_timestamp_ms("2026-11-21T06:48:51+01:00"), parse_timestamp_ms("2026-11-21T05:48:51Z"));
    }

    /// The fast walker's answer where it has one, and whether it had one.
    fn both(line: &[u8]) -> (Option<LineKind<'_>>, LineKind<'_>) {
        (walk_line(line).map(|fields| classify(fields, line)), parse_line_with_serde(line))
    }

    fn assert_fast_agrees(line: &[u8]) {
        let (fast, reference) = both(line);
        assert_eq!(fast, Some(reference), "{}", String::from_utf8_lossy(line));
    }

    #[test]
    fn the_fast_walker_agrees_with_serde_on_the_real_clients_lines() {
        for entry in std::fs::read_dir(FIXTURES).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "jsonl") {
                for line in std::fs::read(&path).unwrap().split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                    assert_fast_agrees(line);
                }
            }
        }
    }

    #[test]
    fn the_fast_walker_agrees_with_serde_on_generated_lines() {
        let generator = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/gen_transcripts.py");
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("python3")
            .args([generator, "--total-mb", "2", "--days", "3", "--seed", "7", "--now", "2026-11-21T10:00:00Z"])
            .arg("--out")
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status();
        if !status.is_ok_and(|s| s.success()) {
            eprintln!("skipped: python3 or {generator} is not available");
            return;
        }
        let (mut lines, mut responses) = (0, 0);
        let mut dirs = vec![dir.path().to_path_buf()];
        while let Some(folder) = dirs.pop() {
            for entry in std::fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let text = std::fs::read(&path).unwrap();
                let mut pieces: Vec<&[u8]> = text.split(|b| *b == b'\n').collect();
                let torn = pieces.pop().unwrap_or_default();
                let (fast, _) = both(torn);
                assert!(fast.is_none() || torn.is_empty(), "a torn line must not parse");
                for line in pieces.into_iter().filter(|l| memchr::memmem::find(l, b"\"usage\"").is_some()) {
                    assert_fast_agrees(line);
                    lines += 1;
                    responses += usize::from(matches!(parse_line(line), LineKind::Response(..)));
                }
            }
        }
        assert!(lines > 500 && responses > 400, "{lines} lines, {responses} responses");
    }

    #[test]
    fn every_prefix_of_a_line_is_handled_without_panic_and_agrees() {
        let line = std::fs::read(format!("{FIXTURES}/tui_key_normal.jsonl")).unwrap();
        let line = line.split(|b| *b == b'\n').find(|l| l.windows(7).any(|w| w == b"\"usage\"")).unwrap();
        for end in 0..line.len() {
            let (fast, reference) = both(&line[..end]);
            assert!(fast.is_none() || fast.as_ref() == Some(&reference), "prefix {end}");
            assert_eq!(reference, LineKind::Unparsable, "prefix {end}");
        }
        for tail in [&br#"{"a":"\"#[..], br#"{"a":"x\""#, br#"{"a":["#, br#"{"a":}"#, br"{", b""] {
            assert_eq!(walk_line(tail).map(|_| ()), None);
        }
    }

    #[test]
    fn lines_not_shaped_as_the_client_writes_them_go_to_serde() {
        let usage = r#"{"input_tokens":1,"output_tokens":2}"#;
        let cases = [
            // An escaped id is decoded by serde.
            format!(
                r#"{{"type":"assistant","requestId":"r\u0031","timestamp":"2026-11-21T05:48:51Z","message":{{"id":"m","usage":{usage}}}}}"#
            ),
            // A duplicate field is an error for serde.
            format!(
                r#"{{"type":"assistant","type":"assistant","timestamp":"2026-11-21T05:48:51Z","message":{{"usage":{usage}}}}}"#
            ),
            // Trailing bytes after the object.
            format!(r#"{{"type":"assistant","timestamp":"2026-11-21T05:48:51Z","message":{{"usage":{usage}}}}} x"#),
            // A field of an unexpected type.
            format!(r#"{{"type":7,"timestamp":"2026-11-21T05:48:51Z","message":{{"usage":{usage}}}}}"#),
            r#"{"type":"assistant","timestamp":"2026-11-21T05:48:51Z","message":{"usage":{"input_tokens":-1}}}"#
                .to_owned(),
            // An escaped conversation id.
            format!(
                r#"{{"type":"assistant","sessionId":"s\u0031","timestamp":"2026-11-21T05:48:51Z","message":{{"usage":{usage}}}}}"#
            ),
        ];
        for line in &cases {
            let (fast, reference) = both(line.as_bytes());
            assert_eq!(fast, None, "{line}");
            assert_eq!(parse_line(line.as_bytes()), reference);
        }
        assert!(matches!(parse_line(cases[0].as_bytes()), LineKind::Response(..)));
        assert_eq!(parse_line(cases[1].as_bytes()), LineKind::Unparsable);
        let LineKind::Response(_, session) = parse_line(cases[5].as_bytes()) else { panic!() };
        assert_eq!(session.as_deref(), Some("s1"));
    }

    #[test]
    fn the_fast_walker_reads_only_the_top_level_fields() {
        // A "usage" key inside a tool's input, whitespace, nulls and nested arrays.
        let line = br#"{ "message" : {"content":[{"type":"tool_use","input":{"usage":{"output_tokens":999},"timestamp":"1999-01-01T00:00:00Z","x":[1,[2,{"y":null}],"]}"]}}],"id":"m","model":null,"usage":{"output_tokens":5}} , "type":"assistant","requestId":"q","isApiErrorMessage":false,"timestamp":"2026-11-21T05:48:51Z"}"#;
        assert_fast_agrees(line);
        let LineKind::Response(response, _) = parse_line(line) else { panic!() };
        assert_eq!(response.tokens.output, 5);
        assert_eq!(response.key, stable_hash(&[b"id\0", b"m", b"\0", b"q"]));
        let error = br#"{"type":"assistant","isApiErrorMessage":true,"message":{"usage":{}},"timestamp":"2026-11-21T05:48:51Z"}"#;
        assert_fast_agrees(error);
        assert_eq!(parse_line(error), LineKind::ApiError);
        let null_message = br#"{"type":"assistant","message":null,"usage":{}}"#;
        assert_fast_agrees(null_message);
        assert_eq!(parse_line(null_message), LineKind::Other);
    }
}
