//! Process plumbing shared by CIRA's binaries (operator, crawler, test
//! programs), so each behaves the same way: one log set-up, one way to turn
//! SIGTERM and Ctrl-C into a cancellation.

use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

/// Log output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl LogFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }
}

/// Where log lines go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogTarget {
    Stdout,
    /// Standard error, coloured when it is a terminal: a command-line tool
    /// whose standard output is meant for something else.
    Stderr,
    /// The test harness's captured output.
    Test,
}

/// Installs the global `tracing` subscriber: filtered by `RUST_LOG`
/// (`default_filter` when unset), text or JSON (one object per event, its
/// fields at the top level). Fails when a subscriber is already installed.
pub fn init_logging(
    format: LogFormat,
    default_filter: &str,
    target: LogTarget,
) -> Result<(), String> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let result = match (target, format) {
        (LogTarget::Stdout, LogFormat::Text) => builder.try_init(),
        (LogTarget::Stdout, LogFormat::Json) => builder.json().flatten_event(true).try_init(),
        (LogTarget::Stderr, LogFormat::Text) => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_writer(std::io::stderr)
            .try_init(),
        (LogTarget::Stderr, LogFormat::Json) => builder
            .with_writer(std::io::stderr)
            .json()
            .flatten_event(true)
            .try_init(),
        (LogTarget::Test, _) => builder.with_test_writer().try_init(),
    };
    result.map_err(|e| e.to_string())
}

/// Cancels `token` on SIGTERM or Ctrl-C, logging which one with `what`
/// (what the process does next, e.g. "shutting down"). The listener ends
/// when `token` is cancelled otherwise. Must be called inside a Tokio
/// runtime; fails when SIGTERM cannot be listened for.
pub fn cancel_on_signals(token: CancellationToken, what: &'static str) -> std::io::Result<()> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::spawn(async move {
        #[cfg(unix)]
        let term = term.recv();
        #[cfg(not(unix))]
        let term = std::future::pending::<Option<()>>();
        tokio::select! {
            _ = term => tracing::info!(signal = "SIGTERM", "{what}"),
            _ = tokio::signal::ctrl_c() => tracing::info!(signal = "interrupt", "{what}"),
            _ = token.cancelled() => return,
        }
        token.cancel();
    });
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sigterm_cancels_the_token() {
        let token = CancellationToken::new();
        cancel_on_signals(token.clone(), "test").unwrap();
        // The handler is installed, so SIGTERM reaches the listener instead
        // of ending this test process.
        let status = std::process::Command::new("kill")
            .args(["-TERM", &std::process::id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        tokio::time::timeout(std::time::Duration::from_secs(30), token.cancelled())
            .await
            .expect("SIGTERM did not cancel the token");
    }
}
