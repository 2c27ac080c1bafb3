//! Fetching one URL: manual redirects (each hop re-checked against the scope
//! and the network guard), retries with backoff for timeouts, 429 and 5xx
//! (honouring Retry-After), a content-type filter, `maxPageBytes` enforced on
//! the decompressed stream, and charset decoding. Every request, each hop
//! and retry included, first waits on its host's politeness limiter.

use std::sync::Arc;
use std::time::Duration;

use encoding_rs::Encoding;
use reqwest::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER};
use reqwest::{Client, Response, StatusCode};
use url::Url;

mod decode;
mod tls;

use decode::*;
pub use decode::{decode_html, inflate, is_html_type};

use crate::error::{Error, Result};
use crate::guard::{GuardedResolver, NetworkGuard, RefusedAddress};
use crate::politeness::Politeness;
use crate::scope::{Scope, Verdict};
use crate::skip::{SkipReason, TlsProblem};

/// Longest Retry-After honoured; a server asking for more gets this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Fetch settings.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub user_agent: String,
    pub request_timeout: Duration,
    pub max_page_bytes: u64,
    pub max_redirects: usize,
    pub max_retries: u32,
    /// First retry delay; doubled for each further attempt.
    pub backoff_base: Duration,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            user_agent: cira_crds::DEFAULT_USER_AGENT.to_string(),
            request_timeout: Duration::from_secs(30),
            max_page_bytes: 5 * 1024 * 1024,
            max_redirects: 10,
            max_retries: 2,
            backoff_base: Duration::from_millis(500),
        }
    }
}

/// A fetched HTML page, decoded.
#[derive(Debug, Clone)]
pub struct HtmlBody {
    pub final_url: Url,
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body was cut at `maxPageBytes`.
    pub truncated: bool,
}

/// What fetching one URL gave.
#[derive(Debug, Clone)]
pub enum FetchOutcome {
    Html(HtmlBody),
    /// An answer that is not a page (an error status, not HTML); its body
    /// is not parsed.
    Answered {
        final_url: Url,
        reason: SkipReason,
    },
    /// A redirect left the scope; the target is recorded as external.
    RedirectedOut {
        final_url: Url,
        target: Url,
    },
    /// No answer to use: refused before the request, or the request failed.
    NotFetched(SkipReason),
}

/// The HTTP side of the crawler.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: Client,
    guard: NetworkGuard,
    config: Arc<FetchConfig>,
    politeness: Arc<Politeness>,
}

/// Asked before a redirect's target is requested (robots.txt rules, which
/// the engine holds).
pub trait HopCheck: Sync {
    fn check(&self, url: &Url) -> impl std::future::Future<Output = Result<(), SkipReason>> + Send;
}

/// No check: robots.txt and sitemap requests.
struct NoHopCheck;

impl HopCheck for NoHopCheck {
    async fn check(&self, _: &Url) -> Result<(), SkipReason> {
        Ok(())
    }
}

enum Hop {
    Response(Url, Response),
    Done(FetchOutcome),
}

impl Fetcher {
    pub fn new(
        config: FetchConfig,
        guard: NetworkGuard,
        politeness: Arc<Politeness>,
    ) -> Result<Self> {
        install_crypto_provider();
        let client = Client::builder()
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(GuardedResolver::new(guard.clone())))
            .no_proxy()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(64)
            .tcp_nodelay(true)
            // One cookie jar per scan, as a browser keeps one: sites that
            // set a cookie and redirect back to the same URL to check it
            // (load balancers, consent walls) then answer the second time.
            .cookie_store(true)
            .gzip(true)
            .brotli(true)
            // Deflate is inflated here rather than by the client: servers
            // send it both zlib-wrapped (RFC 9110) and raw, as browsers
            // accept (see `inflate`).
            .deflate(false)
            .tls_backend_preconfigured(tls::client_config().map_err(Error::TlsConfig)?)
            .build()
            .map_err(Error::HttpClient)?;
        Ok(Self {
            client,
            guard,
            config: Arc::new(config),
            politeness,
        })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    pub fn guard(&self) -> &NetworkGuard {
        &self.guard
    }

    /// Fetches a page, following redirects inside `scope`; every hop's
    /// target must pass `hops` (robots.txt) before it is requested.
    pub async fn fetch_page(
        &self,
        url: &Url,
        scope: &Scope,
        follow_external: bool,
        hops: &impl HopCheck,
    ) -> FetchOutcome {
        let (final_url, mut resp) =
            match self.follow(url, Some((scope, follow_external, hops))).await {
                Hop::Response(u, r) => (u, r),
                Hop::Done(outcome) => return outcome,
            };
        let status = resp.status().as_u16();
        let headers = header_pairs(&resp);
        let (content_type, charset) = content_type(&resp);
        if let Some(by) = bot_challenge(status, resp.headers()) {
            return FetchOutcome::Answered {
                final_url,
                reason: SkipReason::BotChallenge { status, by },
            };
        }
        if is_slow_down(resp.status()) {
            return FetchOutcome::Answered {
                final_url,
                reason: SkipReason::Throttled {
                    status,
                    retry_after: retry_after(&resp),
                },
            };
        }
        // 204 and 205 have no body by definition: no page, and no file.
        if !resp.status().is_success()
            || matches!(
                resp.status(),
                StatusCode::NO_CONTENT | StatusCode::RESET_CONTENT
            )
        {
            return FetchOutcome::Answered {
                final_url,
                reason: SkipReason::HttpStatus(status),
            };
        }
        if !content_type.is_empty() && !is_html_type(&content_type) {
            return FetchOutcome::Answered {
                final_url,
                reason: SkipReason::NotHtml { content_type },
            };
        }
        if is_attachment(resp.headers()) {
            return FetchOutcome::Answered {
                final_url,
                reason: SkipReason::Download {
                    content_type: if content_type.is_empty() {
                        "no content type".into()
                    } else {
                        content_type
                    },
                },
            };
        }
        let read = self
            .read_body(&mut resp, self.config.max_page_bytes, Partial::Keep)
            .await;
        let (bytes, truncated) = match read {
            Ok(b) => b,
            Err(reason) => return FetchOutcome::NotFetched(reason),
        };
        if content_type.is_empty() && !looks_like_html(&bytes) {
            return FetchOutcome::Answered {
                final_url,
                reason: SkipReason::NotHtml { content_type },
            };
        }
        let body = decode_html_owned(bytes, charset.as_deref());
        FetchOutcome::Html(HtmlBody {
            final_url,
            status,
            content_type: if content_type.is_empty() {
                "text/html".into()
            } else {
                content_type
            },
            headers,
            body,
            truncated,
        })
    }

    /// Fetches a small resource (robots.txt, sitemap) without a scope check;
    /// the guard still applies. Returns the status and at most `max_bytes`.
    pub async fn fetch_raw(&self, url: &Url, max_bytes: u64) -> Result<(u16, Vec<u8>), SkipReason> {
        match self.follow::<NoHopCheck>(url, None).await {
            Hop::Response(_, mut resp) => {
                let status = resp.status().as_u16();
                let (bytes, _) = self
                    .read_body(&mut resp, max_bytes, Partial::Refuse)
                    .await?;
                Ok((status, bytes))
            }
            Hop::Done(FetchOutcome::NotFetched(reason) | FetchOutcome::Answered { reason, .. }) => {
                Err(reason)
            }
            // Without a scope no redirect leaves it, and only pages are HTML.
            Hop::Done(FetchOutcome::RedirectedOut { target, .. }) => Err(SkipReason::Network {
                detail: format!("{url} redirected to {target}"),
            }),
            Hop::Done(FetchOutcome::Html(_)) => Err(SkipReason::Network {
                detail: format!("{url} gave no body"),
            }),
        }
    }

    /// Sends the request, with retries, following redirects.
    async fn follow<H: HopCheck>(&self, start: &Url, scope: Option<(&Scope, bool, &H)>) -> Hop {
        let mut url = start.clone();
        let mut chain = RedirectChain::new(&url);
        for _ in 0..=self.config.max_redirects {
            if let Err(reason) = self.check_literal(&url) {
                return Hop::Done(FetchOutcome::NotFetched(reason));
            }
            let resp = match self.send_with_retries(&url).await {
                Ok(r) => r,
                Err(outcome) => return Hop::Done(outcome),
            };
            if let Some(addr) = resp.remote_addr()
                && let Err(why) = self.guard.check(addr.ip())
            {
                return Hop::Done(FetchOutcome::NotFetched(SkipReason::Guard {
                    host: addr.ip().to_string(),
                    why,
                }));
            }
            if !resp.status().is_redirection() {
                return Hop::Response(url, resp);
            }
            let Some(target) = resp
                .headers()
                .get(LOCATION)
                .and_then(|loc| crate::url_norm::resolve(&url, &header_text(loc.as_bytes())))
            else {
                return Hop::Response(url, resp);
            };
            let sets_cookie = resp.headers().contains_key(reqwest::header::SET_COOKIE);
            drop(resp);
            if !chain.step(&target, sets_cookie) {
                return Hop::Done(FetchOutcome::NotFetched(SkipReason::RedirectLoop {
                    at: Box::new(target),
                }));
            }
            if let Some((scope, follow_external, hops)) = scope {
                match scope.classify(&target) {
                    Verdict::Internal => {}
                    Verdict::External if follow_external => {}
                    Verdict::External => {
                        return Hop::Done(FetchOutcome::RedirectedOut {
                            final_url: url,
                            target,
                        });
                    }
                    Verdict::Refused(refusal) => {
                        return Hop::Done(FetchOutcome::NotFetched(SkipReason::Scope {
                            url: Box::new(target),
                            refusal,
                        }));
                    }
                }
                // A redirect does not lead past robots.txt: `/account` ->
                // `/login?next=...` where `/login` is disallowed.
                if let Err(reason) = hops.check(&target).await {
                    return Hop::Done(FetchOutcome::NotFetched(reason));
                }
            }
            url = target;
        }
        Hop::Done(FetchOutcome::NotFetched(SkipReason::TooManyRedirects {
            max: self.config.max_redirects,
        }))
    }

    /// IP-literal hosts never reach the resolver, so they are judged here.
    fn check_literal(&self, url: &Url) -> Result<(), SkipReason> {
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => std::net::IpAddr::V4(ip),
            Some(url::Host::Ipv6(ip)) => std::net::IpAddr::V6(ip),
            Some(url::Host::Domain(_)) => return Ok(()),
            None => return Err(SkipReason::UnparsableUrl),
        };
        self.guard.check(ip).map_err(|why| SkipReason::Guard {
            host: ip.to_string(),
            why,
        })
    }

    async fn send_with_retries(&self, url: &Url) -> Result<Response, FetchOutcome> {
        let mut attempt = 0;
        loop {
            // Each attempt is a request to the host like any other: a
            // redirect's hop or a retry waits its turn too.
            self.politeness.wait(url.host_str().unwrap_or("")).await;
            let result = self
                .client
                .get(url.clone())
                .header(
                    reqwest::header::ACCEPT,
                    "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
                )
                .header(reqwest::header::ACCEPT_ENCODING, ACCEPT_ENCODING)
                .send()
                .await;
            if let Err(e) = &result
                && let Some(refused) = guard_refusal(e)
            {
                return Err(FetchOutcome::NotFetched(SkipReason::Guard {
                    host: refused.host.clone(),
                    why: refused.reason,
                }));
            }
            // A refused certificate or a failed handshake is not retried:
            // the server shows the same certificate each time.
            if let Err(e) = &result
                && let Some(tls) = tls_error(e)
            {
                return Err(FetchOutcome::NotFetched(SkipReason::Tls {
                    problem: tls_problem(tls),
                    detail: format!("{url}: {tls}"),
                }));
            }
            let retry_in = match &result {
                Ok(resp) if is_retryable_status(resp.status()) => Some(retry_after(resp)),
                Ok(_) => None,
                Err(e) if e.is_timeout() || e.is_connect() || e.is_request() => Some(None),
                Err(_) => None,
            };
            match (result, retry_in) {
                (result, Some(after)) if attempt < self.config.max_retries => {
                    let backoff = self.config.backoff_base * 2u32.saturating_pow(attempt);
                    let wait = after.unwrap_or(backoff).min(MAX_RETRY_AFTER);
                    tracing::debug!(%url, attempt, wait_ms = wait.as_millis() as u64, "retrying");
                    drop(result);
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                (Ok(resp), _) => return Ok(resp),
                (Err(e), _) => {
                    let detail = format!("{url}: {}", error_chain(&e));
                    return Err(FetchOutcome::NotFetched(if e.is_timeout() {
                        SkipReason::Timeout { detail }
                    } else {
                        SkipReason::Network { detail }
                    }));
                }
            }
        }
    }

    /// Reads the (decompressed) body, stopping at `max` bytes.
    async fn read_body(
        &self,
        resp: &mut Response,
        max: u64,
        partial: Partial,
    ) -> Result<(Vec<u8>, bool), SkipReason> {
        let max = usize::try_from(max).unwrap_or(usize::MAX);
        let deflated = resp
            .headers()
            .get(reqwest::header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("deflate"));
        let (bytes, truncated) = self.read_raw_body(resp, max, partial).await?;
        if !deflated {
            return Ok((bytes, truncated));
        }
        let (inflated, cut) = inflate(&bytes, max).ok_or_else(|| SkipReason::Network {
            detail: "reading the body: broken deflate stream".to_string(),
        })?;
        Ok((inflated, truncated || cut))
    }

    /// Reads the body as it comes (gzip and brotli already undone by the
    /// client), stopping at `max` bytes.
    async fn read_raw_body(
        &self,
        resp: &mut Response,
        max: usize,
        partial: Partial,
    ) -> Result<(Vec<u8>, bool), SkipReason> {
        let mut buf = Vec::with_capacity(
            resp.content_length()
                .map_or(16 * 1024, |l| (l as usize).min(max).min(1 << 20)),
        );
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    let room = max.saturating_sub(buf.len());
                    if chunk.len() > room {
                        buf.extend_from_slice(&chunk[..room]);
                        return Ok((buf, true));
                    }
                    buf.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok((buf, false)),
                // The connection closed before the body was whole (a proxy
                // or app server dying mid-page, a Content-Length that
                // lied): browsers show what arrived, and so the page is
                // read as far as it came, like one cut at `maxPageBytes`.
                Err(e) if partial == Partial::Keep && !buf.is_empty() && !e.is_timeout() => {
                    tracing::info!(url = %resp.url(), bytes = buf.len(), error = %error_chain(&e), "the body was cut short; reading the part that arrived");
                    return Ok((buf, true));
                }
                Err(e) => {
                    let detail = format!("reading the body: {}", error_chain(&e));
                    return Err(if e.is_timeout() {
                        SkipReason::Timeout { detail }
                    } else {
                        SkipReason::Network { detail }
                    });
                }
            }
        }
    }
}

/// Whether a body cut short by the connection is used as far as it came
/// (a page) or refused (robots.txt and sitemaps, where a missing end could
/// drop rules or read a half URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Partial {
    Keep,
    Refuse,
}

fn install_crypto_provider() {
    // Only the first call installs; later ones find it there.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Server errors worth an immediate retry. 429 and 503 are not: they ask
/// the whole host to slow down, which the engine does (see
/// [`SkipReason::Throttled`]).
fn is_retryable_status(s: StatusCode) -> bool {
    s.is_server_error() && !is_slow_down(s)
}

/// 429 Too Many Requests and 503 Service Unavailable: the host is
/// overloaded or rate-limits the crawler.
pub fn is_slow_down(s: StatusCode) -> bool {
    s == StatusCode::TOO_MANY_REQUESTS || s == StatusCode::SERVICE_UNAVAILABLE
}

/// Headers by which bot defences mark a challenge or block page, with
/// the values that mean one, and the defence's name. Their status says
/// little: Cloudflare challenges with 403 or 503, AWS WAF with 202 or 405,
/// Vercel with 429.
const CHALLENGE_HEADERS: &[(&str, &[&str], &str)] = &[
    ("cf-mitigated", &["challenge"], "Cloudflare"),
    ("x-vercel-mitigated", &["challenge", "deny"], "Vercel"),
    (
        "x-amzn-waf-action",
        &["challenge", "captcha", "block"],
        "AWS WAF",
    ),
];

/// The bot defence that answered instead of the site, if the response says
/// so by a header (see [`CHALLENGE_HEADERS`]) or by the non-standard status
/// 999 some sites deny crawlers with. Decided on header names and values,
/// never on page text.
pub fn bot_challenge(status: u16, headers: &reqwest::header::HeaderMap) -> Option<&'static str> {
    for (name, values, by) in CHALLENGE_HEADERS {
        let hit = headers.get_all(*name).iter().any(|v| {
            v.to_str().is_ok_and(|v| {
                v.split(',').any(|token| {
                    values
                        .iter()
                        .any(|want| token.trim().eq_ignore_ascii_case(want))
                })
            })
        });
        if hit {
            return Some(by);
        }
    }
    (status == 999).then_some("HTTP 999, a crawler denial")
}

/// What bot defences put in the challenge pages they answer with instead of
/// a site's page, often with status 200: the paths and names of their own
/// scripts, frames and cookies, and the defence's name.
const CHALLENGE_MARKERS: &[(&str, &str)] = &[
    ("/.within.website/", "Anubis"),
    ("anubis_challenge", "Anubis"),
    ("/_Incapsula_Resource", "Imperva Incapsula"),
    ("sucuri_cloudproxy", "Sucuri"),
    ("/.well-known/sgcaptcha", "SiteGround"),
    ("captcha-delivery.com", "DataDome"),
    ("/_sec/cp_challenge", "Akamai"),
    ("/cdn-cgi/challenge-platform/", "Cloudflare"),
    ("/.well-known/ddos-guard/", "DDoS-Guard"),
    ("captcha.px-cdn.net", "PerimeterX"),
    ("token.awswaf.com", "AWS WAF"),
];

/// Pages with more visible text than this are read as pages whatever they
/// load: a challenge says a few sentences at most (Anubis's, the longest,
/// about 250 words).
const CHALLENGE_MAX_TEXT_BYTES: usize = 3000;

/// The bot defence whose challenge `body` is, when the response's status
/// and headers did not say so: a page that loads a defence's challenge
/// script or frame ([`CHALLENGE_MARKERS`]), says little (`text`, its
/// visible text) and links to no other page of its site
/// (`links_elsewhere_on_site`). A site's own page may load the same
/// scripts (Cloudflare adds its bot detection to every page) but has
/// content and links, so it stays a page.
pub fn challenge_page(
    body: &str,
    text: &str,
    links_elsewhere_on_site: impl FnOnce() -> bool,
) -> Option<&'static str> {
    if text.len() > CHALLENGE_MAX_TEXT_BYTES {
        return None;
    }
    let by = CHALLENGE_MARKERS
        .iter()
        .find(|(marker, _)| memchr::memmem::find(body.as_bytes(), marker.as_bytes()).is_some())
        .map(|(_, by)| *by)?;
    (!links_elsewhere_on_site()).then_some(by)
}

/// Whether the response is sent as a download: `Content-Disposition`
/// whose disposition type (the token before any parameter) is
/// `attachment` (RFC 6266). `inline` and unknown types are shown.
fn is_attachment(headers: &reqwest::header::HeaderMap) -> bool {
    headers
        .get(reqwest::header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("attachment"))
}

/// The guard's refusal among the causes of `e`, found by type.
fn guard_refusal(e: &reqwest::Error) -> Option<&RefusedAddress> {
    cause::<RefusedAddress>(e)
}

/// The TLS library's (rustls') error among the causes of `e`.
fn tls_error(e: &reqwest::Error) -> Option<&rustls::Error> {
    cause::<rustls::Error>(e)
}

/// The first error of type `T` among the causes of `e`, found by type. An
/// `io::Error` hides the error it wraps from `source()` (it returns that
/// error's own source), and the client wraps a TLS handshake's `io::Error`
/// in another, so each is looked into instead.
fn cause<T: std::error::Error + 'static>(e: &reqwest::Error) -> Option<&T> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(found) = err.downcast_ref::<T>() {
            return Some(found);
        }
        source = match err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner),
            None => err.source(),
        };
    }
    None
}

/// What a TLS error says was wrong, by its variant.
fn tls_problem(e: &rustls::Error) -> TlsProblem {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => TlsProblem::UntrustedIssuer,
            C::Expired | C::ExpiredContext { .. } => TlsProblem::Expired,
            C::NotValidYet | C::NotValidYetContext { .. } => TlsProblem::NotYetValid,
            C::NotValidForName | C::NotValidForNameContext { .. } => TlsProblem::WrongHost,
            C::Revoked => TlsProblem::Revoked,
            _ => TlsProblem::BadCertificate,
        },
        rustls::Error::NoCertificatesPresented | rustls::Error::InvalidCertRevocationList(_) => {
            TlsProblem::BadCertificate
        }
        _ => TlsProblem::Handshake,
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(err) = source {
        let s = err.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        source = err.source();
    }
    out
}

/// Retry-After as seconds or an HTTP date.
pub fn retry_after(resp: &Response) -> Option<Duration> {
    let v = resp.headers().get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    delta.to_std().ok().or(Some(Duration::ZERO))
}

/// A header value as text. Servers write a non-ASCII `Location`
/// (`/über-uns`) as raw UTF-8 bytes, which browsers follow; bytes that are
/// not UTF-8 are read one byte a character (the Fetch standard's isomorphic
/// decoding). `HeaderValue::to_str` refuses both.
fn header_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => std::borrow::Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

fn header_pairs(resp: &Response) -> Vec<(String, String)> {
    resp.headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The URLs one fetch has been redirected through. A redirect back to a URL
/// already seen is a loop, except once after a response that set a cookie:
/// a cookie check sends the client back to the URL it asked for. URLs are
/// compared exactly, not by dedup key: `/kontakt` -> `/kontakt/` is a
/// trailing-slash redirect, not a loop.
struct RedirectChain {
    visits: Vec<(String, u8)>,
}

impl RedirectChain {
    fn new(start: &Url) -> Self {
        Self {
            visits: vec![(start.as_str().to_string(), 1)],
        }
    }

    /// Takes note of a redirect to `target`; false when it is a loop.
    fn step(&mut self, target: &Url, sets_cookie: bool) -> bool {
        match self.visits.iter_mut().find(|(u, _)| u == target.as_str()) {
            None => {
                self.visits.push((target.as_str().to_string(), 1));
                true
            }
            Some((_, n)) if sets_cookie && *n < 2 => {
                *n += 1;
                true
            }
            Some(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_pages_are_told_by_what_they_load_and_how_little_they_say() {
        let anubis = r#"<html><head><title>Making sure you&#39;re not a bot!</title>
            <script id="anubis_challenge" type="application/json">{"rules":{}}</script>
            <script type="module" src="/.within.website/x/cmd/anubis/static/js/main.mjs"></script>
            </head><body><h1>Making sure you're not a bot!</h1><p>Loading...</p>
            <a href="https://github.com/TecharoHQ/anubis">Anubis</a></body></html>"#;
        let sucuri = "<html><title>You are being redirected...</title><script>var s={},u,c,U,r,i,l=0,a,e=eval,w=String.fromCharCode,sucuri_cloudproxy_js='',S='cz0i';</script></html>";
        let incapsula = r#"<html><head><META NAME="robots" CONTENT="noindex,nofollow"><script src="/_Incapsula_Resource?SWJIYLWA=719d34d31c8e3a6e6fffd425f7e032f3"></script></head><body></body></html>"#;
        let sg = r#"<html><head><meta http-equiv="refresh" content="0;/.well-known/sgcaptcha/?r=%2F&y=ipc:1"></meta></head></html>"#;
        // Cloudflare adds its bot detection script to the pages it serves.
        let cf_page = r#"<html><body><nav><a href="/team">Team</a><a href="/kontakt">Kontakt</a></nav>
            <p>Acme builds robots.</p><script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script></body></html>"#;
        let long_text = "Acme builds robots for logistics. ".repeat(100);
        let table: [(&str, &str, bool, Option<&str>); 8] = [
            (
                anubis,
                "Making sure you're not a bot! Loading... Anubis",
                false,
                Some("Anubis"),
            ),
            (sucuri, "You are being redirected...", false, Some("Sucuri")),
            (incapsula, "", false, Some("Imperva Incapsula")),
            (sg, "", false, Some("SiteGround")),
            // Links to other pages of the site: the site's own page.
            (cf_page, "Team Kontakt Acme builds robots.", true, None),
            // Much to read: a page, whatever it loads.
            (anubis, &long_text, false, None),
            // A contact form with a captcha widget is no challenge.
            (
                r#"<form><div class="cf-turnstile"></div><script src="https://challenges.cloudflare.com/turnstile/v0/api.js"></script></form>"#,
                "Contact us",
                false,
                None,
            ),
            ("<p>Welcome</p>", "Welcome", false, None),
        ];
        for (body, text, links, want) in table {
            assert_eq!(challenge_page(body, text, || links), want, "{body}");
        }
    }

    #[test]
    fn bot_challenges_are_told_by_headers() {
        use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                // Header names are case-insensitive; they arrive lower-cased.
                h.append(
                    HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    HeaderValue::from_static(v),
                );
            }
            h
        };
        type Row = (
            u16,
            &'static [(&'static str, &'static str)],
            Option<&'static str>,
        );
        let table: &[Row] = &[
            (403, &[("cf-mitigated", "challenge")], Some("Cloudflare")),
            (503, &[("CF-Mitigated", "Challenge")], Some("Cloudflare")),
            (202, &[("x-amzn-waf-action", "challenge")], Some("AWS WAF")),
            (405, &[("x-amzn-waf-action", "captcha")], Some("AWS WAF")),
            (429, &[("x-vercel-mitigated", "challenge")], Some("Vercel")),
            (999, &[], Some("HTTP 999, a crawler denial")),
            // A plain rate limit or error is no challenge.
            (429, &[("retry-after", "5")], None),
            (503, &[("server", "cloudflare")], None),
            (200, &[("cf-ray", "8c1d2e3f4a5b6c7d-FRA")], None),
            (403, &[], None),
            (200, &[("cf-mitigated", "none")], None),
        ];
        for (status, pairs, want) in table {
            assert_eq!(
                bot_challenge(*status, &headers(pairs)),
                *want,
                "{status} {pairs:?}"
            );
        }
    }

    #[test]
    fn downloads_are_told_by_their_disposition_type() {
        use reqwest::header::{CONTENT_DISPOSITION, HeaderMap, HeaderValue};
        for (value, want) in [
            ("attachment", true),
            ("Attachment; filename=\"brochure.html\"", true),
            (" attachment ;filename*=UTF-8''b%C3%BCro.html", true),
            ("inline", false),
            ("inline; filename=\"attachment.html\"", false),
            ("form-data; name=\"attachment\"", false),
        ] {
            let mut h = HeaderMap::new();
            h.insert(CONTENT_DISPOSITION, HeaderValue::from_str(value).unwrap());
            assert_eq!(is_attachment(&h), want, "{value}");
        }
        assert!(!is_attachment(&HeaderMap::new()));
    }

    #[test]
    fn header_text_reads_utf8_and_single_bytes() {
        assert_eq!(header_text(b"/ueber-uns"), "/ueber-uns");
        assert_eq!(header_text("/über uns/".as_bytes()), "/über uns/");
        // Latin-1 bytes are not UTF-8: one byte, one character.
        assert_eq!(header_text(b"/\xfcber"), "/über");
    }

    #[test]
    fn redirect_chains() {
        let u = |s: &str| Url::parse(s).unwrap();
        // Trailing-slash redirects either way are not loops.
        let mut c = RedirectChain::new(&u("https://a.test/kontakt"));
        assert!(c.step(&u("https://a.test/kontakt/"), false));
        let mut c = RedirectChain::new(&u("https://a.test/about/"));
        assert!(c.step(&u("https://a.test/about"), false));
        // Back and forth is a loop.
        assert!(!c.step(&u("https://a.test/about/"), false));
        // A cookie check comes back once; a second time is a loop.
        let mut c = RedirectChain::new(&u("https://a.test/"));
        assert!(c.step(&u("https://a.test/"), true));
        assert!(!c.step(&u("https://a.test/"), true));
        let mut c = RedirectChain::new(&u("https://a.test/"));
        assert!(!c.step(&u("https://a.test/"), false));
    }
}
