//! Logging set-up: text or JSON, filtered by RUST_LOG.

use cira_runtime::LogTarget;

use crate::config::LogFormat;
use crate::error::{Error, Result};

/// Installs the global subscriber (default level `info`), on standard output.
pub fn init(format: LogFormat) -> Result<()> {
    cira_runtime::init_logging(format, "info", LogTarget::Stdout).map_err(Error::Logging)
}
