//! Why a URL gave no page: one typed reason per URL, carried from the fetch
//! to the coordinator. The seed-unreachable decision, the crawl counters and
//! the report's counts are all made from it, never from the words of a
//! message; the text is only for logs and error messages.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::scope::ScopeRefusal;

/// Why a URL was not turned into a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// The queued URL does not parse.
    UnparsableUrl,
    /// robots.txt disallows it for the crawler's user agent.
    RobotsDisallowed,
    /// robots.txt could not be read, or answered in a way that disallows
    /// everything (an error status).
    RobotsUnavailable { detail: String },
    /// The scope refuses the URL or a redirect's target (a trap, an
    /// include/exclude pattern).
    Scope {
        url: Box<Url>,
        refusal: ScopeRefusal,
    },
    /// The network guard refused the address (loopback, private, cloud
    /// metadata, ...). `host` is the host name or address asked for.
    Guard { host: String, why: &'static str },
    /// The server answered with this status (not 2xx after redirects).
    HttpStatus(u16),
    /// The server asked the crawler to slow down (429, or 503), with its
    /// `Retry-After` if it gave one. The host is paused and the URL queued
    /// again; only after the last attempt does it stay without a page.
    Throttled {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// A bot defence answered instead of the site: a challenge or block
    /// page its headers name (`cf-mitigated: challenge`, ...), whatever the
    /// status, or the non-standard status 999. `by` names the defence.
    BotChallenge { status: u16, by: &'static str },
    /// The response is not HTML; `content_type` is empty when none was
    /// given and the body did not look like HTML.
    NotHtml { content_type: String },
    /// An HTML response sent as a download (`Content-Disposition:
    /// attachment`): a browser saves it rather than shows it, so it is a
    /// file of the site, not a page.
    Download { content_type: String },
    /// A redirect came back to a URL already visited in the same chain.
    RedirectLoop { at: Box<Url> },
    /// More redirects than allowed.
    TooManyRedirects { max: usize },
    /// The request timed out (after retries).
    Timeout { detail: String },
    /// The TLS handshake failed: the server's certificate was refused, or
    /// the two sides found no common protocol. Decided by the TLS
    /// library's error type; never retried, as asking again gets the same
    /// certificate.
    Tls { problem: TlsProblem, detail: String },
    /// Connecting, sending or reading failed (after retries).
    Network { detail: String },
    /// Processing the page failed inside the crawler (a panic caught).
    Internal { detail: String },
}

/// What was wrong with a server's TLS, from the TLS library's error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsProblem {
    /// Signed by no authority the crawler trusts: self-signed, or issued
    /// by a private CA (a certificate of its own is no different).
    UntrustedIssuer,
    Expired,
    NotYetValid,
    /// Issued for other host names than the one asked for.
    WrongHost,
    Revoked,
    /// Another fault of the certificate (unparsable, a bad signature, not
    /// for server authentication, an unsupported algorithm).
    BadCertificate,
    /// No certificate fault: the handshake itself failed (no common
    /// protocol version or cipher, an alert from the server, a server
    /// that does not speak TLS on that port).
    Handshake,
}

impl TlsProblem {
    /// Whether the certificate (rather than the handshake) was refused.
    pub fn is_certificate(self) -> bool {
        self != TlsProblem::Handshake
    }
}

impl fmt::Display for TlsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsProblem::UntrustedIssuer => {
                "the certificate is not signed by a trusted certificate authority (self-signed or a private CA)"
            }
            TlsProblem::Expired => "the certificate has expired",
            TlsProblem::NotYetValid => "the certificate is not valid yet",
            TlsProblem::WrongHost => "the certificate is for another host name",
            TlsProblem::Revoked => "the certificate has been revoked",
            TlsProblem::BadCertificate => "the certificate is invalid",
            TlsProblem::Handshake => "the TLS handshake failed",
        })
    }
}

/// The kind of a [`SkipReason`], without its details: the key of the
/// counts in the crawl state and the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SkipKind {
    UnparsableUrl,
    RobotsDisallowed,
    RobotsUnavailable,
    Scope,
    Guard,
    HttpStatus,
    /// 401, 403 or 451: a login, a bot block or a legal block.
    AccessDenied,
    Throttled,
    BotChallenge,
    NotHtml,
    Download,
    RedirectLoop,
    TooManyRedirects,
    Timeout,
    /// A TLS certificate refused or a failed TLS handshake.
    Tls,
    Network,
    Internal,
}

/// What a skipped URL cost: whether a request was answered, failed, or
/// never made. The page budget and the crawl counters follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The server answered with an error status: counts as crawled.
    Answered,
    /// The server answered with a file that is not a page (an image, a
    /// PDF): counts neither as a crawled page nor as a failure.
    NotAPage,
    /// The request was made and failed: counts as failed.
    Failed,
    /// No request for the page was made.
    NotRequested,
}

impl SkipReason {
    pub fn kind(&self) -> SkipKind {
        match self {
            SkipReason::UnparsableUrl => SkipKind::UnparsableUrl,
            SkipReason::RobotsDisallowed => SkipKind::RobotsDisallowed,
            SkipReason::RobotsUnavailable { .. } => SkipKind::RobotsUnavailable,
            SkipReason::Scope { .. } => SkipKind::Scope,
            SkipReason::Guard { .. } => SkipKind::Guard,
            SkipReason::HttpStatus(401 | 403 | 451) => SkipKind::AccessDenied,
            SkipReason::HttpStatus(_) => SkipKind::HttpStatus,
            SkipReason::Throttled { .. } => SkipKind::Throttled,
            SkipReason::BotChallenge { .. } => SkipKind::BotChallenge,
            SkipReason::NotHtml { .. } => SkipKind::NotHtml,
            SkipReason::Download { .. } => SkipKind::Download,
            SkipReason::RedirectLoop { .. } => SkipKind::RedirectLoop,
            SkipReason::TooManyRedirects { .. } => SkipKind::TooManyRedirects,
            SkipReason::Timeout { .. } => SkipKind::Timeout,
            SkipReason::Tls { .. } => SkipKind::Tls,
            SkipReason::Network { .. } => SkipKind::Network,
            SkipReason::Internal { .. } => SkipKind::Internal,
        }
    }

    pub fn attempt(&self) -> Attempt {
        self.kind().attempt()
    }

    /// Whether this reason, given for the seed before anything else was
    /// crawled, means the site cannot be reached at all: the scan fails
    /// instead of completing empty. A site that answers (any status, any
    /// content type) or whose robots.txt forbids the crawl is reachable;
    /// what to do about those is decided elsewhere.
    pub fn leaves_site_unreachable(&self) -> bool {
        match self.kind() {
            SkipKind::UnparsableUrl
            | SkipKind::Scope
            | SkipKind::Guard
            | SkipKind::RedirectLoop
            | SkipKind::TooManyRedirects
            | SkipKind::Timeout
            | SkipKind::Tls
            | SkipKind::Network
            | SkipKind::Internal => true,
            SkipKind::RobotsDisallowed
            | SkipKind::RobotsUnavailable
            | SkipKind::HttpStatus
            | SkipKind::AccessDenied
            | SkipKind::Throttled
            | SkipKind::BotChallenge
            | SkipKind::NotHtml
            | SkipKind::Download => false,
        }
    }
}

impl SkipKind {
    pub fn attempt(self) -> Attempt {
        match self {
            SkipKind::HttpStatus
            | SkipKind::AccessDenied
            | SkipKind::Throttled
            | SkipKind::BotChallenge => Attempt::Answered,
            SkipKind::NotHtml | SkipKind::Download => Attempt::NotAPage,
            SkipKind::RedirectLoop
            | SkipKind::TooManyRedirects
            | SkipKind::Timeout
            | SkipKind::Tls
            | SkipKind::Network
            | SkipKind::Internal => Attempt::Failed,
            SkipKind::UnparsableUrl
            | SkipKind::RobotsDisallowed
            | SkipKind::RobotsUnavailable
            | SkipKind::Scope
            | SkipKind::Guard => Attempt::NotRequested,
        }
    }

    /// Words for the markdown report.
    pub fn describe(self) -> &'static str {
        match self {
            SkipKind::UnparsableUrl => "unparsable URL",
            SkipKind::RobotsDisallowed => "disallowed by robots.txt",
            SkipKind::RobotsUnavailable => "robots.txt unavailable",
            SkipKind::Scope => "refused by the scope",
            SkipKind::Guard => "refused address",
            SkipKind::HttpStatus => "HTTP error status",
            SkipKind::AccessDenied => "access denied (401, 403, 451)",
            SkipKind::Throttled => "rate-limited (429/503) on every attempt",
            SkipKind::BotChallenge => "bot challenge instead of the page",
            SkipKind::NotHtml => "not HTML",
            SkipKind::Download => "a download (Content-Disposition: attachment)",
            SkipKind::RedirectLoop => "redirect loop",
            SkipKind::TooManyRedirects => "too many redirects",
            SkipKind::Timeout => "timed out",
            SkipKind::Tls => "TLS certificate refused or TLS handshake failed",
            SkipKind::Network => "network error",
            SkipKind::Internal => "crawler error",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::UnparsableUrl => f.write_str("unparsable URL"),
            SkipReason::RobotsDisallowed => f.write_str("disallowed by robots.txt"),
            SkipReason::RobotsUnavailable { detail } => {
                write!(f, "robots.txt disallows everything: {detail}")
            }
            SkipReason::Scope { url, refusal } => write!(f, "{url} refused: {refusal}"),
            SkipReason::Guard { host, why } => write!(
                f,
                "{host} is a refused address ({why}); set allowPrivateNetworks to allow it"
            ),
            SkipReason::HttpStatus(status) => write!(f, "HTTP {status}"),
            SkipReason::Throttled {
                status,
                retry_after: Some(after),
            } => write!(
                f,
                "HTTP {status} (slow down, Retry-After {} s)",
                after.as_secs()
            ),
            SkipReason::Throttled { status, .. } => write!(f, "HTTP {status} (slow down)"),
            SkipReason::BotChallenge { status, by } => {
                write!(
                    f,
                    "HTTP {status}: a bot challenge ({by}) instead of the page"
                )
            }
            SkipReason::NotHtml { content_type } if content_type.is_empty() => {
                f.write_str("no content type and not HTML")
            }
            SkipReason::NotHtml { content_type } => write!(f, "not HTML ({content_type})"),
            SkipReason::Download { content_type } => write!(
                f,
                "a download ({content_type}, Content-Disposition: attachment), not a page"
            ),
            SkipReason::RedirectLoop { at } => write!(f, "redirect loop at {at}"),
            SkipReason::TooManyRedirects { max } => write!(f, "more than {max} redirects"),
            SkipReason::Timeout { detail } => write!(f, "timed out: {detail}"),
            SkipReason::Tls { problem, detail } if problem.is_certificate() => {
                write!(f, "TLS certificate problem: {problem} ({detail})")
            }
            SkipReason::Tls { detail, .. } => write!(f, "the TLS handshake failed: {detail}"),
            SkipReason::Network { detail } => f.write_str(detail),
            SkipReason::Internal { detail } => write!(f, "crawler error: {detail}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::Trap;

    fn every_reason() -> Vec<SkipReason> {
        let url = Url::parse("https://acme.test/a").unwrap();
        vec![
            SkipReason::UnparsableUrl,
            SkipReason::RobotsDisallowed,
            SkipReason::RobotsUnavailable {
                detail: "HTTP 503".into(),
            },
            SkipReason::Scope {
                url: Box::new(url.clone()),
                refusal: ScopeRefusal::Trap(Trap::RepeatedSegment),
            },
            SkipReason::Guard {
                host: "127.0.0.1".into(),
                why: "loopback address",
            },
            SkipReason::HttpStatus(404),
            SkipReason::HttpStatus(403),
            SkipReason::Throttled {
                status: 429,
                retry_after: Some(Duration::from_secs(3)),
            },
            SkipReason::BotChallenge {
                status: 403,
                by: "Cloudflare",
            },
            SkipReason::NotHtml {
                content_type: "application/pdf".into(),
            },
            SkipReason::Download {
                content_type: "text/html".into(),
            },
            SkipReason::RedirectLoop { at: Box::new(url) },
            SkipReason::TooManyRedirects { max: 10 },
            SkipReason::Timeout {
                detail: "30s".into(),
            },
            SkipReason::Tls {
                problem: TlsProblem::Expired,
                detail: "expired".into(),
            },
            SkipReason::Network {
                detail: "connection refused".into(),
            },
            SkipReason::Internal {
                detail: "panic".into(),
            },
        ]
    }

    #[test]
    fn the_seed_decision_and_the_counters_follow_the_kind() {
        use Attempt::*;
        let table = [
            (SkipKind::UnparsableUrl, true, NotRequested),
            (SkipKind::RobotsDisallowed, false, NotRequested),
            (SkipKind::RobotsUnavailable, false, NotRequested),
            (SkipKind::Scope, true, NotRequested),
            (SkipKind::Guard, true, NotRequested),
            (SkipKind::HttpStatus, false, Answered),
            (SkipKind::AccessDenied, false, Answered),
            (SkipKind::Throttled, false, Answered),
            (SkipKind::BotChallenge, false, Answered),
            (SkipKind::NotHtml, false, NotAPage),
            (SkipKind::Download, false, NotAPage),
            (SkipKind::RedirectLoop, true, Failed),
            (SkipKind::TooManyRedirects, true, Failed),
            (SkipKind::Timeout, true, Failed),
            (SkipKind::Tls, true, Failed),
            (SkipKind::Network, true, Failed),
            (SkipKind::Internal, true, Failed),
        ];
        let reasons = every_reason();
        assert_eq!(reasons.len(), table.len(), "one example per kind");
        for (reason, (kind, unreachable, attempt)) in reasons.iter().zip(table) {
            assert_eq!(reason.kind(), kind, "{reason}");
            assert_eq!(reason.leaves_site_unreachable(), unreachable, "{reason}");
            assert_eq!(reason.attempt(), attempt, "{reason}");
        }
    }

    #[test]
    fn kinds_are_camel_case_keys() {
        let counts = std::collections::BTreeMap::from([
            (SkipKind::HttpStatus, 2u64),
            (SkipKind::RobotsDisallowed, 1),
        ]);
        assert_eq!(
            serde_json::to_string(&counts).unwrap(),
            r#"{"robotsDisallowed":1,"httpStatus":2}"#
        );
    }
}
