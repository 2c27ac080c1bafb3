//! Parts of the walk-through: stop and cancel from the console, and the
//! plugin's `console` command.

use std::process::Stdio;
use std::time::Duration;

use cira_tests::{wait_for, workspace_binary};
use serde_json::json;

use super::actions::{click_action, goto_live, mark, shot, still_marked, wait_text};
use super::setup::{REACT, Setup, site, text};
use crate::webdriver::Browser;

/// A scan of the sample site at a slow rate, with at least two pages
/// crawled and its page open on the live stream.
async fn crawling_scan(browser: &Browser, s: &Setup, name: &str) {
    s.apply_scan(
        name,
        json!({
            "company": {"name": "Nordwind Maschinenbau", "url": s.server.url()},
            "crawl": {"maxPages": 1000, "requestsPerSecond": 4, "allowPrivateNetworks": true},
            "timeout": "10m"
        }),
    );
    let crawled = wait_for(&format!("{name} to crawl two pages"), REACT, || async {
        let pages = s.scan(name)["status"]["progress"]["pagesCrawled"].as_u64()?;
        (pages >= 2).then_some(())
    })
    .await;
    if let Err(e) = crawled {
        panic!("{e}\n{}", s.diagnostics());
    }
    goto_live(browser, &s.scan_url(name)).await;
}

/// Clicks `action`, checks its confirmation page changed nothing yet, and
/// confirms.
async fn confirm_action(browser: &Browser, s: &Setup, name: &str, action: &str, says: &str) {
    click_action(browser, action).await;
    let consequence = wait_text(browser, "#consequence", "the confirmation", |t| {
        !t.is_empty()
    })
    .await;
    assert!(consequence.contains(says), "{consequence}");
    assert_eq!(
        s.scan(name)["spec"]["desiredState"],
        "Running",
        "nothing changed before confirming"
    );
    browser
        .find("#confirm")
        .await
        .expect("confirm")
        .click()
        .await
        .expect("click");
    // The click submits a form: a step that navigates before the request
    // has reached the console would cancel it, so wait until the scan
    // holds the new desired state.
    let applied = wait_for(&format!("the {action} to reach {name}"), REACT, || async {
        (s.scan(name)["spec"]["desiredState"] != "Running").then_some(())
    })
    .await;
    if let Err(e) = applied {
        panic!("{e}\n{}", browser.source().await.unwrap_or_default());
    }
}

pub(super) async fn stop_yields_a_report_of_the_pages_so_far(browser: &Browser, s: &Setup) {
    crawling_scan(browser, s, "stopme").await;
    confirm_action(
        browser,
        s,
        "stopme",
        "stop",
        "from the pages crawled so far",
    )
    .await;
    // A stop can finish before the page after the request is drawn: the
    // page then opens on a completed scan and stays, as it does for any
    // finished scan (the move to the report is for a scan completing
    // while its page is open), and the report is its link away.
    let report = format!("{}/report", s.scan_url("stopme"));
    let reached = wait_for(
        "the stopped scan's page to move to its report",
        Duration::from_secs(300),
        || async {
            let url = browser.current_url().await.ok()?;
            if url.split('?').next()?.ends_with("/report") {
                return Some(());
            }
            let phase = browser.find("#scan-live .phase .badge").await.ok()?;
            if phase.text().await.ok()? == "Completed" {
                browser.find("a[href$='/report']").await.ok()?;
                browser.goto(&report).await.ok()?;
            }
            None
        },
    )
    .await;
    if let Err(e) = reached {
        panic!("{e}\n{}", s.diagnostics());
    }
    let scan = s.scan("stopme");
    assert_eq!(scan["spec"]["desiredState"], "Stopped");
    assert_eq!(scan["status"]["phase"], "Completed", "{}", scan["status"]);
    let reasons: Vec<&str> = scan["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["reason"].as_str())
        .collect();
    assert!(reasons.contains(&"Stopped"), "{reasons:?}");
    let pages = scan["status"]["progress"]["pagesCrawled"]
        .as_u64()
        .unwrap_or(0);
    assert!(
        pages >= 2 && pages < site().page_count() as u64,
        "a report of the pages crawled so far: {pages} of {}",
        site().page_count()
    );
    wait_text(browser, "#counts", "the report's counts", |t| !t.is_empty()).await;
    assert!(!s.crawler_running("stopme"), "no crawler after the report");
    shot(browser, "10-stopped-report").await;
}

pub(super) async fn cancel_ends_the_scan_without_a_report(browser: &Browser, s: &Setup) {
    crawling_scan(browser, s, "cancelme").await;
    confirm_action(browser, s, "cancelme", "cancel", "without a report").await;
    goto_live(browser, &s.scan_url("cancelme")).await;
    mark(browser).await;
    wait_text(
        browser,
        "#scan-live .phase .badge",
        "phase Cancelled",
        |t| t == "Cancelled",
    )
    .await;
    assert!(
        still_marked(browser).await,
        "Cancelled arrived without a reload"
    );
    let scan = s.scan("cancelme");
    assert_eq!(scan["spec"]["desiredState"], "Cancelled");
    assert!(scan["status"]["report"].is_null(), "{}", scan["status"]);
    let gone = wait_for("the cancelled crawler to go", REACT, || async {
        (!s.crawler_running("cancelme")).then_some(())
    })
    .await;
    if let Err(e) = gone {
        panic!("{e}\n{}", s.diagnostics());
    }
    shot(browser, "11-cancelled").await;
}

/// `kubectl cira console` in the release's namespace names the pod and the
/// local URL; in a namespace without a console it says where to look.
pub(super) async fn plugin_console_prints_the_url(s: &Setup) {
    use tokio::io::AsyncBufReadExt;
    let plugin = tokio::task::spawn_blocking(|| workspace_binary("cira-operator", "kubectl-cira"))
        .await
        .expect("join")
        .expect("the plugin builds");
    let mut child = tokio::process::Command::new(&plugin)
        .args(["console", "-n", &s.ns, "--port", "0"])
        .env("KUBECONFIG", s.env.kubeconfig_path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the plugin starts");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let printed = tokio::time::timeout(Duration::from_secs(30), async {
        let mut out = Vec::new();
        while let Ok(Some(line)) = lines.next_line().await {
            out.push(line);
            if out.len() == 2 {
                break;
            }
        }
        out
    })
    .await
    .expect("the plugin prints within 30 s");
    let _ = child.kill().await;
    let printed = printed.join("\n");
    assert!(
        printed.contains(&format!("to pod {}/{}-console", s.ns, s.fullname())),
        "{printed}"
    );
    assert!(
        printed.contains("Open the CIRA console at http://127.0.0.1:"),
        "{printed}"
    );

    let empty = s
        .env
        .new_namespace("console-none")
        .await
        .expect("namespace");
    let out = tokio::process::Command::new(&plugin)
        .args(["console", "-n", &empty, "--port", "0"])
        .env("KUBECONFIG", s.env.kubeconfig_path())
        .output()
        .await
        .expect("the plugin runs");
    let _ = s
        .env
        .kubectl()
        .args(["delete", "namespace", &empty, "--wait=false"])
        .output();
    assert!(!out.status.success());
    assert!(
        text(&out).contains(&format!("no running console pod in namespace {empty}")),
        "{}",
        text(&out)
    );
}
