//! Serving the sample site over HTTP and counting hits per path.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use super::{Page, SampleSite};
use crate::Error;

impl SampleSite {
    /// Serves the site on `127.0.0.1` at a free port until the returned
    /// server is dropped.
    pub async fn serve(&self) -> Result<SiteServer, Error> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(Error::io("could not bind the sample site's port"))?;
        let addr = listener
            .local_addr()
            .map_err(Error::io("could not read the sample site's address"))?;
        let base = format!("http://{addr}");
        let mut pages: HashMap<String, Page> = self
            .pages
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        pages.insert(
            "/robots.txt".into(),
            Page {
                content_type: "text/plain; charset=utf-8",
                body: format!(
                    "# Nordwind Robotics\nUser-agent: *\nAllow: /\nDisallow: /internal/\n\nSitemap: {base}/sitemap.xml\n"
                ),
            },
        );
        let mut sitemap = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for path in self.page_paths() {
            let _ = writeln!(sitemap, "  <url><loc>{base}{path}</loc></url>");
        }
        sitemap.push_str("</urlset>\n");
        pages.insert(
            "/sitemap.xml".into(),
            Page {
                content_type: "application/xml",
                body: sitemap,
            },
        );
        let state = Arc::new(ServerState {
            pages,
            hits: Mutex::new(BTreeMap::new()),
        });
        let app = axum::Router::new()
            .fallback(serve_page)
            .with_state(state.clone());
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stop_rx.await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::warn!(error = %e, "the sample site server stopped");
            }
        });
        tracing::info!(%addr, pages = self.pages.len(), "serving the sample site");
        Ok(SiteServer {
            addr,
            state,
            stop: Some(stop_tx),
            task,
        })
    }
}

struct ServerState {
    pages: HashMap<String, Page>,
    hits: Mutex<BTreeMap<String, u64>>,
}

async fn serve_page(
    axum::extract::State(state): axum::extract::State<Arc<ServerState>>,
    uri: axum::http::Uri,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = uri.path().to_string();
    *crate::supervisor::lock(&state.hits)
        .entry(path.clone())
        .or_default() += 1;
    match state.pages.get(&path) {
        Some(page) => (
            [(axum::http::header::CONTENT_TYPE, page.content_type)],
            page.body.clone(),
        )
            .into_response(),
        None => (
            axum::http::StatusCode::NOT_FOUND,
            [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!doctype html><title>Not found</title><p>This page does not exist.</p>",
        )
            .into_response(),
    }
}

/// The running sample site; stops serving when dropped.
pub struct SiteServer {
    addr: SocketAddr,
    state: Arc<ServerState>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl SiteServer {
    /// `http://127.0.0.1:<port>/`, the seed URL.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The address served on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Requests per path so far (any status).
    pub fn hits(&self) -> BTreeMap<String, u64> {
        crate::supervisor::lock(&self.state.hits).clone()
    }

    /// Requests for one path so far.
    pub fn hits_for(&self, path: &str) -> u64 {
        crate::supervisor::lock(&self.state.hits)
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// Distinct pages of `site` fetched at least once.
    pub fn pages_fetched(&self, site: &SampleSite) -> usize {
        let hits = self.hits();
        site.page_paths()
            .iter()
            .filter(|p| hits.get(p.as_str()).copied().unwrap_or(0) > 0)
            .count()
    }

    /// Fetches beyond the first, summed over the pages of `site`.
    pub fn refetches(&self, site: &SampleSite) -> u64 {
        let hits = self.hits();
        site.page_paths()
            .iter()
            .map(|p| hits.get(p.as_str()).copied().unwrap_or(0).saturating_sub(1))
            .sum()
    }

    /// Forgets all counted hits.
    pub fn reset_hits(&self) {
        crate::supervisor::lock(&self.state.hits).clear();
    }
}

impl Drop for SiteServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Open keep-alive connections would hold graceful shutdown; the
        // abort ends the server task either way.
        self.task.abort();
    }
}
