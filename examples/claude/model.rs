//! Which model and billing the stand-in claims: the welcome box's model line, the model
//! id written into transcripts and the one SessionStart hooks receive.
//!
//! The names follow the captures: a Max login shows `Opus 4.8 (1M context) · Claude Max`
//! and writes `claude-opus-4-8` (hooks see `claude-opus-4-8[1m]`); a Pro login shows
//! `Sonnet 5 · Claude Pro`; an API key shows `… · API Usage Billing`.

use crate::control::Plan;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// As the welcome box and `/model` show it: `Opus 4.8 (1M context)`.
    pub display: String,
    /// As transcripts record it: `claude-opus-4-8`.
    pub api_id: String,
    /// As the SessionStart hook reports it: `claude-opus-4-8[1m]`.
    pub hook_id: String,
}

const ONE_M: &str = " (1M context)";

/// `flag` is `--model`, `control` the control file's `model`; the control file wins
/// because tests steer through it.
pub fn resolve(plan: Plan, flag: Option<&str>, control: Option<&str>) -> Model {
    let display = match (control, flag) {
        (Some(name), _) => name.to_owned(),
        (None, Some(flag)) => display_for_flag(flag),
        (None, None) => match plan {
            Plan::Pro => "Sonnet 5".to_owned(),
            Plan::Max | Plan::Api => format!("Opus 4.8{ONE_M}"),
        },
    };
    let one_m = display.ends_with(ONE_M);
    let base = display.trim_end_matches(ONE_M);
    let api_id = match base.split_once(' ') {
        Some((family, version))
            if family.chars().all(|c| c.is_ascii_alphabetic())
                && version.chars().all(|c| c.is_ascii_digit() || c == '.') =>
        {
            format!("claude-{}-{}", family.to_lowercase(), version.replace('.', "-"))
        }
        _ if base.starts_with("claude-") => base.to_owned(),
        _ => "claude-opus-4-8".to_owned(),
    };
    let hook_id = if one_m { format!("{api_id}[1m]") } else { api_id.clone() };
    Model { display, api_id, hook_id }
}

fn display_for_flag(flag: &str) -> String {
    let (base, one_m) = match flag.strip_suffix("[1m]") {
        Some(base) => (base, true),
        None => (flag, false),
    };
    let name = match base {
        "opus" => "Opus 4.8".to_owned(),
        "sonnet" => "Sonnet 5".to_owned(),
        "haiku" => "Haiku 4.5".to_owned(),
        other => match other.strip_prefix("claude-") {
            Some(rest) => {
                let mut parts = rest.splitn(2, '-');
                let family = parts.next().unwrap_or_default();
                let version = parts.next().unwrap_or_default().replace('-', ".");
                let mut chars = family.chars();
                let family = match chars.next() {
                    Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                    None => String::new(),
                };
                format!("{family} {version}").trim().to_owned()
            }
            None => other.to_owned(),
        },
    };
    if one_m { format!("{name}{ONE_M}") } else { name }
}

/// The billing label after the model in the welcome box.
pub fn billing(plan: Plan) -> &'static str {
    match plan {
        Plan::Max => "Claude Max",
        Plan::Pro => "Claude Pro",
        Plan::Api => "API Usage Billing",
    }
}
