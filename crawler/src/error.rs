//! The crawler's error type.

use std::path::PathBuf;

/// Everything that can stop the crawler or one of its operations.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid seed URL {url:?}: {reason}")]
    InvalidSeed { url: String, reason: String },

    #[error("invalid {what} pattern {pattern:?}: {source}")]
    InvalidPattern {
        what: &'static str,
        pattern: String,
        #[source]
        source: regex::Error,
    },

    #[error("invalid setting {name}: {reason}")]
    InvalidSetting { name: &'static str, reason: String },

    #[error("could not build the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),

    #[error("could not set up TLS for the HTTP client: {0}")]
    TlsConfig(#[source] rustls::Error),

    #[error("the seed page {url} could not be fetched: {reason}")]
    SeedUnreachable {
        url: String,
        reason: crate::skip::SkipReason,
    },

    /// The site refuses the crawler (a bot block).
    #[error("the site blocks the crawler: the seed page {url} gave no page: {reason}")]
    SeedBlocked {
        url: String,
        reason: crate::skip::SkipReason,
    },

    /// The seed answered, but with no page to crawl (a server error after
    /// every retry, a missing page, a robots.txt that could not be read).
    #[error("the site is not available: the seed page {url} gave no page: {reason}")]
    SeedUnavailable {
        url: String,
        reason: crate::skip::SkipReason,
    },

    /// Every page the site gave holds only scripts, and nothing about the
    /// company could be read: an app that renders in the browser, or a bot
    /// defence's script challenge served as a page.
    #[error(
        "the site needs JavaScript: its {pages} page(s), from {url} on, held only scripts and no links, and nothing about the company could be read without running them (a JavaScript app, or a bot defence's script challenge)"
    )]
    SiteNeedsJavaScript { url: String, pages: u64 },

    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("checkpoint is corrupt: {0}")]
    CheckpointCorrupt(String),

    #[error(
        "checkpoint format version {found} is not supported by this build (it reads version {supported})"
    )]
    CheckpointVersion { found: u64, supported: u32 },

    #[error("could not serialise checkpoint: {0}")]
    CheckpointSerialize(#[source] serde_json::Error),

    #[error("could not compress checkpoint: {0}")]
    CheckpointCompress(#[source] std::io::Error),

    #[error(
        "no usable checkpoint in {location}: {reason}. Remove it (or use another state directory) to start over"
    )]
    NoUsableCheckpoint { location: String, reason: String },

    #[error(
        "the state in {location} belongs to a scan of {found}, not {expected}; use another state directory"
    )]
    OtherScan {
        location: String,
        found: String,
        expected: String,
    },

    #[error("checkpoint of {bytes} bytes needs {chunks} ConfigMaps, more than the {max} allowed")]
    CheckpointTooLarge {
        bytes: usize,
        chunks: usize,
        max: usize,
    },

    /// `scan --stop` with no saved scan to finish.
    #[error("nothing to stop: no scan is saved in {location}")]
    NothingToStop { location: String },

    /// A stop came before the first page: an empty report is no result.
    #[error("the scan was stopped before any page was crawled; the report in {location} is empty")]
    StoppedBeforeAnyPage { location: String },

    /// A ConfigMap the crawler writes does not exist. The operator creates
    /// every one before it starts the crawler, and the crawler may not
    /// create any (its Role grants no `create`), so retrying cannot help.
    #[error(
        "ConfigMap {} does not exist: the operator creates the crawler's ConfigMaps before it starts the crawler, and the crawler may not create any",
        names.join(", ")
    )]
    ConfigMapMissing { names: Vec<String> },

    #[error("Kubernetes API {action} {name}: {source}")]
    Kube {
        action: &'static str,
        name: String,
        #[source]
        source: kube::Error,
    },

    #[error("could not build the Kubernetes client: {0}")]
    KubeClient(#[source] kube::Error),

    #[error("environment variable {name}: {reason}")]
    Env { name: &'static str, reason: String },

    #[error("a background task failed: {0}")]
    Task(String),
}

impl Error {
    /// True for errors retrying cannot fix: the Job fails at once instead of
    /// resuming into the same error.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            Error::InvalidSeed { .. }
                | Error::InvalidPattern { .. }
                | Error::InvalidSetting { .. }
                | Error::SeedUnreachable { .. }
                | Error::SeedBlocked { .. }
                | Error::SeedUnavailable { .. }
                | Error::SiteNeedsJavaScript { .. }
                | Error::NoUsableCheckpoint { .. }
                | Error::OtherScan { .. }
                | Error::Env { .. }
                | Error::CheckpointTooLarge { .. }
                | Error::NothingToStop { .. }
                | Error::StoppedBeforeAnyPage { .. }
                | Error::ConfigMapMissing { .. }
        )
    }

    /// The kind of failure, for the scan's status reason.
    pub fn failure_kind(&self) -> cira_crds::progress::FailureKind {
        use cira_crds::progress::FailureKind;
        match self {
            Error::SeedBlocked { .. } => FailureKind::SeedBlocked,
            Error::SeedUnavailable { .. } | Error::SeedUnreachable { .. } => {
                FailureKind::SeedUnavailable
            }
            Error::SiteNeedsJavaScript { .. } => FailureKind::SiteNeedsJavaScript,
            _ => FailureKind::CrawlerFailed,
        }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        if self.is_permanent() {
            cira_crds::names::EXIT_PERMANENT
        } else {
            cira_crds::names::EXIT_RETRIABLE
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
