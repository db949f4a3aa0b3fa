//! The limit-text rules: one table of pattern families that mean "usage limit hit" (or "close
//! to it"), one table of vetoes that mean "an error, but not the usage limit", and
//! [`classify`] which applies both to one message.
//!
//! Every text Claude Code has used for its usage limit, across versions, is a row in
//! [`FAMILIES`] with the examples it must match; the table tests run every example, so a new
//! client wording is one row plus its example. Vetoes win over families within the same
//! message: a 429 that is "not your usage limit" often goes on with limit-like words.
//!
//! Pure text in, classification out; it must not read files, tmux, the environment or the
//! clock. Which lines of a pane form the latest exchange is `screen`'s knowledge
//! ([`classify_screen`] only consumes it); which signal to trust (hook payload, transcript
//! record, pane) is the caller's choice; turning the reset phrase into an instant is
//! [`super::reset`]'s.

use std::sync::LazyLock;

use regex::Regex;

use crate::screen::Screen;

/// Whether a family means the account is out of quota now, or only getting close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The account cannot work until the reset: a swap is due.
    Hit,
    /// Recorded and shown, never acted on.
    Warning,
}

/// One way Claude Code has worded a limit notice.
#[derive(Debug)]
pub struct Family {
    pub name: &'static str,
    pub kind: Kind,
    /// Case-insensitive; `(?<reset>…)` captures the reset phrase when the wording has one.
    pub pattern: &'static str,
    /// Texts the family must match, each with the reset phrase it must extract.
    pub examples: &'static [(&'static str, Option<&'static str>)],
}

/// A text that proves an error is *not* the usage limit.
#[derive(Debug)]
pub struct Veto {
    pub name: &'static str,
    pub pattern: &'static str,
    pub examples: &'static [&'static str],
}

/// A limit notice found in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The [`Family::name`] that matched.
    pub family: &'static str,
    /// The reset phrase as written (`7am (UTC)`, `Nov 24, 7am (UTC)`, `1795300000`), for
    /// [`super::reset::parse_reset`]; `None` when the wording carries no reset.
    pub reset_text: Option<String>,
    /// At most [`SNIPPET_CHARS`] characters from where the notice starts, for state and logs.
    pub snippet: String,
}

/// What a message says about the account's quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classification {
    Hit(Notice),
    Warning(Notice),
    /// An error that looks limit-like but a veto says it is not the usage limit.
    Vetoed {
        veto: &'static str,
        snippet: String,
    },
    None,
}

pub const SNIPPET_CHARS: usize = 120;

/// Where a notice may start. The client prints a limit notice as a message of its own, so a
/// family must match at the start of a line of the message (markers such as `⎿` and `●` are
/// stripped first), optionally after an `API Error:` prefix. This keeps a model's prose that
/// merely mentions a limit ("…once you've hit your limit · resets…") from swapping accounts.
macro_rules! at_message_start {
    ($($body:tt)+) => {
        concat!(r"(?im)^(?:(?:API\s+)?Error:\s*(?:\d{3}\s*)?)?", $($body)+)
    };
}

/// The reset phrases the client has printed: `[at] [Mon DD[, YYYY], [at]] H[:MM]am|pm [(Zone)]`,
/// `in N minutes|hours`, or Unix seconds. Kept strict so the hint line that follows a notice
/// (`/login to switch…`) never ends up in the reset text.
macro_rules! reset_phrase {
    () => {
        r"(?<reset>(?:at\s+)?(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?,?\s+(?:at\s+)?)?\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\b\.?)?(?:\s*\([^()\n]{1,64}\))?|in\s+\d+\s*[a-z]+(?:[\s,]+(?:and\s+)?\d+\s*[a-z]+)*|\d{9,11})"
    };
}

/// Separators the client has put between a notice and its reset: `·`, `∙`, `•`.
macro_rules! then_resets {
    () => {
        concat!(r"(?:\s*[·∙•|-]\s*resets?\s+", reset_phrase!(), ")?")
    };
}

pub static FAMILIES: &[Family] = &[
    Family {
        name: "claude_ai_usage_limit_epoch",
        kind: Kind::Hit,
        // Early clients: the reset is Unix seconds after a pipe, also in transcripts.
        pattern: at_message_start!(r"Claude AI usage limit reached\b(?:\s*\|\s*(?<reset>\d{9,11})\b)?"),
        examples: &[
            ("Claude AI usage limit reached|1795300000", Some("1795300000")),
            ("Claude AI usage limit reached", None),
        ],
    },
    Family {
        name: "usage_limit_will_reset",
        kind: Kind::Hit,
        pattern: at_message_start!(concat!(
            r"Claude usage limit reached\b\.?(?:\s*Your limit will reset\s+",
            reset_phrase!(),
            ")?"
        )),
        examples: &[
            (
                "Claude usage limit reached. Your limit will reset at 5pm (Europe/Warsaw).",
                Some("at 5pm (Europe/Warsaw)"),
            ),
            ("Claude usage limit reached. Your limit will reset at 11:30pm.", Some("at 11:30pm")),
        ],
    },
    Family {
        name: "window_limit_reached",
        kind: Kind::Hit,
        pattern: at_message_start!(concat!(
            r"(?:5-hour|session|daily|(?:opus\s+|sonnet\s+)?weekly|opus|sonnet)\s+limit reached\b",
            then_resets!()
        )),
        examples: &[
            ("5-hour limit reached ∙ resets 5am", Some("5am")),
            ("Opus weekly limit reached ∙ resets Nov 10, 5pm", Some("Nov 10, 5pm")),
            ("Session limit reached ∙ resets 7pm", Some("7pm")),
            ("Weekly limit reached", None),
        ],
    },
    Family {
        name: "hit_your_limit",
        kind: Kind::Hit,
        // Current clients (2.1.x): the zone follows the client's TZ; a date appears when the
        // reset is more than a day ahead.
        pattern: at_message_start!(concat!(
            r"You(?:['’]ve|\s+have)\s+hit\s+your\s+(?:(?:session|weekly|opus|sonnet|daily|5-hour|usage)\s+)?limit\b",
            then_resets!()
        )),
        examples: &[
            ("You've hit your limit · resets 8pm (America/New_York)", Some("8pm (America/New_York)")),
            ("You've hit your limit · resets Jan 30, 11:30am (Asia/Calcutta)", Some("Jan 30, 11:30am (Asia/Calcutta)")),
            ("You've hit your session limit · resets 8:30pm (Asia/Tokyo)", Some("8:30pm (Asia/Tokyo)")),
            ("You've hit your weekly limit · resets 5pm (America/Detroit)", Some("5pm (America/Detroit)")),
            ("You've hit your Opus limit · resets Nov 24, 7am (UTC)", Some("Nov 24, 7am (UTC)")),
            ("You’ve hit your limit · resets in 45 minutes", Some("in 45 minutes")),
            (
                "You've hit your session limit · resets 7am (UTC) /login to switch to an API usage-billed account.",
                Some("7am (UTC)"),
            ),
        ],
    },
    Family {
        name: "usage_limit_reached",
        kind: Kind::Hit,
        // 2.1.332: a message under the notice (`● Usage limit reached · set to continue
        // automatically at 12am`) and the footer while parked (`⚠ Usage limit reached ·
        // limit resets 12am`). The only family a footer may carry: it is the client's state
        // now, not an old message.
        pattern: at_message_start!(concat!(
            r"(?:⚠\s*)?Usage limit reached(?:\s+again)?\b(?:\s*[·∙•]\s*(?:set to continue automatically at|limit resets?|resets?)\s+",
            reset_phrase!(),
            ")?"
        )),
        examples: &[
            ("Usage limit reached · set to continue automatically at 12am", Some("12am")),
            ("⚠ Usage limit reached · limit resets 12am", Some("12am")),
            ("● Usage limit reached · set to continue automatically at 7am", Some("7am")),
            ("Usage limit reached again · set to continue automatically at 2:36am", Some("2:36am")),
            ("Usage limit reached", None),
        ],
    },
    Family {
        name: "out_of_extra_usage",
        kind: Kind::Hit,
        pattern: at_message_start!(concat!(r"You(?:['’]re|\s+are)\s+out\s+of\s+extra\s+usage\b", then_resets!())),
        examples: &[("You're out of extra usage · resets 11:30am (Asia/Colombo)", Some("11:30am (Asia/Colombo)"))],
    },
    Family {
        name: "rate_limit_error_account",
        kind: Kind::Hit,
        // Older clients showed the raw API body for a subscription's limit. The JSON must open
        // the message so that prose quoting the error type does not count.
        pattern: at_message_start!(r"\{.*?\brate_limit_error\b.*?would exceed your account['’]?s rate limit"),
        examples: &[
            (
                r#"API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed your account's rate limit. Please try again later."}}"#,
                None,
            ),
            (
                r#"{"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed your account's rate limit."}}"#,
                None,
            ),
        ],
    },
    Family {
        name: "approaching_limit",
        kind: Kind::Warning,
        // Shown in the footer beside other notices, so not anchored: a false warning costs a
        // line in `status`, nothing more.
        pattern: concat!(
            r"(?i)\bapproaching\s+(?:your\s+)?(?:(?:opus|sonnet|weekly|session|5-hour)\s+)?(?:usage\s+)?limit\b",
            r"(?:\s*[·∙•|-]\s*resets?\s+",
            reset_phrase!(),
            ")?"
        ),
        examples: &[
            ("Approaching usage limit · resets at 2am", Some("at 2am")),
            ("Approaching Opus usage limit", None),
        ],
    },
    Family {
        name: "used_of_limit",
        kind: Kind::Warning,
        // 2.1.x: the share of a window used, above the box or in the footer; the fraction is
        // what placement's headroom reads (crate::placement::headroom::warned_fraction).
        pattern: concat!(
            r"(?i)\byou['’]ve\s+used\s+\d{1,3}\s*%\s+of\s+your\s+(?:(?:opus|sonnet|weekly|session|5-hour)\s+)?limit\b",
            r"(?:\s*[·∙•|-]\s*resets?\s+",
            reset_phrase!(),
            ")?"
        ),
        examples: &[
            ("You've used 92% of your 5-hour limit · resets 2:45am (UTC)", Some("2:45am (UTC)")),
            ("You've used 80% of your weekly limit · resets Dec 4, 11:49pm (UTC)", Some("Dec 4, 11:49pm (UTC)")),
        ],
    },
];

pub static VETOES: &[Veto] = &[
    Veto {
        name: "not_your_usage_limit",
        // A subscription's 429 without limit headers; the message after the `·` is the
        // server's and may say "would exceed the rate limit".
        pattern: r"(?i)not your usage limit|server is temporarily limiting requests",
        examples: &[
            "API Error: Server is temporarily limiting requests (not your usage limit) · This request would exceed the rate limit for your organization (mock-org) of 50 requests per minute.",
            "Server is temporarily limiting requests (not your usage limit)",
        ],
    },
    Veto {
        name: "api_key_rate_limited",
        // An API-key login's 429: a per-minute rate limit, gone in seconds; swapping would
        // only move the pool for nothing.
        pattern: r"(?i)request rejected \(429\)",
        examples: &[
            "API Error: Request rejected (429) · This request would exceed your account's rate limit. Please try again later.",
        ],
    },
    Veto {
        name: "overloaded",
        pattern: r"(?i)api error:\s*(?:repeated\s+)?529\b|\b529\s+overloaded|overloaded_error",
        examples: &[
            "API Error: 529 Overloaded. This is a server-side issue, usually temporary — try again in a moment.",
            "API Error: Repeated 529 Overloaded errors. Try again later.",
            r#"API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
            "529 Overloaded · Retrying in 2s · attempt 2/2",
        ],
    },
    Veto {
        name: "server_error",
        pattern: r"(?i)api error:\s*5\d\d\b|internal server error|\bapi_error\b",
        examples: &[
            "API Error: 500 Internal server error. This is a server-side issue, usually temporary — try again in a moment.",
            r#"API Error: 500 {"type":"error","error":{"type":"api_error","message":"Internal server error"}}"#,
            "500 Internal server error · Retrying in 2s · attempt 2/2",
        ],
    },
    Veto {
        name: "spend_cap",
        // API-key billing limits are 400s: more money fixes them, another account does not.
        pattern: r"(?i)api error:\s*400\b|invalid_request_error|reached your specified (?:workspace\s+)?api usage limits|credit balance is too low",
        examples: &[
            r#"API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"You have reached your specified API usage limits. You will regain access on 2026-12-01 at 00:00 UTC."}}"#,
            "Your credit balance is too low to access the Anthropic API.",
        ],
    },
];

static COMPILED_FAMILIES: LazyLock<Vec<(&'static Family, Regex)>> = LazyLock::new(|| {
    FAMILIES
        .iter()
        .map(|family| (family, Regex::new(family.pattern).unwrap_or_else(|e| panic!("family {}: {e}", family.name))))
        .collect()
});

static COMPILED_VETOES: LazyLock<Vec<(&'static Veto, Regex)>> = LazyLock::new(|| {
    VETOES
        .iter()
        .map(|veto| (veto, Regex::new(veto.pattern).unwrap_or_else(|e| panic!("veto {}: {e}", veto.name))))
        .collect()
});

/// Leading decoration the client puts before a message's first line.
static LEADING_MARKERS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?m)^[\s⎿●⏺•]+").expect("marker regex"));

/// Classifies one message: a hook's `last_assistant_message`, a transcript error text, or one
/// logical message of a screen (see [`crate::screen::Screen::exchange_messages`]).
///
/// A veto anywhere in the message wins over every family, whichever comes first: the server
/// words its own 429s freely, and "not your usage limit" is the client telling us outright.
pub fn classify(text: &str) -> Classification {
    let text = normalize(text);
    if let Some((veto, _)) = COMPILED_VETOES.iter().find(|(_, re)| re.is_match(&text)) {
        return Classification::Vetoed { veto: veto.name, snippet: snippet(&text) };
    }
    let mut warning = None;
    for (family, re) in COMPILED_FAMILIES.iter() {
        let Some(caps) = re.captures(&text) else { continue };
        let whole = caps.get(0).map_or("", |m| &text[m.start()..]);
        let notice = Notice {
            family: family.name,
            // A sentence's closing period is not part of the time ("…reset at 11:30pm.").
            reset_text: caps
                .name("reset")
                .map(|m| m.as_str().trim().trim_end_matches('.').to_owned())
                .filter(|r| !r.is_empty()),
            snippet: snippet(whole),
        };
        match family.kind {
            Kind::Hit => return Classification::Hit(notice),
            Kind::Warning => {
                warning.get_or_insert(notice);
            }
        }
    }
    warning.map_or(Classification::None, Classification::Warning)
}

/// Classifies several messages of one source (e.g. the latest exchange of a screen): a hit
/// anywhere wins (the latest if several), then a warning, then a veto, so that a vetoed retry
/// notice cannot hide a real limit notice in another message.
pub fn classify_messages<'a>(messages: impl IntoIterator<Item = &'a str>) -> Classification {
    let mut best = Classification::None;
    for message in messages {
        let found = classify(message);
        if rank(&found) >= rank(&best) && found != Classification::None {
            best = found;
        }
    }
    best
}

/// The one family a footer may carry as a hit (see [`classify_screen`]).
pub const FOOTER_HIT_FAMILY: &str = "usage_limit_reached";

/// Classifies what a pane shows: the latest exchange's messages (see
/// [`Screen::exchange_messages`]), then the footer: the client's usage warning, and the
/// 2.1.332 limit footer (`⚠ Usage limit reached · limit resets 12am`), which is the
/// client's state now. Any other hit-like footer text is ignored.
pub fn classify_screen(screen: &Screen) -> Classification {
    let messages = screen.exchange_messages();
    let found = classify_messages(messages.iter().map(String::as_str));
    if matches!(found, Classification::Hit(_)) {
        return found;
    }
    match classify_messages(screen.footer()) {
        hit @ Classification::Hit(Notice { family: FOOTER_HIT_FAMILY, .. }) => hit,
        warning @ Classification::Warning(_) if !matches!(found, Classification::Warning(_)) => warning,
        _ => found,
    }
}

/// Whether the pane shows a client parked on a usage limit: the latest exchange ended on a
/// limit notice, or the footer says the client waits for the reset (2.1.332). Such a
/// client is not stalled: it waits for its quota, and goes on at the reset.
pub fn parked_on_limit(screen: &Screen) -> bool {
    matches!(classify_screen(screen), Classification::Hit(_))
}

/// Whether a parked client will go on by itself at the reset: its footer says so
/// (`Continuing automatically at 12am · Esc to cancel`, 2.1.332). Escape takes the line
/// away, and older clients never show it: then the conversation waits for ccfail.
pub fn client_continues_by_itself(screen: &Screen) -> bool {
    static AUTO: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)\bcontinuing automatically\b").expect("auto-continue regex"));
    screen.footer().iter().any(|line| AUTO.is_match(line))
}

fn rank(classification: &Classification) -> u8 {
    match classification {
        Classification::None => 0,
        Classification::Vetoed { .. } => 1,
        Classification::Warning(_) => 2,
        Classification::Hit(_) => 3,
    }
}

/// One space for every run of blanks (NBSP included: the client puts one after `⎿`), and no
/// leading markers, so the anchored families see the notice's first word at line start.
fn normalize(text: &str) -> String {
    let stripped = LEADING_MARKERS.replace_all(text, "");
    stripped
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn snippet(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= SNIPPET_CHARS {
        return flat;
    }
    let mut cut: String = flat.chars().take(SNIPPET_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn assert_notice(text: &str, kind: Kind, family: &str, reset: Option<&str>) {
        let got = classify(text);
        let ((Classification::Hit(notice), Kind::Hit) | (Classification::Warning(notice), Kind::Warning)) =
            (&got, kind)
        else {
            panic!("{text:?}: expected {kind:?} from {family}, got {got:?}")
        };
        assert_eq!(notice.family, family, "{text:?}");
        assert_eq!(notice.reset_text.as_deref(), reset, "{text:?}");
        assert!(notice.snippet.chars().count() <= SNIPPET_CHARS);
    }

    #[track_caller]
    fn assert_vetoed(text: &str, veto: &str) {
        match classify(text) {
            Classification::Vetoed { veto: got, .. } => assert_eq!(got, veto, "{text:?}"),
            other => panic!("{text:?}: expected veto {veto}, got {other:?}"),
        }
    }

    #[test]
    fn every_family_example_matches_its_family_with_its_reset() {
        for family in FAMILIES {
            assert!(!family.examples.is_empty(), "{} has no example", family.name);
            for (text, reset) in family.examples {
                assert_notice(text, family.kind, family.name, *reset);
            }
        }
    }

    #[test]
    fn every_veto_example_is_vetoed_by_its_veto() {
        for veto in VETOES {
            assert!(!veto.examples.is_empty(), "{} has no example", veto.name);
            for text in veto.examples {
                assert_vetoed(text, veto.name);
            }
        }
    }

    #[test]
    fn the_issue_examples_classify_as_written() {
        use Kind::{Hit, Warning};
        let notices: &[(&str, Kind, &str, Option<&str>)] = &[
            ("Claude AI usage limit reached|1795300000", Hit, "claude_ai_usage_limit_epoch", Some("1795300000")),
            (
                "Claude usage limit reached. Your limit will reset at 5pm (Europe/Warsaw).",
                Hit,
                "usage_limit_will_reset",
                Some("at 5pm (Europe/Warsaw)"),
            ),
            ("5-hour limit reached ∙ resets 5am", Hit, "window_limit_reached", Some("5am")),
            ("Opus weekly limit reached ∙ resets Nov 10, 5pm", Hit, "window_limit_reached", Some("Nov 10, 5pm")),
            ("Session limit reached ∙ resets 7pm", Hit, "window_limit_reached", Some("7pm")),
            (
                "You've hit your limit · resets 8pm (America/New_York)",
                Hit,
                "hit_your_limit",
                Some("8pm (America/New_York)"),
            ),
            (
                "You've hit your limit · resets Jan 30, 11:30am (Asia/Calcutta)",
                Hit,
                "hit_your_limit",
                Some("Jan 30, 11:30am (Asia/Calcutta)"),
            ),
            (
                "You've hit your session limit · resets 8:30pm (Asia/Tokyo)",
                Hit,
                "hit_your_limit",
                Some("8:30pm (Asia/Tokyo)"),
            ),
            (
                "You've hit your weekly limit · resets 5pm (America/Detroit)",
                Hit,
                "hit_your_limit",
                Some("5pm (America/Detroit)"),
            ),
            ("You've hit your Opus limit · resets Nov 24, 7am (UTC)", Hit, "hit_your_limit", Some("Nov 24, 7am (UTC)")),
            (
                "You're out of extra usage · resets 11:30am (Asia/Colombo)",
                Hit,
                "out_of_extra_usage",
                Some("11:30am (Asia/Colombo)"),
            ),
            (
                r#"API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed your account's rate limit. Please try again later."}}"#,
                Hit,
                "rate_limit_error_account",
                None,
            ),
            ("Approaching usage limit · resets at 2am", Warning, "approaching_limit", Some("at 2am")),
            // case-insensitive, and markers / NBSP as the screen shows them
            ("YOU'VE HIT YOUR SESSION LIMIT · RESETS 7AM (UTC)", Hit, "hit_your_limit", Some("7AM (UTC)")),
            ("  ⎿ \u{a0}You've hit your session limit · resets 7am (UTC)", Hit, "hit_your_limit", Some("7am (UTC)")),
            (
                "● Claude usage limit reached. Your limit will reset at 5pm",
                Hit,
                "usage_limit_will_reset",
                Some("at 5pm"),
            ),
        ];
        for (text, kind, family, reset) in notices {
            assert_notice(text, *kind, family, *reset);
        }
        let vetoed: &[(&str, &str)] = &[
            ("API Error: 500 Internal server error. This is a server-side issue", "server_error"),
            (r#"API Error: 500 {"type":"error","error":{"type":"api_error","message":"boom"}}"#, "server_error"),
            ("API Error: 529 Overloaded. This is a server-side issue", "overloaded"),
            (r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#, "overloaded"),
            ("Server is temporarily limiting requests (not your usage limit)", "not_your_usage_limit"),
            ("internal server error", "server_error"),
            (r#"API Error: 400 {"type":"error","error":{"type":"invalid_request_error"}}"#, "spend_cap"),
            // the veto wins even when a limit phrase follows it in the same message
            (
                "API Error: Server is temporarily limiting requests (not your usage limit) · You've hit your limit · resets 8pm",
                "not_your_usage_limit",
            ),
            ("You've hit your limit · resets 8pm\n(not your usage limit)", "not_your_usage_limit"),
        ];
        for (text, veto) in vetoed {
            assert_vetoed(text, veto);
        }
    }

    #[test]
    fn prose_that_mentions_a_limit_is_not_a_notice() {
        for text in [
            "Hello from the mock Anthropic server (reply 1, mode normal).",
            "When you've hit your limit · resets 8pm the pool swaps accounts.",
            "The test checks that rate_limit_error with would exceed your account's rate limit is a hit.",
            "/login to switch to an API usage-billed account.",
            "",
        ] {
            assert_eq!(classify(text), Classification::None, "{text:?}");
        }
    }

    #[test]
    fn snippets_are_at_most_120_chars_and_start_at_the_notice() {
        let long = format!("You've hit your limit · resets 8pm (UTC) {}", "x".repeat(300));
        let Classification::Hit(notice) = classify(&long) else { panic!("not a hit") };
        assert_eq!(notice.snippet.chars().count(), SNIPPET_CHARS);
        assert!(notice.snippet.starts_with("You've hit your limit"));
        assert!(notice.snippet.ends_with('…'));
    }

    #[test]
    fn a_hit_in_one_message_survives_a_veto_in_another() {
        let messages = ["API Error: 529 Overloaded. Try again.", "You've hit your limit · resets 8pm (UTC)"];
        assert!(matches!(classify_messages(messages), Classification::Hit(_)));
        assert!(matches!(classify_messages(["API Error: 529 Overloaded."]), Classification::Vetoed { .. }));
        assert_eq!(classify_messages(["hello", "world"]), Classification::None);
    }

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/claude-code/2.1.197");

    fn read_fixture(relative: &str) -> String {
        let path = format!("{FIXTURES}/{relative}");
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read fixture {path}: {e}"))
    }

    /// A classification reduced to what the fixture tables state: outcome, family or veto,
    /// reset text.
    fn summary(got: &Classification) -> (&'static str, &'static str, Option<String>) {
        match got {
            Classification::Hit(n) => ("hit", n.family, n.reset_text.clone()),
            Classification::Warning(n) => ("warning", n.family, n.reset_text.clone()),
            Classification::Vetoed { veto, .. } => ("vetoed", veto, None),
            Classification::None => ("none", "", None),
        }
    }

    type Expected = (&'static str, &'static str, Option<&'static str>);

    fn owned(expected: &Expected) -> (&'static str, &'static str, Option<String>) {
        (expected.0, expected.1, expected.2.map(str::to_owned))
    }

    /// Every `StopFailure` payload the real client sent: `error: rate_limit` for any 429, so
    /// only the text tells the usage limit from "not your usage limit".
    #[test]
    fn stop_failure_messages_from_the_fixtures() {
        let expected: &[(&str, &[Expected])] = &[
            (
                "b_rl5h",
                &[("hit", "hit_your_limit", Some("8am (UTC)")), ("hit", "hit_your_limit", Some("Nov 24, 8am (UTC)"))],
            ),
            ("c_rl_api", &[("vetoed", "not_your_usage_limit", None)]),
            ("c_overloaded", &[("vetoed", "overloaded", None)]),
            ("c_api_error", &[("vetoed", "server_error", None)]),
        ];
        for (scenario, want) in expected {
            let log = read_fixture(&format!("hooks/{scenario}.hooks.jsonl"));
            let got: Vec<_> = log
                .lines()
                .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("hook log line is JSON"))
                .filter(|entry| entry["event"] == "StopFailure")
                .map(|entry| {
                    let message = entry["stdin"]["last_assistant_message"].as_str().expect("StopFailure has a message");
                    summary(&classify(message))
                })
                .collect();
            let want: Vec<_> = want.iter().map(owned).collect();
            assert_eq!(got, want, "hooks/{scenario}");
        }
        // Stop payloads carry the model's reply; none of the fixtures' replies is a notice.
        for entry in std::fs::read_dir(format!("{FIXTURES}/hooks")).expect("hooks dir") {
            let path = entry.expect("dir entry").path();
            if !path.to_string_lossy().ends_with(".hooks.jsonl") {
                continue;
            }
            let log = std::fs::read_to_string(&path).expect("hook log");
            for line in log.lines() {
                let entry: serde_json::Value = serde_json::from_str(line).expect("hook log line is JSON");
                if entry["event"] == "Stop" {
                    let message = entry["stdin"]["last_assistant_message"].as_str().unwrap_or_default();
                    assert_eq!(classify(message), Classification::None, "{}: {message:?}", path.display());
                }
            }
        }
    }

    /// Transcript error records (`isApiErrorMessage`) and `claude -p` output: the same texts.
    #[test]
    fn transcript_errors_and_print_output_from_the_fixtures() {
        // (case, classification of its stdout and of its one error record; None: no error record)
        let expected: &[(&str, Option<Expected>)] = &[
            ("print_sub_api_error", Some(("vetoed", "server_error", None))),
            ("print_sub_normal", None),
            ("print_sub_overloaded", Some(("vetoed", "overloaded", None))),
            ("print_sub_rl_5h_plain", Some(("hit", "hit_your_limit", Some("7am (UTC)")))),
            ("print_sub_rl_7d_plain", Some(("hit", "hit_your_limit", Some("Nov 24, 7am (UTC)")))),
            ("print_sub_rl_api", Some(("vetoed", "not_your_usage_limit", None))),
        ];
        for (case, want) in expected {
            let stdout = read_fixture(&format!("print/{case}.stdout.txt"));
            let stdout_want = want.as_ref().map_or(("none", "", None), owned);
            assert_eq!(summary(&classify(&stdout)), stdout_want, "print/{case}");

            let transcript = read_fixture(&format!("transcripts/{case}.jsonl"));
            let errors: Vec<_> = transcript
                .lines()
                .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("transcript line is JSON"))
                .filter(|record| record["isApiErrorMessage"] == true)
                .map(|record| {
                    let text = record["message"]["content"][0]["text"].as_str().expect("error record has text");
                    summary(&classify(text))
                })
                .collect();
            let want: Vec<_> = want.iter().map(owned).collect();
            assert_eq!(errors, want, "transcripts/{case}.jsonl");
        }
        let tui = read_fixture("transcripts/tui_sub_max20x_rl_5h_plain.jsonl");
        let hits = tui
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|record| record["isApiErrorMessage"] == true)
            .filter(|record| {
                let text = record["message"]["content"][0]["text"].as_str().unwrap_or_default();
                matches!(classify(text), Classification::Hit(_))
            })
            .count();
        assert_eq!(hits, 1, "transcripts/tui_sub_max20x_rl_5h_plain.jsonl");
    }

    /// Every fixture screen, `.txt` and `.hist.txt`: what a quota check must conclude.
    #[test]
    fn fixture_screens_classify_as_expected() {
        let hit_5h: Expected = ("hit", "hit_your_limit", Some("7am (UTC)"));
        let hit_7d: Expected = ("hit", "hit_your_limit", Some("Nov 24, 7am (UTC)"));
        let none: Expected = ("none", "", None);
        let expected: &[(&str, Expected)] = &[
            ("tui_key_dialog_apikey", none),
            ("tui_key_dialog_trust", none),
            ("tui_key_slow_done", none),
            ("tui_key_slow_working_1", none),
            ("tui_key_slow_working_2", none),
            ("tui_key_tool_permission", none),
            ("tui_resume_acct2_noshare", none),
            ("tui_resume_acct3_symlink_dialog_trust", none),
            ("tui_resume_acct3_symlink_loaded", none),
            ("tui_sub_max20x_api_error", ("vetoed", "server_error", None)),
            ("tui_sub_max20x_api_error_working", ("vetoed", "server_error", None)),
            ("tui_sub_max20x_idle_fresh", none),
            ("tui_sub_max20x_normal", none),
            ("tui_sub_max20x_normal_after_exit", none),
            ("tui_sub_max20x_normal_dialog_trust", none),
            ("tui_sub_max20x_overloaded", ("vetoed", "overloaded", None)),
            ("tui_sub_max20x_overloaded_working", ("vetoed", "overloaded", None)),
            ("tui_sub_max20x_rl_5h_plain", hit_5h),
            // the client exited after the notice; the account is still out of quota
            ("tui_sub_max20x_rl_5h_plain_after_exit", hit_5h),
            ("tui_sub_max20x_rl_7d_plain", hit_7d),
            ("tui_sub_max20x_rl_api", ("vetoed", "not_your_usage_limit", None)),
            // the Pro modal replaced the box: the notice above it still counts
            ("tui_sub_pro_rl_5h_plain", hit_5h),
            ("tui_sub_pro_rl_5h_plain_after_enter", hit_5h),
            ("tui_sub_pro_rl_7d_plain_after_esc", hit_7d),
        ];
        let mut checked = 0;
        for entry in std::fs::read_dir(format!("{FIXTURES}/screens")).expect("screens dir") {
            let path = entry.expect("dir entry").path();
            let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let stem = file.trim_end_matches(".txt").trim_end_matches(".hist");
            let (_, want) = expected
                .iter()
                .find(|(name, _)| *name == stem)
                .unwrap_or_else(|| panic!("screens/{file} has no expected classification; add one"));
            let screen = crate::screen::parse(&std::fs::read_to_string(&path).expect("fixture"));
            assert_eq!(summary(&classify_screen(&screen)), owned(want), "screens/{file}");
            checked += 1;
        }
        assert_eq!(checked, 2 * expected.len(), "every row has a .txt and a .hist.txt");

        // The usage warnings the newer captures hold: the share of a window used.
        let warnings = [
            ("2.1.332/screens/tui_max20x_warn_5h_after_2.txt", "2:45am (UTC)"),
            ("2.1.332/screens/tui_pro_warn_5h_after_2.txt", "2:46am (UTC)"),
            ("2.1.197/harness/screens/tui_max20x_warn_7d_after_2.txt", "Dec 4, 11:49pm (UTC)"),
        ];
        for (file, reset) in warnings {
            let path = format!("{FIXTURES}/../{file}");
            let screen = crate::screen::parse(&std::fs::read_to_string(&path).expect("fixture"));
            assert_eq!(summary(&classify_screen(&screen)), owned(&("warning", "used_of_limit", Some(reset))), "{file}");
        }

        let after_limit = crate::screen::parse(&read_fixture("hooks/b_rl5h_after_limit.txt"));
        assert_eq!(summary(&classify_screen(&after_limit)), owned(&("hit", "hit_your_limit", Some("8am (UTC)"))));
    }

    fn frame(width: usize, conversation: &[&str], footer: &str) -> String {
        let rule = "─".repeat(width);
        format!("{}\n\n{rule}\n❯\u{a0}\n{rule}\n{footer}\n\n\n", conversation.join("\n"))
    }

    #[test]
    fn a_stale_limit_above_a_newer_successful_exchange_does_not_count() {
        let stale = frame(
            80,
            &[
                "❯ hello",
                "  ⎿  You've hit your session limit · resets 7am (UTC)",
                "     /login to switch to an API usage-billed account.",
                "",
                "✻ Churned for 0s",
                "",
                "❯ hello again",
                "",
                "● Hello from the mock Anthropic server (reply 6, mode normal).",
            ],
            "  ? for shortcuts",
        );
        assert_eq!(classify_screen(&crate::screen::parse(&stale)), Classification::None);
        // …while the same notice as the latest exchange is a hit
        let fresh =
            frame(80, &["❯ hello", "  ⎿  You've hit your session limit · resets 7am (UTC)"], "  ? for shortcuts");
        assert!(matches!(classify_screen(&crate::screen::parse(&fresh)), Classification::Hit(_)));
    }

    #[test]
    fn a_limit_line_wrapped_in_a_narrow_pane_still_matches() {
        let width = 30;
        let notice = "  ⎿  You've hit your weekly limit · resets Nov 24, 7am (UTC)";
        let want = owned(&("hit", "hit_your_limit", Some("Nov 24, 7am (UTC)")));
        // `capture-pane -J`: tmux's rows joined back into the line the client wrote
        let joined = frame(width, &["❯ hello", notice], "  ? for shortcuts");
        assert_eq!(summary(&classify_screen(&crate::screen::parse(&joined))), want);
        // without -J: rows cut at the pane edge, trailing spaces trimmed
        let chars: Vec<char> = notice.chars().collect();
        let rows: Vec<String> =
            chars.chunks(width).map(|row| row.iter().collect::<String>().trim_end().to_owned()).collect();
        let mut conversation = vec!["❯ hello"];
        conversation.extend(rows.iter().map(String::as_str));
        let wrapped = frame(width, &conversation, "  ? for shortcuts");
        assert_eq!(summary(&classify_screen(&crate::screen::parse(&wrapped))), want);
        // the client's own word-wrap at that width
        let client = frame(
            width,
            &["❯ hello", "  ⎿  You've hit your weekly", "     limit · resets Nov 24, 7am", "     (UTC)"],
            "  ? for shortcuts",
        );
        assert_eq!(summary(&classify_screen(&crate::screen::parse(&client))), want);
    }

    #[test]
    fn a_usage_warning_in_the_footer_is_a_warning_and_a_footer_hit_is_ignored() {
        let warned = frame(
            80,
            &["❯ hello", "", "● Hi."],
            "  ? for shortcuts · ← for agents      Approaching usage limit · resets at 2am",
        );
        assert_eq!(
            summary(&classify_screen(&crate::screen::parse(&warned))),
            owned(&("warning", "approaching_limit", Some("at 2am")))
        );
        let odd = frame(80, &["❯ hello", "", "● Hi."], "You've hit your limit · resets 8pm");
        assert_eq!(classify_screen(&crate::screen::parse(&odd)), Classification::None);
        // a hit in the exchange outranks a warning in the footer
        let both = frame(
            80,
            &["❯ hello", "  ⎿  You've hit your limit · resets 8pm (UTC)"],
            "  Approaching usage limit · resets at 2am",
        );
        assert!(matches!(classify_screen(&crate::screen::parse(&both)), Classification::Hit(_)));
    }

    #[test]
    fn the_2_1_332_limit_screen_and_footer_are_hits_and_say_who_continues() {
        let rule = "─".repeat(80);
        let parked = format!(
            "❯ hello\n  ⎿  You've hit your session limit · resets 12am (UTC)\n\n● Usage limit reached · set to continue automatically at 12am\n\n{rule}\n❯\u{a0}\n{rule}\n  ⚠ Usage limit reached · limit resets 12am\n  Continuing automatically at 12am · Esc to cancel\n"
        );
        let screen = crate::screen::parse(&parked);
        assert_eq!(screen.activity(), crate::screen::ScreenActivity::Idle);
        assert!(matches!(classify_screen(&screen), Classification::Hit(_)));
        assert!(parked_on_limit(&screen));
        assert!(client_continues_by_itself(&screen));
        // the footer alone (the exchange scrolled or answered by something else) still counts
        let footer_only = format!(
            "❯ hello\n\n● Hi.\n\n{rule}\n❯\u{a0}\n{rule}\n  ⚠ Usage limit reached · limit resets 12am\n  Continuing automatically at 12am · Esc to cancel\n"
        );
        let got = classify_screen(&crate::screen::parse(&footer_only));
        assert_eq!(summary(&got), ("hit", FOOTER_HIT_FAMILY, Some("12am".to_owned())));
        // Escape cancelled the continuation: still parked, but ccfail must continue it
        let cancelled = format!(
            "❯ hello\n\n● Usage limit reached · set to continue automatically at 12am\n\n{rule}\n❯\u{a0}\n{rule}\n  ⏵⏵ auto mode on (shift+tab to cycle)\n"
        );
        let screen = crate::screen::parse(&cancelled);
        assert!(parked_on_limit(&screen));
        assert!(!client_continues_by_itself(&screen));
    }

    #[test]
    fn every_family_reset_text_parses() {
        let seen = chrono::DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z").expect("instant").to_utc();
        for family in FAMILIES {
            for (text, reset) in family.examples {
                if let Some(reset) = reset {
                    let parsed = super::super::reset::parse_reset(reset, seen, None);
                    assert!(parsed.is_ok(), "{text:?}: reset {reset:?} gave {parsed:?}");
                }
            }
        }
    }
}
