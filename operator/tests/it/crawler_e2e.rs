//! The operator with the real `cira-crawler run` in its Job pods, crawling a
//! small site served on 127.0.0.1 by the test: pause mid-crawl, resume from
//! the checkpoint, complete with a report.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Html;
use axum::routing::get;
use cira_crds::ScanPhase;
use cira_crds::names;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;
use serde_json::json;

const CRAWLER_IMAGE: &str = "cira.dev/crawler-e2e";
const PAGES: usize = 40;

type Hits = Arc<Mutex<HashMap<String, u32>>>;

fn page(i: usize) -> String {
    let links: String = (1..=3)
        .map(|k| {
            format!(
                "<a href=\"/p/{}\">page {}</a> ",
                (i * 3 + k) % PAGES,
                (i * 3 + k) % PAGES
            )
        })
        .collect();
    format!(
        "<html><head><title>Acme page {i}</title></head><body><h1>Acme Widgets {i}</h1>\
         <p>Contact sales{i}@acme.test or call +1 415 555 01{:02}.</p>{links}</body></html>",
        i % 100
    )
}

async fn serve_page(State(hits): State<Hits>, Path(i): Path<usize>) -> Html<String> {
    if let Ok(mut h) = hits.lock() {
        *h.entry(format!("/p/{i}")).or_default() += 1;
    }
    Html(page(i % PAGES))
}

async fn serve_root(State(hits): State<Hits>) -> Html<String> {
    if let Ok(mut h) = hits.lock() {
        *h.entry("/".to_string()).or_default() += 1;
    }
    Html(page(0))
}

/// Serves the site until the returned guard is dropped.
async fn site() -> (String, Hits, tokio::task::JoinHandle<()>) {
    let hits: Hits = Arc::default();
    let app = Router::new()
        .route("/", get(serve_root))
        .route("/p/{i}", get(serve_page))
        .route("/robots.txt", get(|| async { "User-agent: *\nAllow: /\n" }))
        .with_state(hits.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/"), hits, task)
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);
impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_and_resume_with_the_real_crawler_completes_the_scan() {
    let env = env().await;
    let crawler =
        cira_tests::workspace_binary("cira-crawler", "cira-crawler").expect("build cira-crawler");
    env.node().register_image(CRAWLER_IMAGE, crawler);
    let (url, hits, task) = site().await;
    let _site = AbortOnDrop(task);
    let ns = env.new_namespace("op-e2e").await.unwrap();
    let client = env.admin_client().await;
    let mut cfg = config(&ns);
    cfg.crawler_image = CRAWLER_IMAGE.to_string();
    cfg.crawler_log = "info,cira_crawler=debug".to_string();
    let _op = Operator::start(env, cfg).await;

    create(
        &client,
        &ns,
        &scan(
            "acme",
            json!({
                "company": {"name": "Acme", "url": url},
                "crawl": {"allowPrivateNetworks": true, "maxPages": PAGES, "maxDepth": 10, "requestsPerSecond": 4, "concurrency": 1},
                "checkpoint": {"everyPages": 3, "every": "2s"}
            }),
        ),
    )
    .await;

    // Let it crawl some pages, then pause.
    wait_scan(
        &client,
        &ns,
        "acme",
        "some pages crawled",
        Duration::from_secs(120),
        |s| {
            s.status
                .as_ref()
                .and_then(|st| st.progress.as_ref())
                .is_some_and(|p| p.pages_crawled >= 6)
        },
    )
    .await;
    patch_spec(&client, &ns, "acme", json!({"desiredState": "Paused"})).await;
    let paused = wait_phase(&client, &ns, "acme", ScanPhase::Paused).await;
    let pst = paused.status.clone().unwrap();
    let ckpt = pst.checkpoint.clone().expect("a checkpoint at pause");
    assert!(
        ckpt.saved_at.unwrap().0 >= pst.paused_at.clone().unwrap().0,
        "checkpoint newer than the pause request"
    );
    assert!(ckpt.pages_visited >= 6);
    let crawled_at_pause = pst.progress.as_ref().unwrap().pages_crawled;
    assert!(
        crawled_at_pause < PAGES as u64,
        "paused mid-crawl ({crawled_at_pause})"
    );
    assert_eq!(active_pods(&client, &ns, "acme-v1").await, 0);

    patch_spec(&client, &ns, "acme", json!({"desiredState": "Running"})).await;
    let done = wait_scan(
        &client,
        &ns,
        "acme",
        "the scan to complete",
        Duration::from_secs(180),
        |s| matches!(phase(s), Some(ScanPhase::Completed | ScanPhase::Failed)),
    )
    .await;
    let st = done.status.clone().unwrap();
    assert_eq!(phase(&done), Some(ScanPhase::Completed), "{:?}", st.message);
    let report = st.report.clone().unwrap();
    assert_eq!(report.config_map, names::report_configmap_name("acme", 1));
    assert!(st.total_paused_seconds >= 0);
    assert_eq!(st.progress.as_ref().unwrap().percent, 100);
    let cm = Api::<ConfigMap>::namespaced(client.clone(), &ns)
        .get(&report.config_map)
        .await
        .unwrap();
    let md = cm.data.as_ref().unwrap().get(names::KEY_REPORT_MD).unwrap();
    assert!(md.contains("Acme"), "{md}");
    // Resumed from the checkpoint: pages fetched before it are not fetched
    // again (at most one checkpoint interval is redone).
    let hits = hits.lock().unwrap().clone();
    let refetched = hits.values().filter(|n| **n > 1).count();
    assert!(
        refetched <= 4,
        "pages fetched twice: {refetched} of {}",
        hits.len()
    );
}
