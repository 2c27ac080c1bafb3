//! The plugin's error type: every message is written for the person at the
//! terminal and says what to do next where there is something to do.

/// Errors of `kubectl cira`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not load a kubeconfig: {0}")]
    Kubeconfig(String),

    #[error("could not create a Kubernetes client: {0}")]
    Client(#[source] kube::Error),

    #[error(
        "the CompanyScan CRD (companyscans.cira.dev) is not installed in this cluster; install the chart \
         (helm install cira charts/cira-operator -n cira-system --create-namespace) or apply \
         charts/cira-operator/crds/companyscan.yaml"
    )]
    CrdMissing,

    #[error("no CompanyScan named {name} in namespace {namespace}")]
    ScanNotFound { name: String, namespace: String },

    #[error("{action} CompanyScan {name} in namespace {namespace}: {source}")]
    Api {
        action: &'static str,
        name: String,
        namespace: String,
        // Boxed: kube::Error is large and every Result here carries it.
        #[source]
        source: Box<kube::Error>,
    },

    #[error(
        "CompanyScan {name} has no report yet (phase {phase}); it is written when the scan completes"
    )]
    NoReport { name: String, phase: String },

    #[error(
        "CompanyScan {name} has no report of scan version {version}; kept versions: {available}"
    )]
    NoReportVersion {
        name: String,
        version: i64,
        available: String,
    },

    #[error(
        "the report ConfigMap {config_map} in namespace {namespace} does not exist (deleted, or trimmed by report.historyLimit)"
    )]
    ReportConfigMapMissing {
        config_map: String,
        namespace: String,
    },

    #[error("the report ConfigMap {config_map} has no {key} entry")]
    ReportKeyMissing { config_map: String, key: String },

    #[error("CompanyScan {name} in namespace {namespace} was deleted while being watched")]
    ScanDeleted { name: String, namespace: String },

    #[error("watching CompanyScan {name}: {reason}")]
    Watch { name: String, reason: String },

    #[error(
        "no running console pod in namespace {namespace}; pass -n with the namespace the chart is installed in (console.enabled must be true)"
    )]
    ConsoleNotFound { namespace: String },

    #[error("could not listen on 127.0.0.1:{port}: {source}")]
    Listen {
        port: u16,
        #[source]
        source: std::io::Error,
    },

    #[error("could not write to the terminal: {0}")]
    Output(#[source] std::io::Error),

    #[error("invalid progress bar template: {0}")]
    Template(String),
}

/// What a `kube::Error` says about the API response, if it is one.
pub fn api_status(err: &kube::Error) -> Option<&kube::core::Status> {
    match err {
        kube::Error::Api(status) => Some(status),
        _ => None,
    }
}

/// True if the error is a 404 Not Found response.
pub fn is_not_found(err: &kube::Error) -> bool {
    api_status(err).is_some_and(|s| s.code == 404)
}

/// True if the error is a 409 Conflict response.
pub fn is_conflict(err: &kube::Error) -> bool {
    api_status(err).is_some_and(|s| s.code == 409)
}
