//! Serves a generated company site of N pages from memory on 127.0.0.1.
//! Prints `port=<p>` and serves until killed.
//!
//! Usage: `bench-site [PAGES] [small|realistic]`: `small` (the default) pages
//! are about 2.8 KiB with 10 links; `realistic` pages are about 24 KB, shaped
//! like a company website's (see `realistic_page.rs`).

use std::sync::Arc;

#[path = "../site_page.rs"]
mod site_page;
#[path = "../realistic_page.rs"]
mod realistic_page;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let profile = std::env::args().nth(2).unwrap_or_else(|| "small".into());
    let page: fn(usize, usize) -> String = match profile.as_str() {
        "small" => site_page::page,
        "realistic" => realistic_page::page,
        other => {
            eprintln!("bench-site: unknown profile {other:?} (small or realistic)");
            std::process::exit(2);
        }
    };
    let pages: Arc<Vec<String>> = Arc::new((0..n).map(|i| page(i, n)).collect());
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let pages = Arc::clone(&pages);
        async move {
            let path = uri.path();
            let idx = if matches!(
                path,
                "/" | "/about.html" | "/contact.html" | "/impressum.html" | "/privacy.html" | "/terms.html"
            ) {
                Some(0)
            } else {
                path.rsplit_once("/page-")
                    .and_then(|(_, rest)| rest.strip_suffix(".html"))
                    .and_then(|s| s.parse::<usize>().ok())
                    .filter(|i| *i < pages.len())
            };
            match idx {
                Some(i) => axum::response::Response::builder()
                    .header("content-type", "text/html; charset=utf-8")
                    .body(axum::body::Body::from(pages[i].clone()))
                    .unwrap_or_default(),
                None => axum::response::Response::builder()
                    .status(404)
                    .body(axum::body::Body::empty())
                    .unwrap_or_default(),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    println!("port={}", listener.local_addr().expect("addr").port());
    axum::serve(listener, app).await.expect("serve");
}
