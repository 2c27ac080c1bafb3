//! Sites whose TLS the crawler must refuse: a self-signed, expired or
//! wrong-host certificate at the seed fails the scan with a reason that
//! names the problem; on another page it is a skip reason of its own.

use cira_crawler::error::Error;
use cira_crawler::skip::{SkipKind, SkipReason, TlsProblem};
use cira_crds::progress::FailureKind;

use super::html;
use crate::common::certs::{self, Validity};
use crate::common::{Crawler, Reply, Site, config, crawl, crawl_completed, spec};

fn home(path: &str) -> Reply {
    match path {
        "/robots.txt" => Reply::NotFound,
        "/" => html(r#"<a href="/team">Team</a>"#),
        "/team" => html("<p>Team</p>"),
        _ => Reply::NotFound,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signed_seed_fails_the_scan_as_a_certificate_problem_without_retries() {
    let site = Site::start_tls(certs::self_signed(&["127.0.0.1"]), home).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&site.https_url("/"), spec(), &[site.ip()]);
    let (outcome, _) = crawl(cfg, dir.path()).await;
    let e = outcome.expect_err("a refused certificate fails the scan");
    assert!(
        matches!(
            &e,
            Error::SeedUnreachable {
                reason: SkipReason::Tls {
                    problem: TlsProblem::UntrustedIssuer,
                    ..
                },
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.failure_kind(), FailureKind::SeedUnavailable);
    assert!(e.is_permanent());
    let message = e.to_string();
    assert!(
        message.contains("TLS certificate problem") && message.contains("self-signed"),
        "{message}"
    );
    // robots.txt is asked for first: one handshake, refused, not retried,
    // and no page request after it.
    assert_eq!(site.tls_handshakes(), 1);
    assert!(site.all_hits().is_empty(), "{:?}", site.all_hits());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_behind_a_refused_certificate_is_a_tls_skip_in_the_report() {
    // The same port answers HTTP and HTTPS, so the HTTPS page is the
    // site's; its link is absolute, and the port is known once it runs.
    let secure = std::sync::Arc::new(std::sync::OnceLock::<String>::new());
    let link = std::sync::Arc::clone(&secure);
    let site = Site::start_tls(
        certs::self_signed(&["127.0.0.1"]),
        move |path: &str| match path {
            "/robots.txt" => Reply::NotFound,
            "/" => html(&format!(
                r#"<a href="/team">Team</a> <a href="{}">Kontakt</a>"#,
                link.get().unwrap()
            )),
            "/team" => html("<p>Team</p>"),
            _ => Reply::NotFound,
        },
    )
    .await;
    secure.set(site.https_url("/secure/kontakt")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&site.url("/"), spec(), &[site.ip()]);
    let state = crawl_completed(cfg, dir.path()).await;
    assert_eq!(
        state.skipped.get(&SkipKind::Tls),
        Some(&1),
        "{:?}",
        state.skipped
    );
    assert_eq!(state.pages_failed, 1);
    assert_eq!(site.tls_handshakes(), 1);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["skippedUrls"]["tls"], 1, "{}", report["skippedUrls"]);
    let warnings = report["warnings"].as_array().expect("warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains(
                "1 URL could not be fetched: the TLS certificate of its server was refused"
            )),
        "{warnings:?}"
    );
}

/// `scan` of an HTTPS seed, trusting only `ca` (through `SSL_CERT_FILE`,
/// which the crawler's root store reads as system roots): its exit status
/// and what it wrote to stderr.
async fn scan_trusting(ca: &certs::Ca, site: &Site) -> (std::process::ExitStatus, String) {
    scan_with_roots(&ca.pem(), &site.https_url("/")).await
}

/// `scan` of `seed` on a system whose root certificates are `roots_pem`.
async fn scan_with_roots(roots_pem: &str, seed: &str) -> (std::process::ExitStatus, String) {
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, roots_pem).unwrap();
    let no_dir = dir.path().join("no-certs");
    std::fs::create_dir(&no_dir).unwrap();
    let state = dir.path().join("state");
    let args = [
        "scan",
        seed,
        "--state-dir",
        state.to_str().unwrap(),
        "--allow-private-networks",
        "--requests-per-second",
        "0",
        "--plain-progress",
    ];
    let mut c = Crawler::start_with(
        &state,
        0,
        &args,
        &[
            ("SSL_CERT_FILE", ca_file.to_str().unwrap()),
            ("SSL_CERT_DIR", no_dir.to_str().unwrap()),
        ],
    );
    let status = c.wait(std::time::Duration::from_secs(60)).await;
    (status, c.stderr())
}

/// The root certificates load at the first TLS handshake: a system with
/// none still scans `http://` sites, and fails an HTTPS seed saying why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_root_certificates_http_sites_are_scanned_and_https_ones_fail_saying_why() {
    let plain = Site::start(home).await;
    let (status, stderr) = scan_with_roots("", &plain.url("/")).await;
    assert!(status.success(), "{stderr}");
    assert_eq!(plain.hits("/team"), 1, "{stderr}");

    let ca = certs::Ca::generate();
    let site = Site::start_tls(ca.server(&["127.0.0.1"], Validity::Now), home).await;
    let (status, stderr) = scan_with_roots("", &site.https_url("/")).await;
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("No CA certificates"), "{stderr}");
    assert!(site.all_hits().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_and_wrong_host_certificates_are_named_in_the_failure() {
    let ca = certs::Ca::generate();
    // The control: a certificate the CA signed for the host is crawled.
    let site = Site::start_tls(ca.server(&["127.0.0.1"], Validity::Now), home).await;
    let (status, stderr) = scan_trusting(&ca, &site).await;
    assert!(status.success(), "{stderr}");
    assert_eq!(site.hits("/team"), 1, "{stderr}");
    let cases = [
        (
            ca.server(&["127.0.0.1"], Validity::Expired),
            "the certificate has expired",
        ),
        (
            ca.server(&["www.acme.example"], Validity::Now),
            "the certificate is for another host name",
        ),
    ];
    for (tls, says) in cases {
        let site = Site::start_tls(tls, home).await;
        let (status, stderr) = scan_trusting(&ca, &site).await;
        assert_eq!(status.code(), Some(3), "{stderr}");
        assert!(
            stderr.contains(&format!("TLS certificate problem: {says}")),
            "{stderr}"
        );
        assert_eq!(site.tls_handshakes(), 1, "not retried");
        assert!(site.all_hits().is_empty());
    }
}
