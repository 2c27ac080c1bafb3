//! A generated company website for end-to-end tests and the demo: "Nordwind
//! Robotics GmbH", 400+ pages (home, about, team, contact, imprint, privacy,
//! products, careers, a paginated blog), `robots.txt` and `sitemap.xml`,
//! with its ground truth in the vocabulary of `report.json`.
//!
//! The site is deterministic: every call to [`SampleSite::generate`] yields
//! the same pages. [`SampleSite::serve`] serves it on `127.0.0.1` (port 0)
//! and counts hits per path, so tests can see what a crawler fetched and how
//! often.
//!
//! What a correct scan must report is in [`Truth`]; everything in it is
//! plainly visible on the site in a form `crawler/src/extract` is built to
//! read. Some things must *not* be reported: the e-mail on `/internal/`
//! (disallowed by robots.txt), share buttons (not profiles), a broken link.

use std::collections::BTreeMap;

mod facts;
mod pages;
mod server;
mod truth;

pub use server::SiteServer;
pub use truth::{Truth, TruthAddress};

use pages::Builder;
use truth::truth;

/// The company's name, as the report's `company` should read when the scan
/// uses it.
pub const COMPANY_NAME: &str = "Nordwind Robotics GmbH";

/// Paths that are never pages of the site's content (fetched for crawling
/// itself), left out of [`SampleSite::page_paths`].
pub const NON_PAGE_PATHS: &[&str] = &["/robots.txt", "/sitemap.xml"];
/// A page robots.txt disallows; a scan must never fetch it.
pub const DISALLOWED_PATH: &str = "/internal/dashboard";

/// One generated response.
#[derive(Debug, Clone)]
struct Page {
    content_type: &'static str,
    body: String,
}

/// The generated site and its truth.
#[derive(Debug, Clone)]
pub struct SampleSite {
    pages: BTreeMap<String, Page>,
    truth: Truth,
}

impl SampleSite {
    /// Generates the site (deterministic).
    pub fn generate() -> SampleSite {
        let mut b = Builder::default();
        b.home();
        b.about();
        b.team();
        b.contact();
        b.imprint();
        b.privacy();
        b.products();
        b.careers();
        b.blog();
        b.internal();
        SampleSite {
            pages: b.pages,
            truth: truth(),
        }
    }

    /// What a correct scan reports.
    pub fn truth(&self) -> &Truth {
        &self.truth
    }

    /// Every HTML page path a full crawl fetches (sitemap order), without
    /// robots.txt, the sitemap and the disallowed page.
    pub fn page_paths(&self) -> Vec<String> {
        self.pages
            .keys()
            .filter(|p| p.as_str() != DISALLOWED_PATH)
            .cloned()
            .collect()
    }

    /// Number of HTML pages a full crawl fetches.
    pub fn page_count(&self) -> usize {
        self.page_paths().len()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::facts::BLOG_POSTS;
    use super::pages::post_title;
    use super::*;

    #[test]
    fn site_is_large_and_deterministic() {
        let a = SampleSite::generate();
        let b = SampleSite::generate();
        assert!(a.page_count() >= 400, "{} pages", a.page_count());
        assert_eq!(a.page_paths(), b.page_paths());
        assert_eq!(a.pages["/team"].body, b.pages["/team"].body);
        let slugs: BTreeSet<String> = (0..BLOG_POSTS).map(|i| post_title(i).1).collect();
        assert_eq!(slugs.len(), BLOG_POSTS, "blog slugs are distinct");
    }

    #[test]
    fn truth_matches_its_own_report_form() {
        let site = SampleSite::generate();
        let truth = site.truth();
        let report = serde_json::json!({"entities": {
            "emails": truth.emails.iter().map(|e| serde_json::json!({"value": e})).collect::<Vec<_>>(),
        }});
        let diff = truth.diff(&report);
        assert!(diff.iter().all(|d| !d.starts_with("emails")), "{diff:?}");
        assert!(diff.iter().any(|d| d.starts_with("people: missing")));
    }

    #[tokio::test]
    async fn server_serves_and_counts() {
        let site = SampleSite::generate();
        let server = site.serve().await.expect("serves");
        let url = server.url();
        let body = get(&format!("{url}robots.txt")).await;
        assert!(body.contains("Disallow: /internal/"), "{body}");
        let sitemap = get(&format!("{url}sitemap.xml")).await;
        assert_eq!(sitemap.matches("<loc>").count(), site.page_count());
        let team = get(&format!("{url}team")).await;
        assert!(team.contains("Anna Berger"));
        get(&format!("{url}team")).await;
        assert_eq!(server.hits_for("/team"), 2);
        assert_eq!(server.refetches(&site), 1);
    }

    /// A minimal HTTP/1.0 GET over a plain socket (only loopback).
    async fn get(url: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let rest = url.trim_start_matches("http://");
        let (host, path) = rest.split_once('/').expect("a path");
        let mut s = tokio::net::TcpStream::connect(host)
            .await
            .expect("connects");
        s.write_all(format!("GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes())
            .await
            .expect("writes");
        let mut out = String::new();
        s.read_to_string(&mut out).await.expect("reads");
        out
    }
}
