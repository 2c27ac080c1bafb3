//! URL normalisation and deduplication keys.
//!
//! Normalising makes the URL that is fetched: no fragment, no tracking or
//! session parameters (query or `;jsessionid=` path parameters), no empty
//! query, percent-escapes in one spelling (RFC 3986 §6.2.2: upper-case hex,
//! unreserved characters unescaped); the `url` crate already lower-cases
//! scheme and host, drops default ports and resolves dot segments. The dedup
//! key goes further, so the same page reached by different spellings is
//! fetched once: no scheme and no `www.` (http/https and www/apex of a site
//! serve the same paths), no trailing slash, no directory index file
//! (`/index.html` is `/`), sorted query.

use std::borrow::Cow;

use url::Url;

use crate::error::{Error, Result};

/// Query parameters that only track clicks or carry a session, and never
/// change the page.
const TRACKING_PARAMS: &[&str] = &[
    "gclid",
    "gclsrc",
    "dclid",
    "gbraid",
    "wbraid",
    "gad_source",
    "gad_campaignid",
    "srsltid",
    "fbclid",
    "fb_action_ids",
    "fb_action_types",
    "fb_ref",
    "fb_source",
    "msclkid",
    "yclid",
    "twclid",
    "ttclid",
    "sccid",
    "epik",
    "li_fat_id",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "_kx",
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
    "irclickid",
    "s_cid",
    "s_kwcid",
    "ef_id",
    "wickedid",
    "ref_src",
    "spm",
    "_bta_tid",
    "_bta_c",
    "_branch_match_id",
    "ck_subscriber_id",
    "ml_subscriber",
    "ml_subscriber_hash",
    "vgo_ee",
    "dm_i",
    "_openstat",
    "wt.mc_id",
    "pk_campaign",
    "pk_kwd",
    "pk_keyword",
    "pk_source",
    "pk_medium",
    "pk_content",
    "pk_cid",
    // Session ids that application servers put into URLs when a client
    // refuses cookies (PHP, Java, ColdFusion, osCommerce, Zen Cart).
    "phpsessid",
    "jsessionid",
    "sessionid",
    "session_id",
    "cfid",
    "cftoken",
    "oscsid",
    "zenid",
    "xtcsid",
];

/// Prefixes of tracking parameter families (`utm_source`, `hsa_cam`, ...).
const TRACKING_PREFIXES: &[&str] = &["utm_", "hsa_", "mtm_", "matomo_", "piwik_"];

/// Parameters that carry a session only when their value looks like one
/// (a long hex token): `sid=3f9a...` is a session, `sid=2` a page.
const SESSION_IF_TOKEN: &[&str] = &["sid", "s", "sess", "session"];

/// Path parameters (`/shop;jsessionid=ABC?x=1`) that carry a session.
const SESSION_PATH_PARAMS: &[&str] = &["jsessionid", "phpsessid", "sessionid", "sid"];

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// True for a query parameter name that only tracks (whatever its value).
pub fn is_tracking_param(name: &str) -> bool {
    // Compared without a lower-cased copy: the tables are lower-case ASCII.
    TRACKING_PREFIXES
        .iter()
        .any(|p| starts_with_ignore_case(name, p))
        || TRACKING_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(name))
}

/// Parses and checks a seed URL.
pub fn parse_seed(raw: &str) -> Result<Url> {
    let trimmed = raw.trim();
    let url = Url::parse(trimmed).map_err(|e| Error::InvalidSeed {
        url: raw.to_string(),
        // `acme.example` as typed in a browser's address bar: say what is
        // missing rather than "relative URL without a base".
        reason: if e == url::ParseError::RelativeUrlWithoutBase {
            format!("it has no scheme; write it as https://{trimmed} (or http://)")
        } else {
            e.to_string()
        },
    })?;
    normalize(url).ok_or_else(|| Error::InvalidSeed {
        url: raw.to_string(),
        reason: "it must be an http:// or https:// URL with a host".into(),
    })
}

/// A session token: at least 16 hex digits (PHP, Java and most frameworks
/// make them 26-64 long).
fn is_session_token(value: &str) -> bool {
    value.len() >= 16 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// True for a `name=value` query pair that only tracks or carries a session.
pub fn is_noise_pair(pair: &str) -> bool {
    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
    name.is_empty()
        || is_tracking_param(name)
        || (SESSION_IF_TOKEN
            .iter()
            .any(|p| p.eq_ignore_ascii_case(name))
            && is_session_token(value))
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

/// The part of `base` that [`resolve`]`(base, href)` depends on, for an
/// `href` whose result does not need all of it: the origin (scheme,
/// credentials, host, port) for an absolute path or a scheme-relative URL,
/// the base's folder (its path up to the last `/`) for any other reference
/// that replaces the base's last segment. `None` when the result depends on
/// the base's last segment or query (an empty reference, `?query`,
/// `#fragment`) or the base is not http(s). Two bases with the same part
/// resolve `href` alike, so the pair is a cache key for the result.
pub fn resolution_base<'a>(base: &'a Url, href: &str) -> Option<&'a str> {
    if !matches!(base.scheme(), "http" | "https") {
        return None;
    }
    // As `resolve` trims, and then the URL parser drops leading C0 controls
    // and spaces (and tabs and newlines anywhere): what follows says which
    // kind of reference it is.
    match href.trim().bytes().find(|b| *b > b' ')? {
        b'?' | b'#' => None,
        // `\` is `/` in http(s) URLs.
        b'/' | b'\\' => Some(&base[..url::Position::BeforePath]),
        // An http(s) URL's path starts with `/`, so the last one is the
        // path's.
        _ => {
            let upto_path = &base[..url::Position::AfterPath];
            Some(&upto_path[..=upto_path.rfind('/')?])
        }
    }
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
    if url.path().bytes().any(|b| matches!(b, b';' | b'%' | b'('))
        && let Cow::Owned(path) = clean_path(url.path())
    {
        url.set_path(&path);
    }
    if let Some(query) = url.query() {
        if query.is_empty() {
            url.set_query(None);
        } else {
            let escaped = normalize_escapes(query);
            let query = escaped.as_ref();
            if query.split('&').any(is_noise_pair) {
                let kept: Vec<&str> = query.split('&').filter(|p| !is_noise_pair(p)).collect();
                if kept.is_empty() {
                    url.set_query(None);
                } else {
                    let joined = kept.join("&");
                    url.set_query(Some(&joined));
                }
            } else if let Cow::Owned(q) = escaped {
                url.set_query(Some(&q));
            }
        }
    }
    Some(url)
}

/// A path without session path parameters (`;jsessionid=…`) and ASP.NET
/// cookieless-session segments (`/(S(x1y2))/`), with escapes normalised.
fn clean_path(path: &str) -> Cow<'_, str> {
    let mut changed = false;
    let mut out = String::with_capacity(path.len());
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 && is_aspnet_session_segment(segment) {
            changed = true;
            continue;
        }
        if i > 0 {
            out.push('/');
        }
        let mut params = segment.split(';');
        let head = params.next().unwrap_or("");
        let escaped = normalize_escapes(head);
        changed |= matches!(escaped, Cow::Owned(_));
        out.push_str(&escaped);
        for param in params {
            let name = param.split('=').next().unwrap_or("");
            if SESSION_PATH_PARAMS
                .iter()
                .any(|p| p.eq_ignore_ascii_case(name))
            {
                changed = true;
            } else {
                out.push(';');
                out.push_str(&normalize_escapes(param));
            }
        }
    }
    if changed {
        Cow::Owned(if out.is_empty() { "/".into() } else { out })
    } else {
        Cow::Borrowed(path)
    }
}

/// `(S(lit3py55t21z5v55vlm25s55))` or `(X(1)S(…))`: one or more
/// `<letter>(<token>)` groups in parentheses.
fn is_aspnet_session_segment(segment: &str) -> bool {
    let Some(inner) = segment.strip_prefix('(').and_then(|s| s.strip_suffix(')')) else {
        return false;
    };
    let mut rest = inner;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let mut chars = rest.chars();
        let (Some(letter), Some('(')) = (chars.next(), chars.next()) else {
            return false;
        };
        if !letter.is_ascii_uppercase() {
            return false;
        }
        let body = &rest[2..];
        let Some(end) = body.find(')') else {
            return false;
        };
        if end == 0 || !body[..end].bytes().all(|b| b.is_ascii_alphanumeric()) {
            return false;
        }
        rest = &body[end + 1..];
    }
    true
}

/// RFC 3986 §6.2.2: escapes of unreserved characters (`%7E`, `%41`) are the
/// characters themselves, and escape hex digits are upper-case.
fn normalize_escapes(s: &str) -> Cow<'_, str> {
    let bytes = s.as_bytes();
    let needs = bytes.windows(3).any(|w| {
        w[0] == b'%'
            && w[1].is_ascii_hexdigit()
            && w[2].is_ascii_hexdigit()
            && (w[1].is_ascii_lowercase()
                || w[2].is_ascii_lowercase()
                || is_unreserved(hex_pair(w[1], w[2])))
    });
    if !needs {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            let b = hex_pair(bytes[i + 1], bytes[i + 2]);
            if is_unreserved(b) {
                out.push(char::from(b));
            } else {
                out.push('%');
                out.push(char::from(bytes[i + 1].to_ascii_uppercase()));
                out.push(char::from(bytes[i + 2].to_ascii_uppercase()));
            }
            i += 3;
        } else {
            // Up to the next `%` (ASCII, so always a char boundary).
            let next = bytes[i + 1..]
                .iter()
                .position(|&b| b == b'%')
                .map_or(bytes.len(), |p| i + 1 + p);
            out.push_str(&s[i..next]);
            i = next;
        }
    }
    Cow::Owned(out)
}

fn hex_pair(hi: u8, lo: u8) -> u8 {
    let v = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    };
    v(hi) << 4 | v(lo)
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Directory index files: `/about/index.html` is `/about/`.
const INDEX_FILES: &[&str] = &[
    "index.html",
    "index.htm",
    "index.shtml",
    "index.xhtml",
    "index.php",
    "index.asp",
    "index.aspx",
    "index.jsp",
    "index.cfm",
    "default.htm",
    "default.html",
    "default.asp",
    "default.aspx",
];

/// The path without a trailing directory index file name.
fn without_index_file(path: &str) -> &str {
    let (dir, last) = path.rsplit_once('/').unwrap_or(("", path));
    if INDEX_FILES.iter().any(|f| f.eq_ignore_ascii_case(last)) {
        &path[..dir.len() + 1]
    } else {
        path
    }
}

/// The key two spellings of the same page share: host without `www.`,
/// port, path without a trailing slash or index file, query parameters
/// sorted. The scheme is left out: a site's http and https forms serve the
/// same paths (one usually redirects to the other).
pub fn dedup_key(url: &Url) -> String {
    let mut key = String::with_capacity(url.as_str().len());
    key.push_str("//");
    let host = url.host_str().unwrap_or("");
    let host = match host.strip_prefix("www.") {
        Some(apex) if apex.contains('.') => apex,
        _ => host,
    };
    key.push_str(host);
    if let Some(port) = url.port() {
        key.push(':');
        key.push_str(&port.to_string());
    }
    let path = without_index_file(url.path());
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

/// File extensions of resources that are not web pages: images, documents,
/// archives, media, fonts, code, feeds and data.
const NON_PAGE_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "webp", "avif", "svg", "ico", "bmp", "tif", "tiff", "heic", "pdf",
    "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf", "csv", "txt", "epub",
    "zip", "gz", "tgz", "rar", "7z", "tar", "bz2", "xz", "dmg", "exe", "msi", "apk", "iso", "mp3",
    "mp4", "m4a", "m4v", "mov", "avi", "wmv", "webm", "ogg", "ogv", "wav", "flac", "woff", "woff2",
    "ttf", "otf", "eot", "css", "js", "mjs", "map", "json", "xml", "rss", "atom", "ics", "vcf",
    "swf", "eps", "psd",
];

/// The extension of a URL whose path names a file that is not a web page
/// (`/files/brochure.PDF` -> `pdf`); such links are recorded as documents,
/// never fetched as pages.
pub fn non_page_extension(url: &Url) -> Option<&'static str> {
    let last = url.path().rsplit('/').next()?;
    let (stem, ext) = last.rsplit_once('.')?;
    if stem.is_empty() {
        return None;
    }
    // Every link of every page is asked: a set lookup instead of 70
    // case-insensitive comparisons.
    NON_PAGE_EXTENSION_SET.get_ignore_ascii_case(ext)
}

/// [`NON_PAGE_EXTENSIONS`] as a set.
static NON_PAGE_EXTENSION_SET: std::sync::LazyLock<crate::wordset::WordSet> =
    std::sync::LazyLock::new(|| crate::wordset::WordSet::new(NON_PAGE_EXTENSIONS));

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn seeds_without_a_scheme_say_so() {
        let err = parse_seed(" acme.example/de ").unwrap_err().to_string();
        assert!(
            err.contains("it has no scheme; write it as https://acme.example/de"),
            "{err}"
        );
        assert_eq!(
            parse_seed("  https://Acme.Example:443/de  ")
                .unwrap()
                .as_str(),
            "https://acme.example/de"
        );
        assert!(
            parse_seed("ftp://acme.example")
                .unwrap_err()
                .to_string()
                .contains("http:// or https://")
        );
    }

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
    fn resolution_base_names_what_the_result_depends_on() {
        let base = Url::parse("https://u:p@acme.test:8443/a/b/page.html?q=1#f").unwrap();
        for (href, want) in [
            ("/x", Some("https://u:p@acme.test:8443")),
            ("//cdn.test/x", Some("https://u:p@acme.test:8443")),
            ("\\\\cdn.test\\x", Some("https://u:p@acme.test:8443")),
            (" \t\u{1}/x", Some("https://u:p@acme.test:8443")),
            ("x", Some("https://u:p@acme.test:8443/a/b/")),
            ("../x?y", Some("https://u:p@acme.test:8443/a/b/")),
            (
                "https://other.test/",
                Some("https://u:p@acme.test:8443/a/b/"),
            ),
            // `resolve` trims Unicode white space (a no-break space) too.
            ("\u{a0}?x", None),
            ("\u{e9}?x", Some("https://u:p@acme.test:8443/a/b/")),
            ("?x", None),
            (" #x", None),
            ("", None),
            (" \t", None),
        ] {
            assert_eq!(resolution_base(&base, href), want, "{href:?}");
        }
        let file = Url::parse("file:///a/b").unwrap();
        assert_eq!(resolution_base(&file, "x"), None);
    }

    #[test]
    fn bases_with_one_resolution_base_resolve_alike() {
        // Each href against every base: wherever two bases give the same
        // part, `resolve` must give the same result (what the link memo
        // relies on). Hrefs are tricky ones and generated strings of the
        // characters that steer URL parsing.
        let bases: Vec<Url> = [
            "https://acme.test/",
            "https://acme.test/a/b/page.html",
            "https://acme.test/a/b/other?x=1",
            "https://acme.test/a/b/#frag",
            "https://acme.test/a/b/",
            "https://acme.test/a/c/page.html",
            "https://acme.test",
            "https://acme.test/page?y",
            "http://acme.test/a/b/page.html",
            "https://www.acme.test/a/b/page.html",
            "https://acme.test:8443/a/b/page.html",
            "https://u:p@acme.test/a/b/page.html",
            "https://acme.test/a/b/page.html;jsessionid=1",
            "https://acme.test/a%2Fb/page.html",
            "https://acme.test/a/b/..%2F/page",
            "https://acme.test//a//b",
        ]
        .iter()
        .map(|b| Url::parse(b).unwrap())
        .collect();
        let mut hrefs: Vec<String> = [
            "/x",
            "//evil.test/x",
            "\\\\evil.test/x",
            "\t/x",
            " \u{1}/x",
            "/\t/evil.test/x",
            "\u{a0}?x",
            "?q",
            "#f",
            "",
            "x",
            "./x",
            "../../x",
            "x?y#z",
            "http:x",
            "https:x",
            "HTTP://A/x",
            "mailto:x",
            ";p",
            "%2e%2e/x",
            "..",
            ".",
            "\\x",
            "x\\y",
            "file:x",
            "a:b",
            "//",
            "///x",
            "/..",
            "?",
            "#",
            "/?utm_source=x",
            "x;jsessionid=2",
            " \n x",
        ]
        .iter()
        .map(|h| h.to_string())
        .collect();
        let alphabet = [
            '/', '\\', '.', '?', '#', ':', ';', '%', '2', 'e', ' ', '\t', '\u{1}', 'a', '@', 'h',
        ];
        hrefs.extend(crate::testgen::strings(
            &alphabet,
            3000,
            8,
            0x9e37_79b9_7f4a_7c15,
        ));
        let mut compared = 0;
        for href in &hrefs {
            let mut by_part: HashMap<&str, Option<Url>> = HashMap::new();
            for base in &bases {
                let Some(part) = resolution_base(base, href) else {
                    continue;
                };
                let got = resolve(base, href);
                if let Some(first) = by_part.get(part) {
                    compared += 1;
                    assert_eq!(first, &got, "{href:?} against {base} (part {part})");
                } else {
                    by_part.insert(part, got);
                }
            }
        }
        assert!(compared > 10_000, "only {compared} comparisons");
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
        assert_eq!(k("https://acme.test"), "//acme.test/");
        assert_eq!(k("http://acme.test/"), k("https://www.acme.test/"));
        assert_ne!(k("https://acme.test:8443/"), k("https://acme.test/"));
        // `www` alone is a host, not a prefix.
        assert_ne!(k("https://www/"), k("https://acme.test/"));
        assert_ne!(k("https://acme.test/a"), k("https://acme.test/A"));
        assert_eq!(
            k("https://acme.test/x#a"),
            k("https://acme.test/x?utm_id=5")
        );
    }

    #[test]
    fn index_files_are_their_directory() {
        let k = |s: &str| dedup_key(&normalize(Url::parse(s).unwrap()).unwrap());
        assert_eq!(k("https://acme.test/index.html"), k("https://acme.test/"));
        assert_eq!(
            k("https://acme.test/de/Index.PHP"),
            k("https://acme.test/de/")
        );
        assert_eq!(
            k("https://acme.test/a/default.aspx?x=1"),
            k("https://acme.test/a?x=1")
        );
        assert_ne!(
            k("https://acme.test/index.html/x"),
            k("https://acme.test/x")
        );
        assert_ne!(k("https://acme.test/myindex.html"), k("https://acme.test/"));
    }

    #[test]
    fn session_and_tracking_parameters_go() {
        for (input, want) in [
            (
                "https://a.test/shop;jsessionid=0AF3B2C1D?x=1",
                "https://a.test/shop?x=1",
            ),
            (
                "https://a.test/shop;JSESSIONID=abc/item;v=2",
                "https://a.test/shop/item;v=2",
            ),
            (
                "https://a.test/p?PHPSESSID=9f8e7d6c5b4a39281706f5e4d3c2b1a0&id=4",
                "https://a.test/p?id=4",
            ),
            (
                "https://a.test/p?sid=0123456789abcdef0123",
                "https://a.test/p",
            ),
            ("https://a.test/p?sid=2", "https://a.test/p?sid=2"),
            ("https://a.test/?s=anvils", "https://a.test/?s=anvils"),
            (
                "https://a.test/?srsltid=AfmBOoq&_kx=abc.def&hsa_cam=1&hsa_grp=2",
                "https://a.test/",
            ),
            (
                "https://a.test/?mc_eid=1&fbclid=2&msclkid=3&_ga=4&yclid=5&mkt_tok=6&_hsenc=7&page=2",
                "https://a.test/?page=2",
            ),
            (
                "https://a.test/?UTM_SOURCE=x&gclid=1&mtm_campaign=y&cfid=1&cftoken=2",
                "https://a.test/",
            ),
            (
                "https://a.test/(S(lit3py55t21z5v55vlm25s55))/default.aspx",
                "https://a.test/default.aspx",
            ),
            ("https://a.test/(X(1)S(abc123))/team", "https://a.test/team"),
            ("https://a.test/(notes)/team", "https://a.test/(notes)/team"),
        ] {
            assert_eq!(norm(input), want, "{input}");
        }
    }

    #[test]
    fn escapes_have_one_spelling() {
        assert_eq!(norm("https://a.test/%7Euser/%7e"), "https://a.test/~user/~");
        assert_eq!(norm("https://a.test/%41%2d%5F"), "https://a.test/A-_");
        assert_eq!(norm("https://a.test/%c3%bcber"), "https://a.test/%C3%BCber");
        assert_eq!(norm("https://a.test/über"), "https://a.test/%C3%BCber");
        assert_eq!(
            norm("https://a.test/a%2fb?q=%2a%7e"),
            "https://a.test/a%2Fb?q=%2A~"
        );
        assert_eq!(
            norm("https://a.test/50%?q=%zz%"),
            "https://a.test/50%?q=%zz%"
        );
        let k = |s: &str| dedup_key(&normalize(Url::parse(s).unwrap()).unwrap());
        assert_eq!(k("https://a.test/%7Eteam"), k("https://a.test/~team"));
    }

    #[test]
    fn non_page_files_by_extension() {
        assert!(crate::wordset::WordSet::fits(NON_PAGE_EXTENSIONS));
        let e = |s: &str| non_page_extension(&Url::parse(s).unwrap());
        assert_eq!(e("https://a.test/files/Brochure.PDF"), Some("pdf"));
        assert_eq!(e("https://a.test/img/logo.png?v=3"), Some("png"));
        assert_eq!(e("https://a.test/dl/archive.zip"), Some("zip"));
        assert_eq!(e("https://a.test/about.html"), None);
        assert_eq!(e("https://a.test/about"), None);
        assert_eq!(e("https://a.test/v1.2/release"), None);
        assert_eq!(e("https://a.test/.png"), None);
        assert_eq!(e("https://a.test/page.php"), None);
    }
}
