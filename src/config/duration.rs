//! Durations as people write them in the config: `500ms`, `30s`, `5m`, `2h`, `1h30m`, `7d`.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A `std::time::Duration` read from and written as text such as `5m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    pub const fn from_secs(secs: u64) -> HumanDuration {
        HumanDuration(Duration::from_secs(secs))
    }
    pub const fn from_millis(millis: u64) -> HumanDuration {
        HumanDuration(Duration::from_millis(millis))
    }
    pub fn get(self) -> Duration {
        self.0
    }

    /// Parses `1h30m`, `45s`, `500ms`; a bare number is refused so `30` never means
    /// seconds to one reader and minutes to another.
    pub fn parse(text: &str) -> Result<HumanDuration, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("empty duration: write e.g. 30s, 5m, 2h".to_owned());
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{text:?} has no unit: write e.g. {text}s, {text}m or {text}h"));
        }
        let mut total = Duration::ZERO;
        let mut rest = text;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(format!("{text:?} is not a duration: write e.g. 30s, 5m, 2h, 1h30m, 500ms"));
            }
            let value: u64 = rest[..digits].parse().map_err(|_| format!("{text:?}: number too large"))?;
            rest = &rest[digits..];
            let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
            if unit_len == 0 {
                return Err(format!("{text:?} is not a duration: write e.g. 30s, 5m, 2h, 1h30m, 500ms"));
            }
            let unit = &rest[..unit_len];
            rest = &rest[unit_len..];
            let millis_per_unit: u64 = match unit {
                "ms" => 1,
                "s" => 1_000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                _ => return Err(format!("{text:?}: unknown unit {unit:?} (use ms, s, m, h or d)")),
            };
            let part = value.checked_mul(millis_per_unit).ok_or_else(|| format!("{text:?}: too large"))?;
            total = total.checked_add(Duration::from_millis(part)).ok_or_else(|| format!("{text:?}: too large"))?;
        }
        Ok(HumanDuration(total))
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.0.as_millis();
        if millis == 0 {
            return write!(f, "0s");
        }
        if !millis.is_multiple_of(1000) {
            return write!(f, "{millis}ms");
        }
        let mut secs = self.0.as_secs();
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
            if secs >= size {
                write!(f, "{}{unit}", secs / size)?;
                secs %= size;
            }
        }
        Ok(())
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = HumanDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as 30s, 5m, 2h")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<HumanDuration, E> {
                HumanDuration::parse(text).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<HumanDuration, E> {
                Err(E::custom(format!("{n} has no unit: write e.g. {n}s, {n}m or {n}h")))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<HumanDuration, E> {
                Err(E::custom(format!("{n} is not a duration: write e.g. 30s, 5m, 2h")))
            }
        }
        deserializer.deserialize_any(DurationVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        let cases = [
            ("500ms", 500),
            ("30s", 30_000),
            ("5m", 300_000),
            ("2h", 7_200_000),
            ("1h30m", 5_400_000),
            ("7d", 604_800_000),
        ];
        for (text, millis) in cases {
            assert_eq!(HumanDuration::parse(text).unwrap().0, Duration::from_millis(millis), "{text}");
        }
    }

    #[test]
    fn refuses_bare_numbers_and_unknown_units() {
        assert!(HumanDuration::parse("30").unwrap_err().contains("no unit"));
        assert!(HumanDuration::parse("5 minutes").is_err());
        assert!(HumanDuration::parse("5w").unwrap_err().contains("unknown unit"));
        assert!(HumanDuration::parse("").is_err());
        assert!(HumanDuration::parse("99999999999999999999s").is_err());
    }

    #[test]
    fn displays_in_the_form_it_reads() {
        for text in ["500ms", "30s", "5m", "2h", "1h30m", "7d"] {
            assert_eq!(HumanDuration::parse(text).unwrap().to_string(), text);
        }
    }
}
