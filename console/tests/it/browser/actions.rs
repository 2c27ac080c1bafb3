//! Steps of a person in the browser, and plain HTTP requests without one.

use cira_tests::wait_for;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::setup::{REACT, Setup, screenshots_dir};
use crate::webdriver::Browser;

/// One HTTP/1.1 exchange without a browser: (status, headers, body).
pub(super) async fn http(port: u16, request: String) -> (u16, String, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

pub(super) fn get(port: u16, path: &str, cookie: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{}\r\n",
        if cookie.is_empty() {
            String::new()
        } else {
            format!("Cookie: {cookie}\r\n")
        },
    )
}

pub(super) fn post(
    port: u16,
    path: &str,
    cookie: &str,
    body: &str,
    origin: Option<&str>,
) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{}{}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        if cookie.is_empty() {
            String::new()
        } else {
            format!("Cookie: {cookie}\r\n")
        },
        origin
            .map(|o| format!("Origin: {o}\r\n"))
            .unwrap_or_default(),
        body.len()
    )
}

pub(super) fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let enc = |s: &str| {
                s.bytes()
                    .map(|b| match b {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                            (b as char).to_string()
                        }
                        _ => format!("%{b:02X}"),
                    })
                    .collect::<String>()
            };
            format!("{}={}", enc(k), enc(v))
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub(super) async fn shot(browser: &Browser, name: &str) {
    let png = browser.screenshot().await.expect("screenshot");
    std::fs::write(screenshots_dir().join(format!("{name}.png")), png).expect("save screenshot");
}

pub(super) async fn text_of(browser: &Browser, css: &str) -> String {
    browser
        .find(css)
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

/// Waits until the element `css` exists with text for which `ok` holds;
/// that text.
pub(super) async fn wait_text(
    browser: &Browser,
    css: &str,
    what: &str,
    ok: impl Fn(&str) -> bool,
) -> String {
    let result = wait_for(what, REACT, || async {
        let el = browser.find(css).await.ok()?;
        let t = el.text().await.ok()?;
        ok(&t).then_some(t)
    })
    .await;
    match result {
        Ok(t) => t,
        Err(e) => panic!(
            "{e}; page now:\n{}",
            browser.source().await.unwrap_or_default()
        ),
    }
}

/// Marks the current document; `still_marked` is false after any reload or
/// navigation.
pub(super) async fn mark(browser: &Browser) {
    browser
        .execute("window.ciraMark = 'kept'; return null;")
        .await
        .expect("mark");
}

pub(super) async fn still_marked(browser: &Browser) -> bool {
    browser
        .execute("return window.ciraMark === 'kept';")
        .await
        .expect("read mark")
        == json!(true)
}

pub(super) async fn sign_in(browser: &Browser, s: &Setup, token: &str) {
    browser.goto(&s.url("/login")).await.expect("login page");
    let field = browser.find("#token").await.expect("token field");
    field.send_keys(token).await.expect("type token");
    browser
        .find("#sign-in")
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
}

pub(super) async fn sign_out(browser: &Browser) {
    browser
        .find("header form button")
        .await
        .expect("sign-out button")
        .click()
        .await
        .expect("click");
    wait_text(browser, "h1", "the sign-in page", |t| t == "Sign in").await;
}

pub(super) async fn click_action(browser: &Browser, action: &str) {
    let css = format!("button[data-action='{action}']");
    // The live stream replaces the buttons now and then; find and click
    // again if the element went stale in between.
    let clicked = wait_for(&format!("a {action} button to click"), REACT, || async {
        let el = browser.find(&css).await.ok()?;
        el.click().await.ok()
    })
    .await;
    if let Err(e) = clicked {
        panic!("{e}\n{}", browser.source().await.unwrap_or_default());
    }
}

pub(super) async fn fill(browser: &Browser, id: &str, value: &str) {
    let el = browser.find(&format!("#{id}")).await.expect(id);
    el.clear().await.expect("clear");
    el.send_keys(value).await.expect("type");
}

/// What the hostile values would have set, had any of them run, and the
/// elements they would have made; `[null, 0]` when they are only text.
pub(super) async fn injected(browser: &Browser) -> Value {
    browser
        .execute(
            "return [window.pwned === undefined ? null : window.pwned, \
             document.querySelectorAll('main img, main script, h1 img, h1 script').length];",
        )
        .await
        .expect("script")
}

pub(super) async fn goto_live(browser: &Browser, url: &str) {
    browser.goto(url).await.expect("page");
    wait_text(browser, "#live-state", "the live stream", |t| t == "live").await;
}
