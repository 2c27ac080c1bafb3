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

    #[error("the seed page {url} could not be fetched: {reason}")]
    SeedUnreachable { url: String, reason: String },

    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("checkpoint: {0}")]
    Checkpoint(#[from] cira_crds::Error),

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

pub type Result<T, E = Error> = std::result::Result<T, E>;
