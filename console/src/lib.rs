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
    #[arg(long, default_value = "text")]
    pub log_format: String,
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
    let served = tokio::select! {
        r = axum::serve(listener, server::router(app)) => r.map_err(Error::Serve),
        _ = shutdown() => Ok(()),
    };
    sweeper.abort();
    served
}

/// Resolves on SIGTERM or Ctrl-C. Open event streams would hold a graceful
/// shutdown forever, and a console has nothing to save, so it just stops.
async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Installs the tracing subscriber (`RUST_LOG`, default info).
pub fn init_tracing(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
