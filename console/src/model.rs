//! Pure decisions of the console: which buttons a scan shows, where it is on
//! its timeline, how the new-scan form becomes a CompanyScan and which form
//! field an admission error names. No I/O here; table tests below.

use std::collections::BTreeMap;

use cira_crds::{CompanyScan, DesiredState, ScanPhase};
use serde_json::{Value, json};

/// Something a person can ask of a scan from its page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Pause,
    Resume,
    Stop,
    Cancel,
    Rescan,
    Delete,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Pause,
        Action::Resume,
        Action::Stop,
        Action::Cancel,
        Action::Rescan,
        Action::Delete,
    ];

    /// The form value and URL word.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::Stop => "stop",
            Action::Cancel => "cancel",
            Action::Rescan => "rescan",
            Action::Delete => "delete",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The button's label.
    pub fn label(self) -> &'static str {
        match self {
            Action::Pause => "Pause",
            Action::Resume => "Resume",
            Action::Stop => "Stop",
            Action::Cancel => "Cancel",
            Action::Rescan => "Rescan",
            Action::Delete => "Delete",
        }
    }

    /// Actions that lose work or data, or cannot be taken back, ask for a
    /// confirmation first.
    pub fn destructive(self) -> bool {
        matches!(self, Action::Stop | Action::Cancel | Action::Delete)
    }

    /// What the confirmation page says will happen.
    pub fn consequence(self) -> &'static str {
        match self {
            Action::Pause => "The crawler saves a checkpoint and stops until resumed.",
            Action::Resume => "The crawler continues from its last checkpoint.",
            Action::Stop => {
                "No more pages are fetched; the report is written from the pages crawled so far. The scan cannot be resumed; a rescan starts a new version."
            }
            Action::Cancel => {
                "The scan ends without a report and its crawler is removed; the checkpoint is kept until the scan is deleted. A rescan starts a new version."
            }
            Action::Rescan => "A new scan version starts; earlier reports stay in the history.",
            Action::Delete => {
                "The scan, its checkpoints and all its reports are deleted. This cannot be undone."
            }
        }
    }
}

/// The actions that apply to a scan with this desired state and phase, in
/// button order. A phase of `None` is a scan the operator has not seen yet.
pub fn available_actions(desired: DesiredState, phase: Option<ScanPhase>) -> Vec<Action> {
    let phase = phase.unwrap_or(ScanPhase::Pending);
    let mut out = Vec::new();
    let finished = phase.is_terminal();
    match desired {
        _ if finished => {}
        DesiredState::Running => {
            // Timed out: raising the timeout resumes, pausing means nothing;
            // a stop still writes the report of what was crawled.
            if phase != ScanPhase::TimedOut {
                out.push(Action::Pause);
            }
            out.extend([Action::Stop, Action::Cancel]);
        }
        DesiredState::Paused => out.extend([Action::Resume, Action::Stop, Action::Cancel]),
        // Stopping: only cancelling (dropping the report) is left.
        DesiredState::Stopped => out.push(Action::Cancel),
        DesiredState::Cancelled => {}
    }
    if finished {
        out.push(Action::Rescan);
    }
    out.push(Action::Delete);
    out
}

/// The merge patch an action applies to the scan, for the actions that are
/// a patch (rescan needs the current value; delete is no patch).
pub fn action_patch(action: Action) -> Option<Value> {
    match action {
        Action::Pause => Some(json!({"spec": {"desiredState": "Paused"}})),
        Action::Resume => Some(json!({"spec": {"desiredState": "Running"}})),
        Action::Stop => Some(json!({"spec": {"desiredState": "Stopped"}})),
        Action::Cancel => Some(json!({"spec": {"desiredState": "Cancelled"}})),
        Action::Rescan | Action::Delete => None,
    }
}

/// The main line of the phase timeline, in order.
pub const TIMELINE: [ScanPhase; 6] = [
    ScanPhase::Queued,
    ScanPhase::Crawling,
    ScanPhase::Extracting,
    ScanPhase::Analyzing,
    ScanPhase::Generating,
    ScanPhase::Completed,
];

/// Where one timeline step stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Done,
    Current,
    Todo,
}

/// Each main-line phase with its state, and the off-line phase (Paused,
/// Failed, TimedOut) the scan is in, if any. `reached` is the furthest
/// main-line phase the scan got to before leaving the line (the crawler's
/// own phase while paused), so a paused analysis shows crawling as done.
pub fn timeline(
    phase: Option<ScanPhase>,
    reached: Option<ScanPhase>,
) -> (Vec<(ScanPhase, Step)>, Option<ScanPhase>) {
    let phase = phase.unwrap_or(ScanPhase::Pending);
    let index = |p: ScanPhase| TIMELINE.iter().position(|t| *t == p);
    let (current, off) = match index(phase) {
        Some(i) => (Some(i), None),
        None if phase == ScanPhase::Pending => (None, None),
        None => (reached.and_then(index), Some(phase)),
    };
    let steps = TIMELINE
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let step = match current {
                Some(c) if i < c => Step::Done,
                Some(c) if i == c && phase == ScanPhase::Completed => Step::Done,
                Some(c) if i == c => Step::Current,
                _ => Step::Todo,
            };
            (*p, step)
        })
        .collect();
    (steps, off)
}

/// A phase's CSS class word (the badge colour).
pub fn phase_class(phase: Option<ScanPhase>) -> &'static str {
    match phase {
        None | Some(ScanPhase::Pending) | Some(ScanPhase::Queued) => "waiting",
        Some(p) if p.is_active() => "active",
        Some(ScanPhase::Paused) => "paused",
        Some(ScanPhase::Completed) => "done",
        Some(ScanPhase::TimedOut) => "warn",
        // Ended on request: neither a success nor a fault.
        Some(ScanPhase::Cancelled) => "ended",
        _ => "bad",
    }
}

/// "1h 2m", "3m 4s", "5s": a duration for people.
pub fn human_seconds(seconds: i64) -> String {
    let s = seconds.max(0);
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{sec}s"),
        (0, 0, _) => format!("{m}m {sec}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

/// Bytes for people: "812 B", "14.2 KiB", "3.1 MiB".
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// The new-scan form as submitted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewScanForm {
    pub namespace: String,
    pub name: String,
    pub company: String,
    pub url: String,
    pub max_pages: String,
    pub max_depth: String,
    pub concurrency: String,
    pub requests_per_second: String,
    pub timeout: String,
    pub respect_robots_txt: bool,
    pub follow_external_links: bool,
    pub allow_private_networks: bool,
}

impl NewScanForm {
    /// The form a person starts from: the API defaults.
    pub fn with_defaults(namespace: &str) -> Self {
        let crawl = cira_crds::CrawlSpec::default();
        NewScanForm {
            namespace: namespace.to_string(),
            max_pages: crawl.max_pages.to_string(),
            max_depth: crawl.max_depth.to_string(),
            concurrency: crawl.concurrency.to_string(),
            requests_per_second: crawl.requests_per_second.to_string(),
            timeout: "1h".to_string(),
            respect_robots_txt: crawl.respect_robots_txt,
            ..NewScanForm::default()
        }
    }

    /// Reads the urlencoded fields; unchecked boxes are absent.
    pub fn from_pairs(pairs: &BTreeMap<String, String>) -> Self {
        let text = |k: &str| {
            pairs
                .get(k)
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        let checked = |k: &str| pairs.get(k).is_some_and(|v| v == "on" || v == "true");
        NewScanForm {
            namespace: text("namespace"),
            name: text("name"),
            company: text("company"),
            url: text("url"),
            max_pages: text("maxPages"),
            max_depth: text("maxDepth"),
            concurrency: text("concurrency"),
            requests_per_second: text("requestsPerSecond"),
            timeout: text("timeout"),
            respect_robots_txt: checked("respectRobotsTxt"),
            follow_external_links: checked("followExternalLinks"),
            allow_private_networks: checked("allowPrivateNetworks"),
        }
    }

    /// The CompanyScan to create, or the fields that are not even numbers
    /// (form field name -> message). Everything else is left to the API
    /// server's admission, whose messages are shown as they are.
    pub fn to_scan(&self) -> Result<Value, BTreeMap<&'static str, String>> {
        let mut errors = BTreeMap::new();
        let mut int = |field: &'static str, value: &str| -> Option<u64> {
            match value.parse::<u64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.insert(field, format!("{value:?} is not a whole number"));
                    None
                }
            }
        };
        let max_pages = int("maxPages", &self.max_pages);
        let max_depth = int("maxDepth", &self.max_depth);
        let concurrency = int("concurrency", &self.concurrency);
        let rps = match self.requests_per_second.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => {
                errors.insert(
                    "requestsPerSecond",
                    format!("{:?} is not a number", self.requests_per_second),
                );
                None
            }
        };
        if self.namespace.is_empty() {
            errors.insert("namespace", "a namespace is needed".to_string());
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut metadata = json!({"namespace": self.namespace});
        if self.name.is_empty() {
            metadata["generateName"] = json!(format!("{}-", name_stem(&self.company)));
        } else {
            metadata["name"] = json!(self.name);
        }
        Ok(json!({
            "apiVersion": "cira.dev/v1alpha1",
            "kind": "CompanyScan",
            "metadata": metadata,
            "spec": {
                "company": {"name": self.company, "url": self.url},
                "timeout": self.timeout,
                "crawl": {
                    "maxPages": max_pages,
                    "maxDepth": max_depth,
                    "concurrency": concurrency,
                    "requestsPerSecond": rps,
                    "respectRobotsTxt": self.respect_robots_txt,
                    "followExternalLinks": self.follow_external_links,
                    "allowPrivateNetworks": self.allow_private_networks,
                }
            }
        }))
    }
}

/// A DNS-label stem for generated scan names: lower-case letters, digits
/// and dashes from the company name, at most 40 characters.
pub fn name_stem(company: &str) -> String {
    let mut out = String::new();
    for c in company.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() {
        "scan".to_string()
    } else {
        out
    }
}

/// The form field an admission error's field path names, e.g.
/// `spec.company.url` -> `url`; `None` for fields the form does not have.
pub fn form_field(api_field: &str) -> Option<&'static str> {
    let f = api_field.trim_start_matches('.');
    let f = f.split('[').next().unwrap_or(f);
    Some(match f {
        "metadata.name" | "metadata.generateName" => "name",
        "metadata.namespace" => "namespace",
        "spec.company.name" => "company",
        "spec.company.url" | "spec.company" => "url",
        "spec.crawl.maxPages" => "maxPages",
        "spec.crawl.maxDepth" => "maxDepth",
        "spec.crawl.concurrency" => "concurrency",
        "spec.crawl.requestsPerSecond" => "requestsPerSecond",
        "spec.timeout" => "timeout",
        "spec.crawl.respectRobotsTxt" => "respectRobotsTxt",
        "spec.crawl.followExternalLinks" => "followExternalLinks",
        "spec.crawl.allowPrivateNetworks" => "allowPrivateNetworks",
        _ => return None,
    })
}

/// The furthest main-line phase a scan got to: its phase when on the line,
/// else the phase its progress says (a paused scan that was analysing).
pub fn reached_phase(scan: &CompanyScan) -> Option<ScanPhase> {
    let status = scan.status.as_ref()?;
    let activity = status
        .progress
        .as_ref()
        .and_then(|p| p.current_activity.as_deref())
        .unwrap_or_default();
    match status.phase {
        Some(p) if TIMELINE.contains(&p) => Some(p),
        _ if status.report.is_some() => Some(ScanPhase::Completed),
        _ if activity.starts_with("Analy") => Some(ScanPhase::Analyzing),
        _ if activity.starts_with("Generat") => Some(ScanPhase::Generating),
        _ if status.started_at.is_some() => Some(ScanPhase::Crawling),
        _ => None,
    }
}

/// An API timestamp as a chrono time.
pub fn chrono_of(t: k8s_openapi::jiff::Timestamp) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(t.as_second(), t.subsec_nanosecond().max(0) as u32)
        .unwrap_or_default()
}

/// True for URLs a link may point to: absolute http(s) only, so a crawled
/// `javascript:` or `data:` URL is shown as text, never made a link.
pub fn linkable(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ScanPhase::*;

    #[test]
    fn actions_follow_desired_state_and_phase() {
        use Action::*;
        let cases: &[(DesiredState, Option<ScanPhase>, &[Action])] = &[
            (DesiredState::Running, None, &[Pause, Stop, Cancel, Delete]),
            (
                DesiredState::Running,
                Some(Queued),
                &[Pause, Stop, Cancel, Delete],
            ),
            (
                DesiredState::Running,
                Some(Crawling),
                &[Pause, Stop, Cancel, Delete],
            ),
            (
                DesiredState::Running,
                Some(Analyzing),
                &[Pause, Stop, Cancel, Delete],
            ),
            // Asked to pause, not there yet: resume is what applies.
            (
                DesiredState::Paused,
                Some(Crawling),
                &[Resume, Stop, Cancel, Delete],
            ),
            (
                DesiredState::Paused,
                Some(Paused),
                &[Resume, Stop, Cancel, Delete],
            ),
            (DesiredState::Running, Some(Completed), &[Rescan, Delete]),
            (DesiredState::Running, Some(Failed), &[Rescan, Delete]),
            (DesiredState::Paused, Some(Completed), &[Rescan, Delete]),
            // Timed out: raising the timeout resumes, pausing means nothing.
            (
                DesiredState::Running,
                Some(TimedOut),
                &[Stop, Cancel, Delete],
            ),
            // Stopping: the report is on its way; cancelling drops it.
            (DesiredState::Stopped, Some(Extracting), &[Cancel, Delete]),
            (DesiredState::Stopped, Some(Completed), &[Rescan, Delete]),
            (DesiredState::Cancelled, Some(Crawling), &[Delete]),
            (DesiredState::Cancelled, Some(Cancelled), &[Rescan, Delete]),
        ];
        for (desired, phase, want) in cases {
            assert_eq!(
                available_actions(*desired, *phase),
                want.to_vec(),
                "{desired:?} {phase:?}"
            );
        }
    }

    #[test]
    fn stop_cancel_and_delete_ask_for_confirmation() {
        for a in Action::ALL {
            assert_eq!(
                a.destructive(),
                matches!(a, Action::Stop | Action::Cancel | Action::Delete),
                "{a:?}"
            );
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        assert_eq!(Action::parse("DROP TABLE"), None);
    }

    #[test]
    fn timeline_marks_done_current_and_off_line_phases() {
        let (steps, off) = timeline(Some(Analyzing), None);
        assert_eq!(off, None);
        let states: Vec<Step> = steps.iter().map(|(_, s)| *s).collect();
        use Step::*;
        assert_eq!(states, [Done, Done, Done, Current, Todo, Todo]);

        let (steps, off) = timeline(Some(Completed), None);
        assert!(steps.iter().all(|(_, s)| *s == Done));
        assert_eq!(off, None);

        let (steps, off) = timeline(Some(Paused), Some(Crawling));
        assert_eq!(off, Some(Paused));
        let states: Vec<Step> = steps.iter().map(|(_, s)| *s).collect();
        assert_eq!(states, [Done, Current, Todo, Todo, Todo, Todo]);

        let (steps, off) = timeline(None, None);
        assert_eq!(off, None);
        assert!(steps.iter().all(|(_, s)| *s == Todo));

        let (_, off) = timeline(Some(Failed), None);
        assert_eq!(off, Some(Failed));
    }

    #[test]
    fn form_becomes_a_scan_or_names_its_bad_numbers() {
        let mut pairs = BTreeMap::new();
        for (k, v) in [
            ("namespace", "team-a"),
            ("company", " ACME <b>Corp</b> "),
            ("url", "https://acme.example"),
            ("maxPages", "50"),
            ("maxDepth", "3"),
            ("concurrency", "2"),
            ("requestsPerSecond", "0.5"),
            ("timeout", "30m"),
            ("respectRobotsTxt", "on"),
        ] {
            pairs.insert(k.to_string(), v.to_string());
        }
        let form = NewScanForm::from_pairs(&pairs);
        let scan = form.to_scan().expect("valid");
        assert_eq!(scan["metadata"]["generateName"], "acme-b-corp-b-");
        assert_eq!(scan["metadata"]["namespace"], "team-a");
        assert_eq!(scan["spec"]["company"]["name"], "ACME <b>Corp</b>");
        assert_eq!(scan["spec"]["crawl"]["maxPages"], 50);
        assert_eq!(scan["spec"]["crawl"]["requestsPerSecond"], 0.5);
        assert_eq!(scan["spec"]["crawl"]["respectRobotsTxt"], true);
        assert_eq!(scan["spec"]["crawl"]["followExternalLinks"], false);

        pairs.insert("maxPages".into(), "lots".into());
        pairs.insert("requestsPerSecond".into(), "NaN".into());
        pairs.insert("name".into(), "acme".into());
        let errors = NewScanForm::from_pairs(&pairs).to_scan().expect_err("bad");
        assert_eq!(
            errors.keys().copied().collect::<Vec<_>>(),
            ["maxPages", "requestsPerSecond"]
        );
        assert!(errors["maxPages"].contains("\"lots\""));
    }

    #[test]
    fn admission_fields_map_to_form_fields() {
        for (api, form) in [
            ("spec.company.url", Some("url")),
            (".spec.company.url", Some("url")),
            ("spec.crawl.maxPages", Some("maxPages")),
            ("spec.timeout", Some("timeout")),
            ("metadata.name", Some("name")),
            ("spec.crawl.allowedDomains[0]", None),
            ("spec.checkpoint.every", None),
        ] {
            assert_eq!(form_field(api), form, "{api}");
        }
    }

    #[test]
    fn names_and_links() {
        assert_eq!(
            name_stem("Nordwind Robotik GmbH & Co. KG"),
            "nordwind-robotik-gmbh-co-kg"
        );
        assert_eq!(name_stem("<<>>"), "scan");
        assert!(linkable("https://x.example/a"));
        assert!(linkable("HTTP://x.example/"));
        assert!(!linkable("javascript:alert(1)"));
        assert!(!linkable("data:text/html,<script>"));
        assert!(!linkable("//evil.example"));
    }

    #[test]
    fn human_units() {
        assert_eq!(human_seconds(5), "5s");
        assert_eq!(human_seconds(65), "1m 5s");
        assert_eq!(human_seconds(3_725), "1h 2m");
        assert_eq!(human_seconds(90_000), "1d 1h");
        assert_eq!(human_seconds(-3), "0s");
        assert_eq!(human_bytes(812), "812 B");
        assert_eq!(human_bytes(14_540), "14.2 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3.0 MiB");
    }
}
