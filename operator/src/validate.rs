//! Checks the API schema cannot express: patterns that must compile as
//! regular expressions and durations the crawler must be able to parse.
//!
//! [`validate`] turns a spec into a [`ValidSpec`] holding the parsed values,
//! so nothing downstream parses the same text again.

use std::time::Duration;

use cira_crds::CompanyScanSpec;
use regex::Regex;

/// The parts of a spec that needed parsing, parsed.
#[derive(Clone, Debug)]
pub struct ValidSpec {
    /// `spec.timeout`: the scan's budget of active time.
    pub timeout: Duration,
    /// `spec.crawl.requestTimeout`.
    pub request_timeout: Duration,
    /// `spec.checkpoint.every`.
    pub checkpoint_every: Duration,
    /// `spec.crawl.includePatterns`, compiled.
    pub include_patterns: Vec<Regex>,
    /// `spec.crawl.excludePatterns`, compiled.
    pub exclude_patterns: Vec<Regex>,
}

/// Why a spec is invalid. The text (`Display`) is the sentence shown in
/// the scan's status message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSpec {
    #[error("{field}[{index}] {pattern:?} is not a valid regular expression: {detail}.")]
    Pattern {
        field: &'static str,
        index: usize,
        pattern: String,
        /// The regex crate's explanation on one line, without a final stop.
        detail: String,
    },
    #[error("{field} is invalid: {detail}.")]
    Duration { field: &'static str, detail: String },
    #[error("spec.timeout must be at least 1s.")]
    TimeoutTooShort,
    /// The installer's scan policy forbids the spec: admission should have
    /// refused it, so it got in some other way (admission off, or created
    /// before the policy tightened).
    #[error("{}", policy_sentence(.0))]
    Policy(Vec<cira_policy::Violation>),
}

impl InvalidSpec {
    /// The reason shown in the scan's status.
    pub fn reason(&self) -> &'static str {
        match self {
            InvalidSpec::Policy(_) => crate::state::reason::POLICY_VIOLATION,
            _ => crate::state::reason::INVALID_SPEC,
        }
    }
}

fn policy_sentence(violations: &[cira_policy::Violation]) -> String {
    let each: Vec<String> = violations.iter().map(ToString::to_string).collect();
    format!(
        "Refused by this cluster's scan policy: {}.",
        each.join("; ")
    )
}

fn patterns(field: &'static str, texts: &[String]) -> Result<Vec<Regex>, InvalidSpec> {
    texts
        .iter()
        .enumerate()
        .map(|(index, pattern)| {
            Regex::new(pattern).map_err(|e| {
                let detail = e.to_string().replace('\n', " ");
                let detail = detail.split_whitespace().collect::<Vec<_>>().join(" ");
                InvalidSpec::Pattern {
                    field,
                    index,
                    pattern: pattern.clone(),
                    detail: detail.trim_end_matches('.').to_string(),
                }
            })
        })
        .collect()
}

fn duration(field: &'static str, text: &str) -> Result<Duration, InvalidSpec> {
    cira_crds::parse_duration(text).map_err(|e| InvalidSpec::Duration {
        field,
        detail: e.to_string().trim_end_matches('.').to_string(),
    })
}

/// `spec.timeout` alone, for code that looks at many scans at once (the
/// queue) and needs nothing else.
pub fn timeout(spec: &CompanyScanSpec) -> Result<Duration, InvalidSpec> {
    let timeout = duration("spec.timeout", &spec.timeout)?;
    if timeout < Duration::from_secs(1) {
        return Err(InvalidSpec::TimeoutTooShort);
    }
    Ok(timeout)
}

/// Validates the spec against the installer's policy (every violation at
/// once) and then what the schema cannot check (the first problem found).
pub fn validate(
    spec: &CompanyScanSpec,
    policy: &cira_policy::ScanPolicy,
) -> Result<ValidSpec, InvalidSpec> {
    let violations = policy.check(spec);
    if !violations.is_empty() {
        return Err(InvalidSpec::Policy(violations));
    }
    let include_patterns = patterns("spec.crawl.includePatterns", &spec.crawl.include_patterns)?;
    let exclude_patterns = patterns("spec.crawl.excludePatterns", &spec.crawl.exclude_patterns)?;
    let request_timeout = duration("spec.crawl.requestTimeout", &spec.crawl.request_timeout)?;
    let checkpoint_every = duration("spec.checkpoint.every", &spec.checkpoint.every)?;
    let timeout = timeout(spec)?;
    Ok(ValidSpec {
        timeout,
        request_timeout,
        checkpoint_every,
        include_patterns,
        exclude_patterns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> CompanyScanSpec {
        serde_json::from_value(serde_json::json!({
            "company": {"name": "Acme", "url": "https://acme.example"}
        }))
        .unwrap()
    }

    fn policy() -> cira_policy::ScanPolicy {
        cira_policy::ScanPolicy::restrictive(crate::config::DEFAULT_CRAWLER_IMAGE)
    }

    #[test]
    fn policy_violations_come_first_all_named_with_their_own_reason() {
        let mut s = spec();
        s.company.url = "http://10.0.0.1/".to_string();
        s.crawl.allow_private_networks = true;
        s.crawl.include_patterns = vec!["(unclosed".to_string()];
        let err = validate(&s, &policy()).unwrap_err();
        let InvalidSpec::Policy(violations) = &err else {
            panic!("{err:?}");
        };
        assert_eq!(violations.len(), 2, "{violations:?}");
        assert_eq!(err.reason(), "PolicyViolation");
        let text = err.to_string();
        assert!(text.contains("spec.crawl.allowPrivateNetworks"), "{text}");
        assert!(
            text.contains("spec.company.url: the host 10.0.0.1"),
            "{text}"
        );
        // The same spec under a policy that allows private networks fails
        // only on its pattern, with the older reason.
        let open = cira_policy::ScanPolicy {
            allow_private_networks: true,
            ..policy()
        };
        let err = validate(&s, &open).unwrap_err();
        assert_eq!(err.reason(), "InvalidSpec", "{err:?}");
    }

    #[test]
    fn defaults_are_valid_and_parsed() {
        let mut s = spec();
        s.crawl.include_patterns = vec!["^/about".into()];
        let valid = validate(&s, &policy()).unwrap();
        assert_eq!(valid.timeout, Duration::from_secs(3600));
        assert_eq!(valid.request_timeout, Duration::from_secs(30));
        assert_eq!(valid.checkpoint_every, Duration::from_secs(120));
        assert_eq!(valid.include_patterns.len(), 1);
        assert!(valid.include_patterns[0].is_match("/about/team"));
        assert!(valid.exclude_patterns.is_empty());
    }

    #[test]
    fn bad_regex_names_the_field_and_pattern() {
        let mut s = spec();
        s.crawl.exclude_patterns = vec!["ok".into(), "(unclosed".into()];
        let err = validate(&s, &policy()).unwrap_err();
        assert!(
            matches!(&err, InvalidSpec::Pattern { field: "spec.crawl.excludePatterns", index: 1, pattern, .. } if pattern == "(unclosed"),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(
            text.starts_with(
                "spec.crawl.excludePatterns[1] \"(unclosed\" is not a valid regular expression"
            ),
            "{text}"
        );
        assert!(!text.contains('\n'));
        assert!(text.ends_with('.') && !text.ends_with(".."), "{text}");
    }

    #[test]
    fn bad_durations_are_reported_by_field() {
        let mut s = spec();
        s.timeout = "5d".into();
        let err = validate(&s, &policy()).unwrap_err();
        assert!(
            matches!(
                err,
                InvalidSpec::Duration {
                    field: "spec.timeout",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            err.to_string().starts_with("spec.timeout is invalid"),
            "{err}"
        );

        let mut s = spec();
        s.checkpoint.every = "often".into();
        assert!(matches!(
            validate(&s, &policy()),
            Err(InvalidSpec::Duration {
                field: "spec.checkpoint.every",
                ..
            })
        ));

        let mut s = spec();
        s.timeout = "0s".into();
        assert_eq!(
            validate(&s, &policy()).unwrap_err(),
            InvalidSpec::TimeoutTooShort
        );
        assert_eq!(timeout(&s), Err(InvalidSpec::TimeoutTooShort));
    }
}
