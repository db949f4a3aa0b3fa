//! A mock of the Anthropic Messages API for the real-client tier and the capture harness.
//!
//! It listens on loopback only and answers what the real Claude Code client asks for:
//! `POST /v1/messages` (SSE when the request has `"stream": true`, else JSON),
//! `POST /v1/messages/count_tokens`, `HEAD /` and `GET /` (connectivity checks); anything
//! else gets a JSON 404 and is logged, so a capture shows what a version asked for.
//!
//! Each account answers in its own mode, chosen by the token it sends
//! (`Authorization: Bearer <accessToken>` for a subscription login, `x-api-key` for a key).
//! Modes live in a control file, `<dir>/modes.json`, read again on every request, so a test
//! switches an account at run time by rewriting it (atomically):
//!
//! ```json
//! {"tok-a": {"mode": "limit_5h"}, "tok-b": {"mode": "normal", "delay_ms": 3000}, "*": {"mode": "normal"}}
//! ```
//!
//! Modes (the facts of the real answers are in `tests/fixtures/claude-code/README.md`):
//! `normal` (optional `delay_ms`: the reply is streamed over that long, so the client is
//! busy for it), `limit_5h` / `limit_7d` / `limit_opus` (a 429 `rate_limit_error` with the
//! `anthropic-ratelimit-unified-*` headers, status `rejected`, and `retry-after`),
//! `warning_5h` / `warning_7d` (a normal reply with status `allowed_warning` and the
//! window's utilization), `error_500`, `error_529`, `plain_429` (no unified headers),
//! `mimic_429` (no headers, a message that reads like the limit), `legacy_429`
//! (`Claude AI usage limit reached|<epoch>`). Optional keys: `reset` (epoch seconds of the
//! limit's reset; default now + 3 h for 5h, now + 3 d for 7d), `utilization` (warning,
//! default 0.92), `text` (the reply of a normal turn), `overage` (a limit also sends
//! `-unified-overage-status: rejected` and `-overage-disabled-reason: out_of_credits`).
//!
//! Every request is appended to `<dir>/requests.jsonl` (time, method, path, token, model,
//! stream, mode, status): a test asserts from it which account's token a session used.
//!
//! Usage: `mock_api <dir>`; prints `listening 127.0.0.1:<port>` on stdout once bound and
//! writes the port to `<dir>/port`. Threads and std::net only.

use serde_json::{Value, json};
use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

static REQUEST_COUNT: AtomicU64 = AtomicU64::new(0);

struct Shared {
    dir: PathBuf,
    log: Mutex<fs::File>,
}

struct Request {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// One account's mode, read from the control file.
#[derive(Clone, Debug)]
struct Mode {
    name: String,
    delay_ms: u64,
    reset: Option<i64>,
    utilization: f64,
    text: String,
    overage: bool,
}

impl Mode {
    fn from_json(v: &Value) -> Mode {
        Mode {
            name: v.get("mode").and_then(Value::as_str).unwrap_or("normal").to_string(),
            delay_ms: v.get("delay_ms").and_then(Value::as_u64).unwrap_or(0),
            reset: v.get("reset").and_then(Value::as_i64),
            utilization: v.get("utilization").and_then(Value::as_f64).unwrap_or(0.92),
            text: v.get("text").and_then(Value::as_str).unwrap_or("Done.").to_string(),
            overage: v.get("overage").and_then(Value::as_bool).unwrap_or(false),
        }
    }
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn now_millis() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis())
}

fn main() {
    let dir = if let Some(d) = std::env::args().nth(1) {
        PathBuf::from(d)
    } else {
        eprintln!("usage: mock_api <dir>  (control file <dir>/modes.json, log <dir>/requests.jsonl)");
        std::process::exit(2);
    };
    if let Err(e) = fs::create_dir_all(&dir) {
        eprintln!("mock_api: cannot create {}: {e}", dir.display());
        std::process::exit(1);
    }
    let log_path = dir.join("requests.jsonl");
    let log = match OpenOptions::new().create(true).append(true).open(&log_path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("mock_api: cannot open {}: {e}", log_path.display());
            std::process::exit(1);
        }
    };
    let port: u16 = std::env::var("MOCK_API_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(0);
    let listener = match TcpListener::bind(("127.0.0.1", port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("mock_api: cannot bind 127.0.0.1:{port}: {e}");
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map_or(0, |a| a.port());
    let _ = fs::write(dir.join("port.tmp"), format!("{port}\n"))
        .and_then(|()| fs::rename(dir.join("port.tmp"), dir.join("port")));
    println!("listening 127.0.0.1:{port}");
    let _ = std::io::stdout().flush();
    let shared = Arc::new(Shared { dir, log: Mutex::new(log) });
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            let _ = serve(stream, &shared);
        });
    }
}

/// Serves the requests of one connection (keep-alive) until it closes.
fn serve(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    loop {
        let Some(req) = read_request(&mut reader)? else { return Ok(()) };
        let keep = respond(&req, &mut out, shared)?;
        if !keep {
            return Ok(());
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 {
            return Ok(None);
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let mut body = Vec::new();
    if let Some(len) = headers.get("content-length").and_then(|l| l.parse::<usize>().ok()) {
        body.resize(len, 0);
        reader.read_exact(&mut body)?;
    } else if headers.get("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    Ok(Some(Request { method, path, headers, body }))
}

/// The token an account sends: the OAuth bearer of a subscription login or the API key.
fn token_of(req: &Request) -> String {
    if let Some(auth) = req.headers.get("authorization") {
        return auth.strip_prefix("Bearer ").unwrap_or(auth).to_string();
    }
    req.headers.get("x-api-key").cloned().unwrap_or_default()
}

/// The mode of `token` from `<dir>/modes.json` (`"*"` is the default; no file = normal).
fn mode_for(dir: &Path, token: &str) -> Mode {
    let modes: Value = fs::read_to_string(dir.join("modes.json"))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    let entry = modes.get(token).or_else(|| modes.get("*"));
    entry.map_or_else(|| Mode::from_json(&json!({})), Mode::from_json)
}

fn log_request(shared: &Shared, req: &Request, body: &Value, mode: &str, status: u16) {
    let line = json!({
        "n": REQUEST_COUNT.fetch_add(1, Ordering::SeqCst),
        "t_ms": now_millis() as u64,
        "method": req.method,
        "path": req.path,
        "token": token_of(req),
        "model": body.get("model"),
        "stream": body.get("stream"),
        "max_tokens": body.get("max_tokens"),
        "beta": req.headers.get("anthropic-beta"),
        "user_agent": req.headers.get("user-agent"),
        "mode": mode,
        "status": status,
    });
    if let Ok(mut f) = shared.log.lock() {
        let _ = writeln!(f, "{line}");
    }
}

fn respond(req: &Request, out: &mut TcpStream, shared: &Shared) -> std::io::Result<bool> {
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let path = req.path.split('?').next().unwrap_or("");
    match (req.method.as_str(), path) {
        ("HEAD" | "GET", "/") => {
            log_request(shared, req, &body, "-", 200);
            write_head(out, 200, &[("content-type", "text/plain".into()), ("content-length", "0".into())])?;
            Ok(true)
        }
        ("POST", "/v1/messages/count_tokens") => {
            log_request(shared, req, &body, "-", 200);
            let tokens = req.body.len() / 4 + 1;
            write_json(out, 200, &[], &json!({"input_tokens": tokens}))
        }
        ("POST", "/v1/messages") => {
            let mode = mode_for(&shared.dir, &token_of(req));
            messages(req, &body, &mode, out, shared)
        }
        _ => {
            log_request(shared, req, &body, "-", 404);
            write_json(
                out,
                404,
                &[],
                &error_body("not_found_error", &format!("mock_api: no route {} {}", req.method, path)),
            )
        }
    }
}

fn error_body(kind: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": kind, "message": message}, "request_id": format!("req_mock{:016x}", now_millis())})
}

/// The `anthropic-ratelimit-unified-*` headers of an account in `mode`.
fn unified_headers(mode: &Mode) -> Vec<(&'static str, String)> {
    let now = now_secs();
    let reset_5h = now + 3 * 3600;
    let reset_7d = now + 3 * 86400;
    let (status, claim, r5, u5, s5, r7, u7, s7) = match mode.name.as_str() {
        "limit_5h" => {
            ("rejected", "five_hour", mode.reset.unwrap_or(reset_5h), 1.0, "rejected", reset_7d, 0.41, "allowed")
        }
        "limit_7d" => {
            ("rejected", "seven_day", reset_5h, 0.35, "allowed", mode.reset.unwrap_or(reset_7d), 1.0, "rejected")
        }
        "limit_opus" => {
            ("rejected", "seven_day_opus", reset_5h, 0.35, "allowed", mode.reset.unwrap_or(reset_7d), 0.6, "allowed")
        }
        "warning_5h" => (
            "allowed_warning",
            "five_hour",
            mode.reset.unwrap_or(reset_5h),
            mode.utilization,
            "allowed_warning",
            reset_7d,
            0.41,
            "allowed",
        ),
        "warning_7d" => (
            "allowed_warning",
            "seven_day",
            reset_5h,
            0.35,
            "allowed",
            mode.reset.unwrap_or(reset_7d),
            mode.utilization,
            "allowed_warning",
        ),
        _ => ("allowed", "five_hour", reset_5h, 0.12, "allowed", reset_7d, 0.05, "allowed"),
    };
    let reset = match claim {
        "five_hour" => r5,
        _ => r7,
    };
    let mut h = vec![
        ("anthropic-ratelimit-unified-status", status.to_string()),
        ("anthropic-ratelimit-unified-reset", reset.to_string()),
        ("anthropic-ratelimit-unified-representative-claim", claim.to_string()),
        ("anthropic-ratelimit-unified-5h-status", s5.to_string()),
        ("anthropic-ratelimit-unified-5h-reset", r5.to_string()),
        ("anthropic-ratelimit-unified-5h-utilization", format!("{u5}")),
        ("anthropic-ratelimit-unified-7d-status", s7.to_string()),
        ("anthropic-ratelimit-unified-7d-reset", r7.to_string()),
        ("anthropic-ratelimit-unified-7d-utilization", format!("{u7}")),
        ("anthropic-ratelimit-unified-fallback-percentage", "0.5".to_string()),
    ];
    if status == "rejected" {
        if mode.overage {
            h.push(("anthropic-ratelimit-unified-overage-status", "rejected".to_string()));
            h.push(("anthropic-ratelimit-unified-overage-disabled-reason", "out_of_credits".to_string()));
        }
        h.push(("retry-after", (reset - now).max(1).to_string()));
    }
    if mode.name == "warning_5h" {
        h.push(("anthropic-ratelimit-unified-5h-surpassed-threshold", "0.9".to_string()));
    }
    if mode.name == "warning_7d" {
        h.push(("anthropic-ratelimit-unified-7d-surpassed-threshold", "0.75".to_string()));
    }
    h
}

fn messages(req: &Request, body: &Value, mode: &Mode, out: &mut TcpStream, shared: &Shared) -> std::io::Result<bool> {
    let stream = body.get("stream").and_then(Value::as_bool).unwrap_or(false);
    let (status, kind, message): (u16, &str, String) = match mode.name.as_str() {
        "limit_5h" | "limit_7d" | "limit_opus" => (
            429,
            "rate_limit_error",
            "This request would exceed your account's rate limit. Please try again later.".into(),
        ),
        "error_500" => (500, "api_error", "Internal server error".into()),
        "error_529" => (529, "overloaded_error", "Overloaded".into()),
        "plain_429" => (
            429,
            "rate_limit_error",
            "Number of concurrent connections has exceeded your rate limit. Please try again later.".into(),
        ),
        "mimic_429" => (
            429,
            "rate_limit_error",
            "You've hit your session limit · resets 7am (UTC). Claude AI usage limit reached".into(),
        ),
        "legacy_429" => (
            429,
            "rate_limit_error",
            format!("Claude AI usage limit reached|{}", mode.reset.unwrap_or(now_secs() + 3 * 3600)),
        ),
        _ => (200, "", String::new()),
    };
    log_request(shared, req, body, &mode.name, status);
    if status != 200 {
        // Only the usage limit carries the unified headers and `retry-after`; the other
        // errors carry neither, so the client falls back on its own short backoff.
        let headers = if mode.name.starts_with("limit_") { unified_headers(mode) } else { vec![] };
        return write_json(out, status, &headers, &error_body(kind, &message));
    }
    let headers = unified_headers(mode);
    let model = body.get("model").and_then(Value::as_str).unwrap_or("claude-sonnet-4-5").to_string();
    let text = reply_text(body, mode);
    let id = format!("msg_mock{:016x}", now_millis());
    let input_tokens = (req.body.len() / 4 + 1) as u64;
    let output_tokens = (text.split_whitespace().count() as u64).max(1);
    if !stream {
        let msg = json!({
            "id": id, "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn", "stop_sequence": null,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
        });
        if mode.delay_ms > 0 {
            thread::sleep(Duration::from_millis(mode.delay_ms));
        }
        return write_json(out, 200, &headers, &msg);
    }
    let mut all = headers.clone();
    all.push(("content-type", "text/event-stream".to_string()));
    all.push(("cache-control", "no-cache".to_string()));
    all.push(("connection", "close".to_string()));
    write_head(out, 200, &all)?;
    let event = |out: &mut TcpStream, name: &str, data: Value| -> std::io::Result<()> {
        write!(out, "event: {name}\ndata: {data}\n\n")?;
        out.flush()
    };
    event(
        out,
        "message_start",
        json!({"type": "message_start", "message": {
        "id": id, "type": "message", "role": "assistant", "model": model, "content": [],
        "stop_reason": null, "stop_sequence": null,
        "usage": {"input_tokens": input_tokens, "output_tokens": 1, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}}),
    )?;
    event(
        out,
        "content_block_start",
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
    )?;
    let words: Vec<&str> = text.split_inclusive(' ').collect();
    let pause = if words.is_empty() { 0 } else { mode.delay_ms / words.len() as u64 };
    for w in &words {
        if pause > 0 {
            thread::sleep(Duration::from_millis(pause));
        }
        event(
            out,
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": w}}),
        )?;
    }
    event(out, "content_block_stop", json!({"type": "content_block_stop", "index": 0}))?;
    event(
        out,
        "message_delta",
        json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null}, "usage": {"output_tokens": output_tokens}}),
    )?;
    event(out, "message_stop", json!({"type": "message_stop"}))?;
    Ok(false)
}

/// The reply of a normal turn: the mode's `text`, or, for the client's own side requests
/// (titles, topic detection: a tiny `max_tokens` or a system prompt asking for JSON), a
/// short answer that keeps them quiet.
fn reply_text(body: &Value, mode: &Mode) -> String {
    let system = body.get("system").map(std::string::ToString::to_string).unwrap_or_default();
    if system.contains("isNewTopic") {
        return r#"{"isNewTopic": false, "title": null}"#.to_string();
    }
    if mode.delay_ms > 0 {
        // Enough words for the stream to last the whole delay in visible steps.
        let mut t = String::new();
        for i in 0..20 {
            t.push_str(&format!("step{i} "));
        }
        t.push_str(&mode.text);
        return t;
    }
    mode.text.clone()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        529 => "Overloaded",
        _ => "Status",
    }
}

fn write_head(out: &mut TcpStream, status: u16, headers: &[(&str, String)]) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("request-id: req_mock\r\n\r\n");
    out.write_all(head.as_bytes())?;
    out.flush()
}

fn write_json(out: &mut TcpStream, status: u16, headers: &[(&str, String)], body: &Value) -> std::io::Result<bool> {
    let text = body.to_string();
    let mut all: Vec<(&str, String)> = headers.to_vec();
    all.push(("content-type", "application/json".to_string()));
    all.push(("content-length", text.len().to_string()));
    write_head(out, status, &all)?;
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(true)
}
