//! Other pages named outside `<a>` elements: HTTP `Link` headers,
//! `<meta http-equiv="refresh">` content and script redirects.

use super::*;

/// Targets of an HTTP `Link` header (RFC 8288) that name other pages of
/// the site the way `<link>` elements do: `rel` `alternate` with an
/// `hreflang` (language versions), `next`, `prev`/`previous`. Entries are
/// `<uri>; param=value; ...`, separated by commas outside `<>` and quotes.
pub fn link_header_targets(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>').map(|c| open + c) else {
            break;
        };
        let target = rest[open + 1..close].trim();
        // The parameters run to the next comma outside a quoted string.
        let params_start = close + 1;
        let mut quoted = false;
        let mut end = rest.len();
        for (i, c) in rest[params_start..].char_indices() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => {
                    end = params_start + i;
                    break;
                }
                _ => {}
            }
        }
        let (mut alternate, mut hreflang, mut paged) = (false, false, false);
        for param in rest[params_start..end].split(';') {
            let Some((name, value)) = param.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"');
            match name.trim().to_ascii_lowercase().as_str() {
                "rel" => {
                    alternate |= tokens_contain(value, "alternate");
                    paged |= ["next", "prev", "previous"]
                        .iter()
                        .any(|t| tokens_contain(value, t));
                }
                "hreflang" => hreflang = !value.is_empty(),
                _ => {}
            }
        }
        if !target.is_empty() && ((alternate && hreflang) || paged) {
            out.push(target);
        }
        rest = &rest[end..];
    }
    out
}

/// The target of a `<meta http-equiv="refresh" content="5; url=/en/">`:
/// the part after the delay, without `url=` and quotes. Language splash
/// pages often link nowhere else, so the crawl follows it like a link.
pub fn meta_refresh_target(content: &str) -> Option<&str> {
    let rest = content.trim_start();
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix(';')
        .or_else(|| rest.strip_prefix(','))
        .unwrap_or(rest)
        .trim_start();
    let rest = match rest.get(..3) {
        Some(p) if p.eq_ignore_ascii_case("url") => {
            let after = rest[3..].trim_start();
            after.strip_prefix('=').map(str::trim_start).unwrap_or(rest)
        }
        _ => rest,
    };
    let rest = match rest.chars().next() {
        Some(q @ ('\'' | '"')) => {
            let inner = &rest[1..];
            inner.find(q).map_or(inner, |end| &inner[..end])
        }
        _ => rest,
    };
    let target = rest.trim();
    (!target.is_empty()).then_some(target)
}

/// Most redirect targets taken from one page's scripts.
const MAX_SCRIPT_REDIRECTS: usize = 8;
/// Longest script redirect target read (bytes).
const MAX_SCRIPT_URL: usize = 2000;

/// Targets of the redirects an inline script makes by assigning a string
/// to the location (`window.location.href = "/de/"`, `location =
/// '/en/'`, `top.location.href="..."`) or by `location.replace("...")` /
/// `location.assign("...")`: a home page that sends visitors on to a
/// language or to the group's site in script names no other page. Only
/// string literals are read; a URL built at run time is a browser's.
/// Each occurrence of `location` is looked at once, so the cost is a
/// substring search over the script sample.
pub fn script_redirect_targets(script: &str) -> Vec<&str> {
    let bytes = script.as_bytes();
    let mut out = Vec::new();
    for at in memchr::memmem::find_iter(bytes, b"location") {
        if out.len() == MAX_SCRIPT_REDIRECTS {
            break;
        }
        let word_start = at == 0 || !is_ident_byte(bytes[at - 1]);
        if word_start && let Some(target) = location_target(script, at + "location".len()) {
            out.push(target);
        }
    }
    out
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// What follows `location` at `i`: `= "..."`, `.href = "..."`,
/// `.replace("...")` or `.assign("...")`; the string, if one.
fn location_target(script: &str, mut i: usize) -> Option<&str> {
    let bytes = script.as_bytes();
    let rest = |i: usize| &bytes[i.min(bytes.len())..];
    let skip_blanks = |mut i: usize| {
        while bytes.get(i).is_some_and(|b| matches!(b, b' ' | b'\t')) {
            i += 1;
        }
        i
    };
    let call = if rest(i).starts_with(b".replace(") {
        i += ".replace(".len();
        true
    } else if rest(i).starts_with(b".assign(") {
        i += ".assign(".len();
        true
    } else {
        if rest(i).starts_with(b".href") && !rest(i + 5).first().is_some_and(|b| is_ident_byte(*b))
        {
            i += ".href".len();
        }
        i = skip_blanks(i);
        // `=` but not `==`.
        if bytes.get(i) != Some(&b'=') || bytes.get(i + 1) == Some(&b'=') {
            return None;
        }
        i += 1;
        false
    };
    i = skip_blanks(i);
    let quote = *bytes.get(i).filter(|b| matches!(b, b'"' | b'\''))?;
    let start = i + 1;
    let len = rest(start)
        .iter()
        .take(MAX_SCRIPT_URL + 1)
        .position(|b| *b == quote || matches!(b, b'\\' | b'\n' | b'\r'))?;
    if len == 0 || bytes[start + len] != quote {
        return None;
    }
    let end = start + len;
    if call && bytes.get(skip_blanks(end + 1)) != Some(&b')') {
        return None;
    }
    // The quote and the bytes around it are ASCII: `start..end` falls on
    // character boundaries.
    script
        .get(start..end)
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_refresh_targets() {
        assert_eq!(meta_refresh_target("0; url=/en/"), Some("/en/"));
        assert_eq!(
            meta_refresh_target("5;URL='https://acme.test/de/'"),
            Some("https://acme.test/de/")
        );
        assert_eq!(
            meta_refresh_target(" 0 , url = \"/start\" "),
            Some("/start")
        );
        assert_eq!(meta_refresh_target("3; /welcome"), Some("/welcome"));
        assert_eq!(meta_refresh_target("0.5;url=/x"), Some("/x"));
        // A plain reload names no target.
        assert_eq!(meta_refresh_target("30"), None);
        assert_eq!(meta_refresh_target("30; "), None);
        assert_eq!(meta_refresh_target(""), None);
    }

    #[test]
    fn script_redirects() {
        let table: &[(&str, &[&str])] = &[
            (r#"window.location.href = "/de/";"#, &["/de/"]),
            ("location='/en/start'", &["/en/start"]),
            (
                r#"var l = navigator.language; if (l.indexOf("de") == 0) { top.location.href = 'https://acme.test/de/'; } else { self.location.replace("/en/"); }"#,
                &["https://acme.test/de/", "/en/"],
            ),
            (r#"document.location.assign( "/kontakt" )"#, &["/kontakt"]),
            // Comparisons, string operations on the address and URLs built
            // at run time name no page.
            (r#"if (location.href == "/x") {}"#, &[]),
            (r##"var p = location.href.replace("#", "");"##, &[]),
            (r#"window.location.href = base + "/de/";"#, &[]),
            (r#"mylocation = "/nope";"#, &[]),
            (r#"location.href = "";"#, &[]),
            (r#"location.hrefs = "/nope";"#, &[]),
            (r#"location.replace("/a" + x)"#, &[]),
            (r#"location.href = "/esc\"aped";"#, &[]),
            (r#"location.href = "/unterminated"#, &[]),
            ("location.href = '/über-uns/'", &["/über-uns/"]),
            ("location", &[]),
            ("no redirect here", &[]),
        ];
        for (script, want) in table {
            assert_eq!(script_redirect_targets(script), *want, "{script}");
        }
    }

    #[test]
    fn link_headers_name_language_versions_and_list_pages() {
        let table: &[(&str, &[&str])] = &[
            (
                r#"<https://acme.test/de/>; rel="alternate"; hreflang="de", <https://acme.test/fr/>; rel=alternate; hreflang=fr"#,
                &["https://acme.test/de/", "https://acme.test/fr/"],
            ),
            (
                r#"</team?page=2>; rel="next", </team?a=1,2>; rel="prev""#,
                &["/team?page=2", "/team?a=1,2"],
            ),
            // Not pages of the site: a preload, a canonical (marked seen
            // elsewhere), an alternate without a language, an API root.
            (
                r#"</app.css>; rel=preload; as=style, </x>; rel=canonical, </feed>; rel="alternate"; type="application/rss+xml", <https://acme.test/wp-json/>; rel="https://api.w.org/""#,
                &[],
            ),
            (r#"<>; rel=next, </broken"#, &[]),
            (r#"</a>; title="x, y"; rel="next nofollow""#, &["/a"]),
        ];
        for (header, want) in table {
            assert_eq!(link_header_targets(header), *want, "{header}");
        }
    }
}
