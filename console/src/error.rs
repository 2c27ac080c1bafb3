//! The console's error type.

/// What went wrong, by what the console was doing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not read the Kubernetes client configuration: {0}")]
    KubeConfig(String),

    #[error("could not create a Kubernetes client: {0}")]
    Client(#[source] kube::Error),

    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot listen for SIGTERM: {0}")]
    Signal(#[source] std::io::Error),

    #[error("cannot set up logging: {0}")]
    Logging(String),

    #[error("the HTTP server stopped: {0}")]
    Serve(#[source] std::io::Error),

    #[error("the token was not accepted by the API server: {0}")]
    InvalidToken(String),

    #[error("could not check the token with a SelfSubjectReview: {0}")]
    Review(#[source] kube::Error),

    #[error("the system random source failed: {0}")]
    Random(String),
}
