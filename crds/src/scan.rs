//! The `CompanyScan` custom resource (`cira.dev/v1alpha1`).
//!
//! Doc comments on these types become the `kubectl explain` text, so they are
//! written for the person reading the cluster, not for Rust readers.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ResourceRequirements, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Pattern every duration field is checked against: one or more
/// number+unit pairs, e.g. `90s`, `2m`, `1h30m`.
pub const DURATION_PATTERN: &str = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$";

/// Pattern for a DNS host name, optionally with a leading `*.` wildcard.
pub const DOMAIN_PATTERN: &str = r"^(\*\.)?([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$";

/// Pattern for a Kubernetes resource quantity used as a volume size.
pub const QUANTITY_PATTERN: &str = r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$";

/// A request to research one company from its public website.
///
/// The operator runs a crawler Job that crawls the site, extracts entities
/// (contacts, people, products, technologies, social profiles, structured
/// data), analyses them and writes a report. Set `desiredState` to `Paused`
/// to pause a scan and back to `Running` to resume it from its checkpoint,
/// to `Stopped` to end the crawl now and get the report of the pages crawled
/// so far, or to `Cancelled` to end the scan without a report.
#[derive(CustomResource, JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "cira.dev",
    version = "v1alpha1",
    kind = "CompanyScan",
    plural = "companyscans",
    singular = "companyscan",
    shortname = "cscan",
    category = "cira",
    namespaced,
    status = "CompanyScanStatus",
    printcolumn = r#"{"name":"Phase","type":"string","jsonPath":".status.phase"}"#,
    printcolumn = r#"{"name":"Progress","type":"integer","jsonPath":".status.progress.percent","description":"Percent of the page budget done"}"#,
    printcolumn = r#"{"name":"Pages","type":"integer","jsonPath":".status.progress.pagesCrawled"}"#,
    printcolumn = r#"{"name":"Entities","type":"integer","jsonPath":".status.progress.entitiesExtracted"}"#,
    printcolumn = r#"{"name":"Desired","type":"string","jsonPath":".spec.desiredState"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"rule": "!has(oldSelf.desiredState) || oldSelf.desiredState != 'Cancelled' || (has(self.desiredState) && self.desiredState == 'Cancelled') || (has(self.rescan) && (!has(oldSelf.rescan) || self.rescan > oldSelf.rescan))", "message": "a Cancelled scan stays Cancelled; raise spec.rescan in the same change to start a new scan version"},
    {"rule": "!has(oldSelf.desiredState) || oldSelf.desiredState != 'Stopped' || (has(self.desiredState) && self.desiredState in ['Stopped', 'Cancelled']) || (has(self.rescan) && (!has(oldSelf.rescan) || self.rescan > oldSelf.rescan))", "message": "a Stopped scan cannot run or pause again; raise spec.rescan in the same change to start a new scan version"}
]))]
pub struct CompanyScanSpec {
    /// The company to research.
    pub company: CompanyRef,

    /// What the scan should do: `Running` (default), `Paused`, `Stopped` or
    /// `Cancelled`. A paused scan saves a checkpoint, stops its crawler pod
    /// and resumes from that checkpoint when set back to `Running`. A stopped
    /// scan crawls no further pages and writes its report from the pages
    /// crawled so far (phase `Completed`, reason `Stopped`). A cancelled scan
    /// ends without a report (phase `Cancelled`); its pod goes, its
    /// checkpoint stays until the scan is deleted. `Stopped` and `Cancelled`
    /// are final for the scan version: leaving them needs a raised `rescan`
    /// in the same change, which starts a new version.
    #[serde(default)]
    pub desired_state: DesiredState,

    /// Raise this number after a scan has finished to run it again as a new,
    /// versioned scan. It can never be lowered.
    #[serde(default)]
    #[schemars(range(min = 0, max = 1_000_000))]
    #[schemars(extend("x-kubernetes-validations" = [{"rule": "self >= oldSelf", "message": "rescan can only be increased; lowering it is not allowed"}]))]
    pub rescan: i64,

    /// How the site is crawled: budgets, scope and politeness.
    #[serde(default)]
    pub crawl: CrawlSpec,

    /// Maximum active scan time, as a duration such as `90s`, `30m` or `1h`.
    /// Time spent paused does not count. When it runs out the scan becomes
    /// `TimedOut` and keeps its checkpoint; raising it resumes the scan.
    #[serde(default = "default_timeout")]
    #[schemars(regex(pattern = DURATION_PATTERN), length(max = 32))]
    // The `matches` guard keeps a malformed value from reaching `duration()`,
    // which would fail with a CEL type-conversion error instead of a message.
    #[schemars(extend("x-kubernetes-validations" = [{"rule": "self.matches('^([0-9]+([.][0-9]+)?(ms|s|m|h))+$')", "message": "timeout must be a duration such as 90s, 30m or 1h30m"}, {"rule": "!self.matches('^([0-9]+([.][0-9]+)?(ms|s|m|h))+$') || duration(self) >= duration('1s')", "message": "timeout must be at least 1s"}]))]
    pub timeout: String,

    /// Where and how often the crawler saves its progress.
    #[serde(default)]
    pub checkpoint: CheckpointSpec,

    /// Which analysis sections the report contains.
    #[serde(default)]
    pub analysis: AnalysisSpec,

    /// Report settings.
    #[serde(default)]
    pub report: ReportSpec,

    /// Overrides for the crawler pod the operator creates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crawler: Option<CrawlerPodSpec>,
}

fn default_timeout() -> String {
    "1h".to_string()
}

/// The company a scan researches.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct CompanyRef {
    /// The company's display name, used in the report.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,

    /// The seed URL of the company's website. Must be an absolute `http` or
    /// `https` URL with a host, for example `https://example.com`.
    #[schemars(length(min = 1, max = 2048))]
    #[schemars(extend("x-kubernetes-validations" = [{"rule": "isURL(self) && url(self).getScheme() in ['http', 'https'] && url(self).getHostname() != ''", "message": "company.url must be an absolute http:// or https:// URL with a host, for example https://example.com"}]))]
    pub url: String,
}

/// The state a user asks the scan to be in.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DesiredState {
    /// The scan runs (or waits in the queue) until it finishes.
    #[default]
    Running,
    /// The scan saves a checkpoint and stops until set back to Running.
    Paused,
    /// The crawl ends now; the report is written from the pages crawled so
    /// far (phase Completed, reason Stopped). Final for the scan version.
    Stopped,
    /// The scan ends without a report (phase Cancelled); the checkpoint is
    /// kept until the scan is deleted. Final for the scan version.
    Cancelled,
}

impl DesiredState {
    /// The value's name as it appears in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            DesiredState::Running => "Running",
            DesiredState::Paused => "Paused",
            DesiredState::Stopped => "Stopped",
            DesiredState::Cancelled => "Cancelled",
        }
    }
}

/// How the crawler walks the company's website.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct CrawlSpec {
    /// The most pages fetched in one scan (1 to 1,000,000).
    #[schemars(range(min = 1, max = 1_000_000))]
    pub max_pages: u32,

    /// The deepest link level followed from the seed URL (0 means the seed
    /// page only; at most 50).
    #[schemars(range(max = 50))]
    pub max_depth: u32,

    /// Extra host names in scope besides the seed's registrable domain and its
    /// subdomains. A leading `*.` matches any subdomain.
    #[schemars(length(max = 50))]
    #[schemars(inner(regex(pattern = DOMAIN_PATTERN), length(max = 253)))]
    pub allowed_domains: Vec<String>,

    /// Regular expressions; when any are set, only URLs matching at least one
    /// are fetched (the seed URL always is). At most 32 patterns of at most 256
    /// characters.
    #[schemars(length(max = 32))]
    #[schemars(inner(length(min = 1, max = 256)))]
    pub include_patterns: Vec<String>,

    /// Regular expressions; URLs matching any of them are never fetched. At
    /// most 32 patterns of at most 256 characters.
    #[schemars(length(max = 32))]
    #[schemars(inner(length(min = 1, max = 256)))]
    pub exclude_patterns: Vec<String>,

    /// Also fetch pages outside the scope (one hop). External links are always
    /// recorded in the report either way.
    pub follow_external_links: bool,

    /// How many requests run at once (1 to 64).
    #[schemars(range(min = 1, max = 64))]
    pub concurrency: u32,

    /// The most requests per second sent to any one host (0.01 to 1000). A
    /// robots.txt crawl-delay can lower it further.
    #[schemars(range(min = 0.01, max = 1000.0))]
    // The apiserver compares an integer value against the minimum truncated
    // to an integer (0), so `0` would pass the schema alone.
    #[schemars(extend("x-kubernetes-validations" = [{"rule": "self >= 0.01", "message": "requestsPerSecond must be at least 0.01"}]))]
    pub requests_per_second: f64,

    /// Obey the site's robots.txt (allow, disallow and crawl-delay).
    pub respect_robots_txt: bool,

    /// The User-Agent header sent with every request.
    #[schemars(length(min = 1, max = 512))]
    pub user_agent: String,

    /// How long one request may take, as a duration such as `30s`.
    #[schemars(regex(pattern = DURATION_PATTERN), length(max = 32))]
    // The `matches` guard keeps a malformed value from reaching `duration()`,
    // which would fail with a CEL type-conversion error instead of a message.
    #[schemars(extend("x-kubernetes-validations" = [{"rule": "self.matches('^([0-9]+([.][0-9]+)?(ms|s|m|h))+$')", "message": "requestTimeout must be a duration such as 500ms, 30s or 2m"}, {"rule": "!self.matches('^([0-9]+([.][0-9]+)?(ms|s|m|h))+$') || (duration(self) >= duration('100ms') && duration(self) <= duration('10m'))", "message": "requestTimeout must be between 100ms and 10m"}]))]
    pub request_timeout: String,

    /// The largest response body read, in bytes (1 KiB to 100 MiB). Larger
    /// pages are cut off while streaming, which also stops compression bombs.
    #[schemars(range(min = 1024, max = 104_857_600))]
    pub max_page_bytes: u64,

    /// Allow requests to loopback, private, link-local and cloud-metadata
    /// addresses. Off by default so a scan cannot be used to probe the
    /// cluster's own network.
    pub allow_private_networks: bool,

    /// The most in-scope links taken from one page (1 to 100,000); further
    /// links are dropped and counted in the report (`linksDropped`). Links
    /// to company-fact pages (imprint, contact, about, team) are kept over
    /// others.
    #[schemars(range(min = 1, max = 100_000))]
    pub max_links_per_page: u32,

    /// The most URLs waiting in the crawl queue (1 to 10,000,000; default
    /// 10 x `maxPages`). Past it the lowest-priority URLs (deepest, then
    /// not company-fact pages, then sitemap-only, then the newest) are
    /// dropped and counted in the report (`queueDropped`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 10_000_000))]
    pub max_queued_urls: Option<u32>,
}

impl CrawlSpec {
    /// The queue cap in force: `maxQueuedUrls`, else 10 x `maxPages`.
    pub fn queue_cap(&self) -> usize {
        self.max_queued_urls
            .map_or(self.max_pages.saturating_mul(10), |m| m)
            .max(1) as usize
    }
}

impl Default for CrawlSpec {
    fn default() -> Self {
        Self {
            max_pages: 500,
            max_depth: 5,
            allowed_domains: Vec::new(),
            include_patterns: Vec::new(),
            exclude_patterns: Vec::new(),
            follow_external_links: false,
            concurrency: 4,
            requests_per_second: 2.0,
            respect_robots_txt: true,
            user_agent: DEFAULT_USER_AGENT.to_string(),
            request_timeout: "30s".to_string(),
            max_page_bytes: 5 * 1024 * 1024,
            allow_private_networks: false,
            max_links_per_page: DEFAULT_MAX_LINKS_PER_PAGE,
            max_queued_urls: None,
        }
    }
}

/// Links taken from one page unless the spec says otherwise.
pub const DEFAULT_MAX_LINKS_PER_PAGE: u32 = 2_000;

/// The User-Agent the crawler sends unless the spec says otherwise.
pub const DEFAULT_USER_AGENT: &str = "CIRA-crawler/0.1 (+https://cira.dev/bot)";

/// Where checkpoints are stored.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CheckpointStorage {
    /// Compressed checkpoints in ConfigMaps owned by the scan (split across
    /// several when large).
    #[default]
    ConfigMap,
    /// Checkpoint files on a PersistentVolumeClaim owned by the scan.
    PersistentVolumeClaim,
}

/// How the crawler saves its progress so a scan survives pauses, crashes and
/// node loss.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
#[schemars(extend("x-kubernetes-validations" = [{"rule": "!has(self.volumeClaim) || self.storage == 'PersistentVolumeClaim'", "message": "checkpoint.volumeClaim may only be set when checkpoint.storage is PersistentVolumeClaim"}]))]
pub struct CheckpointSpec {
    /// `ConfigMap` (default) or `PersistentVolumeClaim`.
    pub storage: CheckpointStorage,

    /// Save a checkpoint after this many newly fetched pages (at least 1):
    /// a killed or crashed crawler fetches again at most this many plus the
    /// pages it was fetching (`crawl.concurrency`). On a
    /// PersistentVolumeClaim these saves are written at once and flushed to
    /// disk (fsync) at most once a second, and always on a phase change,
    /// pause, stop and completion, so a lost node loses about a second
    /// more. ConfigMap saves are durable when the API server accepts them.
    #[schemars(range(min = 1, max = 100_000))]
    pub every_pages: u32,

    /// Save a checkpoint at least this often, as a duration such as `2m`.
    #[schemars(regex(pattern = DURATION_PATTERN), length(max = 32))]
    // The `matches` guard keeps a malformed value from reaching `duration()`,
    // which would fail with a CEL type-conversion error instead of a message.
    #[schemars(extend("x-kubernetes-validations" = [{"rule": "self.matches('^([0-9]+([.][0-9]+)?(ms|s|m|h))+$')", "message": "checkpoint.every must be a duration such as 30s, 2m or 1h"}, {"rule": "!self.matches('^([0-9]+([.][0-9]+)?(ms|s|m|h))+$') || duration(self) >= duration('1s')", "message": "checkpoint.every must be at least 1s"}]))]
    pub every: String,

    /// The claim created for `PersistentVolumeClaim` storage. Only allowed with
    /// that storage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_claim: Option<VolumeClaimSpec>,
}

impl Default for CheckpointSpec {
    fn default() -> Self {
        Self {
            storage: CheckpointStorage::ConfigMap,
            every_pages: 10,
            every: "2m".to_string(),
            volume_claim: None,
        }
    }
}

/// Settings of the PersistentVolumeClaim that holds checkpoints.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct VolumeClaimSpec {
    /// The storage class; the cluster default when empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 253))]
    pub storage_class_name: Option<String>,

    /// The requested size, as a quantity such as `1Gi`.
    #[schemars(regex(pattern = QUANTITY_PATTERN), length(max = 32))]
    pub size: String,
}

impl Default for VolumeClaimSpec {
    fn default() -> Self {
        Self {
            storage_class_name: None,
            size: "1Gi".to_string(),
        }
    }
}

/// A section of the analysis in the report.
#[derive(
    JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash,
)]
pub enum AnalysisSection {
    /// What the company is and does.
    Overview,
    /// Products and services.
    Products,
    /// People and their roles.
    People,
    /// Emails, phone numbers and addresses.
    Contact,
    /// Technologies the website uses.
    Technology,
    /// Social media profiles.
    Social,
    /// Legal identifiers such as VAT and registration numbers.
    Legal,
}

impl AnalysisSection {
    /// Every section, in report order.
    pub const ALL: [AnalysisSection; 7] = [
        AnalysisSection::Overview,
        AnalysisSection::Products,
        AnalysisSection::People,
        AnalysisSection::Contact,
        AnalysisSection::Technology,
        AnalysisSection::Social,
        AnalysisSection::Legal,
    ];

    /// The lower-case name used in reports and checkpoints.
    pub fn as_str(self) -> &'static str {
        match self {
            AnalysisSection::Overview => "overview",
            AnalysisSection::Products => "products",
            AnalysisSection::People => "people",
            AnalysisSection::Contact => "contact",
            AnalysisSection::Technology => "technology",
            AnalysisSection::Social => "social",
            AnalysisSection::Legal => "legal",
        }
    }
}

/// What the analysis covers.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalysisSpec {
    /// The sections written into the report, in order, each at most once.
    /// All by default.
    #[schemars(length(min = 1, max = 7))]
    #[schemars(extend("x-kubernetes-list-type" = "set"))]
    pub sections: Vec<AnalysisSection>,
}

impl Default for AnalysisSpec {
    fn default() -> Self {
        Self {
            sections: AnalysisSection::ALL.to_vec(),
        }
    }
}

/// Report settings.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ReportSpec {
    /// How many reports of earlier scan versions are kept (1 to 50).
    #[schemars(range(min = 1, max = 50))]
    pub history_limit: u32,
}

impl Default for ReportSpec {
    fn default() -> Self {
        Self { history_limit: 3 }
    }
}

/// Overrides for the crawler pod. Unset fields take the operator's defaults.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct CrawlerPodSpec {
    /// The crawler container image.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    pub image: Option<String>,

    /// CPU and memory requests and limits of the crawler container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,

    /// Node labels the crawler pod must be scheduled on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<BTreeMap<String, String>>,

    /// Tolerations of the crawler pod.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 32))]
    pub tolerations: Option<Vec<Toleration>>,

    /// The priority class of the crawler pod.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 253))]
    pub priority_class_name: Option<String>,

    /// Extra annotations on the crawler pod.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// The lifecycle phase of a scan.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum ScanPhase {
    /// Accepted, not yet scheduled.
    #[default]
    Pending,
    /// Waiting for a free slot (see `queuePosition`).
    Queued,
    /// Fetching pages.
    Crawling,
    /// Extracting entities from fetched pages.
    Extracting,
    /// Building the analysis sections.
    Analyzing,
    /// Writing the report.
    Generating,
    /// Stopped on request, with a checkpoint to resume from.
    Paused,
    /// Finished; the report is available.
    Completed,
    /// Stopped by an error (see `message` and the Ready condition).
    Failed,
    /// Ran out of active time; raising `spec.timeout` resumes it.
    TimedOut,
    /// Ended on request without a report; the checkpoint is kept.
    Cancelled,
}

impl ScanPhase {
    /// The phase's name as it appears in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanPhase::Pending => "Pending",
            ScanPhase::Queued => "Queued",
            ScanPhase::Crawling => "Crawling",
            ScanPhase::Extracting => "Extracting",
            ScanPhase::Analyzing => "Analyzing",
            ScanPhase::Generating => "Generating",
            ScanPhase::Paused => "Paused",
            ScanPhase::Completed => "Completed",
            ScanPhase::Failed => "Failed",
            ScanPhase::TimedOut => "TimedOut",
            ScanPhase::Cancelled => "Cancelled",
        }
    }

    /// True while a crawler pod is (or should be) working on the scan.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            ScanPhase::Crawling
                | ScanPhase::Extracting
                | ScanPhase::Analyzing
                | ScanPhase::Generating
        )
    }

    /// True for phases a scan only leaves through a spec change.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            ScanPhase::Completed | ScanPhase::Failed | ScanPhase::Cancelled
        )
    }
}

impl std::fmt::Display for ScanPhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The observed state of a scan. Written only by the operator.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct CompanyScanStatus {
    /// Where the scan is in its lifecycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<ScanPhase>,

    /// The generation of the spec this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,

    /// Standard conditions: Ready, Progressing, Paused and Degraded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,

    /// Live progress, mirrored from the crawler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<ScanProgress>,

    /// When the current scan version first started crawling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Time>,

    /// When the current scan version finished (Completed, Failed, TimedOut or
    /// Cancelled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<Time>,

    /// When the scan was last paused; cleared on resume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_at: Option<Time>,

    /// Seconds spent paused in this scan version, over all pauses.
    #[serde(default)]
    pub total_paused_seconds: i64,

    /// Seconds of active scanning in this scan version; counts towards the
    /// timeout.
    #[serde(default)]
    pub active_seconds: i64,

    /// Estimated seconds until the crawl finishes, from the recent page rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_remaining_seconds: Option<i64>,

    /// The newest checkpoint the crawler saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<CheckpointStatus>,

    /// The version of the scan; starts at 1 and grows with each rescan.
    #[serde(default)]
    pub scan_version: i64,

    /// The `spec.rescan` value the current scan version was started for.
    #[serde(default)]
    pub observed_rescan: i64,

    /// The name of the crawler Job of the current scan version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,

    /// Position in the queue (1 is next) while the phase is Queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_position: Option<u32>,

    /// How many times the crawler pod was replaced for missing heartbeats.
    #[serde(default)]
    pub stale_restarts: u32,

    /// The report of the newest finished scan version, and earlier ones kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<ReportStatus>,

    /// A human-readable summary of the current state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Live crawl progress.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ScanProgress {
    /// Percent done (0 to 100), from pages crawled against the page budget
    /// and the work still queued.
    pub percent: u32,
    /// Pages fetched so far.
    pub pages_crawled: u64,
    /// Pages waiting to be fetched.
    pub pages_queued: u64,
    /// The link depth being crawled.
    pub current_depth: u32,
    /// Distinct links to other sites found so far.
    pub external_links_found: u64,
    /// Distinct entities extracted so far.
    pub entities_extracted: u64,
    /// Words of page text processed by extraction and analysis.
    pub tokens_processed: u64,
    /// What the crawler is doing right now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_activity: Option<String>,
    /// When the crawler last reported that it is alive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_heartbeat: Option<Time>,
}

/// Where the newest checkpoint is.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct CheckpointStatus {
    /// `ConfigMap` or `PersistentVolumeClaim`.
    pub storage: CheckpointStorage,
    /// The ConfigMap name prefix or the claim name holding it.
    pub location: String,
    /// When it was saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_at: Option<Time>,
    /// Pages visited at the time it was saved.
    pub pages_visited: u64,
    /// Its compressed size in bytes.
    pub bytes: u64,
    /// A number that grows with every save.
    pub generation: u64,
    /// Set when the newest checkpoint was unreadable (why, in words) and the
    /// crawler resumed from the previous one; pages fetched after that
    /// previous checkpoint are fetched again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovered_from_corruption: Option<String>,
}

/// Where a scan's report is.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ReportStatus {
    /// The ConfigMap holding the newest report (`report.json` and `report.md`).
    pub config_map: String,
    /// The scan version the newest report belongs to.
    pub scan_version: i64,
    /// Entity counts of the newest report, by entity type.
    pub counts: BTreeMap<String, u64>,
    /// Reports of earlier versions still kept, newest first.
    #[schemars(length(max = 50))]
    pub history: Vec<ReportRef>,
}

/// A kept report of an earlier scan version.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ReportRef {
    /// The scan version.
    pub scan_version: i64,
    /// The ConfigMap holding it.
    pub config_map: String,
}
