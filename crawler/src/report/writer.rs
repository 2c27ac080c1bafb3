//! Where a finished report goes: the engine hands the JSON and markdown to
//! a [`ReportWriter`]; local mode writes files, cluster mode a ConfigMap.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use crate::atomic_file::write_atomically;
use crate::error::{Error, Result};

/// Writes the finished report somewhere; returns where.
pub type ReportWriter = Box<
    dyn Fn(String, String) -> Pin<Box<dyn Future<Output = Result<String>> + Send>> + Send + Sync,
>;

/// A report writer that puts `report.json` and `report.md` into `dir`.
pub fn dir_report_writer(dir: PathBuf) -> ReportWriter {
    Box::new(move |json: String, md: String| {
        let dir = dir.clone();
        Box::pin(async move {
            let d = dir.clone();
            tokio::task::spawn_blocking(move || {
                std::fs::create_dir_all(&d).map_err(|source| Error::Io {
                    action: "creating",
                    path: d.clone(),
                    source,
                })?;
                write_atomically(&d, &d.join("report.json"), json.as_bytes())?;
                write_atomically(&d, &d.join("report.md"), md.as_bytes())
            })
            .await
            .map_err(|e| Error::Task(e.to_string()))??;
            Ok(dir.display().to_string())
        })
    })
}
