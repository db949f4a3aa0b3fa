//! A transcript error record as one classification: the structured `quotaLimits` that
//! 2.1.332 writes (which limit, its exact reset) ahead of the record's text, the text's
//! vetoes always first.
//!
//! Pure: a parsed record in, a [`Classification`] out; reading transcripts is `usage`'s job,
//! deciding what a hit means is [`super::detect`]'s.

use super::patterns::{Classification, Notice, SNIPPET_CHARS, classify};
use crate::usage::ApiErrorRecord;

/// The family name of a hit read from `quotaLimits`.
pub const STRUCTURED_FAMILY: &str = "quota_limits";

/// Classifies one error record. The text's veto wins ("not your usage limit" is the client
/// saying so outright); then a 429 (`error: rate_limit`) whose `quotaLimits` names a limit
/// and is not merely a warning is a hit with the exact reset as its reset text (epoch
/// seconds, which [`super::reset::parse_reset`] reads without any zone guess); else the
/// text decides, as for older clients.
pub fn classify_record(record: &ApiErrorRecord) -> Classification {
    let from_text = classify(&record.text);
    if matches!(from_text, Classification::Vetoed { .. }) {
        return from_text;
    }
    let rate_limited = record.error.as_deref() == Some("rate_limit") || record.status == Some(429);
    let Some(quota) = record.quota.as_ref().filter(|_| rate_limited) else { return from_text };
    let named = quota.rate_limit_type.is_some() || quota.resets_at.is_some();
    let warning_only = quota.status.as_deref().is_some_and(|s| s.starts_with("allowed"));
    if !named || warning_only {
        return from_text;
    }
    let kind = quota.rate_limit_type.as_deref().unwrap_or("limit");
    let text = record.text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut snippet: String = format!("{kind}: {text}").chars().take(SNIPPET_CHARS).collect();
    if snippet.chars().count() == SNIPPET_CHARS {
        snippet.pop();
        snippet.push('…');
    }
    Classification::Hit(Notice {
        family: STRUCTURED_FAMILY,
        reset_text: quota.resets_at.map(|at| at.timestamp().to_string()),
        snippet,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::{QuotaLimits, parse_api_error};

    fn record(text: &str, quota: Option<QuotaLimits>) -> ApiErrorRecord {
        ApiErrorRecord {
            at: chrono::DateTime::from_timestamp(1_795_290_000, 0).unwrap(),
            session_id: None,
            error: Some("rate_limit".to_owned()),
            status: Some(429),
            text: text.to_owned(),
            quota,
        }
    }

    fn five_hour(resets_at: i64) -> QuotaLimits {
        QuotaLimits {
            rate_limit_type: Some("five_hour".to_owned()),
            resets_at: chrono::DateTime::from_timestamp(resets_at, 0),
            status: Some("rejected".to_owned()),
        }
    }

    #[test]
    fn the_structured_reset_beats_the_text() {
        let got = classify_record(&record("You've hit your limit · resets 12am", Some(five_hour(1_795_300_000))));
        let Classification::Hit(notice) = got else { panic!("{got:?}") };
        assert_eq!(notice.family, STRUCTURED_FAMILY);
        assert_eq!(notice.reset_text.as_deref(), Some("1795300000"));
        assert!(notice.snippet.starts_with("five_hour: You've hit your limit"), "{}", notice.snippet);
    }

    #[test]
    fn a_veto_in_the_text_still_wins_and_old_records_use_the_text() {
        let vetoed = record(
            "API Error: Server is temporarily limiting requests (not your usage limit) · slow down",
            Some(five_hour(1_795_300_000)),
        );
        assert!(matches!(classify_record(&vetoed), Classification::Vetoed { .. }));
        let old = record("You've hit your session limit · resets 7am (UTC)", None);
        let Classification::Hit(notice) = classify_record(&old) else { panic!() };
        assert_eq!(notice.family, "hit_your_limit");
        let warning = QuotaLimits { status: Some("allowed_warning".to_owned()), ..five_hour(1_795_300_000) };
        assert_eq!(classify_record(&record("hello", Some(warning))), Classification::None);
        let server = ApiErrorRecord { error: Some("server_error".to_owned()), status: Some(500), ..old };
        let server = ApiErrorRecord { quota: Some(five_hour(1_795_300_000)), text: "boom".to_owned(), ..server };
        assert_eq!(classify_record(&server), Classification::None, "quotaLimits on a 500 is not a limit");
    }

    #[test]
    fn quota_limits_are_read_in_seconds_milliseconds_or_text() {
        for resets_at in ["1795300000", "1795300000000", "\"2026-11-21T22:26:40Z\""] {
            let line = format!(
                r#"{{"type":"assistant","timestamp":"2026-11-21T09:00:00Z","isApiErrorMessage":true,"error":"rate_limit","apiErrorStatus":429,"quotaLimits":{{"rateLimitType":"seven_day","resetsAt":{resets_at}}},"message":{{"content":[{{"type":"text","text":"x"}}]}}}}"#
            );
            let parsed = parse_api_error(line.as_bytes()).expect("parses");
            let quota = parsed.quota.expect("quotaLimits");
            assert_eq!(quota.rate_limit_type.as_deref(), Some("seven_day"));
            assert_eq!(quota.resets_at.map(|t| t.timestamp()), Some(1_795_300_000), "{resets_at}");
        }
    }
}
