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
        matches!(self, Error::Kube { source: kube::Error::Api(status), .. } if status.code == 409)
    }

    /// A short label for metrics.
    pub fn metric_label(&self) -> &'static str {
        match self {
            Error::Kube { .. } if self.is_conflict() => "conflict",
            Error::Kube { .. } => "kube",
            Error::CrdNotInstalled => "crd_not_installed",
            Error::Connect(_) => "connect",
            Error::Serialize { .. } => "serialize",
            Error::MissingObjectKey(_) => "missing_key",
            Error::Lease(_) => "lease",
            Error::Http { .. } => "http",
            Error::Config(_) => "config",
            Error::Logging(_) => "logging",
            Error::WatchEnded(_) => "watch",
        }
    }
}

/// Result with the operator's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
