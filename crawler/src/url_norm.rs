//! URL normalisation and deduplication keys.
//!
//! Normalising makes the URL that is fetched: no fragment, no tracking
//! parameters, no empty query; the `url` crate already lower-cases scheme and
//! host, drops default ports and resolves dot segments. The dedup key goes
//! further (sorted query, no trailing slash) so the same page reached by
//! different spellings is fetched once.

use url::Url;

use crate::error::{Error, Result};

/// Query parameters that only track clicks and never change the page.
const TRACKING_PARAMS: &[&str] = &[
    "gclid",
    "gclsrc",
    "dclid",
    "gbraid",
    "wbraid",
    "fbclid",
    "msclkid",
    "yclid",
    "twclid",
    "ttclid",
    "li_fat_id",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "_hsenc",
    "_hsmi",
    "__hstc",
    "__hssc",
    "__hsfp",
    "hsctatracking",
    "mkt_tok",
    "vero_id",
    "vero_conv",
    "oly_anon_id",
    "oly_enc_id",
    "rb_clickid",
    "s_cid",
    "wickedid",
    "ref_src",
    "spm",
];

/// True for a query parameter name that only tracks.
pub fn is_tracking_param(name: &str) -> bool {
    // Compared without a lower-cased copy: the table is lower-case ASCII.
    name.as_bytes()
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"utm_"))
        || TRACKING_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(name))
}

/// Parses and checks a seed URL.
pub fn parse_seed(raw: &str) -> Result<Url> {
    let url = Url::parse(raw.trim()).map_err(|e| Error::InvalidSeed {
        url: raw.to_string(),
        reason: e.to_string(),
    })?;
    normalize(url).ok_or_else(|| Error::InvalidSeed {
        url: raw.to_string(),
        reason: "it must be an http:// or https:// URL with a host".into(),
    })
}

/// Resolves `href` against `base` and normalises it. Only http(s) URLs with a
/// host come back; `mailto:`, `javascript:` and the like give `None`.
pub fn resolve(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let url = base.join(href).ok()?;
    normalize(url)
}

/// Normalises an absolute URL; `None` unless it is http(s) with a host.
pub fn normalize(mut url: Url) -> Option<Url> {
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?;
    if host.is_empty() {
        return None;
    }
    // Copied only in the rare case that needs it (the URL is borrowed).
    if let Some(stripped) = host.strip_suffix('.')
        && !stripped.is_empty()
    {
        let stripped = stripped.to_string();
        url.set_host(Some(&stripped)).ok()?;
    }
    url.set_fragment(None);
    // Credentials never belong in a crawled URL.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    if let Some(query) = url.query() {
        if query.is_empty() {
            url.set_query(None);
        } else if query.split('&').any(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            name.is_empty() || is_tracking_param(name)
        }) {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|pair| {
                    let name = pair.split('=').next().unwrap_or("");
                    !name.is_empty() && !is_tracking_param(name)
                })
                .collect();
            if kept.is_empty() {
                url.set_query(None);
            } else {
                let joined = kept.join("&");
                url.set_query(Some(&joined));
            }
        }
    }
    Some(url)
}

/// The key two spellings of the same page share: scheme, host, port, path
/// without a trailing slash, query parameters sorted.
pub fn dedup_key(url: &Url) -> String {
    let mut key = String::with_capacity(url.as_str().len());
    key.push_str(url.scheme());
    key.push_str("://");
    key.push_str(url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        key.push(':');
        key.push_str(&port.to_string());
    }
    let path = url.path();
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    key.push_str(if path.is_empty() { "/" } else { path });
    if let Some(query) = url.query() {
        let mut pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
        pairs.sort_unstable();
        if !pairs.is_empty() {
            key.push('?');
            key.push_str(&pairs.join("&"));
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        normalize(Url::parse(s).unwrap()).unwrap().to_string()
    }

    #[test]
    fn normalises_case_ports_dots_fragments_tracking() {
        assert_eq!(
            norm("HTTP://Acme.TEST:80/a/./b/../c?utm_source=x&id=3&fbclid=1#top"),
            "http://acme.test/a/c?id=3"
        );
        assert_eq!(
            norm("https://acme.test:443/?utm_medium=m"),
            "https://acme.test/"
        );
        assert_eq!(norm("https://acme.test./x?"), "https://acme.test/x");
        assert_eq!(norm("https://u:p@acme.test/x"), "https://acme.test/x");
        assert_eq!(norm("https://acme.test:8443/x"), "https://acme.test:8443/x");
    }

    #[test]
    fn resolve_refuses_non_http() {
        let base = Url::parse("https://acme.test/dir/page").unwrap();
        for href in [
            "mailto:a@acme.test",
            "tel:+1",
            "javascript:void(0)",
            "data:text/html,x",
            "#frag",
            "",
            "ftp://acme.test/x",
        ] {
            assert!(resolve(&base, href).is_none(), "{href}");
        }
        assert_eq!(
            resolve(&base, "../other?b=2&a=1").unwrap().as_str(),
            "https://acme.test/other?b=2&a=1"
        );
        assert_eq!(
            resolve(&base, "//cdn.acme.test/x").unwrap().as_str(),
            "https://cdn.acme.test/x"
        );
    }

    #[test]
    fn dedup_keys_merge_spellings() {
        let k = |s: &str| dedup_key(&normalize(Url::parse(s).unwrap()).unwrap());
        assert_eq!(k("https://acme.test/about/"), k("https://ACME.test/about"));
        assert_eq!(
            k("https://acme.test/p?b=2&a=1"),
            k("https://acme.test/p?a=1&b=2")
        );
        assert_eq!(k("https://acme.test"), "https://acme.test/");
        assert_ne!(k("http://acme.test/"), k("https://acme.test/"));
        assert_ne!(k("https://acme.test/a"), k("https://acme.test/A"));
        assert_eq!(
            k("https://acme.test/x#a"),
            k("https://acme.test/x?utm_id=5")
        );
    }
}
