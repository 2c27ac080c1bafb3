//! Analysis sections built from the extracted entities.
//!
//! INTERFACE STUB: replaced by the extraction/analysis work.

use cira_crds::AnalysisSection;
use serde::{Deserialize, Serialize};

use crate::extract::Entities;

/// One finished analysis section; recorded in the checkpoint when done so a
/// resumed scan does not redo it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SectionResult {
    pub section: AnalysisSection,
    pub title: String,
    /// Markdown body.
    pub body: String,
}

/// Builds one section.
pub fn analyze_section(section: AnalysisSection, _entities: &Entities) -> SectionResult {
    SectionResult {
        section,
        title: section.as_str().to_string(),
        body: String::new(),
    }
}
