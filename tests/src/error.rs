//! The one error type of the test support crate.

use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong while starting or using the test control plane.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not build the test control plane with {script}: {reason}")]
    ControlPlaneBuild { script: PathBuf, reason: String },

    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{what}: {source}")]
    Kube {
        what: String,
        #[source]
        source: kube::Error,
    },

    #[error("{what}: {reason}")]
    Config { what: String, reason: String },

    #[error("could not generate certificates: {0}")]
    Certificates(#[from] rcgen::Error),

    #[error("{process} exited while starting ({status}); last log lines:\n{log_tail}")]
    ProcessExited {
        process: String,
        status: String,
        log_tail: String,
    },

    #[error("timed out after {timeout:?} waiting for {what}")]
    Timeout { what: String, timeout: Duration },

    #[error("`cargo build -p {package} --bin {bin}` failed: {reason}")]
    CargoBuild {
        package: String,
        bin: String,
        reason: String,
    },

    #[error("pod {namespace}/{pod}: {reason}")]
    Pod {
        namespace: String,
        pod: String,
        reason: String,
    },

    #[error("{what}: {source}")]
    Yaml {
        what: String,
        #[source]
        source: serde_yaml::Error,
    },
}

impl Error {
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
        let what = what.into();
        move |source| Error::Io { what, source }
    }

    pub(crate) fn kube(what: impl Into<String>) -> impl FnOnce(kube::Error) -> Error {
        let what = what.into();
        move |source| Error::Kube { what, source }
    }

    pub(crate) fn pod(namespace: &str, pod: &str, reason: impl Into<String>) -> Error {
        Error::Pod {
            namespace: namespace.to_string(),
            pod: pod.to_string(),
            reason: reason.into(),
        }
    }
}
