//! Entity extraction from fetched pages.
//!
//! INTERFACE STUB: the crawl engine codes against these names; the extraction
//! work replaces the bodies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::page::FetchedPage;

/// Per-scan extraction settings; cheap to share across worker threads.
#[derive(Debug, Clone)]
pub struct Extractor {
    pub seed: Url,
    pub company_name: String,
}

impl Extractor {
    pub fn new(seed: &Url, company_name: &str) -> Self {
        Self {
            seed: seed.clone(),
            company_name: company_name.to_string(),
        }
    }

    /// Extracts entities and analysis features from one page. Pure and
    /// thread-safe; called from the crawler's worker threads.
    pub fn extract(&self, page: &FetchedPage) -> PageEntities {
        PageEntities {
            url: page.url.to_string(),
            tokens: page.scan.text.split_whitespace().count() as u64,
        }
    }
}

/// What one page yielded.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PageEntities {
    pub url: String,
    /// Words of text processed.
    pub tokens: u64,
}

/// Everything extracted so far, merged across pages; part of the checkpoint.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Entities {
    pub tokens_processed: u64,
}

impl Entities {
    /// Merges one page's findings (duplicates merge, sources accumulate).
    pub fn merge_page(&mut self, page: PageEntities) {
        self.tokens_processed += page.tokens;
    }

    /// Distinct entities found so far.
    pub fn count(&self) -> u64 {
        0
    }

    /// Distinct entities by type (emails, phones, ...).
    pub fn counts(&self) -> BTreeMap<String, u64> {
        BTreeMap::new()
    }
}
