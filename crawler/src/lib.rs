//! CIRA's crawler: a resumable, polite, hostile-web-proof company-site crawl,
//! entity extraction, analysis and the report.

pub mod analysis;
pub mod extract;
pub mod html;
pub mod page;
pub mod report;
