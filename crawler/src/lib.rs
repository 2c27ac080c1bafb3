//! CIRA's crawler: a resumable, polite, hostile-web-proof company-site crawl,
//! entity extraction, analysis and the report. The `cira-crawler` binary
//! (src/main.rs and src/app/) wires these to a command line or a pod.

pub mod analysis;
pub mod atomic_file;
mod blocking;
pub mod checkpoint;
pub mod engine;
pub mod error;
pub mod extract;
pub mod fetch;
pub mod frontier;
pub mod guard;
pub mod html;
pub mod io_thread;
pub mod page;
pub mod politeness;
pub mod report;
pub mod robots;
pub mod scope;
pub mod sitemap;
pub mod skip;
pub mod state;
#[cfg(test)]
mod testgen;
pub mod url_norm;
mod wordset;

pub use error::{Error, Result};
