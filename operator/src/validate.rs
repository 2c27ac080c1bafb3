//! Checks the API schema cannot express: patterns that must compile as
//! regular expressions and durations the crawler must be able to parse.

use std::time::Duration;

use cira_crds::CompanyScanSpec;

/// Validates the spec; on success returns the parsed timeout, on failure a
/// sentence for the scan's status message.
pub fn validate(spec: &CompanyScanSpec) -> Result<Duration, String> {
    for (field, patterns) in [
        ("spec.crawl.includePatterns", &spec.crawl.include_patterns),
        ("spec.crawl.excludePatterns", &spec.crawl.exclude_patterns),
    ] {
        for (index, pattern) in patterns.iter().enumerate() {
            if let Err(e) = regex::Regex::new(pattern) {
                let detail = e.to_string().replace('\n', " ");
                let detail = detail.split_whitespace().collect::<Vec<_>>().join(" ");
                return Err(format!(
                    "{field}[{index}] {pattern:?} is not a valid regular expression: {}.",
                    detail.trim_end_matches('.')
                ));
            }
        }
    }
    let duration = |field: &str, text: &str| {
        cira_crds::parse_duration(text).map_err(|e| format!("{field} is invalid: {e}."))
    };
    duration("spec.crawl.requestTimeout", &spec.crawl.request_timeout)?;
    duration("spec.checkpoint.every", &spec.checkpoint.every)?;
    let timeout = duration("spec.timeout", &spec.timeout)?;
    if timeout < Duration::from_secs(1) {
        return Err("spec.timeout must be at least 1s.".to_string());
    }
    Ok(timeout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cira_crds::CompanyRef;

    fn spec() -> CompanyScanSpec {
        serde_json::from_value(serde_json::json!({
            "company": {"name": "Acme", "url": "https://acme.example"}
        }))
        .unwrap()
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(validate(&spec()), Ok(Duration::from_secs(3600)));
        let _ = CompanyRef::default();
    }

    #[test]
    fn bad_regex_names_the_field_and_pattern() {
        let mut s = spec();
        s.crawl.exclude_patterns = vec!["ok".into(), "(unclosed".into()];
        let err = validate(&s).unwrap_err();
        assert!(
            err.starts_with(
                "spec.crawl.excludePatterns[1] \"(unclosed\" is not a valid regular expression"
            ),
            "{err}"
        );
        assert!(!err.contains('\n'));
    }

    #[test]
    fn bad_duration_is_reported() {
        let mut s = spec();
        s.timeout = "5d".into();
        let err = validate(&s).unwrap_err();
        assert!(err.starts_with("spec.timeout is invalid"), "{err}");
    }
}
