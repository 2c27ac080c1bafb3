//! Small local sites built like common company websites (WordPress,
//! Next.js, Java app servers, legacy German pages), each with a pattern the
//! crawl must handle: redirects, session ids, ports, links outside anchors,
//! legacy charsets, compressed bodies, page priorities.

use crate::common;

use cira_crawler::engine::RunOutcome;
use cira_crawler::state::CrawlState;
use common::{Reply, Site, config, crawl};

mod blocks;
mod content;
mod links;
mod pacing;
mod probes;
mod tls;

fn html(body: &str) -> Reply {
    Reply::Html(format!(
        "<!doctype html><html lang=en><head><title>Acme</title></head><body>{body}</body></html>"
    ))
}

fn raw(status: u16, headers: Vec<(&'static str, String)>, body: impl Into<Vec<u8>>) -> Reply {
    Reply::Raw {
        status,
        headers,
        body: body.into(),
    }
}

fn redirect(status: u16, to: &str) -> Reply {
    raw(status, vec![("location", to.to_string())], Vec::new())
}

async fn crawl_site(site: &Site, seed: &str, s: cira_crds::CrawlSpec) -> CrawlState {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&site.url(seed), s, &[site.ip()]);
    let (outcome, state) = crawl(cfg, dir.path()).await;
    assert!(
        matches!(outcome, Ok(RunOutcome::Completed { .. })),
        "{outcome:?}"
    );
    state.expect("a final checkpoint")
}
