//! CIRA's crawler: a resumable, polite, hostile-web-proof company-site crawl,
//! entity extraction, analysis and the report.

pub mod analysis;
pub mod checkpoint;
pub mod cli;
pub mod cluster;
pub mod engine;
pub mod error;
pub mod extract;
pub mod fetch;
pub mod frontier;
pub mod guard;
pub mod html;
pub mod io_thread;
pub mod local;
pub mod page;
pub mod politeness;
pub mod progress;
pub mod report;
pub mod robots;
pub mod scope;
pub mod state;
pub mod url_norm;

pub use error::{Error, Result};
