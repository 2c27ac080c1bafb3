//! The operator's one error type.

/// Everything that can go wrong in the operator.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Kubernetes API call failed while {context}: {source}")]
    Kube {
        context: String,
        #[source]
        source: kube::Error,
    },

    #[error(
        "the CompanyScan CustomResourceDefinition (companyscans.cira.dev) is not installed in the cluster; install it with `kubectl apply -f charts/cira-operator/crds/companyscan.yaml` (or the Helm chart) and start the operator again"
    )]
    CrdNotInstalled,

    #[error("could not connect to the Kubernetes API: {0}")]
    Connect(#[source] kube::Error),

    #[error("could not serialise {what}: {source}")]
    Serialize {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },

    #[error("the object has no {0}; it was not read from the API server")]
    MissingObjectKey(&'static str),

    #[error("leader election failed: {0}")]
    Lease(#[from] kube_lease_manager::LeaseManagerError),

    #[error("the leader-election task ended before this replica became the leader")]
    LeaderElectionEnded,

    #[error("lost the leader Lease; exiting so a fresh process can compete again")]
    LeaderLost,

    #[error("cannot listen for {signal}: {source}")]
    Signal {
        signal: &'static str,
        #[source]
        source: std::io::Error,
    },

    #[error("could not serve HTTP on {addr}: {source}")]
    Http {
        addr: String,
        #[source]
        source: std::io::Error,
    },

    #[error("invalid configuration: {0}")]
    Config(String),

    #[error("could not set up logging: {0}")]
    Logging(String),

    #[error("the watch of {0} ended before it synced")]
    WatchEnded(&'static str),
}

impl Error {
    /// Wraps a client error with what the operator was doing.
    pub fn kube(context: impl Into<String>) -> impl FnOnce(kube::Error) -> Error {
        let context = context.into();
        move |source| Error::Kube { context, source }
    }

    /// True when the API server refused a write because the object changed
    /// since it was read (HTTP 409); the reconcile is simply retried.
    pub fn is_conflict(&self) -> bool {
        self.api_code() == Some(409)
    }

    /// The HTTP status the API server answered with, if it answered.
    pub fn api_code(&self) -> Option<u16> {
        match self {
            Error::Kube {
                source: kube::Error::Api(status),
                ..
            } => Some(status.code),
            _ => None,
        }
    }

    /// A short label for metrics, saying what went wrong.
    pub fn metric_label(&self) -> &'static str {
        match self {
            Error::Kube { .. } => match self.api_code() {
                Some(409) => "conflict",
                Some(403) => "forbidden",
                Some(404) => "not_found",
                Some(422) => "invalid_object",
                Some(429) => "throttled",
                Some(code) if code >= 500 => "api_server_error",
                Some(_) => "api_refused",
                // No answer: connection, TLS, timeout or decoding.
                None => "kube_client",
            },
            Error::CrdNotInstalled => "crd_not_installed",
            Error::Connect(_) => "connect",
            Error::Serialize { .. } => "serialize",
            Error::MissingObjectKey(_) => "missing_key",
            Error::Lease(_) => "lease",
            Error::LeaderElectionEnded => "leader_election_ended",
            Error::LeaderLost => "leader_lost",
            Error::Signal { .. } => "signal",
            Error::Http { .. } => "http",
            Error::Config(_) => "config",
            Error::Logging(_) => "logging",
            Error::WatchEnded(_) => "watch",
        }
    }
}

/// Result with the operator's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16) -> Error {
        let status = kube::core::Status::failure("refused", "Reason").with_code(code);
        Error::kube("testing")(kube::Error::Api(Box::new(status)))
    }

    #[test]
    fn metric_labels_say_what_happened() {
        assert_eq!(api(409).metric_label(), "conflict");
        assert!(api(409).is_conflict());
        assert!(!api(404).is_conflict());
        assert_eq!(api(403).metric_label(), "forbidden");
        assert_eq!(api(404).metric_label(), "not_found");
        assert_eq!(api(422).metric_label(), "invalid_object");
        assert_eq!(api(503).metric_label(), "api_server_error");
        assert_eq!(api(400).metric_label(), "api_refused");
        assert_eq!(Error::LeaderLost.metric_label(), "leader_lost");
        assert_eq!(
            Error::LeaderElectionEnded.metric_label(),
            "leader_election_ended"
        );
        assert_eq!(Error::Config("x".into()).metric_label(), "config");
    }
}
