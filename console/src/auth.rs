//! Sign-in and sessions. In `token` mode the user's own bearer token is
//! checked with a SelfSubjectReview and every API call of the session is made
//! with it; the browser only ever holds an opaque, expiring session id.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use kube::api::{Api, PostParams};
use kube::config::AuthInfo;
use kube::{Client, Config};

use crate::error::Error;

/// The session cookie's name.
pub const COOKIE: &str = "cira_session";

/// How the console authenticates its users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMode {
    /// Users sign in with a Kubernetes bearer token; RBAC decides.
    Token,
    /// No sign-in; the console's own ServiceAccount, get/list/watch only.
    #[value(name = "readOnly")]
    ReadOnly,
}

/// Who a session is, as the API server told us.
#[derive(Clone, Debug)]
pub struct Identity {
    pub username: String,
    pub groups: Vec<String>,
}

impl Identity {
    /// The key shared watches are kept under: same user and groups, same
    /// RBAC, same view.
    pub fn key(&self) -> String {
        let mut groups = self.groups.clone();
        groups.sort();
        format!("{}\n{}", self.username, groups.join("\n"))
    }
}

/// One signed-in browser.
pub struct Session {
    pub id: String,
    pub csrf: String,
    pub identity: Identity,
    pub client: Client,
    pub expires: Instant,
}

/// The sessions of this console process (they do not survive a restart:
/// users sign in again).
pub struct Sessions {
    ttl: Duration,
    map: Mutex<HashMap<String, std::sync::Arc<Session>>>,
}

impl Sessions {
    pub fn new(ttl: Duration) -> Self {
        Sessions {
            ttl,
            map: Mutex::new(HashMap::new()),
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, std::sync::Arc<Session>>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a session for a verified identity.
    pub fn create(
        &self,
        identity: Identity,
        client: Client,
    ) -> Result<std::sync::Arc<Session>, Error> {
        let session = std::sync::Arc::new(Session {
            id: random_token()?,
            csrf: random_token()?,
            identity,
            client,
            expires: Instant::now() + self.ttl,
        });
        let mut map = self.lock();
        let now = Instant::now();
        map.retain(|_, s| s.expires > now);
        map.insert(session.id.clone(), session.clone());
        Ok(session)
    }

    /// The live session a request's cookie names.
    pub fn from_headers(&self, headers: &HeaderMap) -> Option<std::sync::Arc<Session>> {
        let id = cookie(headers, COOKIE)?;
        let mut map = self.lock();
        let session = map.get(&id)?.clone();
        if session.expires <= Instant::now() {
            map.remove(&id);
            return None;
        }
        Some(session)
    }

    pub fn remove(&self, id: &str) {
        self.lock().remove(id);
    }

    pub fn count(&self) -> usize {
        self.lock().len()
    }
}

/// 32 random bytes from the system's CSPRNG, hex-encoded.
pub fn random_token() -> Result<String, Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Error::Random(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The `Set-Cookie` value for a session.
pub fn session_cookie(id: &str, ttl: Duration, secure: bool) -> String {
    format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        ttl.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// A client that authenticates with `token` against the API server of
/// `base` (its URL and CA, none of its credentials).
pub fn client_for_token(base: &Config, token: &str) -> Result<Client, Error> {
    let mut config = base.clone();
    config.auth_info = AuthInfo {
        token: Some(token.to_string().into()),
        ..AuthInfo::default()
    };
    Client::try_from(config).map_err(Error::Client)
}

/// Asks the API server who the token belongs to. An unknown, expired or
/// malformed token is `InvalidToken`.
pub async fn review(client: &Client) -> Result<Identity, Error> {
    let api: Api<SelfSubjectReview> = Api::all(client.clone());
    let review = SelfSubjectReview::default();
    match api.create(&PostParams::default(), &review).await {
        Ok(r) => {
            let info = r.status.and_then(|s| s.user_info).unwrap_or_default();
            Ok(Identity {
                username: info.username.unwrap_or_default(),
                groups: info.groups.unwrap_or_default(),
            })
        }
        Err(kube::Error::Api(status)) if status.code == 401 => {
            Err(Error::InvalidToken(status.message.clone()))
        }
        Err(e) => Err(Error::Review(e)),
    }
}

/// True when a state-changing request comes from this console's own pages:
/// no cross-site fetch metadata and, when the browser sends an Origin, the
/// request's own host. The CSRF token is checked on top of this.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if matches!(header("sec-fetch-site"), Some("cross-site" | "same-site")) {
        return false;
    }
    match (header("origin"), header("host")) {
        (None, _) => true,
        (Some(origin), Some(host)) => {
            let origin_host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            origin_host == Some(host)
        }
        (Some(_), None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    #[test]
    fn tokens_are_random_and_compare_exactly() {
        let a = random_token().expect("random");
        let b = random_token().expect("random");
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &b));
        assert!(!same_secret(&a, &a[..63]));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let h = headers(&[("cookie", "a=1; cira_session=abc; b=2")]);
        assert_eq!(cookie(&h, COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&headers(&[]), COOKIE), None);
        let set = session_cookie("abc", Duration::from_secs(60), true);
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"));
        assert!(set.ends_with("; Secure"));
        assert!(!session_cookie("abc", Duration::from_secs(60), false).contains("Secure"));
    }

    #[test]
    fn cross_origin_posts_are_refused() {
        let cases: &[(&[(&'static str, &str)], bool)] = &[
            (&[("host", "console:8080")], true),
            (
                &[("host", "console:8080"), ("origin", "http://console:8080")],
                true,
            ),
            (
                &[("host", "console:8080"), ("origin", "https://console:8080")],
                true,
            ),
            (
                &[("host", "console:8080"), ("origin", "http://evil.example")],
                false,
            ),
            (&[("host", "console:8080"), ("origin", "null")], false),
            (
                &[("host", "console:8080"), ("sec-fetch-site", "cross-site")],
                false,
            ),
            (
                &[("host", "console:8080"), ("sec-fetch-site", "same-origin")],
                true,
            ),
        ];
        for (h, want) in cases {
            assert_eq!(same_origin(&headers(h)), *want, "{h:?}");
        }
    }
}
