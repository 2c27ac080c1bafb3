//! Kubernetes-style duration strings ("90s", "2m", "1h30m", "500ms").

use std::time::Duration;

use crate::Error;

/// Parses a duration string of one or more number+unit pairs (`ms`, `s`,
/// `m`, `h`), the same form the CRD schema accepts.
pub fn parse_duration(text: &str) -> Result<Duration, Error> {
    let invalid = |why: &str| Error::InvalidDuration {
        value: text.to_string(),
        reason: why.to_string(),
    };
    if text.is_empty() {
        return Err(invalid("it is empty"));
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| invalid("a number must be followed by a unit (ms, s, m or h)"))?;
        if number_len == 0 {
            return Err(invalid("expected a number"));
        }
        let number: f64 = rest[..number_len]
            .parse()
            .map_err(|_| invalid("malformed number"))?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(invalid("unknown unit; use ms, s, m or h")),
        };
        total += number * seconds_per_unit;
        rest = &rest[unit_len..];
    }
    if !total.is_finite() || total > 10.0 * 365.0 * 86400.0 {
        return Err(invalid("it is longer than ten years"));
    }
    Ok(Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_sums() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1.5h").unwrap(), Duration::from_secs(5400));
    }

    #[test]
    fn refuses_malformed() {
        for bad in ["", "10", "m", "5d", "1h-2m", "abc", "1..5s"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn schema_pattern_agrees_with_parser() {
        // The CRD pattern is the admission-side check; the parser must accept
        // everything it accepts.
        for good in ["1s", "2m", "1h30m", "250ms", "0.5h"] {
            assert!(parse_duration(good).is_ok(), "{good}");
        }
    }
}
