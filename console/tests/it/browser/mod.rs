//! The console driven by a real browser (Debian's chromium through
//! chromedriver, over WebDriver) against the test control plane: the Helm
//! chart installs the operator and the console, crawler Jobs crawl the
//! sample company site and a hostile one, and people sign in with real
//! ServiceAccount tokens. One control plane, one release and one browser
//! serve the whole walk-through. Screenshots go to
//! `target/console-screenshots/`.
//!
//! Needs `chromium` and `chromium-driver` (.ci/run installs them).

use std::time::{Duration, Instant};

use cira_tests::wait_for;
use serde_json::json;

use actions::{
    click_action, fill, form_encode, get, goto_live, http, injected, mark, post, shot, sign_in,
    sign_out, still_marked, text_of, wait_text,
};
use setup::{Driver, HOSTILE_DESCRIPTION, HOSTILE_NAME, HOSTILE_PRODUCT, REACT, Setup, site};
use steps::{
    cancel_ends_the_scan_without_a_report, plugin_console_prints_the_url,
    stop_yields_a_report_of_the_pages_so_far,
};

mod actions;
mod setup;
mod steps;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_in_a_real_browser() {
    let begin = Instant::now();
    let s = Setup::start().await;
    let driver = Driver::start();
    let browser = driver.browser().await;
    let port = s.console_port;
    eprintln!(
        "[console] control plane, chart and browser ready after {:.1}s",
        begin.elapsed().as_secs_f64()
    );

    // Every page carries the strict policy; scripts only from the console.
    let (status, head, _) = http(port, get(port, "/login", "")).await;
    assert_eq!(status, 200);
    assert!(
        head.to_ascii_lowercase()
            .contains("content-security-policy: default-src 'none'; script-src 'self'"),
        "{head}"
    );

    // A token the API server does not know is refused with its reason.
    sign_in(&browser, &s, "not-a-real-token").await;
    let error = wait_text(&browser, "#login-error", "the sign-in error", |t| {
        !t.is_empty()
    })
    .await;
    assert!(error.contains("did not accept this token"), "{error}");
    shot(&browser, "01-sign-in-refused").await;
    let (status, _, _) = http(port, get(port, "/scans", "")).await;
    assert_eq!(status, 303, "no session, no scans");

    // CSRF: a session of alice's over plain HTTP; a form post without the
    // session's token, with a wrong one, or from another origin is refused.
    let alice = s.token("alice");
    let (status, head, _) = http(
        port,
        post(port, "/login", "", &form_encode(&[("token", &alice)]), None),
    )
    .await;
    assert_eq!(status, 303, "{head}");
    let cookie_line = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .expect("a session cookie");
    assert!(
        cookie_line.contains("HttpOnly") && cookie_line.contains("SameSite=Strict"),
        "{cookie_line}"
    );
    assert!(!cookie_line.contains(&alice), "the cookie is not the token");
    let cookie = cookie_line["set-cookie:".len()..]
        .trim()
        .split(';')
        .next()
        .expect("pair")
        .to_string();
    let (status, _, page) = http(port, get(port, "/new", &cookie)).await;
    assert_eq!(status, 200, "the session works: {page}");
    let new_scan = |csrf: Option<&str>| {
        let mut pairs = vec![
            ("namespace", s.ns.as_str()),
            ("name", "csrf"),
            ("company", "X"),
            ("url", "https://x.example"),
        ];
        if let Some(c) = csrf {
            pairs.push(("csrf", c));
        }
        form_encode(&pairs)
    };
    for csrf in [None, Some("wrong")] {
        let (status, _, body) =
            http(port, post(port, "/new", &cookie, &new_scan(csrf), None)).await;
        assert_eq!(status, 403, "csrf {csrf:?}: {body}");
        assert!(
            body.contains("CSRF token is missing or wrong"),
            "csrf {csrf:?}: {body}"
        );
    }
    let (status, _, body) = http(
        port,
        post(port, "/logout", &cookie, "", Some("http://evil.example")),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(s.scans().is_empty(), "nothing was created");

    // Alice signs in in the browser and starts a scan from the form.
    sign_in(&browser, &s, &alice).await;
    wait_text(
        &browser,
        "header .user",
        "alice's name in the header",
        |t| t.contains("alice"),
    )
    .await;
    browser.goto(&s.url("/new")).await.expect("new page");
    // An admission error is shown next to the field it names, verbatim.
    fill(&browser, "namespace", &s.ns).await;
    fill(&browser, "company", HOSTILE_NAME).await;
    fill(&browser, "url", "not a url").await;
    browser
        .find("#create")
        .await
        .expect("create")
        .click()
        .await
        .expect("click");
    let url_error = wait_text(&browser, "#error-url", "the URL's admission error", |t| {
        !t.is_empty()
    })
    .await;
    assert!(
        url_error.contains("company.url must be an absolute http:// or https:// URL"),
        "{url_error}"
    );
    shot(&browser, "02-new-scan-admission-error").await;
    assert!(s.scans().is_empty());
    fill(&browser, "name", "nordwind").await;
    fill(&browser, "url", &s.server.url()).await;
    fill(&browser, "maxPages", "1000").await;
    fill(&browser, "maxDepth", "10").await;
    fill(&browser, "concurrency", "1").await;
    fill(&browser, "requestsPerSecond", "8").await;
    fill(&browser, "timeout", "10m").await;
    browser
        .find("#allowPrivateNetworks")
        .await
        .expect("box")
        .click()
        .await
        .expect("check");
    browser
        .find("#create")
        .await
        .expect("create")
        .click()
        .await
        .expect("click");
    wait_text(&browser, "h1", "the new scan's page", |t| {
        t.contains("Nordwind <script>")
    })
    .await;
    assert_eq!(
        injected(&browser).await,
        json!([null, 0]),
        "the hostile name ran as script"
    );
    // The hostile site is crawled alongside, to completion.
    s.apply_scan(
        "hostile",
        json!({
            "company": {"name": "Hostile Widgets", "url": s.hostile.url},
            "crawl": {"maxPages": 10, "allowPrivateNetworks": true},
            "timeout": "5m"
        }),
    );

    // The list follows the crawl without a reload.
    goto_live(&browser, &s.url(&format!("/scans?namespace={}", s.ns))).await;
    mark(&browser).await;
    let row = format!("#row-{}-nordwind", s.ns);
    let first: u64 = wait_text(
        &browser,
        &format!("{row} td.pages"),
        "pages to be crawled",
        |t| t.parse::<u64>().is_ok_and(|n| n >= 2),
    )
    .await
    .parse()
    .expect("number");
    wait_text(&browser, &format!("{row} td.pages"), "more pages", |t| {
        t.parse::<u64>().is_ok_and(|n| n > first)
    })
    .await;
    assert!(
        still_marked(&browser).await,
        "the list updated without a reload"
    );
    let company = text_of(&browser, &format!("{row} a.company")).await;
    assert_eq!(company, HOSTILE_NAME, "shown as text");
    assert_eq!(injected(&browser).await, json!([null, 0]));
    shot(&browser, "03-scans-live").await;

    // Pause: the crawler pod goes away and the page turns Paused by itself.
    goto_live(&browser, &s.scan_url("nordwind")).await;
    shot(&browser, "04-scan-crawling").await;
    click_action(&browser, "pause").await;
    wait_text(&browser, "#desired", "desired Paused", |t| t == "Paused").await;
    wait_text(&browser, "#live-state", "the live stream", |t| t == "live").await;
    mark(&browser).await;
    wait_text(&browser, "#scan-live .phase .badge", "phase Paused", |t| {
        t == "Paused"
    })
    .await;
    assert!(
        still_marked(&browser).await,
        "Paused arrived without a reload"
    );
    assert!(
        !s.crawler_running("nordwind"),
        "no crawler process while paused"
    );
    assert_eq!(s.scan("nordwind")["spec"]["desiredState"], "Paused");
    let paused_pages = s.scan("nordwind")["status"]["progress"]["pagesCrawled"]
        .as_u64()
        .unwrap_or(0);
    assert!(
        paused_pages < site().page_count() as u64,
        "paused mid-crawl: {paused_pages} of {} pages",
        site().page_count()
    );
    shot(&browser, "05-scan-paused").await;

    // Bob may look but not resume: a clear refusal, nothing changes.
    sign_out(&browser).await;
    let bob = s.token("bob");
    sign_in(&browser, &s, &bob).await;
    wait_text(&browser, "header .user", "bob's name", |t| {
        t.contains("bob")
    })
    .await;
    browser
        .goto(&s.scan_url("nordwind"))
        .await
        .expect("scan page");
    click_action(&browser, "resume").await;
    let notice = wait_text(&browser, "#notice", "the refusal", |t| !t.is_empty()).await;
    assert!(
        notice.contains("You are not allowed to resume this scan"),
        "{notice}"
    );
    assert_eq!(
        s.scan("nordwind")["spec"]["desiredState"],
        "Paused",
        "nothing changed"
    );
    assert!(!s.crawler_running("nordwind"));
    shot(&browser, "06-not-allowed").await;
    sign_out(&browser).await;

    // Resume: the crawl goes on to completion and the page moves to the
    // report by itself.
    sign_in(&browser, &s, &alice).await;
    wait_text(&browser, "header .user", "alice's name", |t| {
        t.contains("alice")
    })
    .await;
    goto_live(&browser, &s.scan_url("nordwind")).await;
    click_action(&browser, "resume").await;
    wait_text(&browser, "#desired", "desired Running", |t| t == "Running").await;
    wait_text(
        &browser,
        "#scan-live .phase .badge",
        "phase Crawling",
        |t| t == "Crawling",
    )
    .await;
    let reached = wait_for(
        "the page to move to the report",
        Duration::from_secs(300),
        || async {
            let url = browser.current_url().await.ok()?;
            url.split('?').next()?.ends_with("/report").then_some(())
        },
    )
    .await;
    if let Err(e) = reached {
        panic!("{e}\n{}", s.diagnostics());
    }

    // The report lists the sample site's entities.
    wait_text(&browser, "#counts", "the report's counts", |t| {
        !t.is_empty()
    })
    .await;
    let truth = site().truth();
    let emails = text_of(&browser, "#entities-emails").await;
    for email in &truth.emails {
        assert!(emails.contains(email.as_str()), "the report lists {email}");
    }
    let people = text_of(&browser, "#entities-people").await;
    for (name, _) in &truth.people {
        assert!(people.contains(name.as_str()), "the report lists {name}");
    }
    let products = text_of(&browser, "#entities-products").await;
    for product in &truth.products {
        assert!(
            products.contains(product.as_str()),
            "the report lists {product}"
        );
    }
    assert_eq!(text_of(&browser, "h1").await, HOSTILE_NAME);
    assert_eq!(
        injected(&browser).await,
        json!([null, 0]),
        "the hostile name ran as script"
    );
    shot(&browser, "07-report").await;
    let md = browser
        .find("#download-md")
        .await
        .expect("md link")
        .attr("href")
        .await
        .expect("href")
        .expect("has href");
    assert!(md.ends_with("/report.md?version=1"), "{md}");

    // What the hostile site published is text on its report page.
    let hostile_done = wait_for("the hostile scan to complete", REACT, || async {
        (s.scan("hostile")["status"]["phase"] == "Completed").then_some(())
    })
    .await;
    if let Err(e) = hostile_done {
        panic!("{e}\n{}", s.diagnostics());
    }
    browser
        .goto(&format!("{}/report", s.scan_url("hostile")))
        .await
        .expect("report");
    let products = wait_text(&browser, "#entities-products", "the hostile product", |t| {
        t.contains("Widget")
    })
    .await;
    assert!(products.contains(HOSTILE_PRODUCT), "{products}");
    assert!(products.contains(HOSTILE_DESCRIPTION), "{products}");
    assert_eq!(
        injected(&browser).await,
        json!([null, 0]),
        "a crawled value ran as script or made elements"
    );
    shot(&browser, "08-hostile-report").await;

    // Delete asks first, then the scan is gone from the list.
    browser
        .goto(&s.scan_url("hostile"))
        .await
        .expect("scan page");
    click_action(&browser, "delete").await;
    let consequence = wait_text(&browser, "#consequence", "the confirmation", |t| {
        !t.is_empty()
    })
    .await;
    assert!(consequence.contains("cannot be undone"), "{consequence}");
    assert_eq!(s.scans().len(), 2, "nothing deleted before confirming");
    shot(&browser, "09-confirm-delete").await;
    browser
        .find("#confirm")
        .await
        .expect("confirm")
        .click()
        .await
        .expect("click");
    wait_for("the scan to be deleted", REACT, || async {
        (s.scans().len() == 1).then_some(())
    })
    .await
    .expect("deleted");
    wait_text(&browser, "h1", "the list", |t| t == "Scans").await;

    // Stop asks first, then the crawl ends and the page moves to a report
    // of the pages crawled so far.
    stop_yields_a_report_of_the_pages_so_far(&browser, &s).await;
    // Cancel asks first, then the crawler goes and the scan ends Cancelled,
    // without a report.
    cancel_ends_the_scan_without_a_report(&browser, &s).await;

    // `kubectl cira console` finds the console pod and prints the URL. (The
    // test node has no kubelet API, so the forwarded connection itself is
    // not exercised here.)
    plugin_console_prints_the_url(&s).await;

    browser.close().await.expect("close the browser");
    drop(driver);
    eprintln!(
        "[console] browser walk-through took {:.1}s",
        begin.elapsed().as_secs_f64()
    );
}
