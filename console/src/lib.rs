//! `cira-console`: CIRA's web console. Server-rendered pages over the
//! CompanyScan API, kept live by Server-Sent Events that shared Kubernetes
//! watches feed. See docs/console.md.

pub mod auth;
pub mod error;
pub mod feeds;
pub mod model;
pub mod server;
pub mod views;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use auth::AuthMode;
pub use error::Error;

/// How a console runs.
#[derive(Clone, Debug, clap::Parser)]
#[command(name = "cira-console", version, about = "CIRA's web console")]
pub struct Settings {
    /// Address to serve HTTP on.
    #[arg(long, env = "CIRA_CONSOLE_LISTEN", default_value = "0.0.0.0:8080")]
    pub listen: SocketAddr,

    /// `token`: users sign in with a Kubernetes bearer token and act with it.
    /// `readOnly`: no sign-in, the console's own ServiceAccount, no buttons.
    #[arg(long, value_enum, env = "CIRA_CONSOLE_AUTH", default_value = "token")]
    pub auth: AuthMode,

    /// The namespace the scans list shows first (the one the console runs in
    /// when empty).
    #[arg(long, env = "CIRA_CONSOLE_NAMESPACE", default_value = "")]
    pub default_namespace: String,

    /// How long a session lasts, in minutes.
    #[arg(long, default_value_t = 480)]
    pub session_minutes: u64,

    /// Mark the session cookie `Secure` (set when the console is reached over
    /// TLS, e.g. through an Ingress with TLS).
    #[arg(long)]
    pub secure_cookie: bool,

    /// Log format: text or json.
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: cira_runtime::LogFormat,
}

/// Builds the console's state from the environment's Kubernetes config.
pub async fn app(settings: &Settings) -> Result<Arc<server::App>, Error> {
    let base = kube::Config::infer()
        .await
        .map_err(|e| Error::KubeConfig(e.to_string()))?;
    let own_client = match settings.auth {
        AuthMode::ReadOnly => Some(kube::Client::try_from(base.clone()).map_err(Error::Client)?),
        AuthMode::Token => None,
    };
    let default_namespace = if settings.default_namespace.is_empty() {
        base.default_namespace.clone()
    } else {
        settings.default_namespace.clone()
    };
    Ok(Arc::new(server::App {
        mode: settings.auth,
        base,
        own_client,
        sessions: auth::Sessions::new(Duration::from_secs(settings.session_minutes.max(1) * 60)),
        hub: feeds::Hub::default(),
        default_namespace,
        secure_cookie: settings.secure_cookie,
    }))
}

/// Serves the console until SIGTERM or Ctrl-C.
pub async fn run(settings: Settings) -> Result<(), Error> {
    let app = app(&settings).await?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|source| Error::Bind {
            addr: settings.listen,
            source,
        })?;
    tracing::info!(addr = %settings.listen, auth = ?settings.auth, namespace = app.default_namespace, "console listening");
    let sweeper = {
        let app = app.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(30));
            loop {
                tick.tick().await;
                app.hub.sweep();
            }
        })
    };
    // Open event streams would hold a graceful shutdown forever, and a
    // console has nothing to save, so a signal just stops it.
    let shutdown = tokio_util::sync::CancellationToken::new();
    cira_runtime::cancel_on_signals(shutdown.clone(), "stopping").map_err(Error::Signal)?;
    let served = tokio::select! {
        r = axum::serve(listener, server::router(app)) => r.map_err(Error::Serve),
        _ = shutdown.cancelled() => Ok(()),
    };
    sweeper.abort();
    served
}

/// Installs the tracing subscriber (`RUST_LOG`, default info) on stdout.
pub fn init_tracing(format: cira_runtime::LogFormat) -> Result<(), Error> {
    cira_runtime::init_logging(format, "info", cira_runtime::LogTarget::Stdout)
        .map_err(Error::Logging)
}
