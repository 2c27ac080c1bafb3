//! URLs in a page's embedded JSON: JSON-LD (`"url"`, breadcrumb `"item"`)
//! and framework page data (`__NEXT_DATA__`, `__NUXT_DATA__`, ...). An app
//! whose navigation is rendered by script often links its pages only there.

use serde_json::Value;

use crate::page::PageScan;

/// Most URLs taken from one page's JSON.
const MAX_URLS: usize = 500;
/// Longest string taken for a URL.
const MAX_URL_LEN: usize = 2048;

/// Keys whose string values are page addresses (compared lower-cased).
/// Image, logo and video keys are left out: they are files, not pages.
const URL_KEYS: &[&str] = &[
    "url",
    "href",
    "link",
    "path",
    "pathname",
    "aspath",
    "as",
    "permalink",
    "canonical",
    "canonicalurl",
    "uri",
    "item",
    "mainentityofpage",
];

/// Raw URLs (absolute http(s) or root-relative) under address-like keys of
/// the page's JSON-LD and JSON script data, in document order. The caller
/// resolves them and keeps the ones in scope.
pub fn embedded_urls(scan: &PageScan) -> Vec<String> {
    let mut out = Vec::new();
    for json in scan.json_ld.iter().chain(&scan.json_data) {
        if out.len() >= MAX_URLS {
            break;
        }
        // Malformed JSON (common in hand-written JSON-LD) gives nothing.
        if let Ok(value) = serde_json::from_str::<Value>(json) {
            walk(&value, None, &mut out);
        }
    }
    out
}

fn walk(value: &Value, key: Option<&str>, out: &mut Vec<String>) {
    if out.len() >= MAX_URLS {
        return;
    }
    match value {
        Value::String(s) if key.is_some_and(is_url_key) && looks_like_page_address(s) => {
            out.push(s.trim().to_string());
        }
        // Array elements keep their key: `"url": ["/a", "/b"]`.
        Value::Array(items) => items.iter().for_each(|v| walk(v, key, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| walk(v, Some(k.as_str()), out)),
        _ => {}
    }
}

fn is_url_key(key: &str) -> bool {
    URL_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// An absolute http(s) URL or a root-relative path (`/team`, not
/// `//cdn…`, not a route pattern such as `/[slug]`).
fn looks_like_page_address(s: &str) -> bool {
    let s = s.trim();
    if s.is_empty() || s.len() > MAX_URL_LEN || s.contains(char::is_whitespace) {
        return false;
    }
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return true;
    }
    s.starts_with('/') && !s.starts_with("//") && !s.contains(['[', ']', '{', '}'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_with(json_ld: &[&str], json_data: &[&str]) -> PageScan {
        PageScan {
            json_ld: json_ld.iter().map(|s| s.to_string()).collect(),
            json_data: json_data.iter().map(|s| s.to_string()).collect(),
            ..PageScan::default()
        }
    }

    #[test]
    fn next_data_and_json_ld_addresses() {
        let next = r#"{"props":{"pageProps":{"nav":[{"label":"Team","href":"/team"},
            {"label":"Impressum","href":"/impressum","as":"/impressum"}],
            "hero":{"image":"/img/hero.jpg","url":"https://acme.test/about"}}},
            "page":"/[slug]","query":{},"buildId":"x1","asPath":"/"}"#;
        let ld = r#"[{"@type":"Organization","url":"https://acme.test/","logo":"https://acme.test/logo.png",
            "sameAs":["https://www.linkedin.com/company/acme"]},
            {"@type":"BreadcrumbList","itemListElement":[{"@type":"ListItem","item":"https://acme.test/kontakt"}]}]"#;
        let mut urls = embedded_urls(&scan_with(&[ld], &[next]));
        urls.sort();
        assert_eq!(
            urls,
            [
                "/",
                "/impressum",
                "/impressum",
                "/team",
                "https://acme.test/",
                "https://acme.test/about",
                "https://acme.test/kontakt",
            ]
        );
    }

    #[test]
    fn hostile_json_gives_little() {
        assert!(embedded_urls(&scan_with(&["{not json"], &["[1,2"])).is_empty());
        let many = format!(
            "[{}]",
            (0..2000)
                .map(|i| format!(r#"{{"url":"/p{i}"}}"#))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert_eq!(embedded_urls(&scan_with(&[], &[&many])).len(), MAX_URLS);
        let odd =
            r#"{"url":"//cdn.test/x","href":"javascript:go()","link":"mailto:a@b","path":"/a b"}"#;
        assert!(embedded_urls(&scan_with(&[odd], &[])).is_empty());
    }
}
